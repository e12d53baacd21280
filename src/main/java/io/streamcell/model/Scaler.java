package io.streamcell.model;

import java.util.Arrays;

/**
 * Per-column affine scaling {@code z = (x - mean) / std}. Immutable. The identity scaler has
 * mean 0 and std 1 for every column.
 */
public final class Scaler {
    private final float[] mean;
    private final float[] std;
    private final boolean identity;

    private Scaler(float[] mean, float[] std) {
        this.mean = mean;
        this.std = std;
        boolean allIdentity = true;
        for (int i = 0; i < mean.length; i++) {
            allIdentity &= mean[i] == 0f && std[i] == 1f;
        }
        this.identity = allIdentity;
    }

    /**
     * @throws IllegalArgumentException if the lengths differ, a value is not finite, or a std is
     *     not strictly positive
     */
    public static Scaler of(float[] mean, float[] std) {
        if (mean.length != std.length) {
            throw new IllegalArgumentException("mean has " + mean.length + " values but std has " + std.length);
        }
        for (int i = 0; i < mean.length; i++) {
            if (!Float.isFinite(mean[i]) || !Float.isFinite(std[i])) {
                throw new IllegalArgumentException("non-finite value at index " + i);
            }
            if (!(std[i] > 0f)) {
                throw new IllegalArgumentException("std[" + i + "] = " + std[i] + " must be > 0");
            }
        }
        return new Scaler(mean.clone(), std.clone());
    }

    public static Scaler identity(int size) {
        float[] ones = new float[size];
        Arrays.fill(ones, 1f);
        return new Scaler(new float[size], ones);
    }

    public int size() {
        return mean.length;
    }

    public boolean isIdentity() {
        return identity;
    }

    public float[] mean() {
        return mean.clone();
    }

    public float[] std() {
        return std.clone();
    }

    /** {@code out[i] = (x[i] - mean[i]) / std[i]}. */
    public void scale(float[] x, float[] out) {
        for (int i = 0; i < mean.length; i++) {
            out[i] = (x[i] - mean[i]) / std[i];
        }
    }

    /**
     * Undoes the scaling of a step-major block of {@code values.length} outputs, column
     * {@code i % size()}: {@code out = z * std + mean}, in place.
     */
    public void unscaleInPlace(float[] values, int offset, int length) {
        int columns = mean.length;
        for (int i = 0; i < length; i++) {
            int column = i % columns;
            values[offset + i] = values[offset + i] * std[column] + mean[column];
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Scaler that && Arrays.equals(mean, that.mean) && Arrays.equals(std, that.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return identity
                ? "Scaler[identity]"
                : "Scaler[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
