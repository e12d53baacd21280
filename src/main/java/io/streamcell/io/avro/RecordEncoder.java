package io.streamcell.io.avro;

import java.io.Serializable;

/**
 * Turns one job output into the key and value bytes of a Kafka record. Implementations are plain,
 * serializable Java (no Flink), so the Flink sink only wraps them.
 *
 * @param <T> the job's output type
 */
public interface RecordEncoder<T> extends Serializable {
    /** The Kafka record key, or null for none. */
    byte[] key(T record);

    /** The Kafka record value: an Avro message in single-object encoding. */
    byte[] value(T record);
}
