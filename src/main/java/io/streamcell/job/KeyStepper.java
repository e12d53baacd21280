package io.streamcell.job;

import io.streamcell.anomaly.AlertPolicy;
import io.streamcell.anomaly.AnomalyDetector;
import io.streamcell.anomaly.AnomalyScorer;
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
 *       (horizon step 1), turned into an anomaly score by the key's {@link AnomalyScorer}
 *       statistics, before the state learns anything from this event;
 *   <li><b>step</b> the recurrent state one event forward and keep the new forecast for the next
 *       event's score. A model with {@code online_normalisation} sees the features standardised by
 *       the key's own running statistics ({@link OnlineNormaliser}, learned from this event first),
 *       and its forecasts are mapped back to the target features' units with them.
 * </ol>
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
            AnomalyScorer.Score score,
            /** The alert to raise for this observation, or null. */
            AlertPolicy.Severity alert,
            /** The observed targets (null when not scored). */
            float[] observed,
            /** The forecast made for this observation, horizon step 1 (null when not scored). */
            float[] expected) {}

    /** @param resetAfterGap null never resets a key because of a gap */
    public KeyStepper(RecurrentModel model, Duration resetAfterGap) {
        this.model = model;
        this.kernel = new StepKernel(model);
        this.resetAfterGapMillis = resetAfterGap == null ? Long.MAX_VALUE : resetAfterGap.toMillis();
        this.targetFeature = model.config().targets().stream()
                .mapToInt(target -> model.config().features().indexOf(target))
                .toArray();
        this.scorable = Arrays.stream(targetFeature).allMatch(i -> i >= 0);
        this.detector = new AnomalyDetector(targetFeature.length, AnomalyScorer.DEFAULTS, AlertPolicy.DEFAULTS);
        this.normaliser = model.config().onlineNormalisation() == null
                ? null
                : model.config().onlineNormalisation().normaliser(model.inputSize());
    }

    public RecurrentModel model() {
        return model;
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
    public record Scored(float[] errors, boolean reset, AnomalyDetector.Detection detection, float[] observed,
            float[] expected, float[] modelInput) {}

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
        float[] modelInput = features;
        if (normaliser != null) {
            modelInput = new float[features.length];
            state.setInputStats(normaliser.normalise(state.inputStats(), features, modelInput));
        }
        if (!scorable || !state.hasLastForecast()) {
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
        // score before learn: the statistics learn this error only after scoring it
        AnomalyDetector.Detection detection = detector.detect(state.anomalyStats(), errors);
        state.setAnomalyStats(detection.state());
        return new Scored(errors, reset, detection, observed, expected, modelInput);
    }

    /** The part of {@link #step} after the recurrent state moved and {@code forecast} was made. */
    public Outcome afterStep(KeyState state, long eventTime, float[] forecast, Scored scored) {
        if (normaliser != null) { // forecasts are in the key's normalised units of each target feature
            int targets = targetFeature.length;
            for (int o = 0; o < forecast.length; o++) {
                forecast[o] = normaliser.denormalise(state.inputStats(), targetFeature[o % targets], forecast[o]);
            }
        }
        state.setLastForecast(forecast);
        state.advance(eventTime);
        AnomalyDetector.Detection detection = scored.detection();
        return new Outcome(forecast, scored.errors(), state.steps(), scored.reset(),
                detection == null ? null : detection.score(), detection == null ? null : detection.alert(),
                scored.observed(), scored.expected());
    }

    private boolean needsReset(KeyState state, long eventTime) {
        if (!state.fits(model)) {
            return true;
        }
        return state.hasEventTime() && eventTime - state.lastEventTime() > resetAfterGapMillis;
    }
}
