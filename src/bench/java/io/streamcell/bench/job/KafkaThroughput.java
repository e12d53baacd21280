package io.streamcell.bench.job;

import io.streamcell.avro.SensorReading;
import io.streamcell.embedded.EmbeddedKafka;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.kafka.AvroRecordSerializationSchema;
import io.streamcell.io.kafka.KafkaConnections;
import io.streamcell.io.kafka.ReadingDeserializationSchema;
import io.streamcell.job.DeadLetterSplitter;
import io.streamcell.job.KafkaForecastJob;
import io.streamcell.model.RecurrentModel;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka leg of {@link JobThroughput}: an in-process KRaft broker, a readings topic filled up
 * front with Avro readings (so the producer does not compete with the job for the cores), then the
 * job as deployed ({@link KafkaForecastJob}: Kafka source, exactly-once Kafka sinks), or the same
 * source and sink around {@link IdentityForecast}. Throughput is the growth of the forecasts
 * topic's end offsets (uncommitted records included) between two readings after a warm-up.
 */
final class KafkaThroughput implements AutoCloseable {
    static final String READINGS = "bench-readings";

    private final EmbeddedKafka kafka;
    private final int partitions;
    private int runs;

    KafkaThroughput(int partitions) {
        this.partitions = partitions;
        this.kafka = EmbeddedKafka.builder().quietLogs(true).build();
        kafka.start();
        kafka.createTopics(partitions, READINGS);
    }

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Writes {@code events} readings, event {@code i} to key {@code i mod keys}, features x0..x{n-1}. */
    void fill(long events, int keys, int features) throws Exception {
        Properties properties = new Properties();
        properties.putAll(kafka.clientProperties());
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        properties.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        GeneratedReadings generator = new GeneratedReadings(keys, features, false);
        List<String> names = java.util.stream.IntStream.range(0, features)
                .mapToObj(f -> "x" + f)
                .toList();
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties)) {
            for (long i = 0; i < events; i++) {
                DecodedRecord reading = generator.map(i);
                Map<String, Double> values = new LinkedHashMap<>();
                for (int f = 0; f < features; f++) {
                    values.put(names.get(f), (double) reading.features[f]);
                }
                ByteBuffer buffer = SensorReading.newBuilder()
                        .setKey(reading.key)
                        .setEventTime(java.time.Instant.ofEpochMilli(1_700_000_000_000L + reading.eventTime * 1000))
                        .setValues(values)
                        .build()
                        .toByteBuffer();
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                producer.send(new ProducerRecord<>(
                        READINGS, reading.key.getBytes(java.nio.charset.StandardCharsets.UTF_8), bytes));
            }
            producer.flush();
        }
        System.out.printf(
                "  filled %s with %,d readings in %.1f s%n", READINGS, events, (System.nanoTime() - start) / 1e9);
    }

    /** A fresh output topic name and consumer group for the next run. */
    String nextRun() {
        runs++;
        String forecasts = "bench-forecasts-" + runs;
        kafka.createTopics(partitions, forecasts, "bench-anomalies-" + runs, "bench-dead-letters-" + runs);
        return Integer.toString(runs);
    }

    /** Job option values that point the job at this broker for run {@code run}. */
    Map<String, String> jobValues(String run) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("job.name", "bench-" + run);
        values.put("kafka.bootstrap-servers", kafka.bootstrapServers());
        values.put("kafka.group-id", "bench-" + run);
        values.put("kafka.starting-offsets", "earliest");
        values.put("kafka.transactional-id-prefix", "bench-" + run);
        values.put("topics.readings", READINGS);
        values.put("topics.forecasts", "bench-forecasts-" + run);
        values.put("topics.anomalies", "bench-anomalies-" + run);
        values.put("topics.dead-letters", "bench-dead-letters-" + run);
        return values;
    }

    /** The identity graph with the job's Kafka source and exactly-once forecasts sink. */
    void addIdentity(StreamExecutionEnvironment env, String run, RecurrentModel model) {
        KafkaConnections connections = KafkaConnections.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .deliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .transactionalIdPrefix("bench-" + run)
                .build();
        env.fromSource(
                        connections.readingsSource(
                                READINGS,
                                "bench-" + run,
                                OffsetsInitializer.earliest(),
                                new ReadingDeserializationSchema(model.config().features())),
                        WatermarkStrategy.noWatermarks(),
                        "readings")
                .process(new DeadLetterSplitter())
                .keyBy(record -> record.key)
                .process(new IdentityForecast(model.stateSize(), model.outputSize()))
                .sinkTo(connections.sink(
                        "forecasts",
                        AvroRecordSerializationSchema.forecasts(
                                "bench-forecasts-" + run,
                                model.config().targets(),
                                model.config().horizon())));
    }

    /** Records written to run {@code run}'s forecasts topic so far, committed or not. */
    long forecastsWritten(String run) {
        Properties properties = new Properties();
        properties.putAll(kafka.clientProperties());
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            List<TopicPartition> topicPartitions = java.util.stream.IntStream.range(0, partitions)
                    .mapToObj(p -> new TopicPartition("bench-forecasts-" + run, p))
                    .collect(Collectors.toList());
            return consumer.endOffsets(topicPartitions).values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
        }
    }

    @Override
    public void close() {
        kafka.close();
    }
}
