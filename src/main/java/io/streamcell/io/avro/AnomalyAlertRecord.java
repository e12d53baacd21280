package io.streamcell.io.avro;

import java.util.Arrays;

/**
 * One anomaly alert as the job produces it: a Flink POJO (public fields, no generic types) that
 * {@link AnomalyAlertEncoder} turns into an Avro {@code AnomalyAlert}. {@code observed} and
 * {@code expected} hold one value per target, in the model's target order.
 */
public class AnomalyAlertRecord {
    /** The sensor key; also the Kafka record key (UTF-8). */
    public String key;
    /** Event time of the anomalous observation, epoch milliseconds. */
    public long eventTime;
    /** Observed value of each target. */
    public float[] observed;
    /** Forecast (horizon step 1) of each target for this observation. */
    public float[] expected;
    /** Anomaly score in [0, 1]. */
    public float score;
    /** Anomaly likelihood in [0, 1]; null when not computed. */
    public Float likelihood;
    /** Severity label; null when the policy assigns none. */
    public String severity;
    /** Version of the model whose forecast was compared. */
    public String modelVersion;
    /** The detector channel that gave the score ({@code model_error}, {@code novelty}, {@code range}); null if none. */
    public String channel;
    /** The target whose detector gave the score; null if none. */
    public String target;
    /** That target's channels: model error, novelty, range; null if none. */
    public float[] channelScores;
    /** That target's forecast error in units of its running RMS error; null if none. */
    public Float normalisedError;

    /** For Flink's POJO serializer. */
    public AnomalyAlertRecord() {}

    public AnomalyAlertRecord(
            String key,
            long eventTime,
            float[] observed,
            float[] expected,
            float score,
            Float likelihood,
            String severity,
            String modelVersion) {
        this.key = key;
        this.eventTime = eventTime;
        this.observed = observed;
        this.expected = expected;
        this.score = score;
        this.likelihood = likelihood;
        this.severity = severity;
        this.modelVersion = modelVersion;
    }

    /** This alert with what the detector saw (in place; returns this). */
    public AnomalyAlertRecord withDetail(String channel, String target, float[] channelScores, Float normalisedError) {
        this.channel = channel;
        this.target = target;
        this.channelScores = channelScores;
        this.normalisedError = normalisedError;
        return this;
    }

    @Override
    public String toString() {
        return "AnomalyAlertRecord{key=" + key + ", eventTime=" + eventTime + ", observed="
                + Arrays.toString(observed) + ", expected=" + Arrays.toString(expected) + ", score=" + score
                + ", likelihood=" + likelihood + ", severity=" + severity + ", modelVersion=" + modelVersion
                + ", channel=" + channel + ", target=" + target + ", channelScores=" + Arrays.toString(channelScores)
                + ", normalisedError=" + normalisedError + "}";
    }
}
