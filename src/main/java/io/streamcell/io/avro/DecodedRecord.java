package io.streamcell.io.avro;

import io.streamcell.avro.SensorReading;
import io.streamcell.io.deadletter.DeadLetterReason;
import io.streamcell.io.deadletter.DeadLetterRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the readings source emits for each Kafka record: either a valid reading or a dead letter.
 * A flat Flink POJO (public fields of types String, long, int, float[], byte[] only) so it
 * serializes without Kryo; split the stream with {@link #isReading()}.
 *
 * <p>Reading fields: {@link #key}, {@link #eventTime}, {@link #features}. Dead-letter fields:
 * {@link #reason} (non-null exactly for dead letters) and the rest, see {@link #toDeadLetter()}.
 */
public class DecodedRecord {
    /** The sensor key (the Avro {@code key} field). Reading only. */
    public String key;
    /** The Avro {@code event_time}, epoch milliseconds. Reading only. */
    public long eventTime;
    /** Feature values in the order of the decoder's feature names. Reading only. */
    public float[] features;

    /** A {@code DeadLetterReason} wire name; null for a reading. */
    public String reason;

    public String sourceTopic;
    public int partition;
    public long offset;
    /** The Kafka record timestamp (-1 when none). Dead letter only. */
    public long kafkaTimestamp;

    public byte[] originalKey;
    public byte[] originalValue;
    public String errorClass;
    public String errorMessage;
    public long detectedAt;

    /** For Flink's POJO serializer. */
    public DecodedRecord() {}

    public static DecodedRecord reading(String key, long eventTime, float[] features) {
        DecodedRecord record = new DecodedRecord();
        record.key = key;
        record.eventTime = eventTime;
        record.features = features;
        return record;
    }

    public static DecodedRecord deadLetter(DeadLetterRecord deadLetter) {
        DecodedRecord record = new DecodedRecord();
        record.reason = deadLetter.reason;
        record.sourceTopic = deadLetter.sourceTopic;
        record.partition = deadLetter.partition;
        record.offset = deadLetter.offset;
        record.kafkaTimestamp = deadLetter.timestamp;
        record.originalKey = deadLetter.key;
        record.originalValue = deadLetter.value;
        record.errorClass = deadLetter.errorClass;
        record.errorMessage = deadLetter.errorMessage;
        record.detectedAt = deadLetter.detectedAt;
        return record;
    }

    /**
     * Records where a reading came from (in place; returns this), so that a reading the job later
     * cannot step (a late one) becomes a dead letter that points at its record. The record's bytes
     * are not kept with a reading: a valid reading travels through the job and may wait in its state,
     * where bytes up to the record size limit would cost memory for nothing; its dead letter carries
     * the reading encoded again ({@link #asDeadLetter}).
     */
    public DecodedRecord withSource(String topic, int partition, long offset, long kafkaTimestamp) {
        this.sourceTopic = topic;
        this.partition = partition;
        this.offset = offset;
        this.kafkaTimestamp = kafkaTimestamp;
        return this;
    }

    /**
     * As {@link #withSource(String, int, long, long)}, keeping {@code key} and {@code value} as the
     * reading's original bytes (which its dead letter then carries as they are).
     */
    public DecodedRecord withSource(
            String topic, int partition, long offset, long kafkaTimestamp, byte[] key, byte[] value) {
        withSource(topic, partition, offset, kafkaTimestamp);
        this.originalKey = key;
        this.originalValue = value;
        return this;
    }

    /**
     * The dead letter for a reading the job could not step, with its source. Its value is the
     * original bytes if the reading kept them, else the reading encoded again as a current-schema
     * {@code SensorReading} (key, event time and the model's features by {@code featureNames}; other
     * values the producer sent are not in it), and its key is the reading's key in UTF-8.
     *
     * @throws IllegalStateException if this is already a dead letter
     */
    public DeadLetterRecord asDeadLetter(
            DeadLetterReason reason, String errorMessage, long detectedAt, List<String> featureNames) {
        if (!isReading()) {
            throw new IllegalStateException("already a dead letter: " + this.reason);
        }
        return new DeadLetterRecord(
                sourceTopic,
                partition,
                offset,
                kafkaTimestamp,
                originalKey != null || originalValue != null ? originalKey : key.getBytes(StandardCharsets.UTF_8),
                originalValue != null ? originalValue : encoded(featureNames),
                reason.wireName(),
                "",
                errorMessage,
                detectedAt);
    }

    /** This reading as a single-object {@code SensorReading}, its features named by {@code featureNames}. */
    byte[] encoded(List<String> featureNames) {
        if (featureNames.size() != features.length) {
            throw new IllegalArgumentException(
                    featureNames.size() + " feature names for a reading of " + features.length + " features");
        }
        Map<String, Double> values = new LinkedHashMap<>();
        for (int i = 0; i < features.length; i++) {
            values.put(featureNames.get(i), (double) features[i]);
        }
        return SingleObject.encode(
                SensorReading.getEncoder(), new SensorReading(key, Instant.ofEpochMilli(eventTime), values));
    }

    /** True for a valid reading, false for a dead letter. */
    public boolean isReading() {
        return reason == null;
    }

    /** The dead-letter fields, for the dead-letter sink. */
    public DeadLetterRecord toDeadLetter() {
        if (isReading()) {
            throw new IllegalStateException(
                    "a reading (key '" + key + "') is not a dead letter; filter with isReading()");
        }
        return new DeadLetterRecord(
                sourceTopic,
                partition,
                offset,
                kafkaTimestamp,
                originalKey,
                originalValue,
                reason,
                errorClass,
                errorMessage,
                detectedAt);
    }

    @Override
    public String toString() {
        return isReading()
                ? "Reading{key=" + key + ", eventTime=" + eventTime + ", features=" + Arrays.toString(features) + "}"
                : "DeadLetter" + toDeadLetter().toString().substring("DeadLetterRecord".length());
    }
}
