package io.streamcell.bench;

import io.streamcell.model.CellType;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.Scaler;
import io.streamcell.model.Tensor;
import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * DL4J's {@code MultiLayerNetwork.rnnTimeStep} on a StreamCell LSTM's weights, with each key's state
 * swapped in and out through {@code rnnSetPreviousState}/{@code rnnGetPreviousState}: the way DL4J
 * would serve keyed streams, one network shared by all keys.
 *
 * <h2>Weight mapping</h2>
 * DL4J's {@code LSTM} layer (no peepholes) has {@code W} [nIn, 4H], {@code RW} [H, 4H] and
 * {@code b} [1, 4H], columns in four H-wide blocks that its {@code LSTMHelpers} use as: block 0
 * the tanh block input (PyTorch's g), block 1 the forget gate (f), block 2 the output gate (o),
 * block 3 the sigmoid "input modulation" gate (PyTorch's i). So DL4J block q takes PyTorch gate
 * block {@code {2, 1, 3, 0}[q]}, transposed (PyTorch stores [4H, nIn]), with
 * {@code b = b_ih + b_hh}. The head is an identity {@code RnnOutputLayer} with {@code W} = the
 * transposed {@code head.weight} and {@code b} = {@code head.bias}. {@link OnnxCheck} holds the
 * result to {@code StepKernel}.
 *
 * <p>State per key is the StreamCell {@code float[]}, copied into fresh ND4J arrays for each call
 * and out again after it (DL4J replaces its stored state arrays on every step, so there is nothing
 * to reuse). Not thread-safe.
 */
final class Dl4jStep {
    /** PyTorch gate block (i, f, g, o = 0..3) feeding DL4J column block q. */
    private static final int[] TORCH_BLOCK = {2, 1, 3, 0};

    private final RecurrentModel model;
    private final MultiLayerNetwork net;
    private final int layers;
    private final int hidden;
    private final int inputs;
    private final int outputs;
    private final Scaler inputScaler;
    private final Scaler targetScaler;

    Dl4jStep(RecurrentModel model) {
        if (model.cell() != CellType.LSTM) {
            throw new IllegalArgumentException("DL4J has no GRU layer; got " + model);
        }
        this.model = model;
        this.layers = model.numLayers();
        this.hidden = model.hiddenSize();
        this.inputs = model.inputSize();
        this.outputs = model.outputSize();
        this.inputScaler = model.config().inputScaler();
        this.targetScaler = model.config().targetScaler();

        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .dataType(DataType.FLOAT)
                .seed(1)
                .weightInit(WeightInit.XAVIER) // overwritten below
                .list();
        for (int l = 0; l < layers; l++) {
            list.layer(new LSTM.Builder()
                    .nIn(l == 0 ? inputs : hidden)
                    .nOut(hidden)
                    .activation(Activation.TANH)
                    .gateActivationFunction(Activation.SIGMOID)
                    .build());
        }
        list.layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE)
                .nIn(hidden)
                .nOut(outputs)
                .activation(Activation.IDENTITY)
                .build());
        MultiLayerConfiguration conf = list.build();
        this.net = new MultiLayerNetwork(conf);
        net.init();

        Map<String, float[]> sd = new HashMap<>();
        for (Tensor tensor : model.stateDict()) {
            sd.put(tensor.name(), tensor.data());
        }
        for (int l = 0; l < layers; l++) {
            int in = l == 0 ? inputs : hidden;
            float[] bias = new float[4 * hidden];
            float[] bIh = sd.get("rnn.bias_ih_l" + l);
            float[] bHh = sd.get("rnn.bias_hh_l" + l);
            for (int j = 0; j < 4 * hidden; j++) {
                bias[j] = bIh[j] + bHh[j];
            }
            net.getLayer(l).setParam("W", matrix(gateColumns(sd.get("rnn.weight_ih_l" + l), in), in, 4 * hidden));
            net.getLayer(l)
                    .setParam("RW", matrix(gateColumns(sd.get("rnn.weight_hh_l" + l), hidden), hidden, 4 * hidden));
            net.getLayer(l).setParam("b", matrix(gateColumns(bias, 1), 1, 4 * hidden));
        }
        float[] head = sd.get("head.weight"); // [outputs, H]
        float[] headT = new float[hidden * outputs];
        for (int o = 0; o < outputs; o++) {
            for (int k = 0; k < hidden; k++) {
                headT[k * outputs + o] = head[o * hidden + k];
            }
        }
        net.getLayer(layers).setParam("W", matrix(headT, hidden, outputs));
        net.getLayer(layers).setParam("b", matrix(sd.get("head.bias").clone(), 1, outputs));
    }

    /**
     * A PyTorch [4H, rows] gate matrix (or a 4H bias, rows = 1) as DL4J's row-major [rows, 4H] with
     * the column blocks in DL4J's order.
     */
    private float[] gateColumns(float[] torch, int rows) {
        int width = 4 * hidden;
        float[] dl4j = new float[rows * width];
        for (int q = 0; q < 4; q++) {
            for (int j = 0; j < hidden; j++) {
                int torchUnit = TORCH_BLOCK[q] * hidden + j;
                for (int k = 0; k < rows; k++) {
                    dl4j[k * width + q * hidden + j] = torch[torchUnit * rows + k];
                }
            }
        }
        return dl4j;
    }

    private static INDArray matrix(float[] data, int rows, int columns) {
        return Nd4j.create(data, new long[] {rows, columns}, 'c');
    }

    /**
     * Steps keys {@code from .. from+count-1} in one {@code rnnTimeStep}: {@code states[k]}
     * advanced in place, the unscaled forecast written to {@code forecasts[k]}.
     */
    void step(float[][] states, float[][] features, float[][] forecasts, int from, int count) {
        float[] x = new float[count * inputs];
        float[] scaled = new float[inputs];
        for (int b = 0; b < count; b++) {
            inputScaler.scale(features[from + b], scaled);
            System.arraycopy(scaled, 0, x, b * inputs, inputs);
        }
        for (int l = 0; l < layers; l++) {
            float[] h = new float[count * hidden];
            float[] c = new float[count * hidden];
            for (int b = 0; b < count; b++) {
                System.arraycopy(states[from + b], model.hiddenOffset(l), h, b * hidden, hidden);
                System.arraycopy(states[from + b], model.cellOffset(l), c, b * hidden, hidden);
            }
            Map<String, INDArray> state = new HashMap<>();
            state.put(org.deeplearning4j.nn.layers.recurrent.LSTM.STATE_KEY_PREV_ACTIVATION, matrix(h, count, hidden));
            state.put(org.deeplearning4j.nn.layers.recurrent.LSTM.STATE_KEY_PREV_MEMCELL, matrix(c, count, hidden));
            net.rnnSetPreviousState(l, state);
        }
        INDArray y = net.rnnTimeStep(matrix(x, count, inputs));
        float[][] forecast = y.reshape(count, outputs).toFloatMatrix();
        for (int l = 0; l < layers; l++) {
            Map<String, INDArray> state = net.rnnGetPreviousState(l);
            float[][] h = state.get(org.deeplearning4j.nn.layers.recurrent.LSTM.STATE_KEY_PREV_ACTIVATION)
                    .reshape(count, hidden)
                    .toFloatMatrix();
            float[][] c = state.get(org.deeplearning4j.nn.layers.recurrent.LSTM.STATE_KEY_PREV_MEMCELL)
                    .reshape(count, hidden)
                    .toFloatMatrix();
            for (int b = 0; b < count; b++) {
                System.arraycopy(h[b], 0, states[from + b], model.hiddenOffset(l), hidden);
                System.arraycopy(c[b], 0, states[from + b], model.cellOffset(l), hidden);
            }
        }
        for (int b = 0; b < count; b++) {
            System.arraycopy(forecast[b], 0, forecasts[from + b], 0, outputs);
            targetScaler.unscaleInPlace(forecasts[from + b], 0, outputs);
        }
    }
}
