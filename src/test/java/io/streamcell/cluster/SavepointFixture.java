package io.streamcell.cluster;

import io.streamcell.embedded.EmbeddedKafka;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.io.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A savepoint of the job written by an earlier release, kept under {@code src/test/resources/savepoints/}
 * so that every later release must restore it ({@code StandaloneClusterITCase}). The job ran on
 * {@link #input()} over its first {@link #STEPS_BEFORE} steps (no flush), on topics named as below,
 * and was stopped with a savepoint (without draining) once everything it could emit was committed.
 *
 * <p>Written by {@code SavepointFixtureWriter} in {@code src/tools/java} (refuses to overwrite; the
 * command is in the README beside the fixtures).
 */
final class SavepointFixture {
    static final String MODEL = "gru_before_2layer_in3_h20_2targets_horizon2";
    static final int KEYS = 12;
    static final int STEPS = 120;
    static final int STEPS_BEFORE = 60;
    static final int PARTITIONS = 2;
    static final String READINGS = "fixture-readings";
    static final String FORECASTS = "fixture-forecasts";
    static final String ANOMALIES = "fixture-anomalies";
    static final String DEAD_LETTERS = "fixture-dead-letters";
    static final String PREFIX = "fixture";
    /** In the fixture directory: {@code forecastsBefore}, the forecasts committed before the savepoint. */
    static final String PROPERTIES = "fixture.properties";

    /**
     * Fixtures saved by releases whose anomaly detector kept other statistics: their keys restore with
     * fresh anomaly statistics (the key's forecasts and recurrent state are kept).
     */
    static final Set<String> SAVED_WITH_AN_EARLIER_DETECTOR = Set.of("layout3");

    private SavepointFixture() {}

    /** A key's anomaly statistics as such a fixture restores them: none (a new key's). */
    static float[] restoredFromAnEarlierDetector(float[] anomalyStats) {
        return new float[0];
    }

    static ClusterInput input() throws IOException {
        return new ClusterInput(
                KEYS,
                STEPS,
                PARTITIONS,
                ModelDirectory.load(modelDirectory().toString()).config().features());
    }

    static Path modelDirectory() {
        return GoldenFixtures.root().resolve(MODEL).resolve("model").toAbsolutePath();
    }

    static Path resources() {
        return Path.of("src", "test", "resources", "savepoints");
    }

    /** The job file for these topics (the same when the savepoint is written and restored). */
    static Path jobConfig(Path dir, String bootstrapServers) throws IOException {
        return jobConfig(dir, bootstrapServers, "");
    }

    /**
     * The job file, with the outputs on topics of their own: the fixture's names plus {@code suffix}
     * (so that several fixtures can be restored on one broker; the readings topic is the one the
     * savepoint reads from).
     */
    static Path jobConfig(Path dir, String bootstrapServers, String suffix) throws IOException {
        Path config = dir.resolve("job-" + PREFIX + suffix + ".yaml");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "job.name: " + PREFIX,
                        "kafka:",
                        "  bootstrap-servers: " + bootstrapServers,
                        "  group-id: " + PREFIX,
                        "  transactional-id-prefix: " + PREFIX,
                        "  starting-offsets: earliest",
                        "topics:",
                        "  readings: " + READINGS,
                        "  forecasts: " + FORECASTS + suffix,
                        "  anomalies: " + ANOMALIES + suffix,
                        "  dead-letters: " + DEAD_LETTERS + suffix,
                        "model.path: " + modelDirectory(),
                        "checkpoints.interval: 1s",
                        "parallelism: 1",
                        ""));
        return config;
    }

    static void createTopics(EmbeddedKafka kafka) {
        kafka.createTopics(Map.of(READINGS, PARTITIONS));
        createOutputTopics(kafka, "");
    }

    /** The output topics of {@link #jobConfig(Path, String, String)} with {@code suffix}. */
    static void createOutputTopics(EmbeddedKafka kafka, String suffix) {
        kafka.createTopics(Map.of(FORECASTS + suffix, 1, ANOMALIES + suffix, 1, DEAD_LETTERS + suffix, 1));
    }

    /**
     * The reasons of the dead letters the fixture's job commits after the restore: the malformed
     * records ({@link ClusterInput}: after every 500th reading, the three kinds in turn) that come
     * after the {@link #STEPS_BEFORE} steps the savepoint covers.
     */
    static List<String> deadLetterReasonsAfterTheSavepoint() {
        String[] kinds = {"undecodable", "missing_feature", "non_finite"};
        List<String> reasons = new ArrayList<>();
        int malformed = 0;
        for (int n = 1; n <= KEYS * STEPS; n++) {
            if (n % 500 == 0) {
                malformed++;
                if (n > KEYS * STEPS_BEFORE) {
                    reasons.add(kinds[(malformed - 1) % 3]);
                }
            }
        }
        return reasons;
    }

    static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path destination = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(destination);
                } else {
                    Files.copy(file, destination, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
