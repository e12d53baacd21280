package io.streamcell.io.kafka;

import io.streamcell.io.avro.ModelUpdateMessage;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads the models topic: every Kafka record becomes one {@link ModelUpdateMessage}, undecoded.
 * Validation happens in the forecast operator, which dead-letters invalid updates. Never throws.
 */
public final class ModelUpdateDeserializationSchema implements KafkaRecordDeserializationSchema<ModelUpdateMessage> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ModelUpdateMessage> out) {
        out.collect(new ModelUpdateMessage(
                record.topic(), record.partition(), record.offset(), record.timestamp(), record.key(), record.value()));
    }

    @Override
    public TypeInformation<ModelUpdateMessage> getProducedType() {
        return TypeInformation.of(ModelUpdateMessage.class);
    }
}
