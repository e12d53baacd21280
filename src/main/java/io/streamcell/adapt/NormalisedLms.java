package io.streamcell.adapt;

/**
 * Normalised least mean squares: {@code W += μ φ eᵀ / (ε + φᵀφ)}. Its state is the weights only
 * ({@code D·K} floats), so it suits large key spaces where {@link RecursiveLeastSquares}'s
 * {@code D²/2} statistics per key are too many; it converges more slowly on correlated inputs.
 * Stateless apart from the caller's array: thread-safe.
 */
public final class NormalisedLms implements LinearReadout {
    private static final double EPSILON = 1e-6;

    private final int inputs;
    private final int outputs;
    private final double stepSize;

    /** @param stepSize μ in (0, 2): the fraction of each error corrected (1: all of it, for this input) */
    public NormalisedLms(int inputs, int outputs, double stepSize) {
        if (inputs < 1 || outputs < 1) {
            throw new IllegalArgumentException("a readout needs at least one input and one output");
        }
        if (!(stepSize > 0 && stepSize < 2)) {
            throw new IllegalArgumentException("NLMS step size must be in (0, 2), got " + stepSize);
        }
        this.inputs = inputs;
        this.outputs = outputs;
        this.stepSize = stepSize;
    }

    @Override
    public int inputs() {
        return inputs;
    }

    @Override
    public int outputs() {
        return outputs;
    }

    @Override
    public int stateSize() {
        return inputs * outputs;
    }

    @Override
    public float[] initialState() {
        return new float[stateSize()];
    }

    @Override
    public void predict(float[] state, int offset, double[] phi, double[] out) {
        LinearReadout.multiply(state, offset, phi, out, inputs, outputs);
    }

    @Override
    public void learn(float[] state, int offset, double[] phi, double[] error) {
        double norm = EPSILON;
        for (int d = 0; d < inputs; d++) {
            norm += phi[d] * phi[d];
        }
        double rate = stepSize / norm;
        for (int d = 0; d < inputs; d++) {
            double g = rate * phi[d];
            if (g == 0) {
                continue;
            }
            int row = offset + d * outputs;
            for (int k = 0; k < outputs; k++) {
                state[row + k] = (float) (state[row + k] + g * error[k]);
            }
        }
    }
}
