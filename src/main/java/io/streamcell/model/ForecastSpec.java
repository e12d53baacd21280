package io.streamcell.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How a model forecasts per key: the {@code forecast} object of {@code config.json}. A model with it
 * forecasts each target's <em>change</em> from its last observed value with a per-key linear readout
 * over the key's recent history (level, lags, moving averages), calendar terms of the event time
 * and, optionally, the recurrent network's hidden state or forecast; the readout adapts online
 * per key, and every forecast is bounded (limits, an envelope of the key's running spread, a
 * calibration that shrinks toward the last value, and a guard that falls back to it). A model
 * without it forecasts with the network's head alone, as models always did. The per-key algorithm
 * is {@code io.streamcell.core.Forecaster}; the model-directory contract is in
 * docs/model-format.md.
 *
 * @param units the scale changes are measured in: the training rows' mean and standard deviation
 *     per feature ({@link Units#fixed}), or the key's own running ones ({@link Units#online})
 * @param lags rows back (each ≥ 1) whose difference from the current value is a readout input
 * @param ewmaHalfLives half-lives, in rows, of the moving averages whose difference from the current
 *     value is a readout input
 * @param level whether the current value (in units, squashed) is a readout input
 * @param calendar the calendar terms of the event time (readout inputs and, when the network reads
 *     them, network inputs)
 * @param recurrent what the network contributes to each target's readout
 * @param readout the per-key readout's learner and its safety settings
 * @param calibrationHalfLife half-life, in revealed forecasts, of the calibration that shrinks each
 *     forecast change toward 0 by how well it has predicted for this key; 0 turns it off
 * @param calibrationPriorSamples weight, in samples, of a calibration of 1 for a new key
 * @param guardRatio a forecast falls back to the last value while its recent squared error exceeds
 *     this multiple of the last value's; 0 turns the guard off
 * @param guardHalfLife half-life, in revealed forecasts, of those recent errors
 * @param envelopeSigmas no forecast change beyond this many of the key's running standard
 *     deviations; 0 turns the envelope off
 * @param scaleHalfLife half-life, in rows, of the key's running mean and variance (the envelope,
 *     and the units of {@link Units#online} models)
 * @param limits per output (step-major: step k, target j at {@code k·targets + j}), the largest
 *     change in units the readout may forecast (the largest seen over as many rows in training), or
 *     null for none
 * @param adapt whether the readout learns online unless the job says otherwise
 * @param seasonPeriod rows per day the lags were chosen for (0: unknown); informative
 */
public record ForecastSpec(
        Units units,
        int[] lags,
        double[] ewmaHalfLives,
        boolean level,
        Calendar calendar,
        RecurrentFeatures recurrent,
        Readout readout,
        double calibrationHalfLife,
        double calibrationPriorSamples,
        double guardRatio,
        double guardHalfLife,
        double envelopeSigmas,
        double scaleHalfLife,
        double[] limits,
        boolean adapt,
        int seasonPeriod) {

    /** What the recurrent network adds to each target's readout inputs. */
    public enum RecurrentFeatures {
        /** Nothing: the readout alone (the network is stepped, its output unused). */
        NONE,
        /** The network's top hidden state (H inputs per target). */
        HIDDEN,
        /** The network's forecast of the target's change, one input per horizon step. */
        FORECAST;

        String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The scale forecast changes are measured in.
     *
     * @param mean per feature, for fixed units; null for online units
     * @param std per feature, for fixed units; null for online units
     * @param scaleFloor online units: the smallest scale, relative to the key's level
     */
    public record Units(float[] mean, float[] std, double scaleFloor) {
        public static Units fixed(float[] mean, float[] std) {
            return new Units(mean.clone(), std.clone(), 0);
        }

        public static Units online(double scaleFloor) {
            return new Units(null, null, scaleFloor);
        }

        public boolean isOnline() {
            return mean == null;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Units that
                    && Arrays.equals(mean, that.mean)
                    && Arrays.equals(std, that.std)
                    && scaleFloor == that.scaleFloor;
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(mean), Arrays.hashCode(std), scaleFloor);
        }
    }

    /**
     * Calendar terms: sine and cosine of the first {@code dayHarmonics} harmonics of the time of day
     * and of {@code weekHarmonics} of the time of week (Monday 00:00 is 0), in {@code zone}.
     *
     * @param network whether the recurrent network reads them too (after the features)
     */
    public record Calendar(int dayHarmonics, int weekHarmonics, ZoneId zone, boolean network) {
        public int terms() {
            return 2 * (dayHarmonics + weekHarmonics);
        }
    }

    /**
     * The per-key readout: one linear map per target from its inputs to its changes over the horizon.
     *
     * @param method {@code rls} (recursive least squares, D(D+1)/2 more floats per target) or
     *     {@code nlms} (normalised LMS, weights only)
     * @param forgetting RLS forgetting factor λ, lengthened to {@code minSamplesPerInput} samples per input
     * @param minSamplesPerInput the least memory of the RLS readout per input
     * @param initialVariance RLS prior variance δ of a readout that has learned nothing
     * @param processNoise RLS process noise (0 where inputs are well conditioned)
     * @param stepSize NLMS step size μ in (0, 2)
     * @param huber errors beyond this many of the key's running error scale are clipped; 0: off
     * @param huberRate the weight of a new squared error in that running scale
     * @param targetClip revealed changes, in units, are clipped to ± this before learning
     */
    public record Readout(
            String method,
            double forgetting,
            int minSamplesPerInput,
            double initialVariance,
            double processNoise,
            double stepSize,
            double huber,
            double huberRate,
            double targetClip) {
        public boolean rls() {
            return method.equals("rls");
        }
    }

    public static final Calendar DEFAULT_CALENDAR = new Calendar(2, 1, ZoneId.of("UTC"), true);
    public static final Readout DEFAULT_READOUT = new Readout("rls", 0.999, 10, 1.0, 0, 0.05, 3, 0.01, 20);
    public static final double[] DEFAULT_EWMA_HALF_LIVES = {6, 24, 168};

    private static final Set<String> FIELDS = Set.of(
            "target",
            "units",
            "lags",
            "season_period",
            "ewma_half_lives",
            "level",
            "calendar",
            "recurrent_features",
            "readout",
            "calibration",
            "guard",
            "envelope_sigmas",
            "scale_half_life",
            "limits",
            "adaptation");

    public ForecastSpec {
        Objects.requireNonNull(units, "units");
        Objects.requireNonNull(calendar, "calendar");
        Objects.requireNonNull(recurrent, "recurrent");
        Objects.requireNonNull(readout, "readout");
        lags = lags.clone();
        ewmaHalfLives = ewmaHalfLives.clone();
        limits = limits == null ? null : limits.clone();
        for (int lag : lags) {
            if (lag < 1 || lag > MAX_LAG) {
                throw new IllegalArgumentException("forecast.lags must be in [1, " + MAX_LAG + "], got " + lag);
            }
        }
        for (double h : ewmaHalfLives) {
            if (!(h > 0) || Double.isInfinite(h)) {
                throw new IllegalArgumentException("forecast.ewma_half_lives must be positive, got " + h);
            }
        }
        if (calendar.dayHarmonics() < 0 || calendar.weekHarmonics() < 0 || calendar.terms() > 24) {
            throw new IllegalArgumentException("forecast.calendar harmonics must be 0..6, got "
                    + calendar.dayHarmonics() + " and " + calendar.weekHarmonics());
        }
        if (!readout.method().equals("rls") && !readout.method().equals("nlms")) {
            throw new IllegalArgumentException("forecast.readout.method must be rls or nlms, got " + readout.method());
        }
        if (!(readout.forgetting() > 0 && readout.forgetting() <= 1)
                || readout.minSamplesPerInput() < 0
                || !(readout.initialVariance() > 0)
                || Double.isInfinite(readout.initialVariance())
                || !(readout.processNoise() >= 0)
                || !(readout.stepSize() > 0 && readout.stepSize() < 2)
                || !(readout.huber() >= 0)
                || !(readout.huberRate() > 0 && readout.huberRate() <= 1)
                || !(readout.targetClip() > 0)) {
            throw new IllegalArgumentException("invalid forecast.readout settings: " + readout);
        }
        if (!(calibrationHalfLife >= 0)
                || !(calibrationPriorSamples >= 0)
                || !(guardRatio >= 0)
                || !(guardHalfLife > 0)
                || !(envelopeSigmas >= 0)
                || !(scaleHalfLife > 0)) {
            throw new IllegalArgumentException("forecast: calibration, guard, envelope and scale settings must be "
                    + "non-negative (half-lives positive)");
        }
        if (units.isOnline() ? !(units.scaleFloor() > 0) : units.mean().length != units.std().length) {
            throw new IllegalArgumentException(
                    "forecast.units: a positive scale_floor, or a mean and a std per feature");
        }
        if (!units.isOnline()) {
            for (float s : units.std()) {
                if (!(s > 0) || Float.isInfinite(s)) {
                    throw new IllegalArgumentException("forecast.units.std must be positive, got " + s);
                }
            }
        }
        if (limits != null) {
            for (double l : limits) {
                if (!(l >= 0)) {
                    throw new IllegalArgumentException("forecast.limits must be non-negative, got " + l);
                }
            }
        }
    }

    /** The largest lag: a key keeps this many rows (plus the horizon) of history. */
    public static final int MAX_LAG = 10_080;

    /** A forecast with the given units and every other setting at its default. */
    public static ForecastSpec defaults(Units units, int[] lags, int seasonPeriod) {
        return new ForecastSpec(
                units,
                lags,
                DEFAULT_EWMA_HALF_LIVES,
                true,
                DEFAULT_CALENDAR,
                RecurrentFeatures.FORECAST,
                DEFAULT_READOUT,
                200,
                5,
                1.2,
                24,
                5,
                500,
                null,
                true,
                seasonPeriod);
    }

    /**
     * The lags for rows {@code intervalMillis} apart: the last three rows and, when a day is a whole
     * number P of rows (5 ≤ P ≤ 1440), the same time yesterday and the row after it (P and P − 1).
     */
    public static int[] lagsFor(long intervalMillis) {
        long day = 86_400_000L;
        if (intervalMillis > 0 && day % intervalMillis == 0) {
            long period = day / intervalMillis;
            if (period >= 5 && period <= 1440) {
                return new int[] {1, 2, 3, (int) period - 1, (int) period};
            }
        }
        return new int[] {1, 2, 3};
    }

    /** Readout inputs per target, for a network of {@code hidden} units forecasting {@code horizon} steps. */
    public int readoutInputs(int hidden, int horizon) {
        int network = switch (recurrent) {
            case NONE -> 0;
            case HIDDEN -> hidden;
            case FORECAST -> horizon;
        };
        return (level ? 1 : 0) + lags.length + ewmaHalfLives.length + calendar.terms() + network + 1;
    }

    /** Floats of one target's readout learner state (weights, then RLS's packed covariance). */
    public int learnerStateSize(int hidden, int horizon) {
        int d = readoutInputs(hidden, horizon);
        return d * horizon + (readout.rls() ? d * (d + 1) / 2 : 0);
    }

    /** The largest lag (0 without lags). */
    public int maxLag() {
        return Arrays.stream(lags).max().orElse(0);
    }

    public ForecastSpec withLimits(double[] value) {
        return new ForecastSpec(
                units,
                lags,
                ewmaHalfLives,
                level,
                calendar,
                recurrent,
                readout,
                calibrationHalfLife,
                calibrationPriorSamples,
                guardRatio,
                guardHalfLife,
                envelopeSigmas,
                scaleHalfLife,
                value,
                adapt,
                seasonPeriod);
    }

    public ForecastSpec withRecurrent(RecurrentFeatures value) {
        return new ForecastSpec(
                units,
                lags,
                ewmaHalfLives,
                level,
                calendar,
                value,
                readout,
                calibrationHalfLife,
                calibrationPriorSamples,
                guardRatio,
                guardHalfLife,
                envelopeSigmas,
                scaleHalfLife,
                limits,
                adapt,
                seasonPeriod);
    }

    public ForecastSpec withCalendar(Calendar value) {
        return new ForecastSpec(
                units,
                lags,
                ewmaHalfLives,
                level,
                value,
                recurrent,
                readout,
                calibrationHalfLife,
                calibrationPriorSamples,
                guardRatio,
                guardHalfLife,
                envelopeSigmas,
                scaleHalfLife,
                limits,
                adapt,
                seasonPeriod);
    }

    public ForecastSpec withAdapt(boolean value) {
        return new ForecastSpec(
                units,
                lags,
                ewmaHalfLives,
                level,
                calendar,
                recurrent,
                readout,
                calibrationHalfLife,
                calibrationPriorSamples,
                guardRatio,
                guardHalfLife,
                envelopeSigmas,
                scaleHalfLife,
                limits,
                value,
                seasonPeriod);
    }

    public ForecastSpec withReadout(Readout value) {
        return new ForecastSpec(
                units,
                lags,
                ewmaHalfLives,
                level,
                calendar,
                recurrent,
                value,
                calibrationHalfLife,
                calibrationPriorSamples,
                guardRatio,
                guardHalfLife,
                envelopeSigmas,
                scaleHalfLife,
                limits,
                adapt,
                seasonPeriod);
    }

    /**
     * This spec as a pooled least-squares fit of the readout over many series wants it: no
     * forgetting, a wide prior (δ = 100), no calibration and no envelope (a zero-shot model's
     * readout is fitted so, then every key starts from its weights with this spec's prior).
     */
    public ForecastSpec forPooledFit() {
        Readout r = readout;
        Readout fit = new Readout(
                r.method(),
                1.0,
                r.minSamplesPerInput(),
                100.0,
                r.processNoise(),
                r.stepSize(),
                r.huber(),
                r.huberRate(),
                r.targetClip());
        return new ForecastSpec(
                units,
                lags,
                ewmaHalfLives,
                level,
                calendar,
                recurrent,
                fit,
                0,
                calibrationPriorSamples,
                guardRatio,
                guardHalfLife,
                0,
                scaleHalfLife,
                limits,
                true,
                seasonPeriod);
    }

    /** The {@code forecast} object of config.json. */
    public ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode node = mapper.createObjectNode();
        node.put("target", "change");
        if (units.isOnline()) {
            node.putObject("units").putObject("online").put("scale_floor", units.scaleFloor());
        } else {
            ObjectNode fixed = node.putObject("units");
            ArrayNode mean = fixed.putArray("mean");
            for (float v : units.mean()) {
                mean.add(v);
            }
            ArrayNode std = fixed.putArray("std");
            for (float v : units.std()) {
                std.add(v);
            }
        }
        ArrayNode lagArray = node.putArray("lags");
        for (int lag : lags) {
            lagArray.add(lag);
        }
        node.put("season_period", seasonPeriod);
        ArrayNode ewma = node.putArray("ewma_half_lives");
        for (double h : ewmaHalfLives) {
            ewma.add(h);
        }
        node.put("level", level);
        ObjectNode cal = node.putObject("calendar");
        cal.put("day_harmonics", calendar.dayHarmonics());
        cal.put("week_harmonics", calendar.weekHarmonics());
        cal.put("time_zone", calendar.zone().getId());
        cal.put("network_input", calendar.network());
        node.put("recurrent_features", recurrent.configName());
        ObjectNode r = node.putObject("readout");
        r.put("method", readout.method());
        r.put("forgetting", readout.forgetting());
        r.put("min_samples_per_input", readout.minSamplesPerInput());
        r.put("initial_variance", readout.initialVariance());
        r.put("process_noise", readout.processNoise());
        r.put("step_size", readout.stepSize());
        r.put("huber", readout.huber());
        r.put("huber_rate", readout.huberRate());
        r.put("target_clip", readout.targetClip());
        node.putObject("calibration")
                .put("half_life", calibrationHalfLife)
                .put("prior_samples", calibrationPriorSamples);
        node.putObject("guard").put("ratio", guardRatio).put("half_life", guardHalfLife);
        node.put("envelope_sigmas", envelopeSigmas);
        node.put("scale_half_life", scaleHalfLife);
        if (limits != null) {
            ArrayNode limitArray = node.putArray("limits");
            for (double l : limits) {
                limitArray.add(l);
            }
        }
        node.put("adaptation", adapt ? readout.method() : "off");
        return node;
    }

    /**
     * Parses the {@code forecast} object; absent fields take their defaults.
     *
     * @throws IllegalArgumentException naming the field at fault
     */
    public static ForecastSpec fromJson(JsonNode node) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("field 'forecast' must be an object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new IllegalArgumentException("unknown field 'forecast." + ModelConfig.shown(name) + "' (known: "
                        + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
            }
        }
        String target = node.path("target").asText("change");
        if (!target.equals("change")) {
            throw new IllegalArgumentException(
                    "forecast.target must be 'change', got '" + ModelConfig.shown(target) + "'");
        }
        Units units = parseUnits(node.get("units"));
        int[] lags = node.has("lags") ? ints(node.get("lags"), "forecast.lags") : new int[] {1, 2, 3};
        double[] ewma = node.has("ewma_half_lives")
                ? doubles(node.get("ewma_half_lives"), "forecast.ewma_half_lives")
                : DEFAULT_EWMA_HALF_LIVES;
        Calendar calendar = DEFAULT_CALENDAR;
        JsonNode cal = node.get("calendar");
        if (cal != null) {
            try {
                calendar = new Calendar(
                        intField(cal, "day_harmonics", DEFAULT_CALENDAR.dayHarmonics()),
                        intField(cal, "week_harmonics", DEFAULT_CALENDAR.weekHarmonics()),
                        ZoneId.of(cal.path("time_zone").asText("UTC")),
                        cal.path("network_input").asBoolean(true));
            } catch (DateTimeException e) {
                throw new IllegalArgumentException("forecast.calendar.time_zone: " + e.getMessage(), e);
            }
        }
        RecurrentFeatures recurrent;
        try {
            recurrent = RecurrentFeatures.valueOf(
                    node.path("recurrent_features").asText("forecast").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("forecast.recurrent_features must be none, hidden or forecast");
        }
        Readout d = DEFAULT_READOUT;
        JsonNode r = node.path("readout");
        Readout readout = new Readout(
                r.path("method").asText(d.method()),
                number(r, "forgetting", d.forgetting()),
                intField(r, "min_samples_per_input", d.minSamplesPerInput()),
                number(r, "initial_variance", d.initialVariance()),
                number(r, "process_noise", d.processNoise()),
                number(r, "step_size", d.stepSize()),
                number(r, "huber", d.huber()),
                number(r, "huber_rate", d.huberRate()),
                number(r, "target_clip", d.targetClip()));
        String adaptation = node.path("adaptation").asText(readout.method());
        if (!adaptation.equals("off") && !adaptation.equals(readout.method())) {
            throw new IllegalArgumentException(
                    "forecast.adaptation must be 'off' or the readout's method '" + readout.method() + "'");
        }
        return new ForecastSpec(
                units,
                lags,
                ewma,
                node.path("level").asBoolean(true),
                calendar,
                recurrent,
                readout,
                number(node.path("calibration"), "half_life", 200),
                number(node.path("calibration"), "prior_samples", 5),
                number(node.path("guard"), "ratio", 1.2),
                number(node.path("guard"), "half_life", 24),
                number(node, "envelope_sigmas", 5),
                number(node, "scale_half_life", 500),
                node.has("limits") ? doubles(node.get("limits"), "forecast.limits") : null,
                !adaptation.equals("off"),
                intField(node, "season_period", 0));
    }

    private static Units parseUnits(JsonNode node) {
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException("forecast.units is required: {\"mean\": [...], \"std\": [...]} or "
                    + "{\"online\": {\"scale_floor\": x}}");
        }
        if (node.has("online")) {
            return Units.online(number(node.get("online"), "scale_floor", 1e-3));
        }
        double[] mean = doubles(node.get("mean"), "forecast.units.mean");
        double[] std = doubles(node.get("std"), "forecast.units.std");
        float[] m = new float[mean.length];
        float[] s = new float[std.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) mean[i];
        }
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) std[i];
        }
        return Units.fixed(m, s);
    }

    private static double number(JsonNode node, String field, double fallback) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isNumber()) {
            throw new IllegalArgumentException("forecast field '" + field + "' must be a number");
        }
        return value.doubleValue();
    }

    private static int intField(JsonNode node, String field, int fallback) {
        JsonNode value = node == null ? null : node.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new IllegalArgumentException("forecast field '" + field + "' must be an integer");
        }
        return value.intValue();
    }

    private static double[] doubles(JsonNode node, String field) {
        if (node == null || !node.isArray() || node.size() > 1 << 16) {
            throw new IllegalArgumentException(field + " must be an array of numbers");
        }
        double[] values = new double[node.size()];
        for (int i = 0; i < values.length; i++) {
            if (!node.get(i).isNumber()) {
                throw new IllegalArgumentException(field + "[" + i + "] must be a number");
            }
            values[i] = node.get(i).doubleValue();
        }
        return values;
    }

    private static int[] ints(JsonNode node, String field) {
        if (node == null || !node.isArray() || node.size() > 64) {
            throw new IllegalArgumentException(field + " must be an array of at most 64 integers");
        }
        int[] values = new int[node.size()];
        for (int i = 0; i < values.length; i++) {
            if (!node.get(i).isIntegralNumber() || !node.get(i).canConvertToInt()) {
                throw new IllegalArgumentException(field + "[" + i + "] must be an integer");
            }
            values[i] = node.get(i).intValue();
        }
        return values;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ForecastSpec that
                && units.equals(that.units)
                && Arrays.equals(lags, that.lags)
                && Arrays.equals(ewmaHalfLives, that.ewmaHalfLives)
                && level == that.level
                && calendar.equals(that.calendar)
                && recurrent == that.recurrent
                && readout.equals(that.readout)
                && calibrationHalfLife == that.calibrationHalfLife
                && calibrationPriorSamples == that.calibrationPriorSamples
                && guardRatio == that.guardRatio
                && guardHalfLife == that.guardHalfLife
                && envelopeSigmas == that.envelopeSigmas
                && scaleHalfLife == that.scaleHalfLife
                && Arrays.equals(limits, that.limits)
                && adapt == that.adapt
                && seasonPeriod == that.seasonPeriod;
    }

    @Override
    public int hashCode() {
        return Objects.hash(units, Arrays.hashCode(lags), level, calendar, recurrent, readout, adapt);
    }

    @Override
    public String toString() {
        return "ForecastSpec[" + (units.isOnline() ? "online units" : "fixed units") + ", lags "
                + Arrays.toString(lags) + ", ewma " + Arrays.toString(ewmaHalfLives) + ", calendar " + calendar
                + ", recurrent " + recurrent.configName() + ", readout " + readout.method() + (adapt ? "" : " (frozen)")
                + "]";
    }
}
