package io.streamcell.adapt;

/**
 * A linear map {@code y = Wᵀφ} from {@link #inputs()} features to {@link #outputs()} values that
 * learns online from its own errors. Its weights and any learner statistics live in a caller-held
 * {@code float[]} (the key's state), so one instance serves every key.
 */
public interface LinearReadout {
    int inputs();

    int outputs();

    /** Floats of per-key state: the weights first ({@code W[d][k]} at {@code d·K + k}), then statistics. */
    int stateSize();

    /** The state of a readout that has learned nothing: zero weights. */
    float[] initialState();

    /** {@code out = Wᵀφ}. */
    void predict(float[] state, double[] phi, double[] out);

    /**
     * Learns one example, given as its input φ and the a-priori error {@code e = y - Wᵀφ} (the
     * observation minus what {@link #predict} said before this update).
     */
    void learn(float[] state, double[] phi, double[] error);

    /** {@code out = Wᵀφ} for weights stored row-major at the start of {@code state}. */
    static void multiply(float[] state, double[] phi, double[] out, int inputs, int outputs) {
        java.util.Arrays.fill(out, 0, outputs, 0);
        for (int d = 0; d < inputs; d++) {
            double v = phi[d];
            if (v == 0) {
                continue;
            }
            int row = d * outputs;
            for (int k = 0; k < outputs; k++) {
                out[k] += state[row + k] * v;
            }
        }
    }
}
