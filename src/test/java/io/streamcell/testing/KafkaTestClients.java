package io.streamcell.testing;

import io.streamcell.avro.Forecast;
import io.streamcell.avro.SensorReading;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Kafka clients and Avro helpers the job's integration tests share: readings in, committed output back. */
public final class KafkaTestClients {
    private KafkaTestClients() {}

    /** A consumer of record values that may fail to decode. */
    public interface ValueConsumer {
        void accept(byte[] value) throws Exception;
    }

    /**
     * A byte-array producer (close it) that keeps each partition's records in the order sent, so
     * that writing the same records gives the same offsets. Not idempotent: right after a topic is
     * created the broker can answer NOT_LEADER_OR_FOLLOWER, and the idempotent producer's retries
     * then run into OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout drops the records; one
     * request in flight with retries keeps the order as well.
     */
    public static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        return producer(bootstrapServers, Map.of());
    }

    /** {@link #producer(String)} with extra client properties (security, say). */
    public static KafkaProducer<byte[], byte[]> producer(String bootstrapServers, Map<String, String> extra) {
        Properties properties = new Properties();
        properties.putAll(extra);
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        return new KafkaProducer<>(properties);
    }

    /** A SensorReading in Avro single-object encoding, as the job reads it. */
    public static byte[] reading(String key, long eventTime, Map<String, Double> values) {
        ByteBuffer buffer;
        try {
            buffer = SensorReading.newBuilder()
                    .setKey(key)
                    .setEventTime(Instant.ofEpochMilli(eventTime))
                    .setValues(values)
                    .build()
                    .toByteBuffer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /** A byte-array consumer reading only committed records. */
    public static KafkaConsumer<byte[], byte[]> readCommittedConsumer(String bootstrapServers) {
        return readCommittedConsumer(bootstrapServers, Map.of());
    }

    /** {@link #readCommittedConsumer(String)} with extra client properties (security, say). */
    public static KafkaConsumer<byte[], byte[]> readCommittedConsumer(
            String bootstrapServers, Map<String, String> extra) {
        Properties properties = new Properties();
        properties.putAll(extra);
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        return new KafkaConsumer<>(properties);
    }

    /** Assigns all partitions of {@code topic} to the consumer, from the start. */
    public static void assignFromStart(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(info -> new TopicPartition(topic, info.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /**
     * Reads the committed records of {@code topic} from the start until {@code expected} have come,
     * then {@code quiet} more for any extra (a duplicate would show up there). Transaction markers
     * reach the partitions shortly after a commit returns, so the output may still be turning
     * visible when the job has finished. Returns how many were read.
     */
    public static int readCommitted(
            String bootstrapServers, String topic, int expected, Duration quiet, ValueConsumer each) throws Exception {
        return readCommitted(bootstrapServers, Map.of(), topic, expected, quiet, each);
    }

    /** {@link #readCommitted(String, String, int, Duration, ValueConsumer)} with extra client properties. */
    public static int readCommitted(
            String bootstrapServers,
            Map<String, String> extra,
            String topic,
            int expected,
            Duration quiet,
            ValueConsumer each)
            throws Exception {
        try (KafkaConsumer<byte[], byte[]> consumer = readCommittedConsumer(bootstrapServers, extra)) {
            assignFromStart(consumer, topic);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            long quietUntil = Long.MAX_VALUE;
            int read = 0;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    each.accept(record.value());
                    read++;
                }
                if (read >= expected && quietUntil == Long.MAX_VALUE) {
                    quietUntil = System.nanoTime() + quiet.toNanos();
                }
            }
            return read;
        }
    }

    /** The forecast's values step-major (step s, target j at s * targets + j), as the model emits them. */
    public static float[] flatten(Forecast forecast) {
        int targets = forecast.getForecasts().size();
        int horizon = forecast.getForecasts().get(0).getValues().size();
        float[] values = new float[targets * horizon];
        for (int j = 0; j < targets; j++) {
            List<Float> steps = forecast.getForecasts().get(j).getValues();
            for (int s = 0; s < horizon; s++) {
                values[s * targets + j] = steps.get(s);
            }
        }
        return values;
    }
}
