package io.streamcell.io.kafka;

import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ReadingDecoder;
import io.streamcell.io.avro.ReadingLimits;
import java.util.List;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads the readings topic: every Kafka record becomes exactly one {@link DecodedRecord}, a reading
 * or a dead letter, through a {@link ReadingDecoder}. Never throws, so one bad record cannot fail
 * the job. Metrics (on the source's group): {@code readingsDecoded}, {@code readingsRejected},
 * {@code kafkaKeyMismatches} (readings whose Kafka key differs from their Avro key).
 */
public final class ReadingDeserializationSchema implements KafkaRecordDeserializationSchema<DecodedRecord> {
    private static final long serialVersionUID = 1L;

    private final List<String> featureNames;
    private final ReadingLimits limits;
    private final List<String> olderWriterSchemas;

    private transient ReadingDecoder decoder;
    private transient Counter decoded;
    private transient Counter rejected;

    /** With the default limits and only the current {@code SensorReading} schema. */
    public ReadingDeserializationSchema(List<String> featureNames) {
        this(featureNames, ReadingLimits.DEFAULTS, List.of());
    }

    /** See {@link ReadingDecoder#ReadingDecoder(List, ReadingLimits, List)}. */
    public ReadingDeserializationSchema(
            List<String> featureNames, ReadingLimits limits, List<String> olderWriterSchemas) {
        // Built once here so configuration errors show when the job is assembled, not on a TaskManager.
        ReadingDecoder check = new ReadingDecoder(featureNames, limits, olderWriterSchemas);
        this.featureNames = check.featureNames();
        this.limits = limits;
        this.olderWriterSchemas = List.copyOf(olderWriterSchemas);
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        decoder();
        MetricGroup metrics = context.getMetricGroup();
        decoded = metrics.counter("readingsDecoded");
        rejected = metrics.counter("readingsRejected");
        metrics.gauge("kafkaKeyMismatches", () -> decoder.kafkaKeyMismatches());
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<DecodedRecord> out) {
        DecodedRecord result = decoder()
                .decode(
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        record.timestamp(),
                        record.key(),
                        record.value());
        Counter counter = result.isReading() ? decoded : rejected;
        if (counter != null) {
            counter.inc();
        }
        out.collect(result);
    }

    @Override
    public TypeInformation<DecodedRecord> getProducedType() {
        return TypeInformation.of(DecodedRecord.class);
    }

    private ReadingDecoder decoder() {
        if (decoder == null) {
            decoder = new ReadingDecoder(featureNames, limits, olderWriterSchemas);
        }
        return decoder;
    }
}
