package io.streamcell.io.avro;

import io.streamcell.avro.DeadLetter;
import io.streamcell.io.deadletter.DeadLetterRecord;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * {@link DeadLetterRecord} to an Avro {@code DeadLetter} in single-object encoding. The Kafka
 * record key is the original record's key bytes, so dead letters land in the partition their
 * key would; null keys stay null.
 */
public final class DeadLetterEncoder implements RecordEncoder<DeadLetterRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] key(DeadLetterRecord record) {
        return record.key;
    }

    @Override
    public byte[] value(DeadLetterRecord record) {
        return SingleObject.encode(DeadLetter.getEncoder(), toAvro(record));
    }

    /** The Avro record for {@code record}; null strings other than the reason become empty ones. */
    public DeadLetter toAvro(DeadLetterRecord record) {
        if (record.reason == null || record.reason.isEmpty()) {
            throw new IllegalArgumentException(
                    "a dead letter needs a reason (a DeadLetterReason wire name): " + record);
        }
        return DeadLetter.newBuilder()
                .setSourceTopic(orEmpty(record.sourceTopic))
                .setPartition(record.partition)
                .setOffset(record.offset)
                .setTimestamp(Instant.ofEpochMilli(record.timestamp))
                .setKey(record.key == null ? null : ByteBuffer.wrap(record.key))
                .setValue(record.value == null ? null : ByteBuffer.wrap(record.value))
                .setReason(record.reason)
                .setErrorClass(orEmpty(record.errorClass))
                .setErrorMessage(orEmpty(record.errorMessage))
                .setDetectedAt(Instant.ofEpochMilli(record.detectedAt))
                .build();
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
