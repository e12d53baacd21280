package io.streamcell.train;

import io.streamcell.model.ModelConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The trainable tensors of a stacked LSTM / GRU with a linear head, in double precision, named and
 * laid out exactly as PyTorch's {@code state_dict}: {@code rnn.weight_ih_l{k}} [G·H, I_k],
 * {@code rnn.weight_hh_l{k}} [G·H, H], {@code rnn.bias_ih_l{k}} [G·H], {@code rnn.bias_hh_l{k}}
 * [G·H] for each layer k, then {@code head.weight} [O, H] and {@code head.bias} [O]; row-major,
 * gate blocks in PyTorch order (LSTM i, f, g, o; GRU r, z, n), G = 4 (LSTM) or 3 (GRU).
 *
 * <p>The same class holds gradients ({@link SequenceLoss.Result#gradient()}), so an optimizer can
 * walk parameters and gradients name by name. The arrays are mutable and exposed on purpose (an
 * optimizer updates them in place); the set of names and the shapes are fixed at construction.
 * Not thread-safe.
 */
public final class Parameters {
    private final Map<String, int[]> shapes;
    private final Map<String, double[]> values;

    private Parameters(Map<String, int[]> shapes, Map<String, double[]> values) {
        this.shapes = shapes;
        this.values = values;
    }

    /** All-zero parameters (or a zero gradient) for a model with this config. */
    public static Parameters zeros(ModelConfig config) {
        Objects.requireNonNull(config, "config");
        Map<String, int[]> shapes = RecurrentModel.expectedShapes(config);
        Map<String, double[]> values = new LinkedHashMap<>();
        shapes.forEach((name, shape) -> values.put(name, new double[(int) Tensor.elementCount(shape)]));
        return new Parameters(shapes, values);
    }

    /** The model's weights widened to double (exactly: every float is a double). */
    public static Parameters fromModel(RecurrentModel model) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.stateDict().forEach(t -> tensors.put(t.name(), t));
        return fromTensors(model.config(), tensors);
    }

    /**
     * Parameters from state_dict tensors, widened to double.
     *
     * @throws IllegalArgumentException if a tensor is missing, unexpected or misshapen
     */
    public static Parameters fromTensors(ModelConfig config, Map<String, Tensor> tensors) {
        Parameters parameters = zeros(config);
        for (String name : tensors.keySet()) {
            if (!parameters.shapes.containsKey(name)) {
                throw new IllegalArgumentException("unexpected tensor '" + name + "' (expected exactly: "
                        + String.join(", ", parameters.shapes.keySet()) + ")");
            }
        }
        parameters.shapes.forEach((name, shape) -> {
            Tensor tensor = tensors.get(name);
            if (tensor == null) {
                throw new IllegalArgumentException(
                        "missing tensor '" + name + "' (shape " + Arrays.toString(shape) + ")");
            }
            if (!Arrays.equals(tensor.shape(), shape)) {
                throw new IllegalArgumentException("tensor '" + name + "' has shape " + tensor.shapeText()
                        + ", expected " + Arrays.toString(shape));
            }
            float[] data = tensor.data();
            double[] target = parameters.values.get(name);
            for (int i = 0; i < data.length; i++) {
                target[i] = data[i];
            }
        });
        return parameters;
    }

    /** The tensors rounded to float32 (round to nearest), in state_dict order. */
    public List<Tensor> toTensors() {
        List<Tensor> tensors = new ArrayList<>(values.size());
        values.forEach((name, data) -> {
            float[] rounded = new float[data.length];
            for (int i = 0; i < data.length; i++) {
                rounded[i] = (float) data[i];
            }
            tensors.add(new Tensor(name, shapes.get(name), rounded));
        });
        return tensors;
    }

    /**
     * A model with these parameters rounded to float32 and the given config (which supplies
     * scalers, names and version).
     *
     * @throws io.streamcell.model.ModelFormatException if a parameter is not finite as a float
     */
    public RecurrentModel toModel(ModelConfig config) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        toTensors().forEach(t -> tensors.put(t.name(), t));
        return RecurrentModel.fromStateDict(config, tensors, "parameters");
    }

    /** Tensor names in state_dict order. */
    public Set<String> names() {
        return Collections.unmodifiableSet(values.keySet());
    }

    /**
     * The live values of tensor {@code name} (row-major; modifications change these parameters).
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public double[] get(String name) {
        double[] data = values.get(name);
        if (data == null) {
            throw new IllegalArgumentException(
                    "no tensor '" + name + "' (known: " + String.join(", ", values.keySet()) + ")");
        }
        return data;
    }

    /** The shape of tensor {@code name}. */
    public int[] shape(String name) {
        get(name);
        return shapes.get(name).clone();
    }

    /** Total number of values over all tensors. */
    public long size() {
        long size = 0;
        for (double[] data : values.values()) {
            size += data.length;
        }
        return size;
    }

    /** A deep copy. */
    public Parameters copy() {
        Map<String, double[]> copied = new LinkedHashMap<>();
        values.forEach((name, data) -> copied.put(name, data.clone()));
        return new Parameters(shapes, copied);
    }

    /** Zeros with the same names and shapes (e.g. a gradient accumulator). */
    public Parameters zerosLike() {
        Map<String, double[]> zeroed = new LinkedHashMap<>();
        values.forEach((name, data) -> zeroed.put(name, new double[data.length]));
        return new Parameters(shapes, zeroed);
    }

    /** {@code this += scale * other}, tensor by tensor (for accumulating gradients over windows). */
    public void addScaled(Parameters other, double scale) {
        if (!shapes.keySet().equals(other.shapes.keySet())) {
            throw new IllegalArgumentException(
                    "parameter sets differ: " + shapes.keySet() + " vs " + other.shapes.keySet());
        }
        values.forEach((name, data) -> {
            double[] add = other.get(name);
            if (add.length != data.length) {
                throw new IllegalArgumentException(
                        "tensor '" + name + "' sizes differ: " + data.length + " vs " + add.length);
            }
            for (int i = 0; i < data.length; i++) {
                data[i] += scale * add[i];
            }
        });
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("Parameters[");
        shapes.forEach((name, shape) ->
                text.append(text.length() > 11 ? ", " : "").append(name).append(Arrays.toString(shape)));
        return text.append("]").toString();
    }
}
