package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.avro.DeadLetter;
import io.streamcell.avro.Forecast;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.testing.EmbeddedKafkaExtension;
import io.streamcell.testing.KafkaTestClients;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Event time on a live, unbounded Kafka source (the job as {@code streamcell run} wires it), where
 * nothing releases buffered readings at the end of input: the watermark must keep moving on its own.
 *
 * <ul>
 *   <li>One partition carries nothing but garbage for a minute while the others carry readings:
 *       forecasts keep coming within the out-of-orderness plus the idle timeout of each reading, and
 *       the heap does not grow with the minute (readings neither wait nor carry their bytes).</li>
 *   <li>One reading an hour ahead of the clock, while the other partition is idle, is refused
 *       ({@code bad_timestamp}) instead of moving the watermark an hour ahead and making every later
 *       reading late.</li>
 * </ul>
 * Outputs are written at least once (no transactions), so a forecast is readable as soon as the job
 * writes it and its delay is the job's own.
 */
class EventTimeProgressITCase {
    private static final String CASE = "gru_before_2layer_in3_h20_2targets_horizon2";
    private static final Duration OUT_OF_ORDERNESS = Duration.ofSeconds(1);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(3);
    /**
     * What a forecast may take beyond the out-of-orderness and idle timeout: the source's periodic
     * watermark (200 ms), the network buffers' timeout (100 ms), the producer's linger, this test's
     * polling, and a shared 2-core machine.
     */
    private static final Duration PIPELINE_ALLOWANCE = Duration.ofSeconds(3);

    private static final Duration GARBAGE_PHASE = Duration.ofMinutes(1);
    private static final int KEYS = 8;
    /** Values besides the features: each reading's record is about 13 KB, which waiting readings would carry. */
    private static final int EXTRA_VALUES = 1000;

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.builder().build();

    private final GoldenFixtures.Case fixture = GoldenFixtures.load(CASE);
    private final List<String> features = fixture.model().config().features();

    EventTimeProgressITCase() throws Exception {}

    private JobConfig config(String run) {
        JobConfig config = JobConfig.builder()
                .name(run)
                .bootstrapServers(kafka.bootstrapServers())
                .readingsTopic("readings-" + run)
                .forecastsTopic("forecasts-" + run)
                .anomaliesTopic("anomalies-" + run)
                .deadLettersTopic("dead-letters-" + run)
                .modelsTopic("none")
                .delivery(JobConfig.Delivery.AT_LEAST_ONCE)
                .startingOffsets(JobConfig.StartingOffsets.EARLIEST)
                .ordering(JobConfig.OrderingMode.EVENT_TIME)
                .maxOutOfOrderness(OUT_OF_ORDERNESS)
                .idleTimeout(IDLE_TIMEOUT)
                .checkpointInterval(Duration.ofSeconds(2))
                .parallelism(2)
                .modelPath(fixture.modelDirectory().toString())
                .build();
        kafka.createTopics(Map.of(
                config.topics().readings(),
                3,
                config.topics().forecasts(),
                2,
                config.topics().anomalies(),
                1,
                config.topics().deadLetters(),
                1));
        return config;
    }

    private static JobClient start(JobConfig config) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(KafkaForecastJob.flinkConfiguration(config));
        KafkaForecastJob.addTo(env, config);
        return env.executeAsync("event time progress ITCase " + config.name());
    }

    @Test
    void aPartitionOfGarbageNeitherStallsEventTimeNorGrowsTheHeap() throws Exception {
        JobConfig config = config("garbage");
        String topic = config.topics().readings();
        // event time of a round of readings (its send time) -> {forecasts, the longest delay}
        Map<Long, long[]> delays = new ConcurrentHashMap<>();
        AtomicBoolean reading = new AtomicBoolean(true);
        JobClient job = start(config);
        Thread forecasts = new Thread(() -> collectDelays(config.topics().forecasts(), delays, reading));
        forecasts.start();
        List<Long> heap = new ArrayList<>();
        List<Long> garbageRounds = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            Random random = new Random(7);
            // Warm up until the job is running and forecasting.
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            for (long round = 0; delays.isEmpty(); round++) {
                assertThat(System.nanoTime()).as("the job forecasts at all").isLessThan(deadline);
                sendRound(producer, topic, random, round);
                Thread.sleep(100);
            }
            // The minute of garbage on partition 2 (which has never carried a reading).
            long start = System.nanoTime();
            long nextHeap = start + Duration.ofSeconds(15).toNanos();
            while (System.nanoTime() - start < GARBAGE_PHASE.toNanos()) {
                garbageRounds.add(sendRound(producer, topic, random, garbageRounds.size()));
                for (int i = 0; i < 40; i++) {
                    byte[] garbage = new byte[1 + random.nextInt(300)];
                    random.nextBytes(garbage);
                    garbage[0] = 0; // never the single-object marker
                    producer.send(new ProducerRecord<>(topic, 2, null, garbage));
                }
                if (System.nanoTime() >= nextHeap) {
                    heap.add(usedHeapAfterGc());
                    nextHeap += Duration.ofSeconds(15).toNanos();
                }
                Thread.sleep(100);
            }
            producer.flush();
        }
        Duration bound = OUT_OF_ORDERNESS.plus(IDLE_TIMEOUT).plus(PIPELINE_ALLOWANCE);
        // The rounds sent with the garbage, but for the last ones: the watermark passes those only when
        // later readings come.
        long lastSent = garbageRounds.get(garbageRounds.size() - 1);
        List<Long> rounds = garbageRounds.stream()
                .filter(t -> t < lastSent - bound.toMillis())
                .toList();
        Thread.sleep(bound.toMillis());
        reading.set(false);
        forecasts.join();
        job.cancel().get();

        List<Long> measured = new ArrayList<>();
        List<Long> incomplete = new ArrayList<>();
        for (long round : rounds) {
            long[] forecastsAndDelay = delays.get(round);
            if (forecastsAndDelay == null || forecastsAndDelay[0] < KEYS) {
                incomplete.add(round);
            } else {
                measured.add(forecastsAndDelay[1]);
            }
        }
        assertThat(incomplete)
                .as("rounds (of %d) without a forecast for each of the %d keys", rounds.size(), KEYS)
                .isEmpty();
        Collections.sort(measured);
        assertThat(measured.get(measured.size() - 1))
                .as(
                        "the longest delay of a forecast (median %d ms); bound: out-of-orderness %s + idle timeout %s"
                                + " + %s",
                        measured.get(measured.size() / 2), OUT_OF_ORDERNESS, IDLE_TIMEOUT, PIPELINE_ALLOWANCE)
                .isLessThanOrEqualTo(bound.toMillis());
        assertThat(heap).as("heap after GC, every 15 s").hasSizeGreaterThanOrEqualTo(3);
        assertThat(heap.get(heap.size() - 1) - heap.get(0))
                .as("heap growth over the garbage minute, bytes (samples %s)", heap)
                .isLessThan(32L << 20);
    }

    @Test
    void aReadingAnHourAheadOfTheClockIsRefusedInsteadOfMakingEveryLaterReadingLate() throws Exception {
        JobConfig config = config("ahead");
        String topic = config.topics().readings();
        JobClient job = start(config);
        int sent = 0;
        Map<String, Double> values = values(0);
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            // Readings on partition 0 only: partitions 1 and 2 are idle after the idle timeout.
            long phase = System.nanoTime() + IDLE_TIMEOUT.multipliedBy(2).toNanos();
            while (System.nanoTime() < phase) {
                sendTo(producer, topic, 0, "sensor-0", System.currentTimeMillis(), values);
                sent++;
                Thread.sleep(100);
            }
            long anHourAhead = System.currentTimeMillis() + Duration.ofHours(1).toMillis();
            sendTo(producer, topic, 0, "sensor-1", anHourAhead, values);
            phase = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < phase) {
                sendTo(producer, topic, 0, "sensor-0", System.currentTimeMillis(), values);
                sent++;
                Thread.sleep(100);
            }
            // Then the other partitions, to carry the watermark past the last of them.
            Thread.sleep(OUT_OF_ORDERNESS.toMillis());
            long later = System.currentTimeMillis() + OUT_OF_ORDERNESS.toMillis() + 1_000;
            for (int partition = 0; partition < 3; partition++) {
                sendTo(producer, topic, partition, "flush-" + partition, later, values);
            }
            producer.flush();
        }
        int expected = sent;
        List<String> forecastKeys = new CopyOnWriteArrayList<>();
        List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
        try {
            KafkaTestClients.readCommitted(
                    kafka.bootstrapServers(), config.topics().forecasts(), expected, Duration.ofSeconds(3), bytes -> {
                        String key = Forecast.getDecoder().decode(bytes).getKey();
                        if (key.equals("sensor-0")) {
                            forecastKeys.add(key);
                        }
                    });
            KafkaTestClients.readCommitted(
                    kafka.bootstrapServers(),
                    config.topics().deadLetters(),
                    1,
                    Duration.ofSeconds(2),
                    bytes -> deadLetters.add(DeadLetter.getDecoder().decode(bytes)));
        } finally {
            job.cancel().get();
        }

        assertThat(deadLetters)
                .as("the reading an hour ahead, and no late one")
                .extracting(DeadLetter::getReason)
                .containsExactly("bad_timestamp");
        assertThat(deadLetters.get(0).getErrorMessage()).contains("ahead of the clock");
        assertThat(forecastKeys)
                .as("every reading before and after it is forecast")
                .hasSize(expected);
    }

    /** One reading per key (keys alternate between partitions 0 and 1), event time now; returns it. */
    private long sendRound(KafkaProducer<byte[], byte[]> producer, String topic, Random random, long round) {
        long now = System.currentTimeMillis();
        for (int k = 0; k < KEYS; k++) {
            Map<String, Double> values = values(round + k);
            for (int i = 0; i < EXTRA_VALUES; i++) {
                values.put("extra-" + i, random.nextDouble());
            }
            sendTo(producer, topic, k % 2, "sensor-" + k, now, values);
        }
        return now;
    }

    private Map<String, Double> values(long step) {
        Map<String, Double> values = new HashMap<>();
        for (int i = 0; i < features.size(); i++) {
            values.put(features.get(i), 20 + 3 * Math.sin(0.1 * step + i));
        }
        return values;
    }

    private static void sendTo(
            KafkaProducer<byte[], byte[]> producer,
            String topic,
            int partition,
            String key,
            long eventTime,
            Map<String, Double> values) {
        producer.send(new ProducerRecord<>(
                topic,
                partition,
                key.getBytes(StandardCharsets.UTF_8),
                KafkaTestClients.reading(key, eventTime, values)));
    }

    /**
     * Until told to stop: per event time, how many forecasts came and the longest time after their
     * readings' event time (the send time) one came.
     */
    private static void collectDelays(String topic, Map<Long, long[]> delays, AtomicBoolean reading) {
        try (KafkaConsumer<byte[], byte[]> consumer =
                KafkaTestClients.readCommittedConsumer(kafka.bootstrapServers())) {
            KafkaTestClients.assignFromStart(consumer, topic);
            while (reading.get()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                    long now = System.currentTimeMillis();
                    Forecast forecast = Forecast.getDecoder().decode(record.value());
                    long eventTime = forecast.getEventTime().toEpochMilli();
                    long[] entry = delays.computeIfAbsent(eventTime, t -> new long[2]);
                    entry[0]++;
                    entry[1] = Math.max(entry[1], now - eventTime);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("reading forecasts failed", e);
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
