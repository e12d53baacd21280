package io.streamcell.adapt;

/**
 * Exponentially weighted recursive least squares for a linear readout {@code y ≈ Wᵀφ} with
 * {@code D} inputs and {@code K} outputs, all outputs sharing one inverse-covariance estimate
 * {@code P} (they see the same inputs).
 *
 * <p>One update with input φ and a-priori error {@code e = y - Wᵀφ} (the textbook form, e.g.
 * Haykin, <i>Adaptive Filter Theory</i>, ch. 10):
 * <pre>
 *   π = Pφ;  g = π / (λ + φᵀπ);  W += g eᵀ;  P = (P - g πᵀ) / λ
 * </pre>
 * The division by the forgetting factor λ is skipped while {@code trace(P)} is at or above its
 * starting value {@code D·δ}: with λ &lt; 1, directions the inputs stop exciting would otherwise
 * grow without bound ("covariance wind-up") and the next input in such a direction would take a
 * huge step. The bound keeps P no larger than the prior.
 *
 * <p>An optional process noise q adds {@code qI} to P after each update (the Kalman filter of
 * weights that drift as a random walk), as long as the trace stays within the same bound. It keeps the filter adapting when the inputs are nearly
 * collinear, as a recurrent model's hidden units often are: there P otherwise collapses in the
 * float-stored state and the readout stops learning. It also forgets, so it is 0 where the inputs
 * are well conditioned (the forecast-eval recipe).
 *
 * <p>State, one {@code float[]} of {@link #stateSize()} values (compact enough for keyed state;
 * arithmetic is double): {@code W} row-major ({@code W[d][k]} at {@code d·K + k}) then the upper
 * triangle of the symmetric {@code P}, row by row. Storing one triangle keeps P exactly symmetric.
 * Deterministic: the same inputs in the same order give the same bits. Not thread-safe (scratch
 * buffers): one instance per thread.
 */
public final class RecursiveLeastSquares implements LinearReadout {
    private final int inputs;
    private final int outputs;
    private final double forgetting;
    private final double initialVariance;
    private final double maxTrace;
    private final double processNoise;
    private final double[] pi; // P φ

    /**
     * @param forgetting λ in (0, 1]; the memory is about {@code 1 / (1 - λ)} updates
     * @param initialVariance δ: P starts as {@code δ I}; larger learns faster from the first inputs
     */
    public RecursiveLeastSquares(int inputs, int outputs, double forgetting, double initialVariance) {
        this(inputs, outputs, forgetting, initialVariance, 0);
    }

    /** @param processNoise q ≥ 0 added to P's diagonal after each update */
    public RecursiveLeastSquares(
            int inputs, int outputs, double forgetting, double initialVariance, double processNoise) {
        if (inputs < 1 || outputs < 1) {
            throw new IllegalArgumentException("a readout needs at least one input and one output");
        }
        if (!(forgetting > 0 && forgetting <= 1)) {
            throw new IllegalArgumentException("forgetting must be in (0, 1], got " + forgetting);
        }
        if (!(initialVariance > 0) || Double.isInfinite(initialVariance)) {
            throw new IllegalArgumentException("initial variance must be positive, got " + initialVariance);
        }
        this.inputs = inputs;
        this.outputs = outputs;
        this.forgetting = forgetting;
        this.initialVariance = initialVariance;
        if (!(processNoise >= 0) || Double.isInfinite(processNoise)) {
            throw new IllegalArgumentException("process noise must be >= 0, got " + processNoise);
        }
        this.maxTrace = inputs * initialVariance;
        this.processNoise = processNoise;
        this.pi = new double[inputs];
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
        return inputs * outputs + inputs * (inputs + 1) / 2;
    }

    @Override
    public float[] initialState() {
        float[] state = new float[stateSize()];
        int p = inputs * outputs;
        for (int i = 0; i < inputs; i++) {
            state[p] = (float) initialVariance; // diagonal: first entry of row i's triangle
            p += inputs - i;
        }
        return state;
    }

    @Override
    public void predict(float[] state, int offset, double[] phi, double[] out) {
        LinearReadout.multiply(state, offset, phi, out, inputs, outputs);
    }

    @Override
    public void learn(float[] state, int offset, double[] phi, double[] error) {
        int base = offset + inputs * outputs;
        // π = Pφ over the packed upper triangle
        java.util.Arrays.fill(pi, 0);
        int p = base;
        for (int i = 0; i < inputs; i++) {
            double phiI = phi[i];
            double sum = state[p++] * phiI;
            for (int j = i + 1; j < inputs; j++, p++) {
                double pij = state[p];
                sum += pij * phi[j];
                pi[j] += pij * phiI;
            }
            pi[i] += sum;
        }
        double denominator = forgetting;
        for (int i = 0; i < inputs; i++) {
            denominator += phi[i] * pi[i];
        }
        // W += g eᵀ with g = π / denominator
        for (int d = 0; d < inputs; d++) {
            double g = pi[d] / denominator;
            int row = offset + d * outputs;
            for (int k = 0; k < outputs; k++) {
                state[row + k] = (float) (state[row + k] + g * error[k]);
            }
        }
        // P - g πᵀ, then / λ unless P is already as large as the prior
        double trace = 0;
        p = base;
        for (int i = 0; i < inputs; i++) {
            double gi = pi[i] / denominator;
            for (int j = i; j < inputs; j++, p++) {
                double value = state[p] - gi * pi[j];
                state[p] = (float) value;
                if (j == i) {
                    trace += value;
                }
            }
        }
        if (trace / forgetting <= maxTrace && forgetting < 1) {
            for (int q = base, end = offset + stateSize(); q < end; q++) {
                state[q] = (float) (state[q] / forgetting);
            }
            trace /= forgetting;
        }
        // The noise is bounded by the same cap: added after it unconditionally, it grows P without
        // limit in directions the inputs stop exciting, and the next input there takes a huge step.
        if (processNoise > 0 && trace + inputs * processNoise <= maxTrace) {
            p = base;
            for (int i = 0; i < inputs; i++) {
                state[p] = (float) (state[p] + processNoise);
                p += inputs - i;
            }
        }
    }
}
