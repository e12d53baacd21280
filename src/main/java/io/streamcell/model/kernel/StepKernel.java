package io.streamcell.model.kernel;

import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.RecurrentModel.Layer;
import io.streamcell.model.Scaler;

/**
 * Advances one key's state by one event and forecasts from the new state: the per-event path.
 *
 * <p>Plain Java that HotSpot's C2 (JDK 17) auto-vectorises, no incubator modules:
 * <ul>
 *   <li>The product {@code gates = bias + [x, h] · W} is a sum of rows of W scaled by the inputs,
 *       four rows per pass ({@code gates[j] += (a0 W0[j] + a1 W1[j]) + (a2 W2[j] + a3 W3[j])}): an
 *       axpy form C2 vectorises, where a dot product per gate would be a float reduction it must
 *       keep in order. Each row of W is its own array, indexed by the loop variable alone, because
 *       C2 leaves {@code w[rowStart + j]} (a runtime offset in the index) scalar, several times
 *       slower. GRU reset-after's zero blocks are skipped.
 *   <li>LSTM columns are kept in the order {@code [i | f | o | g]}, with the candidate's weights
 *       doubled so that {@code tanh(g) = 2 sigmoid(2g) - 1} (see {@link GateMath#lstmCell}): one
 *       vectorised {@link Activations#sigmoid} pass covers all four blocks (GRU: one sigmoid pass
 *       over {@code [r | z]});
 *       loops of only H iterations spend much of their time in C2's scalar pre- and post-loops.
 *       The gate blocks are then copied into separate arrays for the shared {@link GateMath} cell
 *       update.
 *   <li>The head is a dot product per output with eight partial sums.
 * </ul>
 * Speed: docs/benchmarks.md. Results equal {@link BatchStepKernel}'s up to float rounding of the sums
 * (the products add in another order); the elementwise math is the same code. Not thread-safe: it
 * owns scratch buffers, so use one instance per thread (per operator instance in Flink). No
 * allocation per step.
 */
public final class StepKernel {
    private final RecurrentModel model;
    private final Scaler inputScaler;
    private final Scaler targetScaler;
    private final int hidden;
    private final CellType cell;
    private final boolean resetBefore;
    private final float[][][] rows; // [layer][k]: row k of the packed weights, gate-width floats
    private final float[][] biases; // [layer]: the packed bias, in the same column order as rows
    private final float[][][] candidateRows; // [layer][k]: row k of W_hn^T (GRU reset-before)
    private final float[][] headRows; // [output]: W_head row, H floats
    private final float[] scaledInput;
    private final float[] gates;
    private final float[] rowScratch;
    private final float[] rowScratch2;
    private final GateMath.Buffers buffers;

    public StepKernel(RecurrentModel model) {
        this.model = model;
        this.inputScaler = model.config().inputScaler();
        this.targetScaler = model.config().targetScaler();
        this.hidden = model.hiddenSize();
        this.cell = model.cell();
        this.resetBefore = cell == CellType.GRU && model.config().gruReset() == GruReset.BEFORE;
        this.scaledInput = new float[model.inputSize()];
        int layers = model.numLayers();
        this.rows = new float[layers][][];
        this.biases = new float[layers][];
        this.candidateRows = new float[layers][][];
        // LSTM columns are reordered [i | f | o | g], so the three sigmoid gates are one run.
        int[] blockOrder = cell == CellType.LSTM ? new int[] {0, 1, 3, 2} : null;
        int widest = 0;
        for (int l = 0; l < layers; l++) {
            Layer layer = model.layer(l);
            rows[l] = split(layer.weights(), layer.inputSize() + hidden, layer.gateWidth(), blockOrder, hidden);
            biases[l] = split(layer.bias(), 1, layer.gateWidth(), blockOrder, hidden)[0];
            if (cell == CellType.LSTM) { // the candidate block [3H, 4H) yields 2g (GateMath.CANDIDATE_SCALE)
                for (float[] row : rows[l]) {
                    scale(row, 3 * hidden, 4 * hidden, GateMath.CANDIDATE_SCALE);
                }
                scale(biases[l], 3 * hidden, 4 * hidden, GateMath.CANDIDATE_SCALE);
            }
            if (layer.candidateWeights() != null) {
                candidateRows[l] = split(layer.candidateWeights(), hidden, hidden, null, hidden);
            }
            widest = Math.max(widest, layer.gateWidth());
        }
        int outputs = model.outputSize();
        float[] head = model.headWeights(); // H rows × outputs
        this.headRows = new float[outputs][hidden];
        for (int k = 0; k < hidden; k++) {
            for (int o = 0; o < outputs; o++) {
                headRows[o][k] = head[k * outputs + o];
            }
        }
        this.gates = new float[widest];
        this.rowScratch = new float[widest];
        this.rowScratch2 = new float[widest];
        this.buffers = new GateMath.Buffers(hidden, cell, model.config().gruReset());
    }

    private static void scale(float[] v, int from, int to, float factor) {
        for (int j = from; j < to; j++) {
            v[j] *= factor;
        }
    }

    /** Rows of a row-major matrix as arrays, column blocks of {@code block} reordered if asked. */
    private static float[][] split(float[] matrix, int rowCount, int width, int[] blockOrder, int block) {
        float[][] split = new float[rowCount][width];
        for (int k = 0; k < rowCount; k++) {
            if (blockOrder == null) {
                System.arraycopy(matrix, k * width, split[k], 0, width);
            } else {
                for (int q = 0; q < blockOrder.length; q++) {
                    System.arraycopy(matrix, k * width + blockOrder[q] * block, split[k], q * block, block);
                }
            }
        }
        return split;
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
            int h = model.hiddenOffset(l);
            stepLayer(l, layerInput, layerInputOffset, state, h);
            layerInput = state; // the next layer reads this layer's new h
            layerInputOffset = h;
        }
        head(state, model.topHiddenOffset(), forecast);
    }

    private void stepLayer(int l, float[] x, int xOffset, float[] state, int h) {
        Layer layer = model.layer(l);
        int width = layer.gateWidth();
        int inputs = layer.inputSize();
        float[][] w = rows[l];
        System.arraycopy(biases[l], 0, gates, 0, width);
        float[][] g = buffers.gate;
        float[] newHidden = buffers.hidden;
        if (cell == CellType.LSTM) { // columns [i | f | o | g]
            addRows(w, 0, x, xOffset, inputs, gates, 0, width);
            addRows(w, inputs, state, h, hidden, gates, 0, width);
            Activations.sigmoid(gates, 0, width, rowScratch); // i, f, o and sigmoid(2g) for tanh(g)
            System.arraycopy(gates, 0, g[0], 0, hidden);
            System.arraycopy(gates, hidden, g[1], 0, hidden);
            System.arraycopy(gates, 2 * hidden, g[3], 0, hidden);
            System.arraycopy(gates, 3 * hidden, g[2], 0, hidden);
            int c = model.cellOffset(l);
            System.arraycopy(state, c, buffers.cell, 0, hidden);
            GateMath.lstmCell(g[0], g[1], g[2], g[3], buffers.cell, newHidden, hidden, buffers);
            System.arraycopy(buffers.cell, 0, state, c, hidden);
        } else {
            // x feeds [r | z | n_x]; h feeds [r | z] and, after the reset, n_h (zero blocks skipped).
            addRows(w, 0, x, xOffset, inputs, gates, 0, 3 * hidden);
            addRows(w, inputs, state, h, hidden, gates, 0, 2 * hidden);
            if (!resetBefore) {
                addRows(w, inputs, state, h, hidden, gates, 3 * hidden, width);
            }
            Activations.sigmoid(gates, 0, 2 * hidden, rowScratch); // r and z
            for (int q = 0; q < g.length; q++) {
                System.arraycopy(gates, q * hidden, g[q], 0, hidden);
            }
            System.arraycopy(state, h, newHidden, 0, hidden);
            if (!resetBefore) {
                GateMath.gruResetAfterCell(g[0], g[1], g[2], g[3], newHidden, hidden, buffers);
            } else {
                GateMath.resetHidden(g[0], newHidden, buffers.resetHidden, hidden);
                float[] candidate = buffers.candidate;
                System.arraycopy(layer.candidateBias(), 0, candidate, 0, hidden);
                addRows(candidateRows[l], 0, buffers.resetHidden, 0, hidden, candidate, 0, hidden);
                GateMath.gruResetBeforeUpdate(g[1], g[2], candidate, newHidden, hidden, buffers);
            }
        }
        System.arraycopy(newHidden, 0, state, h, hidden);
    }

    /**
     * {@code y[from, to) += sum_k v[vOffset+k] * w[firstRow+k][from, to)} for {@code count} rows,
     * four rows per pass.
     */
    private static void addRows(
            float[][] w, int firstRow, float[] v, int vOffset, int count, float[] y, int from, int to) {
        int k = 0;
        for (; k + 4 <= count; k += 4) {
            int r = firstRow + k;
            int a = vOffset + k;
            axpy4(v[a], w[r], v[a + 1], w[r + 1], v[a + 2], w[r + 2], v[a + 3], w[r + 3], y, from, to);
        }
        for (; k < count; k++) {
            axpy(v[vOffset + k], w[firstRow + k], y, from, to);
        }
    }

    private static void axpy4(
            float a0,
            float[] w0,
            float a1,
            float[] w1,
            float a2,
            float[] w2,
            float a3,
            float[] w3,
            float[] y,
            int from,
            int to) {
        for (int j = from; j < to; j++) {
            y[j] += (a0 * w0[j] + a1 * w1[j]) + (a2 * w2[j] + a3 * w3[j]);
        }
    }

    private static void axpy(float a, float[] w, float[] y, int from, int to) {
        for (int j = from; j < to; j++) {
            y[j] += a * w[j];
        }
    }

    private void head(float[] state, int top, float[] forecast) {
        int outputs = model.outputSize();
        float[] bias = model.headBias();
        for (int o = 0; o < outputs; o++) {
            forecast[o] = bias[o] + dot(state, top, headRows[o], hidden);
        }
        targetScaler.unscaleInPlace(forecast, 0, outputs);
    }

    /** {@code sum_k v[offset+k] * w[k]} with eight partial sums (a float sum C2 cannot reorder itself). */
    private static float dot(float[] v, int offset, float[] w, int count) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        float s4 = 0f;
        float s5 = 0f;
        float s6 = 0f;
        float s7 = 0f;
        int k = 0;
        for (; k + 8 <= count; k += 8) {
            int i = offset + k;
            s0 += v[i] * w[k];
            s1 += v[i + 1] * w[k + 1];
            s2 += v[i + 2] * w[k + 2];
            s3 += v[i + 3] * w[k + 3];
            s4 += v[i + 4] * w[k + 4];
            s5 += v[i + 5] * w[k + 5];
            s6 += v[i + 6] * w[k + 6];
            s7 += v[i + 7] * w[k + 7];
        }
        for (; k < count; k++) {
            s0 += v[offset + k] * w[k];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }
}
