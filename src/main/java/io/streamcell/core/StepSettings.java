package io.streamcell.core;

import io.streamcell.adapt.Adaptation;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * How readings are stepped, whoever steps them (the Flink job, replay, evaluate): the job's
 * ordering, state and stepping options in one place, so that a configured job can be replayed.
 *
 * @param ordering event-time or arrival order, and lateness
 * @param resetAfterGap a key whose next reading comes this much later (event time) starts from a
 *     fresh state; null never resets
 * @param adaptation how each key adapts its forecasts online; null: not at all
 * @param kernel the kernel that steps a bundle (unused when {@code bundleSize} is 1)
 * @param bundleSize readings stepped together; 1 steps each reading on its own (per-event)
 */
public record StepSettings(
        EventOrdering ordering, Duration resetAfterGap, Adaptation adaptation, Kernel kernel, int bundleSize)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The kernel that steps a bundle of keys. */
    public enum Kernel {
        /** Plain Java, keys innermost: outputs and state bit-identical to per-event stepping. */
        PLAIN,
        /**
         * One OpenBLAS matrix product per layer for the bundle: equal to per-event stepping up to
         * float rounding (BLAS sums in another order), not bit for bit.
         */
        BLAS
    }

    /** Per-event stepping in arrival order, no gap reset, no adaptation. */
    public static final StepSettings DEFAULTS = new StepSettings(EventOrdering.ARRIVAL, null, null, Kernel.PLAIN, 1);

    public StepSettings {
        Objects.requireNonNull(ordering, "ordering");
        Objects.requireNonNull(kernel, "kernel");
        if (bundleSize < 1) {
            throw new IllegalArgumentException("bundle size must be at least 1, got " + bundleSize);
        }
        if (resetAfterGap != null && (resetAfterGap.isNegative() || resetAfterGap.isZero())) {
            throw new IllegalArgumentException("reset-after-gap must be positive, got " + resetAfterGap);
        }
    }

    /** Whether readings are stepped one at a time (bundle size 1). */
    public boolean perEvent() {
        return bundleSize == 1;
    }

    public StepSettings withOrdering(EventOrdering value) {
        return new StepSettings(value, resetAfterGap, adaptation, kernel, bundleSize);
    }

    public StepSettings withResetAfterGap(Duration value) {
        return new StepSettings(ordering, value, adaptation, kernel, bundleSize);
    }

    public StepSettings withAdaptation(Adaptation value) {
        return new StepSettings(ordering, resetAfterGap, value, kernel, bundleSize);
    }

    /** Bundles of {@code size} readings stepped with {@code value} ({@code size} 1: per event). */
    public StepSettings withBundles(Kernel value, int size) {
        return new StepSettings(ordering, resetAfterGap, adaptation, value, size);
    }
}
