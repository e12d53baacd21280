package io.streamcell.model.kernel;

import static io.streamcell.model.kernel.Activations.sigmoid;
import static io.streamcell.model.kernel.Activations.tanh;

/**
 * The elementwise part of a cell step, applied to pre-activations already summed by a matrix
 * product (see {@link io.streamcell.model.RecurrentModel} for the gate column layout). Shared by
 * the one-key and the batched kernel, so they differ only in how the products are summed.
 */
final class GateMath {
    private GateMath() {}

    /** LSTM: gates {@code [i | f | g | o]} at {@code g}; updates h and c in {@code state}. */
    static void lstm(float[] gates, int g, float[] state, int h, int c, int hidden) {
        for (int j = 0; j < hidden; j++) {
            float input = sigmoid(gates[g + j]);
            float forget = sigmoid(gates[g + hidden + j]);
            float candidate = tanh(gates[g + 2 * hidden + j]);
            float output = sigmoid(gates[g + 3 * hidden + j]);
            float cell = forget * state[c + j] + input * candidate;
            state[c + j] = cell;
            state[h + j] = output * tanh(cell);
        }
    }

    /** GRU, reset after: gates {@code [r | z | n_x | n_h]} at {@code g}; updates h in {@code state}. */
    static void gruResetAfter(float[] gates, int g, float[] state, int h, int hidden) {
        for (int j = 0; j < hidden; j++) {
            float reset = sigmoid(gates[g + j]);
            float update = sigmoid(gates[g + hidden + j]);
            float candidate = tanh(gates[g + 2 * hidden + j] + reset * gates[g + 3 * hidden + j]);
            state[h + j] = (1f - update) * candidate + update * state[h + j];
        }
    }

    /**
     * GRU, reset before, first half: turns r and z pre-activations into gate values in place and
     * writes {@code r * h} to {@code resetHidden} for the candidate's product with W_hn.
     */
    static void gruResetBeforeGates(float[] gates, int g, float[] state, int h, float[] resetHidden, int rh,
            int hidden) {
        for (int j = 0; j < hidden; j++) {
            float reset = sigmoid(gates[g + j]);
            gates[g + hidden + j] = sigmoid(gates[g + hidden + j]);
            resetHidden[rh + j] = reset * state[h + j];
        }
    }

    /**
     * GRU, reset before, second half: {@code n = tanh(n_x + candidate)} where {@code candidate} at
     * {@code n} holds {@code W_hn (r * h) + b_hn}; updates h with the z stored by the first half.
     */
    static void gruResetBeforeUpdate(float[] gates, int g, float[] candidate, int n, float[] state, int h,
            int hidden) {
        for (int j = 0; j < hidden; j++) {
            float update = gates[g + hidden + j];
            float newGate = tanh(gates[g + 2 * hidden + j] + candidate[n + j]);
            state[h + j] = (1f - update) * newGate + update * state[h + j];
        }
    }
}
