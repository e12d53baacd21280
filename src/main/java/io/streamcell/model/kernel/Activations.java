package io.streamcell.model.kernel;

/**
 * The gate nonlinearities. {@code tanh} is computed from {@code exp}: JDK 17's {@code Math.tanh}
 * is not an intrinsic and costs several times more. Both are evaluated in double and rounded
 * once to float, so they are within half an ulp of the float32 result of the exact function.
 */
public final class Activations {
    private Activations() {}

    public static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    public static float tanh(float x) {
        // tanh(x) = 1 - 2 / (e^{2x} + 1): saturates to ±1 without overflow trouble
        // (e^{2x} = +Inf gives exactly 1) and is accurate near 0 in double precision.
        return (float) (1.0 - 2.0 / (Math.exp(2.0 * x) + 1.0));
    }
}
