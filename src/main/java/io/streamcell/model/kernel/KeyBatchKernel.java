package io.streamcell.model.kernel;

/**
 * Steps many keys' recurrent states at once: {@link BundleStepKernel} (plain Java, bit-identical to
 * {@link StepKernel}) or {@link BatchStepKernel} (OpenBLAS products, equal up to float rounding).
 */
public interface KeyBatchKernel extends AutoCloseable {
    /**
     * Steps keys {@code 0 .. count-1}: {@code states[b]} is advanced in place with
     * {@code features[b]}, and the unscaled forecast is written to {@code forecasts[b]}.
     */
    void step(float[][] states, float[][] features, float[][] forecasts, int count);

    /** Most keys one {@link #step} call takes. */
    int capacity();

    /** Frees native memory, if any. */
    @Override
    void close();
}
