package io.streamcell.anomaly;

/**
 * One target's streaming anomaly detector: three channels, each turned into a likelihood, combined
 * as their maximum, scored online (score before learn) with constant work and constant state per
 * event. All state is one {@code float[]} of {@link #stateSize()} floats (an empty array is a new
 * key), so it lives in keyed state as it is.
 *
 * <h2>Channels</h2>
 * <ol>
 *   <li><b>Model error</b>: {@code r = min(cap, |x − f| / RMS)}, the observation's error against the
 *       forecast made for it, in units of the key's running root mean square error. Through a
 *       likelihood over a short window ({@link Settings#modelWindow()}): an excursion of a row or two
 *       on a series the model follows well.
 *   <li><b>Transition novelty</b> (in the spirit of CAD OSE's contexts, Smirnov 2016, and the
 *       sequence memory of HTM): the value is quantised into {@link Settings#bins()} bins over the
 *       key's running [min, max]; the pair (previous bin, bin) is counted in the key's table, and its
 *       raw novelty is {@code 1 / (1 + count before this row)}. Through its own likelihood.
 *   <li><b>New range</b> (the "spatial anomaly" of HTM's detector in NAB): after a warm-up, a value
 *       outside the running [min, max] widened by {@link Settings#rangeTolerance()} of its width
 *       scores 1.
 * </ol>
 *
 * <h2>Streaming anomaly likelihood</h2>
 * After Ahmad et al. 2017 ("Unsupervised real-time anomaly detection for streaming data") and the
 * anomaly likelihood of Numenta's NuPIC, with constant state: the average {@code a} of the last
 * {@code W} raw values (a ring) is compared with a Gaussian fitted to the history of {@code a}
 * (running mean and variance, learned only after {@link Settings#learningRows()} rows, weight
 * {@code max(1/n, 1/memory)}), its mean floored at 0.03 and its variance at 0.0003. After
 * {@link Settings#estimationRows()} fitted rows the channel scores the log-scaled upper tail
 * {@code L = ln(Q(z) + 1e-10) / ln(1e-10)} in [0, 1] ({@code z = (a − mean) / sd}; L = 0.5 is a tail
 * of 1e-5). As NuPIC filters likelihoods, a row whose tail is in the red zone
 * ({@link Settings#redTail()}) right after another red row is lowered to the yellow level (1e-3):
 * one high score per run of red rows.
 *
 * <h2>Combination</h2>
 * {@code level = max(channels)}; the score is the level when it is more than
 * {@link Settings#peakMargin()} above the key's previous levels' peak, which decays with half-life
 * {@link Settings#peakHalfLife()} rows, and 0 otherwise: one event, one scoring row (benchmarks such
 * as NAB count every row over a threshold outside an anomaly window as a false positive).
 *
 * <h2>State layout</h2>
 * {@code [steps, min, max, previous bin (−1: none), peak, model error count, model error mean square,
 * model likelihood (seen, n, mean, variance, previous tail, ring[W_m]), novelty likelihood (the
 * same, ring[W_n]), transitions[bins²]]}: for the defaults 28 floats and a 12 × 12 table. Counts are
 * floats capped at 2^24, where they are exact. Immutable and thread-safe (all state is passed in).
 */
public final class ChannelDetector {

    /** Which channel gave a score. */
    public enum Channel {
        MODEL_ERROR,
        NOVELTY,
        RANGE;

        /** The name alerts carry: {@code model_error}, {@code novelty}, {@code range}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param modelWindow rows averaged by the model-error likelihood
     * @param noveltyWindow rows averaged by the novelty likelihood
     * @param errorCap cap of the normalised error |e| / RMS
     * @param errorMemory rows: the error mean square's weight is max(1/n, 1/errorMemory)
     * @param learningRows rows a likelihood sees before it starts fitting its Gaussian
     * @param estimationRows fitted rows before a likelihood scores (it scores 0 before)
     * @param gaussianMemory rows: the Gaussian's weight is max(1/n, 1/gaussianMemory)
     * @param rangeTolerance fraction of the running range a value must exceed it by to be a new range
     * @param rangeWarmup rows before the new-range rule applies
     * @param bins quantisation bins of the novelty channel
     * @param peakHalfLife half-life in rows of the level's peak (0: every level scores)
     * @param peakMargin how far above the decayed peak a level must be to score
     * @param redTail the likelihoods' red zone: a tail at or below this right after another is
     *     lowered to the yellow level
     */
    public record Settings(
            int modelWindow,
            int noveltyWindow,
            double errorCap,
            double errorMemory,
            int learningRows,
            int estimationRows,
            double gaussianMemory,
            double rangeTolerance,
            int rangeWarmup,
            int bins,
            double peakHalfLife,
            double peakMargin,
            double redTail) {
        public Settings {
            if (modelWindow < 1
                    || noveltyWindow < 1
                    || !(errorCap > 0)
                    || !(errorMemory >= 1)
                    || learningRows < 0
                    || estimationRows < 1
                    || !(gaussianMemory >= 1)
                    || !(rangeTolerance >= 0)
                    || rangeWarmup < 0
                    || bins < 2
                    || bins > 64
                    || !(peakHalfLife >= 0)
                    || !(peakMargin >= 0)
                    || !(redTail > 0 && redTail < 0.5)) {
                throw new IllegalArgumentException("invalid anomaly detector settings: " + this);
            }
        }
    }

    /**
     * Chosen on half of the files of two labelled corpora (NAB, and application-server metrics),
     * one configuration for both; docs/benchmarks.md has the choices and both halves' scores.
     */
    public static final Settings DEFAULTS = new Settings(5, 10, 10, 1e6, 600, 150, 1e6, 0.02, 100, 12, 200, 0.05, 7e-5);

    private static final double LOG_EPSILON = Math.log(1e-10);
    private static final double MEAN_FLOOR = 0.03;
    private static final double VARIANCE_FLOOR = 0.0003;
    private static final double YELLOW = 1e-3;
    private static final float MAX_COUNT = 1 << 24;

    private static final int STEPS = 0;
    private static final int MIN = 1;
    private static final int MAX = 2;
    private static final int PREVIOUS_BIN = 3;
    private static final int PEAK = 4;
    private static final int ERROR_COUNT = 5;
    private static final int ERROR_MEAN_SQUARE = 6;
    private static final int MODEL_LIKELIHOOD = 7;
    // a likelihood block
    private static final int SEEN = 0;
    private static final int FITTED = 1;
    private static final int MEAN = 2;
    private static final int VARIANCE = 3;
    private static final int PREVIOUS_TAIL = 4;
    private static final int RING = 5;

    private final Settings settings;
    private final int noveltyLikelihood;
    private final int table;
    private final int size;
    private final double peakDecay;

    public ChannelDetector(Settings settings) {
        this.settings = settings;
        this.noveltyLikelihood = MODEL_LIKELIHOOD + RING + settings.modelWindow();
        this.table = noveltyLikelihood + RING + settings.noveltyWindow();
        this.size = table + settings.bins() * settings.bins();
        this.peakDecay = settings.peakHalfLife() > 0 ? Math.pow(0.5, 1 / settings.peakHalfLife()) : 0;
    }

    public Settings settings() {
        return settings;
    }

    /** Floats of per-key state, the transition table included. */
    public int stateSize() {
        return size;
    }

    /** Floats of per-key state besides the transition table. */
    public int statisticsSize() {
        return table;
    }

    /** A new key's state: no rows, an empty range, no previous bin. */
    public float[] initialState() {
        float[] s = new float[size];
        s[MIN] = Float.POSITIVE_INFINITY;
        s[MAX] = Float.NEGATIVE_INFINITY;
        s[PREVIOUS_BIN] = -1;
        s[MODEL_LIKELIHOOD + PREVIOUS_TAIL] = 1;
        s[noveltyLikelihood + PREVIOUS_TAIL] = 1;
        return s;
    }

    /**
     * One row's result.
     *
     * @param score the anomaly score in [0, 1]: the level where it rises above the recent peak, else 0
     * @param level the largest channel likelihood, in [0, 1]
     * @param channel the channel that gave the level (null when every channel is 0)
     * @param modelError the model-error channel's likelihood
     * @param novelty the novelty channel's likelihood
     * @param range the new-range rule (0 or 1)
     * @param normalisedError the error in units of the running RMS error (0 without a forecast)
     */
    public record Result(
            double score,
            double level,
            Channel channel,
            double modelError,
            double novelty,
            double range,
            double normalisedError) {}

    /**
     * Scores one observation and then learns it.
     *
     * @param s the state ({@link #stateSize()} floats from {@code offset}), updated in place
     * @param observed the observed value (finite)
     * @param forecast the forecast made for this observation, NaN when there is none
     */
    public Result step(float[] s, int offset, double observed, double forecast) {
        double x = observed;
        double steps = s[offset + STEPS];
        double min = s[offset + MIN];
        double max = s[offset + MAX];
        double normalised = normalisedError(s, offset, x, forecast);
        double model = likelihood(s, offset + MODEL_LIKELIHOOD, settings.modelWindow(), normalised);

        int bins = settings.bins();
        int bin = -1;
        if (max > min) {
            bin = Math.max(0, Math.min(bins - 1, (int) Math.floor((x - min) / (max - min) * bins)));
        }
        int previousBin = (int) s[offset + PREVIOUS_BIN];
        double rawNovelty = 0;
        if (bin >= 0 && previousBin >= 0) {
            int cell = offset + table + previousBin * bins + bin;
            float count = s[cell];
            rawNovelty = 1.0 / (1 + count);
            s[cell] = Math.min(count + 1, MAX_COUNT);
        }
        s[offset + PREVIOUS_BIN] = bin;
        double novelty = likelihood(s, offset + noveltyLikelihood, settings.noveltyWindow(), rawNovelty);

        double range = 0;
        if (steps >= settings.rangeWarmup() && max > min) {
            double tolerance = settings.rangeTolerance() * (max - min);
            if (x > max + tolerance || x < min - tolerance) {
                range = 1;
            }
        }

        double level = model;
        Channel channel = model > 0 ? Channel.MODEL_ERROR : null;
        if (novelty > level) {
            level = novelty;
            channel = Channel.NOVELTY;
        }
        if (range > level) {
            level = range;
            channel = Channel.RANGE;
        }
        double decayedPeak = s[offset + PEAK] * peakDecay;
        double score = level > decayedPeak + settings.peakMargin() ? level : 0;
        s[offset + PEAK] = (float) Math.max(level, decayedPeak);

        s[offset + MIN] = (float) Math.min(min, x);
        s[offset + MAX] = (float) Math.max(max, x);
        s[offset + STEPS] = (float) Math.min(steps + 1, MAX_COUNT);
        return new Result(score, level, channel, model, novelty, range, normalised);
    }

    /** {@code |x − forecast| / RMS} (0 without a forecast or a scale yet), then the RMS learns the error. */
    private double normalisedError(float[] s, int offset, double x, double forecast) {
        if (Double.isNaN(forecast)) {
            return 0;
        }
        double e = x - forecast;
        double count = s[offset + ERROR_COUNT];
        double meanSquare = s[offset + ERROR_MEAN_SQUARE];
        double r = count > 0 ? Math.min(settings.errorCap(), Math.abs(e) / Math.sqrt(Math.max(meanSquare, 1e-30))) : 0;
        count = Math.min(count + 1, MAX_COUNT);
        double weight = Math.max(1 / count, 1 / settings.errorMemory());
        s[offset + ERROR_COUNT] = (float) count;
        s[offset + ERROR_MEAN_SQUARE] = (float) (meanSquare + weight * (e * e - meanSquare));
        return r;
    }

    /** The streaming anomaly likelihood of {@code raw}: score, then learn (see the class comment). */
    private double likelihood(float[] s, int at, int window, double raw) {
        double seen = s[at + SEEN];
        s[at + RING + (int) (seen % window)] = (float) raw;
        seen = Math.min(seen + 1, MAX_COUNT);
        s[at + SEEN] = (float) seen;
        int filled = (int) Math.min(seen, window);
        double sum = 0;
        for (int k = 0; k < filled; k++) {
            sum += s[at + RING + k];
        }
        double average = sum / filled;
        double n = s[at + FITTED];
        double score = 0;
        if (n >= settings.estimationRows()) {
            double mean = Math.max(s[at + MEAN], MEAN_FLOOR);
            double sd = Math.sqrt(Math.max(s[at + VARIANCE], VARIANCE_FLOOR));
            double tail = NormalTail.upper((average - mean) / sd);
            double red = settings.redTail();
            double filtered = tail <= red && s[at + PREVIOUS_TAIL] <= red ? YELLOW : tail;
            s[at + PREVIOUS_TAIL] = (float) tail;
            score = Math.min(1, Math.max(0, Math.log(filtered + 1e-10) / LOG_EPSILON));
        }
        if (seen > settings.learningRows()) {
            n = Math.min(n + 1, MAX_COUNT);
            double weight = Math.max(1 / n, 1 / settings.gaussianMemory());
            double delta = average - s[at + MEAN];
            s[at + FITTED] = (float) n;
            s[at + MEAN] = (float) (s[at + MEAN] + weight * delta);
            s[at + VARIANCE] = (float) ((1 - weight) * (s[at + VARIANCE] + weight * delta * delta));
        }
        return score;
    }

    /** The likelihood a level corresponds to: {@code 1 − tail} with {@code level = ln(tail)/ln(1e-10)}. */
    public static double likelihoodOf(double level) {
        return 1 - Math.exp(level * LOG_EPSILON);
    }
}
