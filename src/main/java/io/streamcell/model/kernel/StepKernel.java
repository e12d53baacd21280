package io.streamcell.model.kernel;

import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.RecurrentModel.Layer;
import io.streamcell.model.Scaler;

/**
 * Advances one key's state by one event and forecasts from the new state: the per-event path.
 *
 * <p>Plain Java over the packed weights: each input contributes one axpy over a contiguous row of
 * gate columns ({@code gates += x_k * W[k, :]}), a loop form HotSpot's C2 auto-vectorises (a dot
 * product per gate would be a float reduction, which it may not reorder). Not thread-safe: it owns
 * scratch buffers, so use one instance per thread (per operator instance in Flink).
 */
public final class StepKernel {
    private final RecurrentModel model;
    private final Scaler inputScaler;
    private final Scaler targetScaler;
    private final int hidden;
    private final float[] scaledInput;
    private final float[] gates;
    private final float[] resetHidden;
    private final float[] candidate;

    public StepKernel(RecurrentModel model) {
        this.model = model;
        this.inputScaler = model.config().inputScaler();
        this.targetScaler = model.config().targetScaler();
        this.hidden = model.hiddenSize();
        this.scaledInput = new float[model.inputSize()];
        int widest = 0;
        for (int l = 0; l < model.numLayers(); l++) {
            widest = Math.max(widest, model.layer(l).gateWidth());
        }
        this.gates = new float[widest];
        this.resetHidden = new float[hidden];
        this.candidate = new float[hidden];
    }

    public RecurrentModel model() {
        return model;
    }

    /**
     * One step: scales {@code features}, advances {@code state} in place, writes the unscaled
     * forecast ({@link RecurrentModel#outputSize()} values, step-major) to {@code forecast}.
     */
    public void step(float[] state, float[] features, float[] forecast) {
        inputScaler.scale(features, scaledInput);
        float[] layerInput = scaledInput;
        int layerInputOffset = 0;
        for (int l = 0; l < model.numLayers(); l++) {
            Layer layer = model.layer(l);
            int h = model.hiddenOffset(l);
            stepLayer(layer, layerInput, layerInputOffset, state, h, l);
            layerInput = state; // the next layer reads this layer's new h
            layerInputOffset = h;
        }
        head(state, model.topHiddenOffset(), forecast);
    }

    private void stepLayer(Layer layer, float[] x, int xOffset, float[] state, int h, int l) {
        int width = layer.gateWidth();
        int inputs = layer.inputSize();
        float[] w = layer.weights();
        System.arraycopy(layer.bias(), 0, gates, 0, width);
        CellType cell = model.cell();
        if (cell == CellType.LSTM) {
            addRows(w, 0, width, x, xOffset, inputs, 0, width);
            addRows(w, inputs, width, state, h, hidden, 0, width);
            GateMath.lstm(gates, 0, state, h, model.cellOffset(l), hidden);
        } else if (model.config().gruReset() == GruReset.AFTER) {
            // x feeds [r | z | n_x]; h feeds [r | z] and n_h (the zero blocks are skipped).
            addRows(w, 0, width, x, xOffset, inputs, 0, 3 * hidden);
            addRows(w, inputs, width, state, h, hidden, 0, 2 * hidden);
            addRows(w, inputs, width, state, h, hidden, 3 * hidden, hidden);
            GateMath.gruResetAfter(gates, 0, state, h, hidden);
        } else {
            addRows(w, 0, width, x, xOffset, inputs, 0, 3 * hidden);
            addRows(w, inputs, width, state, h, hidden, 0, 2 * hidden);
            GateMath.gruResetBeforeGates(gates, 0, state, h, resetHidden, 0, hidden);
            System.arraycopy(layer.candidateBias(), 0, candidate, 0, hidden);
            float[] wc = layer.candidateWeights();
            for (int k = 0; k < hidden; k++) {
                axpy(resetHidden[k], wc, k * hidden, candidate, 0, hidden);
            }
            GateMath.gruResetBeforeUpdate(gates, 0, candidate, 0, state, h, hidden);
        }
    }

    /**
     * {@code gates[from, from+count) += sum_k v[vOffset+k] * w[(firstRow+k), from .. from+count)}
     * for {@code rows} rows of the row-major matrix {@code w} with {@code width} columns.
     */
    private void addRows(float[] w, int firstRow, int width, float[] v, int vOffset, int rows, int from,
            int count) {
        for (int k = 0; k < rows; k++) {
            axpy(v[vOffset + k], w, (firstRow + k) * width + from, gates, from, count);
        }
    }

    private static void axpy(float a, float[] x, int xOffset, float[] y, int yOffset, int count) {
        for (int j = 0; j < count; j++) {
            y[yOffset + j] += a * x[xOffset + j];
        }
    }

    private void head(float[] state, int top, float[] forecast) {
        int outputs = model.outputSize();
        float[] w = model.headWeights();
        System.arraycopy(model.headBias(), 0, forecast, 0, outputs);
        for (int k = 0; k < hidden; k++) {
            axpy(state[top + k], w, k * outputs, forecast, 0, outputs);
        }
        targetScaler.unscaleInPlace(forecast, 0, outputs);
    }
}
