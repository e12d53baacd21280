package io.streamcell.model.kernel;

import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.RecurrentModel.Layer;
import io.streamcell.model.Scaler;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Advances many keys by one event each: row b of a matrix is key b, and each layer is one SGEMM
 * ({@code [X | H | 1] · [W ; bias]}) for all keys, followed by the same {@link GateMath} loops as
 * {@link StepKernel}, run once over all keys' units. The GRU reset-before variant needs a second
 * product ({@code [r * h | 1] · [W_hn ; b_hn]}) per layer; the head is one more.
 *
 * <h2>How the product is called</h2>
 * Directly through {@code cblas_sgemm} of {@code org.bytedeco.openblas.global.openblas_nolapack}
 * — the OpenBLAS build and entry point ND4J's own {@code CpuLevel3.sgemm} uses — on the pointers
 * of off-heap ND4J arrays allocated once, rather than through {@code Nd4j.gemm} on row views:
 * {@code Nd4j.gemm}'s op dispatch is paid on every call, twice per LSTM step (layer and head), a
 * noticeable share of a batched step (measured in docs/benchmarks.md). It also drops
 * the per-row-count view cache. The bias rides in the product as a last input column
 * fixed at 1 (set once), which saves a Java pass that C2 would not vectorise (one bias vector
 * against many rows means an offset index).
 *
 * <h2>Copies</h2>
 * Inputs go in with one bulk {@link FloatBuffer} put per key and row part; the product comes out
 * with one bulk get per key and gate block straight into the block arrays {@link GateMath} wants
 * (one array per gate block, keys back to back, so its loops run over {@code count × H} units at
 * once; one fewer copy than getting the whole product and splitting it on-heap). Per-key state
 * moves with {@link System#arraycopy}. No per-step allocation. Speed: docs/benchmarks.md.
 *
 * <p>Results equal {@link StepKernel}'s up to float rounding of the sums (BLAS adds in another
 * order). Not thread-safe; close it to free the off-heap memory.
 */
public final class BatchStepKernel implements KeyBatchKernel {
    private final RecurrentModel model;
    private final int capacity;
    private final int hidden;
    private final CellType cell;
    private final boolean resetBefore;
    private final Scaler inputScaler;
    private final Scaler targetScaler;
    private final float[] scaledInput;
    private final Product[] products;
    private final Product[] candidateProducts; // GRU reset-before only
    private final Product head;
    private final float[] headOut;
    private final GateMath.Buffers buffers;
    private boolean closed;

    public BatchStepKernel(RecurrentModel model, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        NativeMath.ensureConfigured();
        this.model = model;
        this.capacity = capacity;
        this.hidden = model.hiddenSize();
        this.cell = model.cell();
        this.resetBefore = cell == CellType.GRU && model.config().gruReset() == GruReset.BEFORE;
        this.inputScaler = model.config().inputScaler();
        this.targetScaler = model.config().targetScaler();
        this.scaledInput = new float[model.inputSize()];
        this.products = new Product[model.numLayers()];
        this.candidateProducts = new Product[model.numLayers()];
        try {
            for (int l = 0; l < products.length; l++) {
                Layer layer = model.layer(l);
                float[] weights = layer.weights();
                float[] bias = layer.bias();
                if (cell == CellType.LSTM) { // the candidate columns [2H, 3H) yield 2g (GateMath.CANDIDATE_SCALE)
                    weights = scaleColumns(weights, layer.gateWidth(), 2 * hidden, 3 * hidden);
                    bias = scaleColumns(bias, layer.gateWidth(), 2 * hidden, 3 * hidden);
                }
                products[l] = new Product(weights, bias, layer.inputSize() + hidden, layer.gateWidth(), capacity);
                if (layer.candidateWeights() != null) {
                    candidateProducts[l] =
                            new Product(layer.candidateWeights(), layer.candidateBias(), hidden, hidden, capacity);
                }
            }
            this.head = new Product(model.headWeights(), null, hidden, model.outputSize(), capacity);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.headOut = new float[capacity * model.outputSize()];
        this.buffers =
                new GateMath.Buffers(capacity * hidden, cell, model.config().gruReset());
    }

    /** A copy of a row-major matrix {@code width} wide with columns [from, to) times the candidate scale. */
    private static float[] scaleColumns(float[] matrix, int width, int from, int to) {
        float[] scaled = matrix.clone();
        for (int row = 0; row < matrix.length; row += width) {
            for (int j = from; j < to; j++) {
                scaled[row + j] *= GateMath.CANDIDATE_SCALE;
            }
        }
        return scaled;
    }

    public RecurrentModel model() {
        return model;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    /**
     * Steps keys {@code 0 .. count-1}: {@code states[b]} is advanced in place with
     * {@code features[b]}, and the unscaled forecast is written to {@code forecasts[b]}.
     */
    @Override
    public void step(float[][] states, float[][] features, float[][] forecasts, int count) {
        if (count < 0 || count > capacity) {
            throw new IllegalArgumentException("count " + count + " outside 0.." + capacity);
        }
        if (count == 0) {
            return;
        }
        for (int l = 0; l < products.length; l++) {
            stepLayer(l, states, features, count);
        }
        head(forecasts, count);
    }

    private void stepLayer(int l, float[][] states, float[][] features, int count) {
        Product product = products[l];
        int inputs = model.layer(l).inputSize();
        int h = model.hiddenOffset(l);
        int rowLength = product.depth;
        FloatBuffer in = product.input;
        float[] newHidden = buffers.hidden;
        for (int b = 0; b < count; b++) {
            int row = b * rowLength;
            if (l == 0) {
                inputScaler.scale(features[b], scaledInput);
                in.put(row, scaledInput, 0, inputs);
            } else {
                in.put(row, newHidden, b * hidden, inputs); // the layer below's new h, still in buffers
            }
            in.put(row + inputs, states[b], h, hidden);
        }
        product.multiply(count);
        float[][] g = buffers.gate;
        product.splitColumns(count, g, hidden);
        int n = count * hidden;
        if (cell == CellType.LSTM) {
            int c = model.cellOffset(l);
            float[] cellState = buffers.cell;
            for (int b = 0; b < count; b++) {
                System.arraycopy(states[b], c, cellState, b * hidden, hidden);
            }
            GateMath.lstm(g[0], g[1], g[2], g[3], cellState, newHidden, n, buffers);
            for (int b = 0; b < count; b++) {
                System.arraycopy(cellState, b * hidden, states[b], c, hidden);
            }
        } else {
            for (int b = 0; b < count; b++) {
                System.arraycopy(states[b], h, newHidden, b * hidden, hidden);
            }
            if (!resetBefore) {
                GateMath.gruResetAfter(g[0], g[1], g[2], g[3], newHidden, n, buffers);
            } else {
                GateMath.gruResetBeforeGates(g[0], g[1], newHidden, buffers.resetHidden, n, buffers);
                Product candidate = candidateProducts[l];
                for (int b = 0; b < count; b++) {
                    candidate.input.put(b * candidate.depth, buffers.resetHidden, b * hidden, hidden);
                }
                candidate.multiply(count);
                candidate.output.get(0, buffers.candidate, 0, n);
                GateMath.gruResetBeforeUpdate(g[1], g[2], buffers.candidate, newHidden, n, buffers);
            }
        }
        for (int b = 0; b < count; b++) {
            System.arraycopy(newHidden, b * hidden, states[b], h, hidden);
        }
    }

    private void head(float[][] forecasts, int count) {
        int outputs = model.outputSize();
        head.input.put(0, buffers.hidden, 0, count * hidden); // the top layer's new h, keys back to back
        head.multiply(count);
        head.output.get(0, headOut, 0, count * outputs);
        float[] bias = model.headBias();
        for (int b = 0; b < count; b++) {
            float[] forecast = forecasts[b];
            for (int j = 0; j < outputs; j++) {
                forecast[j] = headOut[b * outputs + j] + bias[j];
            }
            targetScaler.unscaleInPlace(forecast, 0, outputs);
        }
    }

    /** Frees the off-heap matrices; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Product[] list : new Product[][] {products, candidateProducts}) {
            if (list != null) {
                for (Product product : list) {
                    if (product != null) {
                        product.close();
                    }
                }
            }
        }
        if (head != null) {
            head.close();
        }
    }

    /**
     * {@code out[rows × columns] = [input | 1][rows × (inner + 1)] · [weights ; bias]} on off-heap
     * ND4J arrays, for any row count up to the capacity, by {@code cblas_sgemm} on the arrays'
     * pointers. Without a bias, the product is {@code input · weights}. Callers fill the first
     * {@code inner} columns of each input row.
     */
    private static final class Product implements AutoCloseable {
        final int depth; // input row length: inner, plus 1 for the bias column
        final int columns;
        final INDArray weights;
        final INDArray inputMatrix;
        final INDArray outputMatrix;
        final FloatPointer weightsPointer;
        final FloatPointer inputPointer;
        final FloatPointer outputPointer;
        final FloatBuffer input;
        final FloatBuffer output;

        Product(float[] weights, float[] bias, int inner, int columns, int capacity) {
            this.depth = bias == null ? inner : inner + 1;
            this.columns = columns;
            float[] packed = weights;
            if (bias != null) {
                packed = new float[(inner + 1) * columns];
                System.arraycopy(weights, 0, packed, 0, inner * columns);
                System.arraycopy(bias, 0, packed, inner * columns, columns);
            }
            this.weights = Nd4j.create(packed, new long[] {depth, columns}, DataType.FLOAT);
            this.inputMatrix = Nd4j.create(DataType.FLOAT, capacity, depth);
            this.outputMatrix = Nd4j.create(DataType.FLOAT, capacity, columns);
            // The same casts ND4J's CpuLevel3.sgemm makes; the addresses are fixed for the arrays' life.
            this.weightsPointer = (FloatPointer) this.weights.data().addressPointer();
            this.inputPointer = (FloatPointer) inputMatrix.data().addressPointer();
            this.outputPointer = (FloatPointer) outputMatrix.data().addressPointer();
            this.input = inputMatrix.data().asNioFloat();
            this.output = outputMatrix.data().asNioFloat();
            if (bias != null) {
                for (int b = 0; b < capacity; b++) {
                    input.put(b * depth + inner, 1f);
                }
            }
        }

        /** Multiplies the first {@code rows} rows into the output matrix. */
        void multiply(int rows) {
            openblas_nolapack.cblas_sgemm(
                    openblas_nolapack.CblasRowMajor,
                    openblas_nolapack.CblasNoTrans,
                    openblas_nolapack.CblasNoTrans,
                    rows,
                    columns,
                    depth,
                    1f,
                    inputPointer,
                    depth,
                    weightsPointer,
                    columns,
                    0f,
                    outputPointer,
                    columns);
        }

        /**
         * Copies column block {@code q} ({@code block} columns wide) of the first {@code rows}
         * output rows into {@code into[q]}, rows back to back.
         */
        void splitColumns(int rows, float[][] into, int block) {
            for (int b = 0; b < rows; b++) {
                int row = b * columns;
                for (int q = 0; q < into.length; q++) {
                    output.get(row + q * block, into[q], b * block, block);
                }
            }
        }

        @Override
        public void close() {
            weights.close();
            inputMatrix.close();
            outputMatrix.close();
        }
    }
}
