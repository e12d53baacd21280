package io.streamcell.train;

import io.streamcell.adapt.Adaptation;
import io.streamcell.core.CalendarTerms;
import io.streamcell.core.Forecaster;
import io.streamcell.core.KeyStepper;
import io.streamcell.model.ForecastSpec;
import io.streamcell.model.InitialReadout;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.ModelProvenance;
import io.streamcell.model.RecurrentModel;
import io.streamcell.state.KeyState;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Trains a model with a forecast recipe ({@link ForecastSpec}): what {@code streamcell train}
 * makes by default. Each key's series is split in time as {@link Trainer} splits it (the last
 * {@code validationFraction} of its rows validate).
 * <ol>
 *   <li><b>Units</b>: each feature's mean and population standard deviation over the training rows
 *       of every key; changes are measured in them.
 *   <li><b>Lags</b>: from the training rows' median interval, the last three rows and, when a day
 *       is a whole number of rows, the same time yesterday ({@link ForecastSpec#lagsFor}).
 *   <li><b>Network</b>: {@link Trainer} fits the recurrent network on what it reads in the job
 *       (each feature's squashed value in units, then the calendar terms of the row's time) to each
 *       target's change per step, in units; early stopping on the validation rows.
 *   <li><b>Limits</b>: per target and horizon step, the largest change seen in the training rows.
 *   <li><b>Readout</b>: the training rows of every key, key after key, run through the job's own
 *       per-key code ({@link KeyStepper}, learning on) from zero weights; the readout they leave is
 *       the one a new key starts from.
 *   <li><b>Validation</b>: every key's whole series through the job's per-key code from a fresh
 *       state, as replay runs it; the forecasts made for the validation rows are scored in original
 *       units next to the last value's and the seasonal-naive forecast's.
 * </ol>
 */
public final class ForecastTrainer {
    private ForecastTrainer() {}

    /**
     * The recipe's choices that are not the network's.
     *
     * @param timeZone the zone of the calendar terms
     * @param recurrent what the network adds to the readout's inputs
     * @param readoutMethod {@code rls} or {@code nlms}
     * @param adapt whether the readout learns online in the job unless the job says otherwise
     * @param onlineUnits a zero-shot model: every key in its own running units (mean and standard
     *     deviation), lags that assume no interval, no limits, and a readout fitted by pooled least
     *     squares over every series, from which each key starts with a fresh prior
     */
    public record Recipe(
            ZoneId timeZone,
            ForecastSpec.RecurrentFeatures recurrent,
            String readoutMethod,
            boolean adapt,
            boolean onlineUnits) {
        public static final Recipe DEFAULT =
                new Recipe(ZoneId.of("UTC"), ForecastSpec.RecurrentFeatures.FORECAST, "rls", true, false);

        public Recipe {
            Objects.requireNonNull(timeZone, "timeZone");
            Objects.requireNonNull(recurrent, "recurrent");
            if (!readoutMethod.equals("rls") && !readoutMethod.equals("nlms")) {
                throw new IllegalArgumentException("--readout must be rls or nlms, got '" + readoutMethod + "'");
            }
        }
    }

    /**
     * @param model the trained model, its initial readout and provenance included
     * @param network the network's own training (epochs, losses; its metrics are in changes, units)
     * @param metrics the whole path's validation metrics, original units
     */
    public record Result(RecurrentModel model, TrainingResult network, TrainingResult.Metrics metrics) {
        /** Whether the model forecast the validation rows worse than the last value did. */
        public boolean worseThanNaive() {
            return metrics.model().count() > 0
                    && !(metrics.model().mse() < metrics.naive().mse());
        }
    }

    public static Result train(
            List<KeySeries> series,
            List<String> features,
            List<String> targets,
            TrainingOptions options,
            Recipe recipe,
            TrainingListener listener) {
        TrainingOptions opts = options.copy().validate();
        if (opts.onlineNormalisation() != null) {
            throw new IllegalArgumentException(
                    "--online-normalisation trains a model without a forecast recipe: add " + "--head-only");
        }
        if (!features.containsAll(targets)) {
            throw new IllegalArgumentException("every --targets column must also be a --features column: the model "
                    + "forecasts each target's change from its last value (or add --head-only)");
        }
        for (KeySeries s : series) {
            if (s.times() == null) {
                throw new IllegalArgumentException("key '" + s.key() + "' has no event times; the forecast recipe "
                        + "needs them (calendar terms, lags)");
            }
        }
        int f = features.size();
        int[] target = targets.stream().mapToInt(features::indexOf).toArray();
        int[] trainRows = series.stream()
                .mapToInt(s -> s.length() - (int) Math.round(s.length() * opts.validationFraction()))
                .toArray();
        float[][] units = units(series, trainRows, f);
        long interval = medianInterval(series, trainRows);
        int period = interval > 0 && 86_400_000L % interval == 0 ? (int) (86_400_000L / interval) : 0;
        ForecastSpec spec = ForecastSpec.defaults(
                        recipe.onlineUnits()
                                ? ForecastSpec.Units.online(ONLINE_SCALE_FLOOR)
                                : ForecastSpec.Units.fixed(units[0], units[1]),
                        recipe.onlineUnits() ? new int[] {1, 2, 3} : ForecastSpec.lagsFor(interval),
                        recipe.onlineUnits() ? 0 : period)
                .withCalendar(new ForecastSpec.Calendar(
                        ForecastSpec.DEFAULT_CALENDAR.dayHarmonics(),
                        ForecastSpec.DEFAULT_CALENDAR.weekHarmonics(),
                        recipe.timeZone(),
                        true))
                .withRecurrent(recipe.recurrent())
                .withReadout(new ForecastSpec.Readout(
                        recipe.readoutMethod(),
                        ForecastSpec.DEFAULT_READOUT.forgetting(),
                        ForecastSpec.DEFAULT_READOUT.minSamplesPerInput(),
                        ForecastSpec.DEFAULT_READOUT.initialVariance(),
                        ForecastSpec.DEFAULT_READOUT.processNoise(),
                        ForecastSpec.DEFAULT_READOUT.stepSize(),
                        ForecastSpec.DEFAULT_READOUT.huber(),
                        ForecastSpec.DEFAULT_READOUT.huberRate(),
                        ForecastSpec.DEFAULT_READOUT.targetClip()))
                .withAdapt(recipe.adapt());
        if (!recipe.onlineUnits()) {
            spec = spec.withLimits(limits(series, trainRows, target, units[1], opts.horizon()));
        }

        TrainingResult network = trainNetwork(series, target, units, spec, opts, listener);
        ModelConfig config = network.config().toBuilder()
                .features(features)
                .targets(targets)
                .inputSize(f + spec.calendar().terms())
                .forecast(spec)
                .version(opts.version())
                .build();
        RecurrentModel untrained = network.parameters().toModel(config);
        RecurrentModel model = untrained.withReadout(
                recipe.onlineUnits()
                        ? pooledReadout(untrained, series, trainRows)
                        : fitReadout(untrained, series, trainRows, recipe));
        TrainingResult.Metrics metrics = validate(model, series, trainRows, target, opts.season());
        ModelProvenance net = network.provenance();
        ModelProvenance provenance = new ModelProvenance(
                net.tool(),
                ModelProvenance.Input.ofSeries(
                        KeySeries.sha256(series, features, targets),
                        series.stream().mapToLong(KeySeries::length).sum(),
                        series.size()),
                opts.provenance(features, targets),
                net.seed(),
                net.training(),
                metrics.provenance("validation, whole path, original units"),
                net.versions(),
                net.created(),
                net.extra());
        return new Result(model.withProvenance(provenance), network, metrics);
    }

    /** The smallest unit of a zero-shot model, relative to the key's level. */
    static final double ONLINE_SCALE_FLOOR = 1e-3;

    /** Per feature: [mean[], std[]] over the training rows (population std; 1 for a constant column). */
    static float[][] units(List<KeySeries> series, int[] trainRows, int features) {
        double[] sum = new double[features];
        double[] sumSquares = new double[features];
        long count = 0;
        for (int k = 0; k < series.size(); k++) {
            double[][] x = series.get(k).features();
            for (int t = 0; t < trainRows[k]; t++) {
                for (int i = 0; i < features; i++) {
                    sum[i] += x[t][i];
                }
                count++;
            }
        }
        if (count == 0) {
            throw new IllegalArgumentException(
                    "no training rows: every key's series is shorter than its validation " + "split");
        }
        float[] mean = new float[features];
        for (int i = 0; i < features; i++) {
            mean[i] = (float) (sum[i] / count);
        }
        for (int k = 0; k < series.size(); k++) {
            double[][] x = series.get(k).features();
            for (int t = 0; t < trainRows[k]; t++) {
                for (int i = 0; i < features; i++) {
                    double d = x[t][i] - mean[i];
                    sumSquares[i] += d * d;
                }
            }
        }
        float[] std = new float[features];
        for (int i = 0; i < features; i++) {
            double s = Math.sqrt(sumSquares[i] / count);
            std[i] = s > 0 && Double.isFinite(s) && (float) s > 0 ? (float) s : 1f;
        }
        return new float[][] {mean, std};
    }

    /** The median step between consecutive training rows of a key, over every key; 0 if none. */
    static long medianInterval(List<KeySeries> series, int[] trainRows) {
        List<Long> steps = new ArrayList<>();
        for (int k = 0; k < series.size(); k++) {
            long[] times = series.get(k).times();
            for (int t = 1; t < trainRows[k]; t++) {
                long step = times[t] - times[t - 1];
                if (step > 0) {
                    steps.add(step);
                }
            }
        }
        if (steps.isEmpty()) {
            return 0;
        }
        long[] sorted = steps.stream().mapToLong(Long::longValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    /** Per output (step-major), the largest change of the target over that many training rows, in units. */
    static double[] limits(List<KeySeries> series, int[] trainRows, int[] target, float[] std, int horizon) {
        double[] limits = new double[target.length * horizon];
        for (int k = 0; k < series.size(); k++) {
            double[][] x = series.get(k).features();
            for (int t = 0; t < trainRows[k]; t++) {
                for (int step = 1; step <= horizon && t + step < trainRows[k]; step++) {
                    for (int j = 0; j < target.length; j++) {
                        int feature = target[j];
                        int o = (step - 1) * target.length + j;
                        limits[o] = Math.max(limits[o], Math.abs(x[t + step][feature] - x[t][feature]) / std[feature]);
                    }
                }
            }
        }
        return limits;
    }

    /** The network on squashed levels (and calendar terms) to each target's change per step, in units. */
    private static TrainingResult trainNetwork(
            List<KeySeries> series,
            int[] target,
            float[][] units,
            ForecastSpec spec,
            TrainingOptions opts,
            TrainingListener listener) {
        int f = units[0].length;
        CalendarTerms calendar = new CalendarTerms(spec.calendar());
        int c = calendar.size();
        List<KeySeries> networkSeries = new ArrayList<>(series.size());
        boolean online = spec.units().isOnline();
        double rate = 1 - Math.pow(0.5, 1 / spec.scaleHalfLife());
        for (KeySeries s : series) {
            double[][] inputs = new double[s.length()][f + c];
            double[][] changes = new double[s.length()][target.length];
            double[] mean = new double[f];
            double[] variance = new double[f];
            double[] scale = new double[f];
            for (int t = 0; t < s.length(); t++) {
                double[] x = s.features()[t];
                double w = Math.max(1.0 / (t + 1), rate); // the Forecaster's running statistics, per key
                for (int i = 0; i < f; i++) {
                    double d = x[i] - mean[i];
                    mean[i] += w * d;
                    variance[i] = (1 - w) * (variance[i] + w * d * d);
                    double center = online ? mean[i] : units[0][i];
                    scale[i] = online
                            ? Math.max(Math.sqrt(variance[i]), Math.max(ONLINE_SCALE_FLOOR * Math.abs(mean[i]), 1e-30))
                            : units[1][i];
                    inputs[t][i] = Forecaster.squash((x[i] - center) / scale[i]);
                }
                calendar.write(s.times()[t], inputs[t], f);
                for (int j = 0; j < target.length && t > 0; j++) {
                    int feature = target[j];
                    double clip = spec.readout().targetClip();
                    double change = (x[feature] - s.features()[t - 1][feature]) / scale[feature];
                    changes[t][j] = Math.max(-clip, Math.min(clip, change));
                }
            }
            networkSeries.add(new KeySeries(s.key(), inputs, changes, s.times()));
        }
        List<String> inputNames =
                IntStream.range(0, f + c).mapToObj(i -> "input" + i).toList();
        List<String> changeNames =
                IntStream.range(0, target.length).mapToObj(j -> "change" + j).toList();
        return Trainer.train(networkSeries, inputNames, changeNames, opts, listener);
    }

    /** The readout the training rows leave, key after key, from zero weights, learning on. */
    private static InitialReadout fitReadout(
            RecurrentModel untrained, List<KeySeries> series, int[] trainRows, Recipe recipe) {
        InitialReadout readout = null;
        Adaptation learning = Adaptation.parse(recipe.readoutMethod());
        for (int k = 0; k < series.size(); k++) {
            KeyStepper stepper = new KeyStepper(untrained.withReadout(readout), null, learning);
            KeyState state = KeyState.fresh(untrained);
            KeySeries s = series.get(k);
            for (int t = 0; t < trainRows[k]; t++) {
                stepper.step(state, s.times()[t], floats(s.features()[t]));
            }
            if (trainRows[k] > 0) {
                readout = stepper.forecaster().readoutOf(state.forecaster());
            }
        }
        return readout;
    }

    /**
     * A zero-shot model's readout: one least-squares fit over the training rows of every key, key
     * after key (each key its own state otherwise), without forgetting and with a wide prior; a new
     * key starts from its weights with the model's own prior covariance, error scales and calibration.
     */
    private static InitialReadout pooledReadout(RecurrentModel untrained, List<KeySeries> series, int[] trainRows) {
        ModelConfig config = untrained.config();
        RecurrentModel fitting = untrained.withConfig(
                config.toBuilder().forecast(config.forecast().forPooledFit()).build());
        InitialReadout fitted = null;
        for (int k = 0; k < series.size(); k++) {
            KeyStepper stepper = new KeyStepper(fitting.withReadout(fitted), null, null);
            KeyState state = KeyState.fresh(fitting);
            KeySeries s = series.get(k);
            for (int t = 0; t < trainRows[k]; t++) {
                stepper.step(state, s.times()[t], floats(s.features()[t]));
            }
            if (trainRows[k] > 0) {
                fitted = stepper.forecaster().readoutOf(state.forecaster());
            }
        }
        Forecaster fresh = new Forecaster(untrained, true);
        InitialReadout prior = fresh.readoutOf(fresh.initialState());
        if (fitted == null) {
            return prior;
        }
        int weights = fresh.readoutInputs() * config.horizon();
        float[][] states = new float[prior.states().length][];
        for (int j = 0; j < states.length; j++) {
            states[j] = prior.states()[j].clone();
            System.arraycopy(fitted.states()[j], 0, states[j], 0, weights); // the fitted weights, the prior's P
        }
        return new InitialReadout(states, prior.errorScale(), prior.calibration());
    }

    /** The validation rows' forecasts, made as replay makes them from a fresh state, against the baselines. */
    static TrainingResult.Metrics validate(
            RecurrentModel model, List<KeySeries> series, int[] trainRows, int[] target, int season) {
        int horizon = model.config().horizon();
        int targets = target.length;
        double[] sums = new double[6]; // model, naive, seasonal: squared, absolute
        long[] counts = new long[3];
        for (int k = 0; k < series.size(); k++) {
            KeySeries s = series.get(k);
            KeyStepper stepper = new KeyStepper(model, null, null);
            KeyState state = KeyState.fresh(model);
            for (int t = 0; t < s.length(); t++) {
                float[] forecast = stepper.step(state, s.times()[t], floats(s.features()[t]))
                        .forecast();
                for (int step = 1; step <= horizon; step++) {
                    int at = t + step;
                    if (at < trainRows[k] || at >= s.length()) {
                        continue;
                    }
                    for (int j = 0; j < targets; j++) {
                        double actual = s.features()[at][target[j]];
                        add(sums, counts, 0, forecast[(step - 1) * targets + j] - actual);
                        add(sums, counts, 1, s.features()[t][target[j]] - actual);
                        if (season > 0 && at - season >= 0) {
                            add(sums, counts, 2, s.features()[at - season][target[j]] - actual);
                        }
                    }
                }
            }
        }
        return new TrainingResult.Metrics(
                score("model", sums, counts, 0),
                score("naive last value", sums, counts, 1),
                score("seasonal naive", sums, counts, 2),
                season);
    }

    private static void add(double[] sums, long[] counts, int which, double error) {
        sums[2 * which] += error * error;
        sums[2 * which + 1] += Math.abs(error);
        counts[which]++;
    }

    private static TrainingResult.Score score(String name, double[] sums, long[] counts, int which) {
        long n = counts[which];
        return new TrainingResult.Score(
                name, n, n == 0 ? Double.NaN : sums[2 * which] / n, n == 0 ? Double.NaN : sums[2 * which + 1] / n);
    }

    private static float[] floats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
