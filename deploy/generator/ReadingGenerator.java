import io.streamcell.demo.SensorReading;
import io.streamcell.demo.SensorSimulator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The docker-compose generator: writes the demo's simulated sensors to an external Kafka topic as
 * Avro single-object {@code SensorReading}s at a steady rate, until stopped. Every
 * {@code MALFORMED_EVERY}-th record is garbage bytes on purpose, so the dead-letter path and its
 * metrics have something to show.
 *
 * <p>Deployment tooling, not part of the job jar: deploy/Dockerfile compiles it against the job jar
 * (which carries the simulator, the Avro classes and the Kafka client) and the compose
 * {@code generator} service runs it with Flink's lib/ on the classpath for logging. Settings come
 * from the environment: {@code BOOTSTRAP_SERVERS} (kafka:29092), {@code TOPIC} (readings),
 * {@code KEYS} (200), {@code RATE} readings per second (500), {@code SEED} (42),
 * {@code MALFORMED_EVERY} (500; 0 for none).
 */
public final class ReadingGenerator {
    private ReadingGenerator() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrapServers = env("BOOTSTRAP_SERVERS", "kafka:29092");
        String topic = env("TOPIC", "readings");
        int keys = Integer.parseInt(env("KEYS", "200"));
        int rate = Integer.parseInt(env("RATE", "500"));
        long seed = Long.parseLong(env("SEED", "42"));
        long malformedEvery = Long.parseLong(env("MALFORMED_EVERY", "500"));
        if (keys < 1 || rate < 1 || malformedEvery < 0) {
            throw new IllegalArgumentException("KEYS and RATE must be positive and MALFORMED_EVERY >= 0");
        }

        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);

        // Event time starts now and advances 5 minutes per sensor per round (the simulator's step).
        SensorSimulator simulator = SensorSimulator.builder()
                .seed(seed)
                .keyCount(keys)
                .start(Instant.now().truncatedTo(ChronoUnit.MINUTES))
                .build();
        System.out.printf("generator: %d sensors, %d readings/s -> %s topic %s%n", keys, rate, bootstrapServers, topic);

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties)) {
            Runtime.getRuntime().addShutdownHook(new Thread(producer::flush, "generator-flush"));
            long startNanos = System.nanoTime();
            long sent = 0;
            while (!Thread.currentThread().isInterrupted()) {
                SensorReading reading = simulator.next();
                byte[] value = malformedEvery > 0 && sent % malformedEvery == malformedEvery - 1
                        ? "not an Avro message".getBytes(StandardCharsets.UTF_8)
                        : encode(reading);
                producer.send(new ProducerRecord<>(topic, reading.key().getBytes(StandardCharsets.UTF_8), value),
                        (metadata, error) -> {
                            if (error != null) {
                                System.err.println("generator: send failed: " + error);
                            }
                        });
                sent++;
                if (sent % (rate * 10L) == 0) {
                    System.out.printf("generator: %d readings sent%n", sent);
                }
                long aheadNanos = startNanos + sent * 1_000_000_000L / rate - System.nanoTime();
                if (aheadNanos > 1_000_000) {
                    Thread.sleep(aheadNanos / 1_000_000);
                }
            }
        }
    }

    private static byte[] encode(SensorReading reading) throws java.io.IOException {
        ByteBuffer buffer = io.streamcell.avro.SensorReading.newBuilder()
                .setKey(reading.key())
                .setEventTime(reading.eventTime())
                .setValues(Map.of("temperature", reading.temperature(), "humidity", reading.humidity()))
                .build()
                .toByteBuffer();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }
}
