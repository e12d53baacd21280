package io.streamcell.model.kernel;

import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.RecurrentModel.Layer;
import io.streamcell.model.Scaler;
import java.util.Arrays;

/**
 * Advances many keys by one event each, in plain Java, with results bit-identical to
 * {@link StepKernel} for every key: the kernel of the bundled Flink operator, whose outputs and
 * state must equal the per-event path's exactly (so a job can switch modes across a savepoint).
 *
 * <p>Why it is exact where {@link BatchStepKernel} is not: the keys are the innermost loop
 * dimension. A bundle's recurrent state is gathered into key-inner arrays ({@code [unit][key]}),
 * and each gate pre-activation is built as {@code y[key] = bias; y[key] += (x0[key]·w0 +
 * x1[key]·w1) + (x2[key]·w2 + x3[key]·w3)} over the weight rows four at a time, then the rest one
 * by one, the input rows and the hidden rows in separate runs: for each key exactly the float
 * operations {@link StepKernel#step} performs, in the same order. The activations and cell updates
 * are the same {@link Activations} and {@link GateMath} code (elementwise, so bit-identical however
 * the elements are grouped), and the head keeps {@link StepKernel}'s eight partial sums. Every loop
 * over keys indexes its arrays by the bare loop variable, the form HotSpot's C2 auto-vectorises
 * (one weight scalar against a vector of keys), so the bundle is SIMD across keys.
 *
 * <p>Bundles are processed in chunks of at most {@link #CHUNK} keys so that a layer's key-inner
 * arrays stay in the L1/L2 caches; scratch arrays grow to the largest chunk seen and are reused.
 * Not thread-safe: one instance per operator instance. No allocation per step once grown.
 */
public final class BundleStepKernel implements KeyBatchKernel {
    /** Keys per pass: 128 keys × (inputs + 4H) floats of an LSTM with H = 64 is ~140 KB. */
    static final int CHUNK = 128;

    private final RecurrentModel model;
    private final Scaler inputScaler;
    private final Scaler targetScaler;
    private final int hidden;
    private final int layers;
    private final int outputs;
    private final CellType cell;
    private final boolean resetBefore;
    private final float[][] headRows; // [output][k]
    private final float[] scaledInput;

    private int capacity; // keys the scratch arrays hold
    private float[][] input; // [feature][key], scaled
    private float[][][] hiddenState; // [layer][unit][key]
    private float[][][] cellState; // [layer][unit][key], LSTM only
    private float[][] pre; // [gate column][key], pre-activations then gate values
    private float[][] resetHidden; // [unit][key], GRU reset-before
    private float[][] candidate; // [unit][key], GRU reset-before
    private float[][] partial; // [8][key], the head's partial sums
    private float[] headOut; // [key]
    private GateMath.Buffers buffers;

    public BundleStepKernel(RecurrentModel model) {
        this.model = model;
        this.inputScaler = model.config().inputScaler();
        this.targetScaler = model.config().targetScaler();
        this.hidden = model.hiddenSize();
        this.layers = model.numLayers();
        this.outputs = model.outputSize();
        this.cell = model.cell();
        this.resetBefore = cell == CellType.GRU && model.config().gruReset() == GruReset.BEFORE;
        this.scaledInput = new float[model.inputSize()];
        float[] head = model.headWeights(); // H rows × outputs
        this.headRows = new float[outputs][hidden];
        for (int k = 0; k < hidden; k++) {
            for (int o = 0; o < outputs; o++) {
                headRows[o][k] = head[k * outputs + o];
            }
        }
    }

    public RecurrentModel model() {
        return model;
    }

    /**
     * Steps keys {@code 0 .. count-1}: {@code states[b]} is advanced in place with
     * {@code features[b]}, and the unscaled forecast ({@link RecurrentModel#outputSize()} values,
     * step-major) is written to {@code forecasts[b]}. The same state array must not appear twice.
     */
    /** Any number of keys: larger bundles go through in chunks. */
    @Override
    public int capacity() {
        return Integer.MAX_VALUE;
    }

    /** Nothing to free: the scratch buffers are on the heap. */
    @Override
    public void close() {}

    @Override
    public void step(float[][] states, float[][] features, float[][] forecasts, int count) {
        if (count < 0 || count > states.length || count > features.length || count > forecasts.length) {
            throw new IllegalArgumentException("count " + count + " exceeds the arrays given");
        }
        for (int first = 0; first < count; first += CHUNK) {
            int n = Math.min(CHUNK, count - first);
            ensureCapacity(n);
            gather(states, features, first, n);
            for (int l = 0; l < layers; l++) {
                stepLayer(l, n);
            }
            scatter(states, first, n);
            head(forecasts, first, n);
        }
    }

    private void ensureCapacity(int n) {
        if (n <= capacity) {
            return;
        }
        int widest = 0;
        for (int l = 0; l < layers; l++) {
            widest = Math.max(widest, model.layer(l).gateWidth());
        }
        input = new float[model.inputSize()][n];
        hiddenState = new float[layers][hidden][n];
        cellState = cell.hasCellState() ? new float[layers][hidden][n] : null;
        pre = new float[widest][n];
        resetHidden = resetBefore ? new float[hidden][n] : null;
        candidate = resetBefore ? new float[hidden][n] : null;
        partial = new float[8][n];
        headOut = new float[n];
        buffers = new GateMath.Buffers(n, cell, model.config().gruReset());
        capacity = n;
    }

    private void gather(float[][] states, float[][] features, int first, int n) {
        for (int b = 0; b < n; b++) {
            inputScaler.scale(features[first + b], scaledInput);
            for (int i = 0; i < scaledInput.length; i++) {
                input[i][b] = scaledInput[i];
            }
            float[] state = states[first + b];
            for (int l = 0; l < layers; l++) {
                int h = model.hiddenOffset(l);
                float[][] hl = hiddenState[l];
                for (int u = 0; u < hidden; u++) {
                    hl[u][b] = state[h + u];
                }
                if (cellState != null) {
                    int c = model.cellOffset(l);
                    float[][] cl = cellState[l];
                    for (int u = 0; u < hidden; u++) {
                        cl[u][b] = state[c + u];
                    }
                }
            }
        }
    }

    private void scatter(float[][] states, int first, int n) {
        for (int b = 0; b < n; b++) {
            float[] state = states[first + b];
            for (int l = 0; l < layers; l++) {
                int h = model.hiddenOffset(l);
                float[][] hl = hiddenState[l];
                for (int u = 0; u < hidden; u++) {
                    state[h + u] = hl[u][b];
                }
                if (cellState != null) {
                    int c = model.cellOffset(l);
                    float[][] cl = cellState[l];
                    for (int u = 0; u < hidden; u++) {
                        state[c + u] = cl[u][b];
                    }
                }
            }
        }
    }

    private void stepLayer(int l, int n) {
        Layer layer = model.layer(l);
        int width = layer.gateWidth();
        int inputs = layer.inputSize();
        float[] w = layer.weights(); // (inputs + H) rows × width, row-major, PyTorch gate order
        float[] bias = layer.bias();
        float[][] x = l == 0 ? input : hiddenState[l - 1]; // the layer below's new h
        float[][] h = hiddenState[l];
        float[] scratch = buffers.scratch;
        for (int j = 0; j < width; j++) {
            Arrays.fill(pre[j], 0, n, bias[j]);
        }
        if (cell == CellType.LSTM) { // columns [i | f | g | o]
            addRows(w, width, 0, x, inputs, 0, width, n);
            addRows(w, width, inputs, h, hidden, 0, width, n);
            // StepKernel packs the candidate's weights doubled (GateMath.CANDIDATE_SCALE) so one sigmoid
            // pass gives tanh(g) = 2 sigmoid(2g) - 1. Doubling the finished sum instead is the same float:
            // scaling by 2 is exact at every partial sum.
            for (int j = 2 * hidden; j < 3 * hidden; j++) {
                float[] candidate = pre[j];
                for (int b = 0; b < n; b++) {
                    candidate[b] *= GateMath.CANDIDATE_SCALE;
                }
            }
            for (int j = 0; j < width; j++) {
                Activations.sigmoid(pre[j], 0, n, scratch);
            }
            float[][] c = cellState[l];
            for (int u = 0; u < hidden; u++) {
                GateMath.lstmCell(
                        pre[u], pre[hidden + u], pre[2 * hidden + u], pre[3 * hidden + u], c[u], h[u], n, buffers);
            }
            return;
        }
        // GRU: x feeds [r | z | n_x]; h feeds [r | z] and, reset after, n_h (zero blocks skipped).
        addRows(w, width, 0, x, inputs, 0, 3 * hidden, n);
        addRows(w, width, inputs, h, hidden, 0, 2 * hidden, n);
        if (!resetBefore) {
            addRows(w, width, inputs, h, hidden, 3 * hidden, width, n);
        }
        for (int j = 0; j < 2 * hidden; j++) {
            Activations.sigmoid(pre[j], 0, n, scratch);
        }
        if (!resetBefore) {
            for (int u = 0; u < hidden; u++) {
                GateMath.gruResetAfterCell(
                        pre[u], pre[hidden + u], pre[2 * hidden + u], pre[3 * hidden + u], h[u], n, buffers);
            }
            return;
        }
        for (int u = 0; u < hidden; u++) {
            GateMath.resetHidden(pre[u], h[u], resetHidden[u], n);
        }
        float[] candidateBias = layer.candidateBias();
        for (int u = 0; u < hidden; u++) {
            Arrays.fill(candidate[u], 0, n, candidateBias[u]);
        }
        addRowsTo(candidate, layer.candidateWeights(), hidden, 0, resetHidden, hidden, 0, hidden, n);
        for (int u = 0; u < hidden; u++) {
            GateMath.gruResetBeforeUpdate(pre[hidden + u], pre[2 * hidden + u], candidate[u], h[u], n, buffers);
        }
    }

    private void addRows(float[] w, int width, int firstRow, float[][] v, int count, int from, int to, int n) {
        addRowsTo(pre, w, width, firstRow, v, count, from, to, n);
    }

    /**
     * {@code y[j][b] += sum_k v[k][b] * w[firstRow+k][j]} for columns {@code [from, to)} and keys
     * {@code [0, n)}, four rows per pass and the rest one by one, as {@link StepKernel}'s
     * {@code addRows} adds them for one key.
     */
    private static void addRowsTo(
            float[][] y, float[] w, int width, int firstRow, float[][] v, int count, int from, int to, int n) {
        for (int j = from; j < to; j++) {
            float[] yj = y[j];
            int k = 0;
            for (; k + 4 <= count; k += 4) {
                int r = (firstRow + k) * width + j;
                axpy4(
                        v[k],
                        w[r],
                        v[k + 1],
                        w[r + width],
                        v[k + 2],
                        w[r + 2 * width],
                        v[k + 3],
                        w[r + 3 * width],
                        yj,
                        n);
            }
            for (; k < count; k++) {
                axpy(v[k], w[(firstRow + k) * width + j], yj, n);
            }
        }
    }

    private static void axpy4(
            float[] a0, float w0, float[] a1, float w1, float[] a2, float w2, float[] a3, float w3, float[] y, int n) {
        for (int b = 0; b < n; b++) {
            y[b] += (a0[b] * w0 + a1[b] * w1) + (a2[b] * w2 + a3[b] * w3);
        }
    }

    private static void axpy(float[] a, float w, float[] y, int n) {
        for (int b = 0; b < n; b++) {
            y[b] += a[b] * w;
        }
    }

    /** The head as {@link StepKernel}'s dot product: eight partial sums, k ≡ m (mod 8) into sum m. */
    private void head(float[][] forecasts, int first, int n) {
        float[][] top = hiddenState[layers - 1];
        float[] bias = model.headBias();
        for (int o = 0; o < outputs; o++) {
            float[] row = headRows[o];
            for (float[] sum : partial) {
                Arrays.fill(sum, 0, n, 0f);
            }
            int k = 0;
            for (; k + 8 <= hidden; k += 8) {
                for (int m = 0; m < 8; m++) {
                    axpy(top[k + m], row[k + m], partial[m], n);
                }
            }
            for (; k < hidden; k++) {
                axpy(top[k], row[k], partial[0], n);
            }
            float[] s0 = partial[0];
            float[] s1 = partial[1];
            float[] s2 = partial[2];
            float[] s3 = partial[3];
            float[] s4 = partial[4];
            float[] s5 = partial[5];
            float[] s6 = partial[6];
            float[] s7 = partial[7];
            float bo = bias[o];
            for (int b = 0; b < n; b++) {
                headOut[b] = bo + (((s0[b] + s1[b]) + (s2[b] + s3[b])) + ((s4[b] + s5[b]) + (s6[b] + s7[b])));
            }
            for (int b = 0; b < n; b++) {
                forecasts[first + b][o] = headOut[b];
            }
        }
        for (int b = 0; b < n; b++) {
            targetScaler.unscaleInPlace(forecasts[first + b], 0, outputs);
        }
    }
}
