package io.streamcell.adapt;

import java.util.Arrays;

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
    default void predict(float[] state, double[] phi, double[] out) {
        predict(state, 0, phi, out);
    }

    /** {@code out = Wᵀφ} for a readout state stored from {@code offset} of {@code state}. */
    void predict(float[] state, int offset, double[] phi, double[] out);

    /**
     * Learns one example, given as its input φ and the a-priori error {@code e = y - Wᵀφ} (the
     * observation minus what {@link #predict} said before this update).
     */
    default void learn(float[] state, double[] phi, double[] error) {
        learn(state, 0, phi, error);
    }

    /** {@link #learn(float[], double[], double[])} for a readout state stored from {@code offset}. */
    void learn(float[] state, int offset, double[] phi, double[] error);

    /** {@code out = Wᵀφ} for weights stored row-major from {@code offset} of {@code state}. */
    static void multiply(float[] state, int offset, double[] phi, double[] out, int inputs, int outputs) {
        Arrays.fill(out, 0, outputs, 0);
        for (int d = 0; d < inputs; d++) {
            double v = phi[d];
            if (v == 0) {
                continue;
            }
            int row = offset + d * outputs;
            for (int k = 0; k < outputs; k++) {
                out[k] += state[row + k] * v;
            }
        }
    }
}
