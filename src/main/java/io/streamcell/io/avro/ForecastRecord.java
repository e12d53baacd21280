package io.streamcell.io.avro;

import java.util.Arrays;

/**
 * One forecast as the job produces it: a Flink POJO (public fields, no generic types) that
 * {@link ForecastEncoder} turns into an Avro {@code Forecast}. Arrays are step-major like the
 * model head: index {@code s * targets + j} is target {@code j} at horizon step {@code s + 1}.
 */
public class ForecastRecord {
    /** The sensor key; also the Kafka record key (UTF-8). */
    public String key;
    /** Event time of the observation consumed to make this forecast, epoch milliseconds. */
    public long eventTime;
    /** Forecast values, step-major, {@code horizon * targets} long. */
    public float[] values;
    /** Version of the model that made the forecast. */
    public String modelVersion;
    /** Observations of this key consumed so far, this one included. */
    public long step;
    /** Anomaly score in [0, 1] of the consumed observation; null when not scored. */
    public Float anomalyScore;
    /** Lower prediction bounds, step-major like {@link #values}; null when there are no intervals. */
    public float[] intervalLower;
    /** Upper prediction bounds, step-major like {@link #values}; null when there are no intervals. */
    public float[] intervalUpper;

    /** For Flink's POJO serializer. */
    public ForecastRecord() {}

    public ForecastRecord(
            String key, long eventTime, float[] values, String modelVersion, long step, Float anomalyScore) {
        this.key = key;
        this.eventTime = eventTime;
        this.values = values;
        this.modelVersion = modelVersion;
        this.step = step;
        this.anomalyScore = anomalyScore;
    }

    /** Adds prediction intervals (both step-major, same length as {@link #values}). */
    public ForecastRecord withInterval(float[] lower, float[] upper) {
        this.intervalLower = lower;
        this.intervalUpper = upper;
        return this;
    }

    @Override
    public String toString() {
        return "ForecastRecord{key=" + key + ", eventTime=" + eventTime + ", values=" + Arrays.toString(values)
                + ", modelVersion=" + modelVersion + ", step=" + step + ", anomalyScore=" + anomalyScore
                + (intervalLower == null
                        ? ""
                        : ", intervalLower=" + Arrays.toString(intervalLower) + ", intervalUpper="
                                + Arrays.toString(intervalUpper))
                + "}";
    }
}
