package io.streamcell.core;

import io.streamcell.adapt.LinearReadout;
import io.streamcell.adapt.NormalisedLms;
import io.streamcell.adapt.RecursiveLeastSquares;
import io.streamcell.model.ForecastSpec;
import io.streamcell.model.InitialReadout;
import io.streamcell.model.RecurrentModel;
import java.util.Arrays;

/**
 * One key's forecasts for a model with a {@link ForecastSpec}: each target's change from its last
 * value over the next H rows, from a per-key linear readout that learns online, bounded so that no
 * key can diverge. Stateless itself (the key's state is a {@code float[]} the caller keeps, of
 * {@link #stateSize()} floats; an empty array is a new key); not thread-safe (scratch buffers): one
 * per operator instance.
 *
 * <p>Per row x at event time t, {@link #observe} then, after the recurrent network stepped,
 * {@link #forecast}:
 * <ol>
 *   <li><b>Statistics.</b> The key's running mean and variance of each feature learn x (a plain
 *       running average while the key is young, exponential with half-life {@code scale_half_life}
 *       after). They bound every forecast (the envelope) and, for online units, are the units:
 *       {@code σ = max(√v, scale_floor·|m|, 1e-30)}, relative to the level so that neither a series
 *       near 1e9 nor one near 1e-9 looks flat. Fixed units are the training rows' mean and std.
 *   <li><b>History.</b> A ring of the last {@code max(lag, H) + 1} rows, and moving averages.
 *   <li><b>Learn</b> (delayed feedback): the forecast made H rows ago is now fully revealed. Per
 *       target j and step k the revealed change {@code y = (x_{t-H+k} - x_{t-H}) / σ}, clipped to
 *       ± {@code target_clip} (a key that was flat and then moves must not teach a huge change),
 *       is learned by the readout from the inputs φ that forecast was made with; its error is
 *       clipped at {@code huber} running error scales (Huber: a level shift is one bounded step,
 *       not an enormous gradient). The calibration and guard sums learn the bounded change that was
 *       forecast against y.
 *   <li><b>Network input.</b> Each feature's value in units, squashed ({@code s(u) = sign(u)·ln(1+|u|)}),
 *       then the calendar terms of t.
 *   <li><b>Forecast.</b> φ_j = [s(level), s((x_{t-l} − x_t)/σ) per lag, s((ewma − x_t)/σ) per moving
 *       average, calendar terms, the network's hidden state or its change forecast of j, 1]; the
 *       change {@code c = W_jᵀφ_j} per step is limited (the largest change seen in training, and
 *       {@code envelope_sigmas} running standard deviations), multiplied by the calibration
 *       {@code α ∈ [0, 1]} (the exponentially weighted regression of revealed on forecast changes:
 *       toward 0, the last value, when the readout stops predicting for this key), and dropped
 *       altogether while the guard holds (the forecast's recent squared error is over
 *       {@code guard_ratio} times the last value's). Forecast = {@code x_t + σ·α·c}.
 * </ol>
 * Learning uses only revealed rows, and a row is scored before anything learns from it, so replay
 * and the job give the same numbers as a forecaster that sees the future never would. The design
 * and its measurements: docs/benchmarks.md, "Forecasting".
 *
 * <h2>State layout</h2>
 * {@code [n, mean[F], var[F], ring[R·F], ewma[E·F], readout[T·S], errorScale[K], calibration[2K],
 * guard[2K], pending[H·(T·D + 2T + K)]]} with F features, T targets, H horizon, K = T·H outputs,
 * E moving averages, R ring rows, D readout inputs per target and S the readout learner's state
 * size; a pending slot holds a forecast's φ per target, σ and last value per target, and its
 * bounded changes. The row count comes from the key's step count, not from this array.
 */
public final class Forecaster {
    private static final double MIN_SCALE = 1e-30;
    /** A forecast's squared error grows at most this many times its running scale in one update. */
    private static final double MAX_SCALE_GROWTH = 100;

    private final ForecastSpec spec;
    private final int[] targetFeature;
    private final int features;
    private final int targets;
    private final int horizon;
    private final int outputs;
    private final int inputs; // D
    private final int ringRows;
    private final int networkOutputsPerStep;
    private final int hidden;
    private final int topHidden;
    private final LinearReadout learner;
    private final int learnerSize; // S
    private final InitialReadout initial;
    private final boolean adapt;
    private final double scaleRate;
    private final double[] ewmaRates;
    private final double calibrationRate;
    private final double guardRate;
    private final CalendarTerms calendarTerms;

    // offsets into a key's state
    private final int mean;
    private final int variance;
    private final int ring;
    private final int ewma;
    private final int readout;
    private final int errorScale;
    private final int calibration;
    private final int guard;
    private final int pending;
    private final int slotSize;
    private final int size;

    // scratch, used within one call only
    private final double[] sigma;
    private final double[] center;
    private final double[] calendar;
    private final double[] phi;
    private final double[] out;
    private final double[] revealed;
    private final double[] error;
    private final float[] network;

    /**
     * @param model a model with a {@link ForecastSpec}
     * @param adapt whether the readout learns online (the calibration and guard always do)
     */
    public Forecaster(RecurrentModel model, boolean adapt) {
        this.spec = model.config().forecast();
        if (spec == null) {
            throw new IllegalArgumentException("model " + model.version() + " has no forecast spec");
        }
        this.features = model.config().features().size();
        this.targetFeature = model.config().targets().stream()
                .mapToInt(t -> model.config().features().indexOf(t))
                .toArray();
        this.targets = targetFeature.length;
        this.horizon = model.config().horizon();
        this.outputs = targets * horizon;
        this.hidden = model.config().hiddenSize();
        this.topHidden = model.topHiddenOffset();
        this.networkOutputsPerStep = targets;
        this.inputs = spec.readoutInputs(hidden, horizon);
        this.ringRows = Math.max(spec.maxLag(), horizon) + 1;
        ForecastSpec.Readout settings = spec.readout();
        this.learner = settings.rls()
                ? new RecursiveLeastSquares(
                        inputs,
                        horizon,
                        forgetting(settings, inputs),
                        settings.initialVariance(),
                        settings.processNoise())
                : new NormalisedLms(inputs, horizon, settings.stepSize());
        this.learnerSize = learner.stateSize();
        this.initial = model.readout();
        if (initial != null) {
            initial.checkShape(targets, learnerSize, outputs, "model " + model.version());
        }
        this.adapt = adapt;
        this.scaleRate = rate(spec.scaleHalfLife());
        this.ewmaRates =
                Arrays.stream(spec.ewmaHalfLives()).map(Forecaster::rate).toArray();
        this.calibrationRate = spec.calibrationHalfLife() > 0 ? rate(spec.calibrationHalfLife()) : 0;
        this.guardRate = rate(spec.guardHalfLife());
        this.calendarTerms = new CalendarTerms(spec.calendar());

        int e = ewmaRates.length;
        this.mean = 1;
        this.variance = mean + features;
        this.ring = variance + features;
        this.ewma = ring + ringRows * features;
        this.readout = ewma + e * features;
        this.errorScale = readout + targets * learnerSize;
        this.calibration = errorScale + outputs;
        this.guard = calibration + 2 * outputs;
        this.pending = guard + 2 * outputs;
        this.slotSize = targets * inputs + 2 * targets + outputs;
        this.size = pending + horizon * slotSize;

        this.sigma = new double[features];
        this.center = new double[features];
        this.calendar = new double[spec.calendar().terms()];
        this.phi = new double[inputs];
        this.out = new double[horizon];
        this.revealed = new double[horizon];
        this.error = new double[horizon];
        this.network = new float[outputs];
    }

    /**
     * The RLS forgetting factor, lengthened so that its memory {@code 1/(1-λ)} holds at least
     * {@code min_samples_per_input} samples per input: RLS's excess error grows with inputs/memory.
     */
    static double forgetting(ForecastSpec.Readout settings, int inputs) {
        double needed = (double) settings.minSamplesPerInput() * inputs;
        return 1 / (1 - settings.forgetting()) >= needed ? settings.forgetting() : 1 - 1 / needed;
    }

    private static double rate(double halfLife) {
        return 1 - Math.pow(0.5, 1 / halfLife);
    }

    /** Floats of per-key state. */
    public int stateSize() {
        return size;
    }

    /** Readout inputs per target. */
    public int readoutInputs() {
        return inputs;
    }

    /** Inputs of the recurrent network per row: the features, then the calendar terms if it reads them. */
    public int networkInputs() {
        return features + (spec.calendar().network() ? calendar.length : 0);
    }

    /** The readout of a key's state, as a model's initial readout (what {@code train} fits). */
    public InitialReadout readoutOf(float[] s) {
        float[][] states = new float[targets][];
        for (int j = 0; j < targets; j++) {
            states[j] = Arrays.copyOfRange(s, readout + j * learnerSize, readout + (j + 1) * learnerSize);
        }
        return new InitialReadout(
                states,
                Arrays.copyOfRange(s, errorScale, errorScale + outputs),
                Arrays.copyOfRange(s, calibration, calibration + 2 * outputs));
    }

    /** A new key's state: no history, the model's initial readout. */
    public float[] initialState() {
        float[] s = new float[size];
        for (int j = 0; j < targets; j++) {
            float[] start = initial != null ? initial.states()[j] : learner.initialState();
            System.arraycopy(start, 0, s, readout + j * learnerSize, learnerSize);
        }
        if (initial != null) {
            System.arraycopy(initial.errorScale(), 0, s, errorScale, outputs);
            System.arraycopy(initial.calibration(), 0, s, calibration, 2 * outputs);
        } else {
            Arrays.fill(s, errorScale, errorScale + outputs, 1f);
        }
        return s;
    }

    /**
     * Takes row {@code x}, the key's {@code n}-th since its state began (1-based): learns the
     * statistics, the history and the forecast this row completes, and writes the network's input.
     *
     * @param s the key's state ({@link #stateSize()} floats), updated in place
     * @param networkInput receives {@link #networkInputs()} values
     */
    public void observe(float[] s, long n, long eventTime, float[] x, float[] networkInput) {
        double count = s[0];
        double w = Math.max(1 / (count + 1), scaleRate);
        for (int i = 0; i < features; i++) {
            double m = s[mean + i];
            double d = x[i] - m;
            s[mean + i] = (float) (m + w * d);
            s[variance + i] = (float) ((1 - w) * (s[variance + i] + w * d * d));
        }
        s[0] = (float) Math.min(count + 1, 1 << 24);
        int head = row(n);
        System.arraycopy(x, 0, s, ring + head * features, features);
        for (int e = 0; e < ewmaRates.length; e++) {
            for (int i = 0; i < features; i++) {
                int at = ewma + e * features + i;
                s[at] = n == 1 ? x[i] : (float) (s[at] + ewmaRates[e] * (x[i] - s[at]));
            }
        }
        if (n > horizon) {
            learn(s, n);
        }
        units(s);
        for (int i = 0; i < features; i++) {
            networkInput[i] = (float) squash((x[i] - center[i]) / sigma[i]);
        }
        if (spec.calendar().network()) {
            calendarTerms.write(eventTime, calendar, 0);
            for (int c = 0; c < calendar.length; c++) {
                networkInput[features + c] = (float) calendar[c];
            }
        }
    }

    /**
     * The forecasts of the next H rows after row {@code n} (the one {@link #observe} just took), in
     * raw units, step-major (step k, target j at {@code k·T + j}).
     *
     * @param networkOutput the network's output after stepping with that row (T·H values)
     * @param recurrent the key's recurrent state after that step
     * @param forecast receives T·H values
     */
    public void forecast(
            float[] s, long n, long eventTime, float[] networkOutput, float[] recurrent, float[] forecast) {
        System.arraycopy(networkOutput, 0, network, 0, outputs); // the caller may pass forecast itself
        units(s);
        calendarTerms.write(eventTime, calendar, 0);
        int slot = pending + slot(n) * slotSize;
        int head = row(n);
        for (int j = 0; j < targets; j++) {
            int f = targetFeature[j];
            double last = s[ring + head * features + f];
            buildPhi(s, n, j, f, last, recurrent);
            int phiAt = slot + j * inputs;
            for (int d = 0; d < inputs; d++) {
                s[phiAt + d] = (float) phi[d];
            }
            learner.predict(s, readout + j * learnerSize, phi, out);
            double envelope = spec.envelopeSigmas() > 0
                    ? spec.envelopeSigmas() * Math.sqrt(s[variance + f]) / sigma[f]
                    : Double.POSITIVE_INFINITY;
            for (int k = 0; k < horizon; k++) {
                int o = k * targets + j;
                double c = Double.isFinite(out[k]) ? out[k] : 0;
                if (spec.limits() != null) {
                    c = Math.max(-spec.limits()[o], Math.min(spec.limits()[o], c));
                }
                c = Math.max(-envelope, Math.min(envelope, c));
                s[slot + targets * inputs + 2 * targets + o] = (float) c;
                double used = c * alpha(s, o);
                if (spec.guardRatio() > 0 && s[guard + 2 * o] > spec.guardRatio() * s[guard + 2 * o + 1]) {
                    used = 0; // the last value has been clearly better lately
                }
                forecast[o] = (float) (last + sigma[f] * used);
            }
            s[slot + targets * inputs + j] = (float) sigma[f];
            s[slot + targets * inputs + targets + j] = (float) last;
        }
    }

    /** Learns the forecast made H rows before row n, whose rows have all arrived with row n. */
    private void learn(float[] s, long n) {
        int slot = pending + slot(n - horizon) * slotSize;
        for (int j = 0; j < targets; j++) {
            int f = targetFeature[j];
            double scale = s[slot + targets * inputs + j];
            double last = s[slot + targets * inputs + targets + j];
            double clip = spec.readout().targetClip();
            for (int k = 1; k <= horizon; k++) {
                double actual = s[ring + row(n - horizon + k) * features + f];
                revealed[k - 1] = Math.max(-clip, Math.min(clip, (actual - last) / scale));
            }
            for (int k = 0; k < horizon; k++) {
                int o = k * targets + j;
                double c = s[slot + targets * inputs + 2 * targets + o];
                double y = revealed[k];
                if (calibrationRate > 0) {
                    if (s[calibration + 2 * o + 1] == 0) { // the first revealed forecast: a prior α = 1
                        float prior = (float) (spec.calibrationPriorSamples() * c * c);
                        s[calibration + 2 * o] = prior;
                        s[calibration + 2 * o + 1] = prior;
                    }
                    s[calibration + 2 * o] = (float) ((1 - calibrationRate) * s[calibration + 2 * o] + y * c);
                    s[calibration + 2 * o + 1] = (float) ((1 - calibrationRate) * s[calibration + 2 * o + 1] + c * c);
                }
                if (spec.guardRatio() > 0) {
                    double e = y - alpha(s, o) * c;
                    s[guard + 2 * o] = (float) (s[guard + 2 * o] + guardRate * (e * e - s[guard + 2 * o]));
                    s[guard + 2 * o + 1] = (float) (s[guard + 2 * o + 1] + guardRate * (y * y - s[guard + 2 * o + 1]));
                }
            }
            if (!adapt) {
                continue;
            }
            int phiAt = slot + j * inputs;
            for (int d = 0; d < inputs; d++) {
                phi[d] = s[phiAt + d];
            }
            int state = readout + j * learnerSize;
            learner.predict(s, state, phi, out);
            double huber = spec.readout().huber();
            for (int k = 0; k < horizon; k++) {
                int o = k * targets + j;
                double e = revealed[k] - out[k];
                if (huber > 0) {
                    double squared = s[errorScale + o];
                    double bound = huber * Math.sqrt(squared);
                    double rate = spec.readout().huberRate();
                    s[errorScale + o] =
                            (float) (squared + rate * (Math.min(e * e, MAX_SCALE_GROWTH * squared) - squared));
                    e = Math.max(-bound, Math.min(bound, e));
                }
                error[k] = e;
            }
            learner.learn(s, state, phi, error);
            if (!finite(s, state, learnerSize)) { // not reached with the bounds above; never emit NaN
                float[] start = initial != null ? initial.states()[j] : learner.initialState();
                System.arraycopy(start, 0, s, state, learnerSize);
            }
        }
    }

    private static boolean finite(float[] s, int from, int length) {
        for (int i = from; i < from + length; i++) {
            if (!Float.isFinite(s[i])) {
                return false;
            }
        }
        return true;
    }

    /** Output o's calibration: the regression coefficient of revealed on forecast changes, in [0, 1]. */
    private double alpha(float[] s, int o) {
        if (calibrationRate == 0) {
            return 1;
        }
        double ff = s[calibration + 2 * o + 1];
        return ff > 0 ? Math.max(0, Math.min(1, s[calibration + 2 * o] / ff)) : 1;
    }

    /** The units of every feature for the key's current statistics. */
    private void units(float[] s) {
        ForecastSpec.Units units = spec.units();
        for (int i = 0; i < features; i++) {
            if (units.isOnline()) {
                double m = s[mean + i];
                center[i] = m;
                sigma[i] = Math.max(Math.sqrt(s[variance + i]), Math.max(units.scaleFloor() * Math.abs(m), MIN_SCALE));
            } else {
                center[i] = units.mean()[i];
                sigma[i] = units.std()[i];
            }
        }
    }

    private void buildPhi(float[] s, long n, int j, int f, double last, float[] recurrent) {
        int p = 0;
        double scale = sigma[f];
        if (spec.level()) {
            phi[p++] = squash((last - center[f]) / scale);
        }
        for (int lag : spec.lags()) { // a row the key has not seen yet tells nothing: no difference
            phi[p++] = lag < n ? squash((s[ring + row(n - lag) * features + f] - last) / scale) : 0;
        }
        for (int e = 0; e < ewmaRates.length; e++) {
            phi[p++] = squash((s[ewma + e * features + f] - last) / scale);
        }
        for (double c : calendar) {
            phi[p++] = c;
        }
        switch (spec.recurrent()) {
            case HIDDEN -> {
                for (int i = 0; i < hidden; i++) {
                    phi[p++] = recurrent[topHidden + i];
                }
            }
            case FORECAST -> {
                for (int k = 0; k < horizon; k++) {
                    phi[p++] = network[k * networkOutputsPerStep + j];
                }
            }
            case NONE -> {}
        }
        phi[p] = 1;
    }

    /** The ring row holding row n. */
    private int row(long n) {
        return (int) Math.floorMod(n - 1, (long) ringRows);
    }

    /** The pending slot of the forecast made at row n. */
    private int slot(long n) {
        return (int) Math.floorMod(n - 1, (long) horizon);
    }

    /** {@code sign(u)·ln(1 + |u|)}: about linear within ±1, logarithmic beyond. */
    public static double squash(double value) {
        return Math.copySign(Math.log1p(Math.abs(value)), value);
    }
}
