package io.streamcell.cluster;

import io.streamcell.avro.AnomalyAlert;
import io.streamcell.avro.DeadLetter;
import io.streamcell.avro.Forecast;
import io.streamcell.testing.KafkaTestClients;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything a run of the job committed, read with {@code read_committed}: forecasts and alerts
 * per key in the order written (a key's order is deterministic, the interleaving of keys is not),
 * each as its exact record bytes; dead letters as a sorted list (their order across the two
 * sources of dead letters is not deterministic) without {@code detected_at}, the wall-clock time
 * of detection. Output for the input's flush readings is left out.
 */
record JobOutput(
        Map<String, List<ByteBuffer>> forecasts, Map<String, List<ByteBuffer>> alerts, List<String> deadLetters) {

    static JobOutput read(
            String bootstrapServers,
            String forecastsTopic,
            String anomaliesTopic,
            String deadLettersTopic,
            int expectedForecasts,
            int expectedDeadLetters)
            throws Exception {
        Map<String, List<ByteBuffer>> forecasts = new TreeMap<>();
        // Counted against expectedForecasts: every record, flush keys' too; they are few, and
        // readCommitted reads on for a quiet period after reaching the count.
        KafkaTestClients.readCommitted(
                bootstrapServers, forecastsTopic, expectedForecasts, Duration.ofSeconds(3), bytes -> {
                    String key = Forecast.getDecoder().decode(bytes).getKey();
                    if (!ClusterInput.isFlushKey(key)) {
                        forecasts.computeIfAbsent(key, k -> new ArrayList<>()).add(ByteBuffer.wrap(bytes));
                    }
                });
        Map<String, List<ByteBuffer>> alerts = new TreeMap<>();
        KafkaTestClients.readCommitted(bootstrapServers, anomaliesTopic, 0, Duration.ofSeconds(1), bytes -> {
            String key = AnomalyAlert.getDecoder().decode(bytes).getKey();
            if (!ClusterInput.isFlushKey(key)) {
                alerts.computeIfAbsent(key, k -> new ArrayList<>()).add(ByteBuffer.wrap(bytes));
            }
        });
        List<String> deadLetters = new ArrayList<>();
        KafkaTestClients.readCommitted(
                bootstrapServers, deadLettersTopic, expectedDeadLetters, Duration.ofSeconds(1), bytes -> {
                    DeadLetter d = DeadLetter.getDecoder().decode(bytes);
                    deadLetters.add(String.join(
                            " ",
                            d.getSourceTopic(),
                            Integer.toString(d.getPartition()),
                            Long.toString(d.getOffset()),
                            d.getTimestamp().toString(),
                            base64(d.getKey()),
                            base64(d.getValue()),
                            d.getReason(),
                            d.getErrorClass(),
                            d.getErrorMessage()));
                });
        deadLetters.sort(null);
        return new JobOutput(forecasts, alerts, deadLetters);
    }

    private static String base64(ByteBuffer buffer) {
        if (buffer == null) {
            return "null";
        }
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    int forecastCount() {
        return forecasts.values().stream().mapToInt(List::size).sum();
    }

    int alertCount() {
        return alerts.values().stream().mapToInt(List::size).sum();
    }

    /**
     * Where this output differs from {@code expected}, at most a few lines (empty when equal
     * record for record and bit for bit); the input topic must be the same one.
     */
    List<String> differencesFrom(JobOutput expected) {
        List<String> differences = new ArrayList<>();
        compare("forecasts", forecasts, expected.forecasts, differences);
        compare("alerts", alerts, expected.alerts, differences);
        if (!deadLetters.equals(expected.deadLetters)) {
            differences.add("dead letters: " + deadLetters.size() + " vs " + expected.deadLetters.size() + " expected"
                    + (deadLetters.size() == expected.deadLetters.size() ? ", different content" : ""));
        }
        return differences;
    }

    private static void compare(
            String what,
            Map<String, List<ByteBuffer>> actual,
            Map<String, List<ByteBuffer>> expected,
            List<String> differences) {
        if (!actual.keySet().equals(expected.keySet())) {
            differences.add(what + ": keys differ (" + actual.size() + " vs " + expected.size() + " expected)");
        }
        for (Map.Entry<String, List<ByteBuffer>> entry : expected.entrySet()) {
            List<ByteBuffer> got = actual.getOrDefault(entry.getKey(), List.of());
            if (!Objects.equals(got, entry.getValue()) && differences.size() < 10) {
                int first = 0;
                while (first < Math.min(got.size(), entry.getValue().size())
                        && got.get(first).equals(entry.getValue().get(first))) {
                    first++;
                }
                differences.add(what + " of " + entry.getKey() + ": " + got.size() + " records vs "
                        + entry.getValue().size() + " expected, first difference at #" + first);
            }
        }
    }
}
