package io.streamcell.io.deadletter;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dead letter as it travels through the job: a Flink POJO (public fields, no generic types) that
 * {@link DeadLetterEncoder} turns into an Avro {@code DeadLetter}. {@code key} and {@code value}
 * are the original record's bytes, unchanged.
 */
public class DeadLetterRecord {
    /** Topic the record was read from. */
    public String sourceTopic;
    /** Partition the record was read from. */
    public int partition;
    /** Offset of the record in its partition. */
    public long offset;
    /** The Kafka record timestamp, epoch milliseconds; -1 when the record had none. */
    public long timestamp;
    /** Original key bytes, or null (no key, or over the size limit). */
    public byte[] key;
    /** Original value bytes, or null (no value, or over the size limit). */
    public byte[] value;
    /** A {@link DeadLetterReason#wireName()}. */
    public String reason;
    /** Class name of the exception that rejected the record; empty when a validation rule did. */
    public String errorClass;
    /** What was wrong, for people. */
    public String errorMessage;
    /** Processing time when the problem was detected, epoch milliseconds. */
    public long detectedAt;

    /** For Flink's POJO serializer. */
    public DeadLetterRecord() {}

    public DeadLetterRecord(
            String sourceTopic,
            int partition,
            long offset,
            long timestamp,
            byte[] key,
            byte[] value,
            String reason,
            String errorClass,
            String errorMessage,
            long detectedAt) {
        this.sourceTopic = sourceTopic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
        this.reason = reason;
        this.errorClass = errorClass;
        this.errorMessage = errorMessage;
        this.detectedAt = detectedAt;
    }

    @Override
    public String toString() {
        return "DeadLetterRecord{" + sourceTopic + "-" + partition + "@" + offset + ", reason=" + reason
                + ", errorClass=" + errorClass + ", errorMessage=" + errorMessage
                + ", keyBytes=" + (key == null ? "null" : key.length)
                + ", valueBytes=" + (value == null ? "null" : value.length) + "}";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DeadLetterRecord that)) {
            return false;
        }
        return partition == that.partition
                && offset == that.offset
                && timestamp == that.timestamp
                && detectedAt == that.detectedAt
                && Objects.equals(sourceTopic, that.sourceTopic)
                && Arrays.equals(key, that.key)
                && Arrays.equals(value, that.value)
                && Objects.equals(reason, that.reason)
                && Objects.equals(errorClass, that.errorClass)
                && Objects.equals(errorMessage, that.errorMessage);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sourceTopic, partition, offset, reason);
    }
}
