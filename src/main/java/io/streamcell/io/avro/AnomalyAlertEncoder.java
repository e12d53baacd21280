package io.streamcell.io.avro;

import io.streamcell.avro.AnomalyAlert;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link AnomalyAlertRecord} to an Avro {@code AnomalyAlert} in single-object encoding, keyed by
 * the UTF-8 sensor key. Knows the model's target names to turn the per-target arrays into maps by
 * name; arrays of the wrong length are a bug in the job and throw {@link IllegalArgumentException}.
 */
public final class AnomalyAlertEncoder implements RecordEncoder<AnomalyAlertRecord> {
    private static final long serialVersionUID = 1L;

    private final List<String> targets;

    public AnomalyAlertEncoder(List<String> targets) {
        this.targets = Names.checkUnique(targets, "targets");
    }

    @Override
    public byte[] key(AnomalyAlertRecord record) {
        return record.key.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] value(AnomalyAlertRecord record) {
        return SingleObject.encode(AnomalyAlert.getEncoder(), toAvro(record));
    }

    /** The Avro record for {@code record}. */
    public AnomalyAlert toAvro(AnomalyAlertRecord record) {
        return AnomalyAlert.newBuilder()
                .setKey(record.key)
                .setEventTime(Instant.ofEpochMilli(record.eventTime))
                .setObserved(byTarget(record, record.observed, "observed"))
                .setExpected(byTarget(record, record.expected, "expected"))
                .setScore(record.score)
                .setLikelihood(record.likelihood)
                .setSeverity(record.severity)
                .setModelVersion(record.modelVersion)
                .setChannel(record.channel)
                .setTarget(record.target)
                .setChannelScores(channelScores(record.channelScores))
                .setNormalisedError(record.normalisedError)
                .build();
    }

    /** The channel scores by channel name ({@code model_error}, {@code novelty}, {@code range}), or null. */
    private static Map<String, Float> channelScores(float[] scores) {
        if (scores == null) {
            return null;
        }
        if (scores.length != CHANNELS.size()) {
            throw new IllegalArgumentException(
                    "an alert's channel scores are " + CHANNELS + ", got " + scores.length + " values");
        }
        Map<String, Float> map = new LinkedHashMap<>();
        for (int c = 0; c < scores.length; c++) {
            map.put(CHANNELS.get(c), scores[c]);
        }
        return map;
    }

    /** The order of {@link AnomalyAlertRecord#channelScores}. */
    public static final List<String> CHANNELS = List.of("model_error", "novelty", "range");

    private Map<String, Double> byTarget(AnomalyAlertRecord record, float[] values, String field) {
        if (values == null || values.length != targets.size()) {
            throw new IllegalArgumentException("AnomalyAlertRecord of key '" + record.key + "' has "
                    + (values == null ? "no " + field : values.length + " " + field) + " values; targets "
                    + targets + " need " + targets.size());
        }
        Map<String, Double> map = new LinkedHashMap<>();
        for (int j = 0; j < values.length; j++) {
            map.put(targets.get(j), (double) values[j]);
        }
        return map;
    }
}
