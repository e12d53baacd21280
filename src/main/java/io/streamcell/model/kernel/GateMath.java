package io.streamcell.model.kernel;

import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;

/**
 * The elementwise part of a cell step, applied to pre-activations already summed by a matrix
 * product (see {@link io.streamcell.model.RecurrentModel} for the gate column layout). Shared by
 * the one-key and the batched kernel, so they differ only in how the products are summed: every
 * value here depends only on the same unit's inputs, so {@code n} can be one key's {@code H} units
 * ({@link StepKernel}) or many keys' units back to back ({@link BatchStepKernel}) with
 * bit-identical results per unit.
 *
 * <p>Each gate block, the cell state and the hidden state are separate arrays, all indexed
 * {@code [0, n)}: HotSpot's C2 in JDK 17 only vectorises a loop whose array indices are the bare
 * loop variable ({@code a[j]}; {@code a[offset + j]} with a runtime {@code offset} stays scalar,
 * several times slower), so blocks of one packed row cannot be addressed in place. Pre-activation
 * arrays are overwritten.
 *
 * <p>Each cell has a whole-step method (nonlinearities per gate block, then the cell update),
 * which the batched kernel uses with {@code n = keys × H}, and the cell update alone
 * ({@code ...Cell}), which the one-key kernel uses after applying the same {@link Activations}
 * functions to contiguous runs of its gate row (one sigmoid pass over {@code 4H} or {@code 2H}
 * gates rather than several passes of {@code H}: a vectorised loop of only 64 iterations spends
 * much of its time in C2's scalar pre- and post-loops). The activations are elementwise and
 * bit-identical however they are grouped ({@code ActivationsTest}), so both kernels compute the
 * same values from the same pre-activations.
 */
final class GateMath {
    private GateMath() {}

    /**
     * The factor the kernels apply to the LSTM candidate's weights and bias when packing them:
     * the product then yields {@code 2 g} (exactly: doubling is exact in float), so that
     * {@code tanh(g) = 2 sigmoid(2 g) - 1} comes from the same sigmoid pass as the gates.
     */
    static final float CANDIDATE_SCALE = 2f;

    /**
     * LSTM, gates {@code [i | f | 2g | o]} (pre-activations; the candidate's doubled, see
     * {@link #CANDIDATE_SCALE}): {@code c = f*c + i*tanh(g)}, {@code h = o*tanh(c)}; updates
     * {@code c}, writes {@code h}.
     */
    static void lstm(float[] i, float[] f, float[] g2, float[] o, float[] c, float[] h, int n, Buffers s) {
        Activations.sigmoid(i, 0, n, s.scratch);
        Activations.sigmoid(f, 0, n, s.scratch);
        Activations.sigmoid(g2, 0, n, s.scratch);
        Activations.sigmoid(o, 0, n, s.scratch);
        lstmCell(i, f, g2, o, c, h, n, s);
    }

    /**
     * {@link #lstm} after the gate sigmoids: {@code i, f, o} hold the gates, {@code g2} holds
     * {@code sigmoid(2g)}. Both tanh are {@code tanh(x) = 2 sigmoid(2x) - 1}: a sigmoid pass is
     * cheaper than {@link Activations#tanh} (docs/benchmarks.md), and its absolute error stays within ~1.2e-7 (an ulp of 1 twice over), though not its relative
     * error near 0, which the cell does not need: {@code tanh(g)} is multiplied by {@code i} and
     * added to {@code f*c}, {@code tanh(c)} multiplied by {@code o}.
     */
    static void lstmCell(float[] i, float[] f, float[] g2, float[] o, float[] c, float[] h, int n, Buffers s) {
        for (int j = 0; j < n; j++) {
            float cell = f[j] * c[j] + i[j] * (2f * g2[j] - 1f);
            c[j] = cell;
            g2[j] = 2f * cell; // g2 is used up: its array takes 2c' for tanh(c')
        }
        Activations.sigmoid(g2, 0, n, s.scratch);
        for (int j = 0; j < n; j++) {
            h[j] = o[j] * (2f * g2[j] - 1f);
        }
    }

    /**
     * GRU, reset after, gates {@code [r | z | n_x | n_h]} (pre-activations):
     * {@code n = tanh(n_x + r*n_h)}, {@code h = (1-z)*n + z*h}; updates {@code h}.
     */
    static void gruResetAfter(float[] r, float[] z, float[] nx, float[] nh, float[] h, int n, Buffers s) {
        Activations.sigmoid(r, 0, n, s.scratch);
        Activations.sigmoid(z, 0, n, s.scratch);
        gruResetAfterCell(r, z, nx, nh, h, n, s);
    }

    /** {@link #gruResetAfter} after the sigmoids of {@code r} and {@code z}. */
    static void gruResetAfterCell(float[] r, float[] z, float[] nx, float[] nh, float[] h, int n, Buffers s) {
        for (int j = 0; j < n; j++) {
            nx[j] = nx[j] + r[j] * nh[j];
        }
        Activations.tanh(nx, 0, n, s.scratch, s.scratch2);
        update(z, nx, h, n);
    }

    /**
     * GRU, reset before, first half: turns the r and z pre-activations into gate values in place
     * and writes {@code r * h} to {@code resetHidden} for the candidate's product with W_hn.
     */
    static void gruResetBeforeGates(float[] r, float[] z, float[] h, float[] resetHidden, int n, Buffers s) {
        Activations.sigmoid(r, 0, n, s.scratch);
        Activations.sigmoid(z, 0, n, s.scratch);
        resetHidden(r, h, resetHidden, n);
    }

    /** {@code resetHidden = r * h}, {@link #gruResetBeforeGates} after the sigmoids. */
    static void resetHidden(float[] r, float[] h, float[] resetHidden, int n) {
        for (int j = 0; j < n; j++) {
            resetHidden[j] = r[j] * h[j];
        }
    }

    /**
     * GRU, reset before, second half: {@code n = tanh(n_x + candidate)} where {@code candidate}
     * holds {@code W_hn (r * h) + b_hn}; {@code h = (1-z)*n + z*h} with the z of the first half.
     */
    static void gruResetBeforeUpdate(float[] z, float[] nx, float[] candidate, float[] h, int n, Buffers s) {
        for (int j = 0; j < n; j++) {
            nx[j] = nx[j] + candidate[j];
        }
        Activations.tanh(nx, 0, n, s.scratch, s.scratch2);
        update(z, nx, h, n);
    }

    private static void update(float[] z, float[] candidate, float[] h, int n) {
        for (int j = 0; j < n; j++) {
            float update = z[j];
            h[j] = (1f - update) * candidate[j] + update * h[j];
        }
    }

    /**
     * Work arrays for {@code n ≤ size} units: the gate blocks, the state arrays, the GRU
     * reset-before extras (only for that variant) and the activations' scratch. Allocated once per
     * kernel.
     */
    static final class Buffers {
        final int size;
        final float[][] gate;
        final float[] cell;
        final float[] hidden;
        final float[] resetHidden;
        final float[] candidate;
        final float[] scratch;
        final float[] scratch2;

        Buffers(int size, CellType cell, GruReset reset) {
            this.size = size;
            boolean resetBefore = cell == CellType.GRU && reset == GruReset.BEFORE;
            this.gate = new float[resetBefore ? 3 : 4][size];
            this.cell = cell.hasCellState() ? new float[size] : null;
            this.hidden = new float[size];
            this.resetHidden = resetBefore ? new float[size] : null;
            this.candidate = resetBefore ? new float[size] : null;
            this.scratch = new float[size];
            this.scratch2 = new float[size];
        }
    }
}
