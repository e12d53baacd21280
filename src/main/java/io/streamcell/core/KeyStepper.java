package io.streamcell.core;

import io.streamcell.adapt.Adaptation;
import io.streamcell.adapt.LinearReadout;
import io.streamcell.anomaly.AlertPolicy;
import io.streamcell.anomaly.AnomalyDetector;
import io.streamcell.anomaly.ChannelDetector;
import io.streamcell.model.OnlineNormaliser;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.kernel.StepKernel;
import io.streamcell.state.KeyState;
import java.time.Duration;
import java.util.Arrays;

/**
 * What the forecast operator does with one event of one key, without Flink: the same code serves
 * the Flink operator and {@code streamcell replay}, so both give the same numbers.
 *
 * <ol>
 *   <li><b>reset</b> the key's state if it does not fit the model (restored from a model of another
 *       shape) or if the event comes more than {@code resetAfterGap} after the key's last one;
 *   <li><b>score</b>: the observed targets against the forecast made after the previous event
 *       (horizon step 1), turned into an anomaly score by the key's {@link AnomalyDetector}, before
 *       the state learns anything from this event;
 *   <li><b>step</b> the recurrent state one event forward and keep the new forecast for the next
 *       event's score. A model with {@code online_normalisation} sees the features standardised by
 *       the key's own running statistics ({@link OnlineNormaliser}, learned from this event first),
 *       and its forecasts are mapped back to the target features' units with them.
 * </ol>
 * A model with a forecast recipe ({@link io.streamcell.model.ForecastSpec}) forecasts through the
 * key's {@link Forecaster} instead: it takes the row before the recurrent step (statistics,
 * history, learning the forecast the row completes, the network's input) and makes the forecast
 * after it; the rest of this paragraph is about the other models.
 * With online {@link Adaptation}, each key also owns a linear readout on the model's top hidden
 * state (plus a constant) that corrects the first horizon step of the forecast, in the model's
 * output units (for an online-normalised model: the key's normalised units). It learns from each
 * observation's error right after the error is scored (score before learn), except from steps the
 * anomaly statistics reject as outliers, and is dropped with the rest of the state on a reset. Its
 * size per key is {@link LinearReadout#stateSize()} floats.
 * Not thread-safe (it owns the kernel's scratch buffers): one per operator instance.
 */
public final class KeyStepper {
    private final RecurrentModel model;
    private final StepKernel kernel;
    private final long resetAfterGapMillis;
    private final int[] targetFeature; // feature index holding each target's observed value, or -1
    private final boolean scorable; // every target is observed among the features
    private final AnomalyDetector detector;
    private final OnlineNormaliser normaliser; // null: the model uses its static scalers only
    private final LinearReadout readout; // null: no online adaptation
    private final double[] readoutInput; // φ: top hidden state, then 1
    private final double[] readoutOutput;
    private final double[] targetScale; // raw units per model-output unit of each target, for this event
    private final Forecaster forecaster; // null: the model has no forecast recipe
    /** The legacy readout does not learn from an observation the detector scores at this level (tail 1e-4). */
    private static final double OUTLIER_LEVEL = 0.4;

    private final int architecture;
    private final int assumedArchitecture; // of states that did not record theirs

    /** The result of one event. */
    public record Outcome(
            /** The forecast from the new state, {@link RecurrentModel#outputSize()} values, step-major. */
            float[] forecast,
            /** Observed minus forecast for each target (horizon step 1); null without a previous
             *  forecast or when a target is not among the features. */
            float[] errors,
            /** Events this key has been stepped with since its last reset, this one included. */
            long step,
            /** Whether the key's state was reset before this event. */
            boolean reset,
            /** The anomaly score of this observation; null when {@code errors} is null. */
            AnomalyDetector.Score score,
            /** The alert to raise for this observation, or null. */
            AlertPolicy.Severity alert,
            /** The observed targets (null when not scored). */
            float[] observed,
            /** The forecast made for this observation, horizon step 1 (null when not scored). */
            float[] expected) {}

    /** @param resetAfterGap null never resets a key because of a gap */
    public KeyStepper(RecurrentModel model, Duration resetAfterGap) {
        this(model, resetAfterGap, null);
    }

    /**
     * @param resetAfterGap null never resets a key because of a gap
     * @param adaptation null: as the model says (see {@link Adaptation#OFF})
     */
    public KeyStepper(RecurrentModel model, Duration resetAfterGap, Adaptation adaptation) {
        this(model, resetAfterGap, adaptation, model.config().architectureFingerprint());
    }

    /**
     * @param assumedArchitecture the architecture a state that did not record its own was made by
     *     (states of earlier releases): that of the model serving when they were restored
     */
    public KeyStepper(RecurrentModel model, Duration resetAfterGap, Adaptation adaptation, int assumedArchitecture) {
        this.model = model;
        this.architecture = model.config().architectureFingerprint();
        this.assumedArchitecture = assumedArchitecture;
        this.kernel = new StepKernel(model);
        this.resetAfterGapMillis = resetAfterGap == null ? Long.MAX_VALUE : resetAfterGap.toMillis();
        this.targetFeature = model.config().targets().stream()
                .mapToInt(target -> model.config().features().indexOf(target))
                .toArray();
        this.scorable = Arrays.stream(targetFeature).allMatch(i -> i >= 0);
        this.detector = new AnomalyDetector(targetFeature.length, ChannelDetector.DEFAULTS, AlertPolicy.DEFAULTS);
        this.normaliser = model.config().onlineNormalisation() == null
                ? null
                : model.config().onlineNormalisation().normaliser(model.inputSize());
        int targets = targetFeature.length;
        boolean recipe = model.config().forecast() != null;
        this.forecaster = recipe
                ? new Forecaster(
                        model, adaptation == null ? model.config().forecast().adapt() : !adaptation.off())
                : null;
        this.readout = adaptation == null || !scorable || recipe
                ? null
                : adaptation.readout(model.config().hiddenSize() + 1, targets);
        this.readoutInput = new double[model.config().hiddenSize() + 1];
        this.readoutOutput = new double[targets];
        this.targetScale = new double[targets];
    }

    public RecurrentModel model() {
        return model;
    }

    /** The forecast recipe's per-key forecaster, or null for a model without one. */
    public Forecaster forecaster() {
        return forecaster;
    }

    /**
     * Advances {@code state} (in place) with one event.
     *
     * @param features the event's feature values in the model's feature order, finite
     */
    public Outcome step(KeyState state, long eventTime, float[] features) {
        Scored scored = beforeStep(state, eventTime, features);
        float[] forecast = new float[model.outputSize()];
        kernel.step(state.recurrent(), scored.modelInput(), forecast);
        return afterStep(state, eventTime, forecast, scored);
    }

    /**
     * Reset and score, done before the recurrent step (see {@link #beforeStep}); {@code modelInput}
     * is what the kernel must step with (the features, or their per-key normalisation).
     */
    public record Scored(
            float[] errors,
            boolean reset,
            AnomalyDetector.Detection detection,
            float[] observed,
            float[] expected,
            float[] modelInput) {}

    /**
     * The part of {@link #step} before the recurrent state moves: reset if due, then score. For
     * callers that step many keys at once with the batched kernel: {@code beforeStep} each key, step
     * them all, then {@link #afterStep} each.
     */
    public Scored beforeStep(KeyState state, long eventTime, float[] features) {
        boolean reset = needsReset(state, eventTime);
        if (reset) {
            state.reset(model);
        }
        boolean learns = readout != null && state.hasLastForecast();
        if (learns) { // the forecast was made in the statistics before this event's
            for (int j = 0; j < targetFeature.length; j++) {
                targetScale[j] = normaliser == null || state.inputStats().length < normaliser.stateSize()
                        ? 1
                        : normaliser.scale(state.inputStats(), targetFeature[j]);
            }
        }
        float[] modelInput = features;
        if (forecaster != null) {
            modelInput = new float[forecaster.networkInputs()];
        } else if (normaliser != null) {
            modelInput = new float[features.length];
            state.setInputStats(normaliser.normalise(state.inputStats(), features, modelInput));
        }
        if (!scorable || !state.hasLastForecast()) {
            observe(state, eventTime, features, modelInput);
            return new Scored(null, reset, null, null, null, modelInput);
        }
        int targets = targetFeature.length;
        float[] observed = new float[targets];
        float[] expected = Arrays.copyOf(state.lastForecast(), targets); // horizon step 1 is the first block
        float[] errors = new float[targets];
        for (int j = 0; j < targets; j++) {
            observed[j] = features[targetFeature[j]];
            errors[j] = observed[j] - expected[j];
        }
        // score before learn: the statistics learn this observation only after scoring it
        AnomalyDetector.Detection detection = detector.detect(state.anomalyStats(), observed, expected);
        state.setAnomalyStats(detection.state());
        if (learns && detection.score().level() < OUTLIER_LEVEL) {
            learnReadout(state, errors);
        }
        observe(state, eventTime, features, modelInput);
        return new Scored(errors, reset, detection, observed, expected, modelInput);
    }

    /** The forecast recipe takes the row, after it was scored: it learns what the row reveals. */
    private void observe(KeyState state, long eventTime, float[] features, float[] networkInput) {
        if (forecaster != null) {
            forecaster.observe(forecasterState(state), state.steps() + 1, eventTime, features, networkInput);
        }
    }

    private float[] forecasterState(KeyState state) {
        if (state.forecaster().length != forecaster.stateSize()) {
            state.setForecaster(forecaster.initialState());
        }
        return state.forecaster();
    }

    /** The part of {@link #step} after the recurrent state moved and {@code forecast} was made. */
    public Outcome afterStep(KeyState state, long eventTime, float[] forecast, Scored scored) {
        if (forecaster != null) {
            forecaster.forecast(
                    state.forecaster(), state.steps() + 1, eventTime, forecast, state.recurrent(), forecast);
        }
        if (readout != null) { // the key's correction of horizon step 1, from the new hidden state
            readout.predict(readoutState(state), readoutInput(state), readoutOutput);
            for (int j = 0; j < readoutOutput.length; j++) {
                forecast[j] = (float) (forecast[j] + readoutOutput[j]);
            }
        }
        if (normaliser != null) { // forecasts are in the key's normalised units of each target feature
            int targets = targetFeature.length;
            for (int o = 0; o < forecast.length; o++) {
                forecast[o] = normaliser.denormalise(state.inputStats(), targetFeature[o % targets], forecast[o]);
            }
        }
        state.setLastForecast(forecast);
        state.advance(eventTime);
        AnomalyDetector.Detection detection = scored.detection();
        return new Outcome(
                forecast,
                scored.errors(),
                state.steps(),
                scored.reset(),
                detection == null ? null : detection.score(),
                detection == null ? null : detection.alert(),
                scored.observed(),
                scored.expected());
    }

    /** Learns the error of the forecast made from the state's hidden state, before the step moves it. */
    private void learnReadout(KeyState state, float[] errors) {
        double[] error = new double[errors.length];
        for (int j = 0; j < errors.length; j++) {
            error[j] = errors[j] / targetScale[j];
        }
        readout.learn(readoutState(state), readoutInput(state), error);
    }

    private double[] readoutInput(KeyState state) {
        float[] recurrent = state.recurrent();
        int top = model.topHiddenOffset();
        int hidden = readoutInput.length - 1;
        for (int i = 0; i < hidden; i++) {
            readoutInput[i] = recurrent[top + i];
        }
        readoutInput[hidden] = 1;
        return readoutInput;
    }

    private float[] readoutState(KeyState state) {
        if (state.readout().length != readout.stateSize()) {
            state.setReadout(readout.initialState());
        }
        return state.readout();
    }

    private boolean needsReset(KeyState state, long eventTime) {
        int recorded =
                state.architecture() == KeyState.UNKNOWN_ARCHITECTURE ? assumedArchitecture : state.architecture();
        if (!state.fits(model) || recorded != architecture) {
            return true;
        }
        state.setArchitecture(architecture);
        return state.hasEventTime() && eventTime - state.lastEventTime() > resetAfterGapMillis;
    }
}
