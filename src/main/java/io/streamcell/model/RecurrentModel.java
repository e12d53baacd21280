package io.streamcell.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable stacked LSTM or GRU with a linear head, in PyTorch's conventions, with its weights
 * repacked into the layout the step kernels want.
 *
 * <h2>Math</h2>
 * PyTorch {@code nn.LSTM} (gate order i, f, g, o; separate {@code bias_ih} and {@code bias_hh}):
 * <pre>
 *   i = σ(W_ii x + b_ii + W_hi h + b_hi)     f = σ(W_if x + b_if + W_hf h + b_hf)
 *   g = tanh(W_ig x + b_ig + W_hg h + b_hg)  o = σ(W_io x + b_io + W_ho h + b_ho)
 *   c' = f * c + i * g                        h' = o * tanh(c')
 * </pre>
 * PyTorch {@code nn.GRU} (gate order r, z, n; reset applied after the hidden matmul):
 * <pre>
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr)     z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
 *   h' = (1 - z) * n + z * h
 * </pre>
 * and the Cho 2014 / Keras {@code reset_after=False} variant ({@link GruReset#BEFORE}) with
 * {@code n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)}, the same parameter tensors and the same
 * z convention. The head is {@code forecast = (W_head h_top + b_head) * target_std + target_mean},
 * step-major.
 *
 * <p>On the article this project grew from: its equations are the ones above (its GRU writes
 * {@code h' = (1 - z) h + z h~}, so its z is our {@code 1 - z}), but its numpy sketch must not be
 * copied: {@code np.sigmoid} does not exist; each gate multiplies x and h by the same
 * {@code (I+H) × H} matrix, whose shape fits neither, and in the LSTM every gate's hidden term uses
 * {@code Wxf}; the LSTM loop has no cell state ({@code h = o * tanh(f * h + i * g)}); the GRU loop
 * computes a reset gate but never applies it; {@code Why} and {@code b_y} are never defined. The golden tests hold this class to
 * PyTorch instead.
 *
 * <h2>Packed layout</h2>
 * Each layer has one weight matrix {@link Layer#weights()} of {@code (inputs + H)} rows by
 * {@link Layer#gateWidth()} columns, row-major: row k is input k of the concatenation
 * {@code [x, h]}, so a step is {@code gates = bias + [x, h] · W} — an axpy per input for one key,
 * one GEMM for many keys. Gate columns by cell:
 * <ul>
 *   <li>LSTM: {@code [i | f | g | o]}, bias {@code b_ih + b_hh};
 *   <li>GRU reset after: {@code [r | z | n_x | n_h]} with zero blocks where x meets n_h and h
 *       meets n_x, bias {@code [b_ir+b_hr | b_iz+b_hz | b_in | b_hn]};
 *   <li>GRU reset before: {@code [r | z | n_x]}, bias {@code [b_ir+b_hr | b_iz+b_hz | b_in]}, plus
 *       {@link Layer#candidateWeights()} {@code W_hn^T} (H × H) and bias {@code b_hn} applied to
 *       {@code r * h} in a second product.
 * </ul>
 *
 * <h2>Per-key state</h2>
 * A plain {@code float[]} of {@link #stateSize()} floats, zero for a new key: for each layer l,
 * h at {@link #hiddenOffset(int)} and, for LSTM, c at {@link #cellOffset(int)}.
 */
public final class RecurrentModel {

    /** One recurrent layer's packed parameters. Arrays are never modified after construction. */
    public record Layer(
            int inputSize,
            int gateWidth,
            float[] weights,
            float[] bias,
            float[] candidateWeights,
            float[] candidateBias) {}

    private final ModelConfig config;
    private final Layer[] layers;
    private final float[] headWeights; // H rows × outputs columns (W_head transposed)
    private final float[] headBias;
    private final Map<String, Tensor> stateDict;
    private final InitialReadout readout; // null: none (or no forecast spec)

    private RecurrentModel(
            ModelConfig config,
            Layer[] layers,
            float[] headWeights,
            float[] headBias,
            Map<String, Tensor> stateDict,
            InitialReadout readout) {
        this.config = config;
        this.layers = layers;
        this.headWeights = headWeights;
        this.headBias = headBias;
        this.stateDict = stateDict;
        this.readout = readout;
    }

    /**
     * The readout a new key starts from (a model with a {@link ForecastSpec} only), or null: a new
     * key's readout starts from zero weights.
     */
    public InitialReadout readout() {
        return readout;
    }

    /**
     * This model's weights under another config of the same architecture and shapes (a changed
     * forecast recipe, version or provenance); without an initial readout.
     *
     * @throws IllegalArgumentException if the config's tensors have other shapes
     */
    public RecurrentModel withConfig(ModelConfig other) {
        if (!expectedShapesEqual(other) || other.outputSize() != config.outputSize()) {
            throw new IllegalArgumentException(
                    "config " + other.version() + " does not fit the weights of " + config.version());
        }
        return new RecurrentModel(other, layers, headWeights, headBias, stateDict, null);
    }

    private boolean expectedShapesEqual(ModelConfig other) {
        Map<String, int[]> mine = expectedShapes(config);
        Map<String, int[]> theirs = expectedShapes(other);
        return mine.keySet().equals(theirs.keySet())
                && mine.keySet().stream().allMatch(name -> Arrays.equals(mine.get(name), theirs.get(name)));
    }

    /** This model with its config's provenance replaced. */
    public RecurrentModel withProvenance(ModelProvenance provenance) {
        return new RecurrentModel(config.withProvenance(provenance), layers, headWeights, headBias, stateDict, readout);
    }

    /**
     * This model with {@code initial} as the readout a new key starts from.
     *
     * @throws IllegalArgumentException if the model has no {@link ForecastSpec}
     */
    public RecurrentModel withReadout(InitialReadout initial) {
        if (initial != null && config.forecast() == null) {
            throw new IllegalArgumentException("a readout belongs to a model with a forecast spec");
        }
        return new RecurrentModel(config, layers, headWeights, headBias, stateDict, initial);
    }

    /**
     * Builds a model from PyTorch {@code state_dict} tensors named as in the model-directory
     * contract ({@code rnn.weight_ih_l0}, …, {@code head.weight}, {@code head.bias}).
     *
     * @param source named in error messages (usually the weights file)
     * @throws ModelFormatException for a missing, unexpected or misshapen tensor, or a non-finite
     *     weight, naming the source and the tensor
     */
    public static RecurrentModel fromStateDict(ModelConfig config, Map<String, Tensor> tensors, String source) {
        Objects.requireNonNull(config, "config");
        Map<String, int[]> expected = expectedShapes(config);
        for (Map.Entry<String, int[]> entry : expected.entrySet()) {
            Tensor tensor = tensors.get(entry.getKey());
            if (tensor == null) {
                throw new ModelFormatException(source + ": missing tensor '" + entry.getKey() + "' (expected shape "
                        + Arrays.toString(entry.getValue()) + " for a " + describe(config) + ")");
            }
            if (!Arrays.equals(tensor.shape(), entry.getValue())) {
                throw new ModelFormatException(source + ": tensor '" + entry.getKey() + "' has shape "
                        + tensor.shapeText() + ", expected " + Arrays.toString(entry.getValue()) + " for a "
                        + describe(config));
            }
            float[] data = tensor.data();
            for (int i = 0; i < data.length; i++) {
                if (!Float.isFinite(data[i])) {
                    throw new ModelFormatException(source + ": tensor '" + entry.getKey() + "' has a non-finite value "
                            + data[i] + " at flat index " + i);
                }
            }
        }
        for (String name : tensors.keySet()) {
            if (!expected.containsKey(name)) {
                throw new ModelFormatException(source + ": unexpected tensor '" + name + "' for a " + describe(config)
                        + " (expected exactly: " + String.join(", ", expected.keySet()) + ")");
            }
        }
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        expected.keySet().forEach(name -> ordered.put(name, tensors.get(name)));

        int hidden = config.hiddenSize();
        Layer[] layers = new Layer[config.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            int inputs = l == 0 ? config.inputSize() : hidden;
            float[] wIh = ordered.get("rnn.weight_ih_l" + l).data();
            float[] wHh = ordered.get("rnn.weight_hh_l" + l).data();
            float[] bIh = ordered.get("rnn.bias_ih_l" + l).data();
            float[] bHh = ordered.get("rnn.bias_hh_l" + l).data();
            layers[l] = switch (config.cell()) {
                case LSTM -> packLstm(inputs, hidden, wIh, wHh, bIh, bHh);
                case GRU -> packGru(inputs, hidden, wIh, wHh, bIh, bHh, config.gruReset());
            };
        }
        int outputs = config.outputSize();
        float[] headWeights = transpose(ordered.get("head.weight").data(), outputs, hidden);
        float[] headBias = ordered.get("head.bias").data().clone();
        return new RecurrentModel(config, layers, headWeights, headBias, ordered, null);
    }

    /** Tensor names and shapes a model with this config must have, in state_dict order. */
    public static Map<String, int[]> expectedShapes(ModelConfig config) {
        int hidden = config.hiddenSize();
        int gates = config.cell().gateCount() * hidden;
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (int l = 0; l < config.numLayers(); l++) {
            int inputs = l == 0 ? config.inputSize() : hidden;
            shapes.put("rnn.weight_ih_l" + l, new int[] {gates, inputs});
            shapes.put("rnn.weight_hh_l" + l, new int[] {gates, hidden});
            shapes.put("rnn.bias_ih_l" + l, new int[] {gates});
            shapes.put("rnn.bias_hh_l" + l, new int[] {gates});
        }
        shapes.put("head.weight", new int[] {config.outputSize(), hidden});
        shapes.put("head.bias", new int[] {config.outputSize()});
        return shapes;
    }

    private static Layer packLstm(int inputs, int hidden, float[] wIh, float[] wHh, float[] bIh, float[] bHh) {
        int width = 4 * hidden;
        float[] weights = new float[(inputs + hidden) * width];
        float[] bias = new float[width];
        for (int unit = 0; unit < width; unit++) { // PyTorch row `unit` of W_ih is gate column `unit`
            for (int k = 0; k < inputs; k++) {
                weights[k * width + unit] = wIh[unit * inputs + k];
            }
            for (int k = 0; k < hidden; k++) {
                weights[(inputs + k) * width + unit] = wHh[unit * hidden + k];
            }
            bias[unit] = bIh[unit] + bHh[unit];
        }
        return new Layer(inputs, width, weights, bias, null, null);
    }

    private static Layer packGru(
            int inputs, int hidden, float[] wIh, float[] wHh, float[] bIh, float[] bHh, GruReset reset) {
        int resetAfter = reset == GruReset.AFTER ? 1 : 0;
        int width = (3 + resetAfter) * hidden;
        float[] weights = new float[(inputs + hidden) * width];
        float[] bias = new float[width];
        // r and z: input and hidden contributions share a column; their biases are summed.
        for (int unit = 0; unit < 2 * hidden; unit++) {
            for (int k = 0; k < inputs; k++) {
                weights[k * width + unit] = wIh[unit * inputs + k];
            }
            for (int k = 0; k < hidden; k++) {
                weights[(inputs + k) * width + unit] = wHh[unit * hidden + k];
            }
            bias[unit] = bIh[unit] + bHh[unit];
        }
        // n_x: the input part of the candidate, kept apart because the reset gate scales only h's part.
        for (int j = 0; j < hidden; j++) {
            int unit = 2 * hidden + j;
            for (int k = 0; k < inputs; k++) {
                weights[k * width + unit] = wIh[unit * inputs + k];
            }
            bias[unit] = bIh[unit];
        }
        if (reset == GruReset.AFTER) { // n_h = W_hn h + b_hn in its own column block
            for (int j = 0; j < hidden; j++) {
                int unit = 3 * hidden + j;
                for (int k = 0; k < hidden; k++) {
                    weights[(inputs + k) * width + unit] = wHh[(2 * hidden + j) * hidden + k];
                }
                bias[unit] = bHh[2 * hidden + j];
            }
            return new Layer(inputs, width, weights, bias, null, null);
        }
        float[] candidateWeights = new float[hidden * hidden];
        float[] candidateBias = new float[hidden];
        for (int j = 0; j < hidden; j++) {
            for (int k = 0; k < hidden; k++) {
                candidateWeights[k * hidden + j] = wHh[(2 * hidden + j) * hidden + k];
            }
            candidateBias[j] = bHh[2 * hidden + j];
        }
        return new Layer(inputs, width, weights, bias, candidateWeights, candidateBias);
    }

    private static float[] transpose(float[] matrix, int rows, int columns) {
        float[] result = new float[matrix.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                result[c * rows + r] = matrix[r * columns + c];
            }
        }
        return result;
    }

    private static String describe(ModelConfig config) {
        String cell = config.cell() == CellType.GRU
                ? "gru (reset " + config.gruReset().configName() + ")"
                : "lstm";
        return cell + " with input_size " + config.inputSize() + ", hidden_size " + config.hiddenSize() + ", "
                + config.numLayers() + " layer(s) and " + config.outputSize() + " head outputs";
    }

    public ModelConfig config() {
        return config;
    }

    public CellType cell() {
        return config.cell();
    }

    public int hiddenSize() {
        return config.hiddenSize();
    }

    public int numLayers() {
        return layers.length;
    }

    public int inputSize() {
        return config.inputSize();
    }

    public int outputSize() {
        return config.outputSize();
    }

    public String version() {
        return config.version();
    }

    /** Packed parameters of layer {@code l} (shared, read-only). */
    public Layer layer(int l) {
        return layers[l];
    }

    /** Head weights, H rows × {@link #outputSize()} columns, row-major (shared, read-only). */
    public float[] headWeights() {
        return headWeights;
    }

    /** Head bias, {@link #outputSize()} values (shared, read-only). */
    public float[] headBias() {
        return headBias;
    }

    /** Floats of per-key state. */
    public int stateSize() {
        return config.stateSize();
    }

    /** A fresh (all-zero) per-key state. */
    public float[] newState() {
        return new float[stateSize()];
    }

    public int hiddenOffset(int layer) {
        return layer * stateStride();
    }

    /** Offset of layer {@code l}'s cell state c (LSTM only). */
    public int cellOffset(int layer) {
        if (!config.cell().hasCellState()) {
            throw new IllegalStateException("a GRU has no cell state");
        }
        return layer * stateStride() + config.hiddenSize();
    }

    /** Offset of the top layer's h, the input of the head. */
    public int topHiddenOffset() {
        return hiddenOffset(layers.length - 1);
    }

    private int stateStride() {
        return config.hiddenSize() * (config.cell().hasCellState() ? 2 : 1);
    }

    /** Number of trainable parameters (as PyTorch counts them, both bias vectors included). */
    public long parameterCount() {
        long count = 0;
        for (Tensor tensor : stateDict.values()) {
            count += tensor.data().length;
        }
        return count;
    }

    /** The PyTorch state_dict tensors, in state_dict order, as loaded (for writing the model back). */
    public List<Tensor> stateDict() {
        return new ArrayList<>(stateDict.values());
    }

    @Override
    public String toString() {
        return "RecurrentModel[" + describe(config) + ", version " + config.version() + "]";
    }
}
