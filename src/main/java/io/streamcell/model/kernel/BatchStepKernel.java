package io.streamcell.model.kernel;

import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.RecurrentModel.Layer;
import io.streamcell.model.Scaler;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Advances many keys by one event each: row b of a matrix is key b, and each layer is one SGEMM
 * ({@code [X | H] · W}) for all keys through ND4J's BLAS, followed by the same fused gate loops as
 * {@link StepKernel} over the product. The GRU reset-before variant needs a second product
 * ({@code (r * h) · W_hn}) per layer; the head is one more.
 *
 * <p>All matrices are allocated off-heap once, for {@code capacity} keys; a step copies each key's
 * input and state in, multiplies, and copies the gates back out, with no per-step allocation
 * (row views per batch size are created on first use and cached). Results equal {@link StepKernel}'s
 * up to float rounding of the sums (BLAS adds in another order). Not thread-safe; close it to free
 * the off-heap memory.
 */
public final class BatchStepKernel implements AutoCloseable {
    private final RecurrentModel model;
    private final int capacity;
    private final int hidden;
    private final Scaler inputScaler;
    private final Scaler targetScaler;
    private final float[] scaledInput;
    private final LayerBuffers[] layers;
    private final Product head;
    private final float[] gates; // capacity rows × widest gate width, the product copied on-heap

    public BatchStepKernel(RecurrentModel model, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        NativeMath.ensureConfigured();
        this.model = model;
        this.capacity = capacity;
        this.hidden = model.hiddenSize();
        this.inputScaler = model.config().inputScaler();
        this.targetScaler = model.config().targetScaler();
        this.scaledInput = new float[model.inputSize()];
        this.layers = new LayerBuffers[model.numLayers()];
        int widest = model.outputSize();
        for (int l = 0; l < layers.length; l++) {
            Layer layer = model.layer(l);
            layers[l] = new LayerBuffers(layer, capacity, hidden);
            widest = Math.max(widest, layer.gateWidth());
        }
        this.head = new Product(model.headWeights(), hidden, model.outputSize(), capacity);
        this.gates = new float[capacity * widest];
    }

    public RecurrentModel model() {
        return model;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Steps keys {@code 0 .. count-1}: {@code states[b]} is advanced in place with
     * {@code features[b]}, and the unscaled forecast is written to {@code forecasts[b]}.
     */
    public void step(float[][] states, float[][] features, float[][] forecasts, int count) {
        if (count < 0 || count > capacity) {
            throw new IllegalArgumentException("count " + count + " outside 0.." + capacity);
        }
        if (count == 0) {
            return;
        }
        for (int l = 0; l < layers.length; l++) {
            stepLayer(l, states, features, count);
        }
        head(states, forecasts, count);
    }

    private void stepLayer(int l, float[][] states, float[][] features, int count) {
        LayerBuffers buffers = layers[l];
        Layer layer = buffers.layer;
        int inputs = layer.inputSize();
        int width = layer.gateWidth();
        int h = model.hiddenOffset(l);
        int rowLength = inputs + hidden;
        FloatBuffer in = buffers.product.input;
        for (int b = 0; b < count; b++) {
            int row = b * rowLength;
            if (l == 0) {
                inputScaler.scale(features[b], scaledInput);
                in.put(row, scaledInput, 0, inputs);
            } else {
                in.put(row, states[b], model.hiddenOffset(l - 1), inputs);
            }
            in.put(row + inputs, states[b], h, hidden);
        }
        buffers.product.multiply(count, gates);
        float[] bias = layer.bias();
        for (int b = 0; b < count; b++) {
            addBias(gates, b * width, bias, width);
        }
        CellType cell = model.cell();
        if (cell == CellType.LSTM) {
            int c = model.cellOffset(l);
            for (int b = 0; b < count; b++) {
                GateMath.lstm(gates, b * width, states[b], h, c, hidden);
            }
        } else if (model.config().gruReset() == GruReset.AFTER) {
            for (int b = 0; b < count; b++) {
                GateMath.gruResetAfter(gates, b * width, states[b], h, hidden);
            }
        } else {
            float[] resetHidden = buffers.resetHidden;
            for (int b = 0; b < count; b++) {
                GateMath.gruResetBeforeGates(gates, b * width, states[b], h, resetHidden, b * hidden, hidden);
            }
            buffers.candidate.input.put(0, resetHidden, 0, count * hidden);
            float[] candidate = buffers.candidateOut;
            buffers.candidate.multiply(count, candidate);
            for (int b = 0; b < count; b++) {
                addBias(candidate, b * hidden, layer.candidateBias(), hidden);
                GateMath.gruResetBeforeUpdate(gates, b * width, candidate, b * hidden, states[b], h, hidden);
            }
        }
    }

    private void head(float[][] states, float[][] forecasts, int count) {
        int top = model.topHiddenOffset();
        int outputs = model.outputSize();
        for (int b = 0; b < count; b++) {
            head.input.put(b * hidden, states[b], top, hidden);
        }
        head.multiply(count, gates);
        float[] bias = model.headBias();
        for (int b = 0; b < count; b++) {
            float[] forecast = forecasts[b];
            for (int j = 0; j < outputs; j++) {
                forecast[j] = gates[b * outputs + j] + bias[j];
            }
            targetScaler.unscaleInPlace(forecast, 0, outputs);
        }
    }

    private static void addBias(float[] values, int offset, float[] bias, int count) {
        for (int j = 0; j < count; j++) {
            values[offset + j] += bias[j];
        }
    }

    @Override
    public void close() {
        for (LayerBuffers buffers : layers) {
            buffers.product.close();
            if (buffers.candidate != null) {
                buffers.candidate.close();
            }
        }
        head.close();
    }

    private static final class LayerBuffers {
        final Layer layer;
        final Product product;
        final Product candidate; // GRU reset-before only
        final float[] resetHidden;
        final float[] candidateOut;

        LayerBuffers(Layer layer, int capacity, int hidden) {
            this.layer = layer;
            this.product = new Product(layer.weights(), layer.inputSize() + hidden, layer.gateWidth(), capacity);
            if (layer.candidateWeights() != null) {
                this.candidate = new Product(layer.candidateWeights(), hidden, hidden, capacity);
                this.resetHidden = new float[capacity * hidden];
                this.candidateOut = new float[capacity * hidden];
            } else {
                this.candidate = null;
                this.resetHidden = null;
                this.candidateOut = null;
            }
        }
    }

    /**
     * {@code out[rows × columns] = input[rows × inner] · weights[inner × columns]} on off-heap ND4J
     * arrays, for any row count up to the capacity.
     */
    private static final class Product implements AutoCloseable {
        final int inner;
        final int columns;
        final INDArray weights;
        final INDArray inputMatrix;
        final INDArray outputMatrix;
        final FloatBuffer input;
        final FloatBuffer output;
        final INDArray[] inputViews;
        final INDArray[] outputViews;

        Product(float[] weights, int inner, int columns, int capacity) {
            this.inner = inner;
            this.columns = columns;
            this.weights = Nd4j.create(weights, new long[] {inner, columns}, DataType.FLOAT);
            this.inputMatrix = Nd4j.create(DataType.FLOAT, capacity, inner);
            this.outputMatrix = Nd4j.create(DataType.FLOAT, capacity, columns);
            this.input = inputMatrix.data().asNioFloat();
            this.output = outputMatrix.data().asNioFloat();
            this.inputViews = new INDArray[capacity + 1];
            this.outputViews = new INDArray[capacity + 1];
        }

        /** Multiplies the first {@code rows} rows and copies the product into {@code into}. */
        void multiply(int rows, float[] into) {
            INDArray in = inputViews[rows];
            INDArray out = outputViews[rows];
            if (in == null) {
                in = inputMatrix.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all());
                out = outputMatrix.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all());
                inputViews[rows] = in;
                outputViews[rows] = out;
            }
            Nd4j.gemm(in, weights, out, false, false, 1.0, 0.0);
            output.get(0, into, 0, rows * columns);
        }

        @Override
        public void close() {
            weights.close();
            inputMatrix.close();
            outputMatrix.close();
        }
    }
}
