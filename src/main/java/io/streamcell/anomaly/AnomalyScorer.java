package io.streamcell.anomaly;

import java.util.Arrays;

/**
 * Turns each observation's forecast errors into an anomaly score in [0, 1], per key, scoring
 * before learning, with a fixed, small state per key (a {@code float[]} of {@link #stateSize()}).
 *
 * <h2>Method</h2>
 * In the spirit of Numenta's anomaly likelihood (Ahmad et al. 2017) and of predictive anomaly
 * detection as in River, but with constant-size statistics instead of a sliding window:
 * <ol>
 *   <li><b>Normalised error.</b> Each target's error {@code e_j} (observed − forecast) is divided by
 *       the key's own running error scale {@code s_j} (an exponentially weighted RMS of past errors,
 *       half-life {@link Settings#scaleHalfLife()}). Targets are combined as the RMS of the normalised
 *       errors, {@code r = sqrt(mean_j (e_j / s_j)^2)}: every target weighs the same whatever its
 *       units, and one target far off its usual error raises {@code r} by {@code 1/sqrt(targets)}
 *       of its excess. {@code r} is capped at {@link Settings#maxRaw()}.
 *   <li><b>Short against long.</b> A short exponential average of {@code r} (half-life
 *       {@link Settings#shortHalfLife()}) is compared with the long-run mean and variance of
 *       {@code r} (half-life {@link Settings#longHalfLife()}): {@code z = (short - mean) / std}.
 *       The <i>likelihood</i> that recent errors are unusual is {@code Φ(z)}.
 *   <li><b>Level.</b> {@code level = log(1 - Φ(z)) / log(1e-10)} clipped to [0, 1] (Numenta's
 *       log-likelihood transform): 0.5 likelihood is ~0.03, 0.9999 is 0.4, 1 - 1e-10 and beyond 1,
 *       so thresholds spread where they matter. The alert policy works on the level.
 *   <li><b>Score.</b> The level's rise, {@code rise = max(0, level - previous level)}, counted only by
 *       how much it exceeds the key's recent rises: {@code anomaly_score = max(0, rise - decay * peak)},
 *       where {@code peak} is a running maximum of the rises that decays with half-life
 *       {@link Settings#peakHalfLife()} ({@code peak = max(rise, decay * peak)} after each step). An event
 *       scores on the row where it starts rather than on every row while the recent errors stay
 *       large, and a rise shortly after a larger one scores little or nothing. Benchmarks such as NAB
 *       count every row over the threshold outside an anomaly window as a false positive, so one
 *       event should put one row over the threshold, not several. The decaying peak is the
 *       constant-state stand-in for "above every rise of the last R rows". Half-life 0 scores the
 *       plain rise. The half-life, 100 rows, was chosen on generated labelled corpora (the longest
 *       that lost nothing there, with a margin), not on NAB. (docs/benchmarks.md: on NAB the level
 *       scores 0 standard, the plain rise 27.2, the rise beyond the decayed peak 35.8.)
 *   <li><b>Warm-up.</b> The first {@link Settings#warmup()} scored steps of a key only learn; they
 *       score 0.
 *   <li><b>No learning from anomalies.</b> When the likelihood, or the same test applied to this
 *       step's normalised error alone, is at or above {@link Settings#learnCutoff()}, the scale and
 *       the long-run statistics are left as they were, so an anomaly does not teach the key that
 *       large errors are normal.
 * </ol>
 *
 * <h2>State layout</h2>
 * {@code [count, s_1^2 .. s_T^2, mean, variance, short, level, peak]}: {@code 6 + targets} floats
 * ({@code count} of learned steps, capped at 2^20, exact in a float). An empty array is a key with no
 * statistics yet. Earlier releases kept the same floats without {@code peak}
 * ({@link #previousStateSize()}); {@link #fromPreviousLayout} reads such a state with a peak of 0.
 * Immutable and thread-safe (all state is passed in).
 */
public final class AnomalyScorer {

    /**
     * @param warmup scored steps a key learns before it scores
     * @param scaleHalfLife half-life, in steps, of each target's error scale
     * @param longHalfLife half-life of the long-run mean and variance of the normalised error
     * @param shortHalfLife half-life of the recent average of the normalised error
     * @param learnCutoff likelihood at or above which a step is not learned from
     * @param maxRaw cap of the normalised error (keeps one wild value from swamping the variance)
     * @param peakHalfLife half-life, in steps, of the running peak of the level's rises that a rise must
     *     exceed to score: how long one event keeps later rows from scoring again; 0 scores every rise
     */
    public record Settings(
            int warmup,
            double scaleHalfLife,
            double longHalfLife,
            double shortHalfLife,
            double learnCutoff,
            double maxRaw,
            double peakHalfLife) {
        public Settings {
            if (warmup < 1
                    || scaleHalfLife <= 0
                    || longHalfLife <= 0
                    || shortHalfLife <= 0
                    || maxRaw <= 0
                    || !(peakHalfLife >= 0)
                    || !(learnCutoff > 0.5 && learnCutoff <= 1)) {
                throw new IllegalArgumentException("invalid anomaly scorer settings: " + this);
            }
        }
    }

    public static final Settings DEFAULTS = new Settings(50, 200, 3000, 3, 0.9999, 10, 100);

    /**
     * One step's result: the combined normalised error, the likelihood that recent errors are
     * unusual, its level in [0, 1] (for alerting) and the anomaly score in [0, 1] (the level's rise
     * beyond the decayed peak of the key's recent rises).
     */
    public record Score(double normalisedError, double likelihood, float level, float anomalyScore) {}

    private static final int COUNT = 0;
    /** Steps counted per key; beyond this every average runs at its own rate anyway. */
    private static final float MAX_COUNT = 1 << 20;

    private static final double LOG_EPSILON = Math.log(1e-10);
    private static final double MIN_STD = 1e-3;

    private final int targets;
    private final Settings settings;
    private final float scaleRate;
    private final float longRate;
    private final float shortRate;
    private final double peakDecay;

    public AnomalyScorer(int targets, Settings settings) {
        if (targets < 1) {
            throw new IllegalArgumentException("targets must be >= 1");
        }
        this.targets = targets;
        this.settings = settings;
        this.scaleRate = rate(settings.scaleHalfLife());
        this.longRate = rate(settings.longHalfLife());
        this.shortRate = rate(settings.shortHalfLife());
        this.peakDecay = Math.pow(0.5, 1 / settings.peakHalfLife()); // half-life 0: 0.5^∞ = 0, no memory
    }

    /** The weight of a new value in an exponential average with this half-life. */
    private static float rate(double halfLife) {
        return (float) (1 - Math.pow(0.5, 1 / halfLife));
    }

    public Settings settings() {
        return settings;
    }

    /** Floats of per-key state. */
    public int stateSize() {
        return 6 + targets;
    }

    /** Floats of per-key state in releases before the score kept a peak of the rises. */
    public int previousStateSize() {
        return 5 + targets;
    }

    /**
     * A state of {@link #previousStateSize()} floats (at the start of {@code previous}) in this layout:
     * the same statistics and a peak of 0, so the key keeps what it learned and only forgets how
     * high its recent rises were.
     */
    public float[] fromPreviousLayout(float[] previous) {
        float[] state = new float[stateSize()];
        System.arraycopy(previous, 0, state, 0, previousStateSize());
        return state;
    }

    /**
     * Scores one observation's errors and then learns from them.
     *
     * @param state the key's statistics in its first {@link #stateSize()} floats (callers may keep
     *     more after them), or an array too short for that (a new key: a zeroed array of exactly
     *     {@link #stateSize()} is used); returned updated
     * @param errors observed − forecast per target, finite
     * @return the updated state and the score
     */
    public Result score(float[] state, float[] errors) {
        float[] s = state.length >= stateSize() ? state : new float[stateSize()];
        int mean = 1 + targets;
        int variance = mean + 1;
        int shortAverage = mean + 2;
        int previousLevel = mean + 3;
        int peak = mean + 4;
        boolean hasScale = s[COUNT] >= 1;

        double sumSquares = 0;
        for (int j = 0; j < targets; j++) {
            double scale2 = s[1 + j];
            double e = errors[j];
            sumSquares += hasScale ? e * e / Math.max(scale2, 1e-12) : 0;
        }
        double raw = Math.min(Math.sqrt(sumSquares / targets), settings.maxRaw());

        boolean warm = s[COUNT] >= settings.warmup();
        double recent = s[shortAverage] + shortRate * (raw - s[shortAverage]);
        double likelihood = 0.5;
        boolean outlier = false;
        float level = 0f;
        if (warm) {
            double std = Math.max(Math.sqrt(s[variance]), MIN_STD);
            double tail = NormalTail.upper((recent - s[mean]) / std);
            likelihood = 1 - tail;
            level = (float) Math.min(1.0, Math.max(0.0, Math.log(tail + 1e-12) / LOG_EPSILON));
            // This step alone may be far out before the recent average says so: do not learn it either.
            outlier = Math.max(likelihood, 1 - NormalTail.upper((raw - s[mean]) / std)) >= settings.learnCutoff();
        }
        s[shortAverage] = (float) recent;
        float rise = Math.max(0f, level - s[previousLevel]);
        // one event, one scoring row: a rise counts only by what it adds to the key's recent rises
        float decayedPeak = (float) (s[peak] * peakDecay);
        float anomalyScore = Math.max(0f, rise - decayedPeak);
        s[previousLevel] = level;
        s[peak] = Math.max(rise, decayedPeak);
        if (!outlier) {
            // Until a key has seen 1/rate steps, the exponential averages are plain running
            // averages (rate 1/n): no bias towards the zero they start from.
            double n = s[COUNT] + 1;
            double scaleWeight = Math.max(scaleRate, 1 / n);
            for (int j = 0; j < targets; j++) {
                double e2 = (double) errors[j] * errors[j];
                s[1 + j] = (float) (s[1 + j] + scaleWeight * (e2 - s[1 + j]));
            }
            if (hasScale) { // the first step has no scale yet, so no meaningful normalised error
                double longWeight = Math.max(longRate, 1 / s[COUNT]);
                double delta = raw - s[mean];
                s[mean] = (float) (s[mean] + longWeight * delta);
                s[variance] = (float) ((1 - longWeight) * (s[variance] + longWeight * delta * delta));
            }
            s[COUNT] = (float) Math.min(n, MAX_COUNT);
        }
        return new Result(s, new Score(raw, likelihood, level, anomalyScore));
    }

    /** The updated statistics and the step's score. */
    public record Result(float[] state, Score score) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Result that && Arrays.equals(state, that.state) && score.equals(that.score);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(state) + score.hashCode();
        }

        @Override
        public String toString() {
            return "Result[" + score + ", state=" + Arrays.toString(state) + "]";
        }
    }
}
