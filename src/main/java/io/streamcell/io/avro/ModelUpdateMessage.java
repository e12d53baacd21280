package io.streamcell.io.avro;

import io.streamcell.io.deadletter.DeadLetterReason;
import io.streamcell.io.deadletter.DeadLetterRecord;

/**
 * A record of the models topic as it travels to the forecast operator, undecoded: the operator
 * validates it (so that an invalid one becomes a dead letter with these coordinates and bytes) and
 * keeps the {@link #value} bytes of the current update in its checkpoint. A flat Flink POJO.
 */
public class ModelUpdateMessage {
    /** Dead letters keep the update's bytes up to this size (the readings' default value limit). */
    public static final int MAX_DEAD_LETTER_VALUE_BYTES = 512 * 1024;

    public String topic;
    public int partition;
    public long offset;
    /** The Kafka record timestamp, epoch milliseconds; -1 when none. */
    public long timestamp;
    /** The Kafka record key (the UTF-8 model id by convention), or null. */
    public byte[] key;
    /** The Avro {@code ModelUpdate} in single-object encoding, as received. */
    public byte[] value;

    /** For Flink's POJO serializer. */
    public ModelUpdateMessage() {}

    public ModelUpdateMessage(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
    }

    /** An {@code invalid_model} dead letter for this message; bytes over the limits are dropped. */
    public DeadLetterRecord asDeadLetter(Throwable problem, long detectedAt) {
        byte[] keptKey = key != null && key.length <= 1024 ? key : null;
        byte[] keptValue = value != null && value.length <= MAX_DEAD_LETTER_VALUE_BYTES ? value : null;
        String message = String.valueOf(problem.getMessage());
        if (message.length() > 1000) {
            message = message.substring(0, 997) + "...";
        }
        return new DeadLetterRecord(
                topic,
                partition,
                offset,
                timestamp,
                keptKey,
                keptValue,
                DeadLetterReason.INVALID_MODEL.wireName(),
                problem.getClass().getName(),
                message,
                detectedAt);
    }

    @Override
    public String toString() {
        return "ModelUpdateMessage{" + topic + "-" + partition + "@" + offset + ", valueBytes="
                + (value == null ? "null" : value.length) + "}";
    }
}
