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

    @Override
    public String toString() {
        return "AnomalyAlertRecord{key=" + key + ", eventTime=" + eventTime + ", observed="
                + Arrays.toString(observed) + ", expected=" + Arrays.toString(expected) + ", score=" + score
                + ", likelihood=" + likelihood + ", severity=" + severity + ", modelVersion=" + modelVersion + "}";
    }
}
