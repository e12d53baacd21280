package io.streamcell.io.avro;

import io.streamcell.avro.Forecast;
import io.streamcell.avro.Interval;
import io.streamcell.avro.TargetForecast;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link ForecastRecord} to an Avro {@code Forecast} in single-object encoding, keyed by the UTF-8
 * sensor key. Knows the model's target names and horizon to unfold the step-major arrays into one
 * {@code TargetForecast} per target. A record whose arrays do not match is a bug in the job, so it
 * throws {@link IllegalArgumentException} rather than writing a wrong forecast.
 */
public final class ForecastEncoder implements RecordEncoder<ForecastRecord> {
    private static final long serialVersionUID = 1L;

    private final List<String> targets;
    private final int horizon;

    public ForecastEncoder(List<String> targets, int horizon) {
        this.targets = Names.checkUnique(targets, "targets");
        if (horizon < 1) {
            throw new IllegalArgumentException("horizon must be at least 1, got " + horizon);
        }
        this.horizon = horizon;
    }

    @Override
    public byte[] key(ForecastRecord record) {
        return record.key.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] value(ForecastRecord record) {
        return SingleObject.encode(Forecast.getEncoder(), toAvro(record));
    }

    /** The Avro record for {@code record}. */
    public Forecast toAvro(ForecastRecord record) {
        checkLength(record, record.values, "values");
        if ((record.intervalLower == null) != (record.intervalUpper == null)) {
            throw new IllegalArgumentException("ForecastRecord of key '" + record.key
                    + "' has only one of intervalLower and intervalUpper; set both or neither");
        }
        List<TargetForecast> forecasts = new ArrayList<>(targets.size());
        for (int j = 0; j < targets.size(); j++) {
            forecasts.add(new TargetForecast(targets.get(j), column(record.values, j)));
        }
        List<Interval> intervals = null;
        if (record.intervalLower != null) {
            checkLength(record, record.intervalLower, "intervalLower");
            checkLength(record, record.intervalUpper, "intervalUpper");
            intervals = new ArrayList<>(targets.size());
            for (int j = 0; j < targets.size(); j++) {
                intervals.add(
                        new Interval(targets.get(j), column(record.intervalLower, j), column(record.intervalUpper, j)));
            }
        }
        return Forecast.newBuilder()
                .setKey(record.key)
                .setEventTime(Instant.ofEpochMilli(record.eventTime))
                .setForecasts(forecasts)
                .setModelVersion(record.modelVersion)
                .setStep(record.step)
                .setInterval(intervals)
                .setAnomalyScore(record.anomalyScore)
                .build();
    }

    /** Target {@code j}'s values for steps 1..horizon out of a step-major array. */
    private List<Float> column(float[] stepMajor, int j) {
        List<Float> column = new ArrayList<>(horizon);
        for (int s = 0; s < horizon; s++) {
            column.add(stepMajor[s * targets.size() + j]);
        }
        return column;
    }

    private void checkLength(ForecastRecord record, float[] array, String field) {
        int expected = horizon * targets.size();
        if (array == null || array.length != expected) {
            throw new IllegalArgumentException("ForecastRecord of key '" + record.key + "' has "
                    + (array == null ? "no " + field : array.length + " " + field) + "; targets " + targets
                    + " x horizon " + horizon + " need " + expected + " (step-major: s * targets + j)");
        }
    }
}
