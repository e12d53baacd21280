package io.streamcell.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named float32 tensor in row-major (C) order, as read from or written to a safetensors file.
 * The data array is owned by the tensor: callers must not modify it after construction.
 */
public record Tensor(String name, int[] shape, float[] data) {

    public Tensor {
        Objects.requireNonNull(name, "name");
        shape = shape.clone();
        long elements = elementCount(shape);
        if (elements != data.length) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(shape) + " ("
                    + elements + " elements) but " + data.length + " values");
        }
    }

    /** Product of the dimensions (1 for a scalar), or -1 if a dimension is negative. */
    public static long elementCount(int[] shape) {
        long count = 1;
        for (int dim : shape) {
            if (dim < 0) {
                return -1;
            }
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public String shapeText() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Tensor that
                && name.equals(that.name)
                && Arrays.equals(shape, that.shape)
                && Arrays.equals(data, that.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "Tensor[" + name + " " + shapeText() + "]";
    }
}
