package io.streamcell.demo;

import io.streamcell.avro.DeadLetter;
import io.streamcell.avro.Forecast;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the job's committed output ({@code read_committed}) and keeps the numbers the demo prints:
 * forecasts, dead letters by reason, and the forecast error against the naive last-value forecast,
 * scored on each key's next observation.
 */
public final class DemoSummary implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String forecastsTopic;
    private final ReadingProducer producer;
    private final Thread thread;
    private final long startNanos = System.nanoTime();
    private final AtomicLong forecasts = new AtomicLong();
    private final Map<String, AtomicLong> deadLetters = new ConcurrentHashMap<>();
    private final Map<String, float[]> previousByKey = new HashMap<>(); // {forecast, observed}
    private double modelAbsError;
    private double naiveAbsError;
    private long scored;
    private volatile boolean running = true;

    /** What the demo did, in numbers. */
    public record Totals(
            long sent,
            long malformed,
            long forecasts,
            long deadLetters,
            Map<String, Long> deadLettersByReason,
            double forecastMae,
            double naiveMae) {
        @Override
        public String toString() {
            return String.format(
                    "%,d readings sent (%,d malformed), %,d forecasts, %,d dead letters %s, "
                            + "%,d still waiting for the watermark; forecast MAE %.3f vs naive (last value) %.3f",
                    sent, malformed, forecasts, deadLetters, deadLettersByReason, unaccounted(), forecastMae, naiveMae);
        }

        /** Readings sent but neither forecast nor dead-lettered yet (event-time ordering holds the newest back). */
        public long unaccounted() {
            return sent - forecasts - deadLetters;
        }
    }

    public DemoSummary(
            String bootstrapServers, String forecastsTopic, String deadLettersTopic, ReadingProducer producer) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "streamcell-demo-summary");
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(properties);
        this.consumer.subscribe(List.of(forecastsTopic, deadLettersTopic));
        this.forecastsTopic = forecastsTopic;
        this.producer = producer;
        this.thread = new Thread(this::consume, "streamcell-demo-summary");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void consume() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.topic().equals(forecastsTopic)) {
                        onForecast(Forecast.getDecoder().decode(record.value()));
                    } else {
                        String reason =
                                DeadLetter.getDecoder().decode(record.value()).getReason();
                        deadLetters
                                .computeIfAbsent(reason, r -> new AtomicLong())
                                .incrementAndGet();
                    }
                }
            }
        } catch (Exception e) {
            if (running) {
                throw new IllegalStateException("demo summary consumer failed", e);
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void onForecast(Forecast forecast) {
        forecasts.incrementAndGet();
        String key = forecast.getKey();
        Float observed = producer.takeObserved(key, forecast.getEventTime().toEpochMilli());
        float predicted = forecast.getForecasts().get(0).getValues().get(0);
        float[] previous = previousByKey.get(key);
        synchronized (this) {
            if (previous != null && observed != null) {
                modelAbsError += Math.abs(observed - previous[0]);
                naiveAbsError += Math.abs(observed - previous[1]);
                scored++;
            }
        }
        if (observed != null) {
            previousByKey.put(key, new float[] {predicted, observed});
        } else {
            previousByKey.remove(key);
        }
    }

    /** Waits until every record sent is accounted for in the committed output, or the timeout passes. */
    public void awaitQuiet(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end && forecasts.get() + deadLetterCount() < producer.sent()) {
            Thread.sleep(200);
        }
    }

    private long deadLetterCount() {
        return deadLetters.values().stream().mapToLong(AtomicLong::get).sum();
    }

    public synchronized Totals totals() {
        Map<String, Long> byReason = new TreeMap<>();
        deadLetters.forEach((reason, count) -> byReason.put(reason, count.get()));
        return new Totals(
                producer.sent(),
                producer.malformed(),
                forecasts.get(),
                deadLetterCount(),
                byReason,
                scored == 0 ? Double.NaN : modelAbsError / scored,
                scored == 0 ? Double.NaN : naiveAbsError / scored);
    }

    public String line() {
        Totals totals = totals();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        return String.format(
                "t=%4.0fs  sent %,d (%,.0f/s)  forecasts %,d  dead letters %,d %s  MAE %.3f vs naive %.3f",
                seconds,
                totals.sent(),
                totals.sent() / Math.max(seconds, 1e-9),
                totals.forecasts(),
                totals.deadLetters(),
                totals.deadLettersByReason(),
                totals.forecastMae(),
                totals.naiveMae());
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}
