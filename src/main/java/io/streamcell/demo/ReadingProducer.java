package io.streamcell.demo;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes simulated readings to Kafka as Avro single-object messages at a fixed rate, with about one
 * record in 250 deliberately malformed (garbage bytes, a NaN value, a missing feature, an empty key)
 * so the demo shows dead letters. Remembers what it sent so the summary can score the forecasts.
 */
public final class ReadingProducer implements AutoCloseable {
    private static final int MALFORMED_EVERY = 250;

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final SensorSimulator simulator;
    private final int ratePerSecond;
    private final Random random;
    private final Thread thread;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final Map<String, Map<Long, Float>> observedTemperature = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private volatile Exception failure;

    public ReadingProducer(
            String bootstrapServers, String topic, SensorSimulator simulator, int ratePerSecond, long seed) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(properties);
        this.topic = topic;
        this.simulator = simulator;
        this.ratePerSecond = ratePerSecond;
        this.random = new Random(seed);
        this.thread = new Thread(this::produce, "streamcell-demo-producer");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    public void stop() throws InterruptedException {
        running = false;
        thread.join(10_000);
        producer.flush();
    }

    public long sent() {
        return sent.get();
    }

    public long malformed() {
        return malformed.get();
    }

    public Exception failure() {
        return failure;
    }

    /** The temperature sent for {@code key} at {@code eventTime} (forgotten once asked), or null. */
    Float takeObserved(String key, long eventTime) {
        Map<Long, Float> byTime = observedTemperature.get(key);
        return byTime == null ? null : byTime.remove(eventTime);
    }

    private void produce() {
        long startNanos = System.nanoTime();
        try {
            while (running) {
                SensorReading reading = simulator.next();
                long n = sent.get();
                byte[] key = reading.key().getBytes(StandardCharsets.UTF_8);
                byte[] value;
                if (n % MALFORMED_EVERY == MALFORMED_EVERY - 1) {
                    value = malformed(reading, n / MALFORMED_EVERY);
                    malformed.incrementAndGet();
                } else {
                    value = encode(
                            reading.key(),
                            reading,
                            Map.of("temperature", reading.temperature(), "humidity", reading.humidity()));
                    observedTemperature
                            .computeIfAbsent(reading.key(), k -> new ConcurrentHashMap<>())
                            .put(reading.epochMillis(), (float) reading.temperature());
                }
                producer.send(new ProducerRecord<>(topic, null, reading.epochMillis(), key, value));
                sent.incrementAndGet();
                long due = startNanos + (sent.get() * 1_000_000_000L) / ratePerSecond;
                long ahead = due - System.nanoTime();
                if (ahead > 1_000_000) {
                    Thread.sleep(ahead / 1_000_000);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failure = e;
        }
    }

    private byte[] malformed(SensorReading reading, long which) throws java.io.IOException {
        return switch ((int) (which % 4)) {
            case 0 -> {
                byte[] garbage = new byte[8 + random.nextInt(64)];
                random.nextBytes(garbage);
                yield garbage;
            }
            case 1 -> encode(reading.key(), reading, Map.of("temperature", Double.NaN, "humidity", reading.humidity()));
            case 2 -> encode(reading.key(), reading, Map.of("temperature", reading.temperature()));
            default ->
                encode("", reading, Map.of("temperature", reading.temperature(), "humidity", reading.humidity()));
        };
    }

    private static byte[] encode(String key, SensorReading reading, Map<String, Double> values)
            throws java.io.IOException {
        ByteBuffer buffer = io.streamcell.avro.SensorReading.newBuilder()
                .setKey(key)
                .setEventTime(reading.eventTime())
                .setValues(values)
                .build()
                .toByteBuffer();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    @Override
    public void close() throws InterruptedException {
        if (running) {
            stop();
        }
        producer.close();
    }
}
