package io.streamcell.model.kernel;

import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.Scaler;
import io.streamcell.model.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random models for the kernel tests, and a straightforward double-precision step written from
 * PyTorch's equations on the unpacked {@code state_dict} tensors (independent of the packed layout
 * and of {@link Activations}).
 */
final class ReferenceModel {
    private ReferenceModel() {}

    static RecurrentModel random(
            CellType cell, GruReset reset, int inputSize, int hidden, int layers, int targets, int horizon, long seed) {
        List<String> features = new ArrayList<>();
        for (int i = 0; i < inputSize; i++) {
            features.add("x" + i);
        }
        List<String> targetNames = new ArrayList<>();
        for (int i = 0; i < targets; i++) {
            targetNames.add("y" + i);
        }
        SplittableRandom random = new SplittableRandom(seed);
        float[] inMean = new float[inputSize];
        float[] inStd = new float[inputSize];
        for (int i = 0; i < inputSize; i++) {
            inMean[i] = (float) random.nextDouble(-2, 2);
            inStd[i] = (float) random.nextDouble(0.5, 3);
        }
        float[] outMean = new float[targets];
        float[] outStd = new float[targets];
        for (int i = 0; i < targets; i++) {
            outMean[i] = (float) random.nextDouble(-10, 10);
            outStd[i] = (float) random.nextDouble(0.5, 5);
        }
        ModelConfig config = ModelConfig.builder()
                .cell(cell)
                .gruReset(reset)
                .inputSize(inputSize)
                .hiddenSize(hidden)
                .numLayers(layers)
                .features(features)
                .targets(targetNames)
                .horizon(horizon)
                .inputScaler(Scaler.of(inMean, inStd))
                .targetScaler(Scaler.of(outMean, outStd))
                .version("test")
                .build();
        // Wider than PyTorch's init (U(±1/sqrt(H))) so gates reach saturation as well as the linear range.
        float bound = (float) (2.0 / Math.sqrt(hidden));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : RecurrentModel.expectedShapes(config).entrySet()) {
            float[] data = new float[(int) Tensor.elementCount(e.getValue())];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) random.nextDouble(-bound, bound);
            }
            tensors.put(e.getKey(), new Tensor(e.getKey(), e.getValue(), data));
        }
        return RecurrentModel.fromStateDict(config, tensors, "test");
    }

    /** One key's state in double, stepped with PyTorch's equations. */
    static final class Key {
        private final RecurrentModel model;
        private final Map<String, float[]> tensors = new HashMap<>();
        private final double[][] h;
        private final double[][] c;

        Key(RecurrentModel model) {
            this.model = model;
            for (Tensor t : model.stateDict()) {
                tensors.put(t.name(), t.data());
            }
            this.h = new double[model.numLayers()][model.hiddenSize()];
            this.c = new double[model.numLayers()][model.hiddenSize()];
        }

        float[] step(float[] features) {
            int hidden = model.hiddenSize();
            float[] scaled = new float[features.length];
            model.config().inputScaler().scale(features, scaled);
            double[] x = new double[scaled.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = scaled[i];
            }
            for (int l = 0; l < model.numLayers(); l++) {
                float[] wIh = tensors.get("rnn.weight_ih_l" + l);
                float[] wHh = tensors.get("rnn.weight_hh_l" + l);
                float[] bIh = tensors.get("rnn.bias_ih_l" + l);
                float[] bHh = tensors.get("rnn.bias_hh_l" + l);
                double[] hPrev = h[l];
                int gates = model.cell().gateCount() * hidden;
                double[] ih = new double[gates];
                double[] hh = new double[gates];
                for (int u = 0; u < gates; u++) {
                    double a = bIh[u];
                    for (int k = 0; k < x.length; k++) {
                        a += (double) wIh[u * x.length + k] * x[k];
                    }
                    ih[u] = a;
                    double b = bHh[u];
                    for (int k = 0; k < hidden; k++) {
                        b += (double) wHh[u * hidden + k] * hPrev[k];
                    }
                    hh[u] = b;
                }
                double[] hNew = new double[hidden];
                if (model.cell() == CellType.LSTM) {
                    for (int j = 0; j < hidden; j++) {
                        double i = sigmoid(ih[j] + hh[j]);
                        double f = sigmoid(ih[hidden + j] + hh[hidden + j]);
                        double g = Math.tanh(ih[2 * hidden + j] + hh[2 * hidden + j]);
                        double o = sigmoid(ih[3 * hidden + j] + hh[3 * hidden + j]);
                        c[l][j] = f * c[l][j] + i * g;
                        hNew[j] = o * Math.tanh(c[l][j]);
                    }
                } else {
                    double[] r = new double[hidden];
                    double[] z = new double[hidden];
                    for (int j = 0; j < hidden; j++) {
                        r[j] = sigmoid(ih[j] + hh[j]);
                        z[j] = sigmoid(ih[hidden + j] + hh[hidden + j]);
                    }
                    for (int j = 0; j < hidden; j++) {
                        double candidate;
                        if (model.config().gruReset() == GruReset.AFTER) {
                            candidate = ih[2 * hidden + j] + r[j] * hh[2 * hidden + j];
                        } else {
                            double a = bHh[2 * hidden + j];
                            for (int k = 0; k < hidden; k++) {
                                a += (double) wHh[(2 * hidden + j) * hidden + k] * (r[k] * hPrev[k]);
                            }
                            candidate = ih[2 * hidden + j] + a;
                        }
                        hNew[j] = (1 - z[j]) * Math.tanh(candidate) + z[j] * hPrev[j];
                    }
                }
                h[l] = hNew;
                x = hNew;
            }
            float[] wHead = tensors.get("head.weight");
            float[] bHead = tensors.get("head.bias");
            int outputs = model.outputSize();
            float[] forecast = new float[outputs];
            for (int o = 0; o < outputs; o++) {
                double a = bHead[o];
                for (int k = 0; k < hidden; k++) {
                    a += (double) wHead[o * hidden + k] * x[k];
                }
                forecast[o] = (float) a;
            }
            model.config().targetScaler().unscaleInPlace(forecast, 0, outputs);
            return forecast;
        }

        /** The state in the kernels' layout. */
        float[] state() {
            float[] state = model.newState();
            for (int l = 0; l < model.numLayers(); l++) {
                for (int j = 0; j < model.hiddenSize(); j++) {
                    state[model.hiddenOffset(l) + j] = (float) h[l][j];
                    if (model.cell().hasCellState()) {
                        state[model.cellOffset(l) + j] = (float) c[l][j];
                    }
                }
            }
            return state;
        }

        private static double sigmoid(double x) {
            return 1 / (1 + Math.exp(-x));
        }
    }
}
