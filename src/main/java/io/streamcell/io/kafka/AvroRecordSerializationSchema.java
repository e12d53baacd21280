package io.streamcell.io.kafka;

import io.streamcell.io.avro.AnomalyAlertEncoder;
import io.streamcell.io.avro.AnomalyAlertRecord;
import io.streamcell.io.avro.DeadLetterEncoder;
import io.streamcell.io.avro.ForecastEncoder;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.avro.RecordEncoder;
import io.streamcell.io.deadletter.DeadLetterRecord;
import java.util.List;
import java.util.Objects;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes job outputs to one topic through a {@link RecordEncoder}: Avro single-object values, the
 * encoder's key, Kafka's default partitioner (by key), and the Flink element timestamp (the
 * reading's event time) as the record timestamp when there is one (and it is not negative), capped
 * at the wall clock: brokers reject timestamps more than {@code log.message.timestamp.after.max.ms}
 * ahead (one hour by default since Kafka 4.0), and one such record would fail the job, again after
 * every restart. A reading may be ahead of the clock and still be accepted (five minutes by
 * default, {@code ordering.max-ahead-of-clock}, which may be set to hours or no bound at all).
 *
 * <pre>{@code
 * KafkaSink<ForecastRecord> sink = kafka.sink("forecasts",
 *         AvroRecordSerializationSchema.forecasts("forecasts", model.targets(), model.horizon()));
 * }</pre>
 *
 * @param <T> the job's output type
 */
public final class AvroRecordSerializationSchema<T> implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final RecordEncoder<T> encoder;
    /** The wall clock when last read (ms); a timestamp at or before it cannot be ahead of the clock. */
    private transient long clockSeen;

    public AvroRecordSerializationSchema(String topic, RecordEncoder<T> encoder) {
        this.topic = KafkaConnections.checkNotBlank(topic, "topic");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
    }

    /** Forecasts keyed by sensor key; {@code targets} and {@code horizon} are the model's. */
    public static AvroRecordSerializationSchema<ForecastRecord> forecasts(
            String topic, List<String> targets, int horizon) {
        return new AvroRecordSerializationSchema<>(topic, new ForecastEncoder(targets, horizon));
    }

    /** Anomaly alerts keyed by sensor key; {@code targets} are the model's. */
    public static AvroRecordSerializationSchema<AnomalyAlertRecord> anomalyAlerts(String topic, List<String> targets) {
        return new AvroRecordSerializationSchema<>(topic, new AnomalyAlertEncoder(targets));
    }

    /** Dead letters keyed by the original record's key bytes. */
    public static AvroRecordSerializationSchema<DeadLetterRecord> deadLetters(String topic) {
        return new AvroRecordSerializationSchema<>(topic, new DeadLetterEncoder());
    }

    public String topic() {
        return topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
        // Kafka rejects negative timestamps; let the producer stamp those records instead.
        Long recordTimestamp = timestamp == null || timestamp < 0 ? null : notAheadOfClock(timestamp);
        return new ProducerRecord<>(topic, null, recordTimestamp, encoder.key(element), encoder.value(element));
    }

    /**
     * {@code timestamp}, or the wall clock if that is earlier. The clock is read only for timestamps
     * past the last reading of it: event times are nearly always in the past, and this runs per record.
     */
    private long notAheadOfClock(long timestamp) {
        if (timestamp <= clockSeen) {
            return timestamp;
        }
        clockSeen = System.currentTimeMillis();
        return Math.min(timestamp, clockSeen);
    }
}
