package io.streamcell.cluster;

import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.testing.KafkaTestClients;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A fixed, seeded input for the cluster tests: {@code keys × steps} readings, one per key and
 * second of event time, written step by step (every key's step t, then t + 1), each key to its own
 * partition ({@code key % partitions}); a malformed record after every 500th reading (the three
 * kinds in turn) so that dead letters are compared too; a spike on a few keys so that alerts are;
 * and last, one reading per partition an hour later, which moves the watermark past everything
 * before it so that the event-time job releases every buffered reading (the flush readings'
 * own forecasts, which come only if more flush readings follow, are left out of comparisons).
 */
final class ClusterInput {
    static final long START = 1_700_000_000_000L;
    static final String FLUSH_PREFIX = "flush-";

    final int keys;
    final int steps;
    final int partitions;
    final List<String> features;
    /** The readings in the order written (without the flush readings): what replay steps through. */
    final List<Row> rows = new ArrayList<>();
    /** How many malformed records are among the rows written (one dead letter each). */
    int malformed;

    ClusterInput(int keys, int steps, int partitions, List<String> features) {
        this.keys = keys;
        this.steps = steps;
        this.partitions = partitions;
        this.features = List.copyOf(features);
        Random random = new Random(20261127L);
        long line = 0;
        for (int t = 0; t < steps; t++) {
            for (int k = 0; k < keys; k++) {
                float[] values = new float[features.size()];
                for (int i = 0; i < values.length; i++) {
                    double level = i == 0 ? 6.5 : i == 1 ? 20 : 55;
                    values[i] = (float) (level + 3 * Math.sin(0.07 * t + 0.37 * k + i) + 0.3 * random.nextGaussian());
                }
                if (k % 97 == 0 && t == steps * 3 / 4) {
                    values[0] += 40f;
                }
                long time = START + t * 1000L;
                rows.add(new Row(line++, key(k), Long.toString(time), time, values));
            }
        }
    }

    static String key(int k) {
        return String.format("sensor-%04d", k);
    }

    private int partitionOf(String key) {
        return Integer.parseInt(key.substring("sensor-".length())) % partitions;
    }

    /** Writes the input to {@code topic} (which has {@link #partitions} partitions). */
    void produce(String bootstrapServers, String topic) {
        produce(bootstrapServers, topic, 0, rows.size(), true);
    }

    /**
     * Writes rows {@code [from, to)} (with the malformed records among them) and, if asked, the
     * flush readings; written in parts, the topic ends up exactly as written at once.
     */
    void produce(String bootstrapServers, String topic, int from, int to, boolean flush) {
        malformed = 0;
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrapServers)) {
            Callback failures = failures();
            for (int n = 1; n <= to; n++) {
                Row row = rows.get(n - 1);
                boolean bad = n % 500 == 0;
                if (bad) {
                    malformed++;
                }
                if (n <= from) {
                    continue;
                }
                Map<String, Double> values = new HashMap<>();
                for (int i = 0; i < features.size(); i++) {
                    values.put(features.get(i), (double) row.features()[i]);
                }
                byte[] key = row.key().getBytes(StandardCharsets.UTF_8);
                int partition = partitionOf(row.key());
                producer.send(
                        new ProducerRecord<>(
                                topic, partition, key, KafkaTestClients.reading(row.key(), row.epochMillis(), values)),
                        failures);
                if (bad) {
                    byte[] record = switch ((malformed - 1) % 3) {
                        case 0 -> new byte[] {1, 2, 3, 4, 5};
                        case 1 -> KafkaTestClients.reading(row.key(), row.epochMillis(), Map.of("nothing", 1.0));
                        default -> {
                            Map<String, Double> nan = new HashMap<>(values);
                            nan.put(features.get(0), Double.NaN);
                            yield KafkaTestClients.reading(row.key(), row.epochMillis(), nan);
                        }
                    };
                    producer.send(new ProducerRecord<>(topic, partition, key, record), failures);
                }
            }
            if (flush) {
                sendFlush(producer, topic, 1, failures);
            }
            producer.flush();
            throwIfFailed();
        }
    }

    private Exception sendFailure;

    /** Remembers the first failed send, for {@link #throwIfFailed()} (a lost record would change the input). */
    private Callback failures() {
        sendFailure = null;
        return (metadata, exception) -> {
            if (exception != null) {
                synchronized (this) {
                    if (sendFailure == null) {
                        sendFailure = exception;
                    }
                }
            }
        };
    }

    private synchronized void throwIfFailed() {
        if (sendFailure != null) {
            throw new IllegalStateException("writing the input failed", sendFailure);
        }
    }

    /**
     * Writes another flush reading per partition, {@code round} hours after the input. Watermarks
     * are not part of checkpoints: a job restored after it read the flush readings, but before the
     * watermark they raised reached the forecast operator, holds its buffered readings until later
     * readings come, as a live stream would bring; a test that sees no progress writes some.
     */
    void flushAgain(String bootstrapServers, String topic, int round) {
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrapServers)) {
            Callback failures = failures();
            sendFlush(producer, topic, round, failures);
            producer.flush();
            throwIfFailed();
        }
    }

    private void sendFlush(KafkaProducer<byte[], byte[]> producer, String topic, int round, Callback failures) {
        long flushTime = START + steps * 1000L + round * 3_600_000L;
        for (int p = 0; p < partitions; p++) {
            Map<String, Double> values = new HashMap<>();
            features.forEach(f -> values.put(f, 1.0));
            String key = FLUSH_PREFIX + p;
            producer.send(
                    new ProducerRecord<>(
                            topic,
                            p,
                            key.getBytes(StandardCharsets.UTF_8),
                            KafkaTestClients.reading(key, flushTime, values)),
                    failures);
        }
    }

    /** Whether a forecast or alert is for a flush reading (not part of the compared output). */
    static boolean isFlushKey(String key) {
        return key.startsWith(FLUSH_PREFIX);
    }
}
