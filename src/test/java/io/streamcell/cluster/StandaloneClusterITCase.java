package io.streamcell.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.avro.Forecast;
import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.model.kernel.NativeMath;
import io.streamcell.replay.ReplayEngine;
import io.streamcell.state.KeyState;
import io.streamcell.testing.EmbeddedKafkaExtension;
import io.streamcell.testing.KafkaTestClients;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job jar on a real standalone Flink cluster (one JobManager and two TaskManager processes,
 * {@link StandaloneCluster}), submitted through the REST API with {@code run --config job.yaml},
 * between topics of an embedded Kafka broker, with exactly-once sinks and a checkpoint a second,
 * over a fixed input of 200,000 readings across 1,000 keys ({@link ClusterInput}).
 *
 * <ul>
 *   <li>A failure-free run commits exactly what {@code streamcell replay} computes.</li>
 *   <li>Failover: three TaskManagers killed with {@code kill -9} at random moments (a fresh one
 *       started each time) change nothing, record for record and bit for bit.</li>
 *   <li>Stop with a savepoint at parallelism 2, resume at 3, again, resume at 1: nothing changes.</li>
 *   <li>A savepoint an earlier release wrote ({@link SavepointFixture}) still restores, every key
 *       continuing from its saved state.</li>
 * </ul>
 *
 * <p>ND4J: the TaskManagers have ND4J in their "lib/" (on their classpath) and load
 * {@code org.nd4j.} and {@code org.bytedeco.} parent-first, and every forecast task loads the
 * native libraries when it opens ({@link NativeMath#PRELOAD_PROPERTY}), so every job resumed from
 * a savepoint loads them again from a new user-code class loader in TaskManagers that ran the
 * previous one: no {@code UnsatisfiedLinkError} may appear, and the natives must come from lib/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterITCase {
    private static final String MODEL = "gru_before_2layer_in3_h20_2targets_horizon2";
    private static final int PARTITIONS = 6;
    private static final String READINGS = "cluster-readings";

    // The outputs carry the readings' event times (2023) as record timestamps: keep them past 7 days.
    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.builder()
            .brokerProperty("log.retention.ms", "-1")
            .build();

    private StandaloneCluster cluster;
    private String jarId;
    private Path modelDirectory;
    private ClusterInput input;
    private JobOutput reference;
    private int flushRounds = 1;

    @BeforeAll
    void start() throws Exception {
        modelDirectory = GoldenFixtures.root().resolve(MODEL).resolve("model");
        RecurrentModel model = ModelDirectory.load(modelDirectory.toString());
        input = new ClusterInput(1000, 200, PARTITIONS, model.config().features());
        kafka.createTopics(Map.of(READINGS, PARTITIONS, "models", 1)); // the job reads model updates (topics.models)
        input.produce(kafka.bootstrapServers(), READINGS);
        Path dir = Path.of("target", "standalone-cluster");
        deleteRecursively(dir);
        cluster = startCluster(dir);
        jarId = cluster.uploadJar(Path.of("target", "streamcell.jar"));
    }

    /**
     * Two TaskManagers with two slots each, ND4J in their lib/ and loaded parent-first. With
     * {@code -Dstreamcell.it.nd4j=job-jar} ND4J comes from the job jar instead (child-first, as
     * without the README's setup): to see what the setup prevents.
     */
    static StandaloneCluster startCluster(Path dir) throws Exception {
        Path target = Path.of("target").toAbsolutePath();
        boolean nd4jInLib = !"job-jar".equals(System.getProperty("streamcell.it.nd4j"));
        List<String> lib = List.of(Files.readString(target.resolve("cluster-lib-classpath.txt"))
                .trim()
                .split(File.pathSeparator));
        String classpath = Files.readString(target.resolve("provided-classpath.txt"))
                        .trim()
                + File.pathSeparator
                + String.join(
                        File.pathSeparator,
                        nd4jInLib
                                ? lib
                                : lib.stream()
                                        .filter(jar -> !jar.contains("/org/nd4j/") && !jar.contains("/org/bytedeco/"))
                                        .toList());
        StandaloneCluster.Builder builder = StandaloneCluster.builder(dir.toAbsolutePath())
                .classpath(classpath)
                .taskManagers(2)
                .slotsPerTaskManager(2);
        if (nd4jInLib) {
            builder.configuration("classloader.parent-first-patterns.additional", "org.nd4j.;org.bytedeco.");
        }
        // JavaCPP extracts the natives into a directory named after the jar they come from: lib/'s
        // jars once per TaskManager, or the job jar's blob once per job's class loader.
        builder.taskManagerJvmOption("-Dorg.bytedeco.javacpp.cachedir=" + javacppCache(dir))
                .taskManagerJvmOption("-D" + NativeMath.PRELOAD_PROPERTY + "=true")
                .environment("OMP_NUM_THREADS", "1")
                .environment("OPENBLAS_NUM_THREADS", "1");
        String coreType = System.getenv("OPENBLAS_CORETYPE");
        if (coreType != null) {
            builder.environment("OPENBLAS_CORETYPE", coreType);
        }
        return builder.start();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    static Path javacppCache(Path clusterDir) {
        return clusterDir.toAbsolutePath().resolve("javacpp-cache");
    }

    @AfterAll
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
            // Logs, checkpoints and savepoints stay; copies of the 160 MB jar and the extracted natives go.
            for (String bulky : List.of("blobs", "upload", "tmp", "javacpp-cache")) {
                deleteRecursively(cluster.directory().resolve(bulky));
            }
        }
    }

    @Test
    @Order(1)
    void failureFreeRunCommitsWhatReplayComputes() throws Exception {
        JobOutput output = reference();

        Map<String, List<float[]>> replayed = new HashMap<>();
        Map<String, List<Float>> replayedScores = new HashMap<>();
        int[] replayedAlerts = {0};
        try (ReplayEngine engine = new ReplayEngine(ModelDirectory.load(modelDirectory.toString()), 1)) {
            for (Row row : input.rows) {
                engine.accept(row, (r, outcome) -> {
                    replayed.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(outcome.forecast());
                    replayedScores
                            .computeIfAbsent(r.key(), k -> new ArrayList<>())
                            .add(
                                    outcome.score() == null
                                            ? null
                                            : outcome.score().anomalyScore());
                    if (outcome.alert() != null) {
                        replayedAlerts[0]++;
                    }
                });
            }
        }
        assertThat(output.forecastCount()).as("one forecast per reading").isEqualTo(input.rows.size());
        assertThat(output.forecasts().keySet()).isEqualTo(replayed.keySet());
        for (Map.Entry<String, List<ByteBuffer>> entry : output.forecasts().entrySet()) {
            List<float[]> expected = replayed.get(entry.getKey());
            for (int i = 0; i < expected.size(); i++) {
                Forecast forecast =
                        Forecast.getDecoder().decode(entry.getValue().get(i).duplicate());
                assertThat(KafkaTestClients.flatten(forecast))
                        .as("%s forecast %d", entry.getKey(), i)
                        .containsExactly(expected.get(i));
                assertThat(forecast.getAnomalyScore())
                        .as("%s score %d", entry.getKey(), i)
                        .isEqualTo(replayedScores.get(entry.getKey()).get(i));
            }
        }
        assertThat(replayedAlerts[0]).as("the spikes raise alerts").isPositive();
        assertThat(output.alertCount()).as("alerts, as replay raises them").isEqualTo(replayedAlerts[0]);
        assertThat(output.deadLetters())
                .as("one dead letter per malformed record")
                .hasSize(input.malformed);
    }

    @Test
    @Order(2)
    void killingTaskManagersThreeTimesChangesNothing() throws Exception {
        JobOutput expected = reference();
        String run = "failover";
        String job = cluster.runJar(jarId, jobArgs(run, 2), null);
        cluster.awaitRunning(job, Duration.ofMinutes(2));
        Random random = new Random(42);
        double[] moments = {
            0.05 + 0.25 * random.nextDouble(), 0.35 + 0.2 * random.nextDouble(), 0.6 + 0.2 * random.nextDouble()
        };
        List<String> kills = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> progress =
                KafkaTestClients.readCommittedConsumer(kafka.bootstrapServers())) {
            KafkaTestClients.assignFromStart(progress, "forecasts-" + run);
            long[] committed = {0};
            for (double moment : moments) {
                long threshold = (long) (moment * input.rows.size());
                awaitProgress(progress, committed, threshold, job);
                Thread.sleep(random.nextInt(800));
                List<Integer> busy = cluster.busyTaskManagers();
                assertThat(busy).as("TaskManagers running the job").isNotEmpty();
                int victim = busy.get(random.nextInt(busy.size()));
                int failuresBefore = cluster.failures(job);
                cluster.killTaskManager(victim);
                cluster.startTaskManager();
                kills.add("taskmanager-" + victim + " at " + committed[0] + " committed forecasts");
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (cluster.failures(job) <= failuresBefore) {
                    assertThat(System.nanoTime()).as("the job notices the kill").isLessThan(deadline);
                    Thread.sleep(200);
                }
                cluster.awaitRunning(job, Duration.ofMinutes(2));
            }
            awaitProgress(progress, committed, input.rows.size(), job);
        }
        assertThat(cluster.failures(job))
                .as("failures recovered from after %s", kills)
                .isGreaterThanOrEqualTo(3);
        cluster.cancel(job);

        JobOutput output = output(run);
        assertThat(output.differencesFrom(expected))
                .as("output after kills: %s", kills)
                .isEmpty();
        assertNoNativeLibraryErrors();
    }

    @Test
    @Order(3)
    void savepointsAndRescalingTwoThreeOneChangeNothing() throws Exception {
        JobOutput expected = reference();
        String run = "rescale";
        Path savepoints = cluster.directory().resolve("savepoints-" + run);
        List<String> atTwo = jobArgs(run, 2); // creates the run's topics
        try (KafkaConsumer<byte[], byte[]> progress =
                KafkaTestClients.readCommittedConsumer(kafka.bootstrapServers())) {
            KafkaTestClients.assignFromStart(progress, "forecasts-" + run);
            long[] committed = {0};
            String job = cluster.runJar(jarId, atTwo, null);
            awaitProgress(progress, committed, input.rows.size() / 4, job);
            String first = cluster.stopWithSavepoint(job, savepoints);

            job = cluster.runJar(jarId, jobArgs(run, 3), first);
            cluster.awaitRunning(job, Duration.ofMinutes(2));
            assertThat(parallelismOf(job)).isEqualTo(3);
            awaitProgress(progress, committed, committed[0] + input.rows.size() / 4, job);
            String second = cluster.stopWithSavepoint(job, savepoints);

            job = cluster.runJar(jarId, jobArgs(run, 1), second);
            cluster.awaitRunning(job, Duration.ofMinutes(2));
            assertThat(parallelismOf(job)).isEqualTo(1);
            awaitProgress(progress, committed, input.rows.size(), job);
            cluster.cancel(job);
        }

        JobOutput output = output(run);
        assertThat(output.differencesFrom(expected))
                .as("output after 2 -> 3 -> 1")
                .isEmpty();
        assertNoNativeLibraryErrors();
        assertThat(maxNativeLoadsInOneTaskManager())
                .as("ND4J loaded again by a later job's class loader in the same TaskManager")
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    @Order(4)
    void savepointOfAnEarlierReleaseRestores() throws Exception {
        Path fixture;
        try (Stream<Path> dirs = Files.list(SavepointFixture.resources())) {
            fixture = dirs.filter(Files::isDirectory).sorted().findFirst().orElseThrow();
        }
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(fixture.resolve(SavepointFixture.PROPERTIES))) {
            properties.load(in);
        }
        long before = Long.parseLong(properties.getProperty("forecastsBefore"));
        ClusterInput fixtureInput = SavepointFixture.input();
        SavepointFixture.createTopics(kafka.broker());
        fixtureInput.produce(kafka.bootstrapServers(), SavepointFixture.READINGS);
        Path savepoint = cluster.directory().resolve("fixture-" + fixture.getFileName());
        SavepointFixture.copy(fixture, savepoint);
        long expected = fixtureInput.rows.size() - before;

        String job = cluster.runJar(
                jarId,
                List.of(
                        "run",
                        "--config",
                        SavepointFixture.jobConfig(cluster.directory(), kafka.bootstrapServers())
                                .toString()),
                savepoint.toUri().toString());
        cluster.awaitRunning(job, Duration.ofMinutes(2));
        try (KafkaConsumer<byte[], byte[]> progress =
                KafkaTestClients.readCommittedConsumer(kafka.bootstrapServers())) {
            KafkaTestClients.assignFromStart(progress, SavepointFixture.FORECASTS);
            awaitProgress(progress, new long[] {0}, expected, job, fixtureInput, SavepointFixture.READINGS);
        }
        cluster.cancel(job);
        JobOutput output = JobOutput.read(
                kafka.bootstrapServers(),
                SavepointFixture.FORECASTS,
                SavepointFixture.ANOMALIES,
                SavepointFixture.DEAD_LETTERS,
                (int) expected,
                0);

        // A fixture saved with an earlier anomaly detector restores its keys with fresh anomaly
        // statistics: the replay drops them at the step the key was saved at (its first step after the
        // restore - 1).
        Map<String, Long> savedStep = new HashMap<>();
        if (SavepointFixture.SAVED_WITH_AN_EARLIER_DETECTOR.contains(
                fixture.getFileName().toString())) {
            output.forecasts()
                    .forEach((key, records) ->
                            savedStep.put(key, decode(records.get(0)).getStep() - 1));
        }
        Map<String, List<float[]>> replayed = new HashMap<>();
        Map<String, List<Float>> replayedScores = new HashMap<>();
        RecurrentModel fixtureModel =
                ModelDirectory.load(SavepointFixture.modelDirectory().toString());
        try (ReplayEngine engine = new ReplayEngine(fixtureModel, 1)) {
            for (Row row : fixtureInput.rows) {
                engine.accept(row, (r, outcome) -> {
                    replayed.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(outcome.forecast());
                    replayedScores
                            .computeIfAbsent(r.key(), k -> new ArrayList<>())
                            .add(
                                    outcome.score() == null
                                            ? null
                                            : outcome.score().anomalyScore());
                    if (replayed.get(r.key()).size() == savedStep.getOrDefault(r.key(), -1L)) {
                        KeyState state = engine.state(r.key());
                        state.setAnomalyStats(SavepointFixture.restoredFromAnEarlierDetector(state.anomalyStats()));
                    }
                });
            }
        }
        assertThat(output.forecastCount()).as("forecasts after the restore").isEqualTo(expected);
        assertThat(output.forecasts()).hasSize(SavepointFixture.KEYS);
        output.forecasts().forEach((key, records) -> {
            long step = -1;
            for (ByteBuffer bytes : records) {
                Forecast forecast = decode(bytes);
                if (step >= 0) {
                    assertThat(forecast.getStep())
                            .as("%s steps follow each other", key)
                            .isEqualTo(step + 1);
                }
                step = forecast.getStep();
                int i = (int) step - 1;
                assertThat(KafkaTestClients.flatten(forecast))
                        .as("%s forecast at step %d (state from the savepoint)", key, step)
                        .containsExactly(replayed.get(key).get(i));
                assertThat(forecast.getAnomalyScore())
                        .as("%s score at step %d", key, step)
                        .isEqualTo(replayedScores.get(key).get(i));
            }
            assertThat(step).as("%s: the last step", key).isEqualTo(SavepointFixture.STEPS);
        });
    }

    private static Forecast decode(ByteBuffer bytes) {
        try {
            return Forecast.getDecoder().decode(bytes.duplicate());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The failure-free run at parallelism 2 (run once, shared by the tests). */
    private synchronized JobOutput reference() throws Exception {
        if (reference == null) {
            String run = "reference";
            List<String> args = jobArgs(run, 2); // creates the run's topics
            String job = cluster.runJar(jarId, args, null);
            try (KafkaConsumer<byte[], byte[]> progress =
                    KafkaTestClients.readCommittedConsumer(kafka.bootstrapServers())) {
                KafkaTestClients.assignFromStart(progress, "forecasts-" + run);
                awaitProgress(progress, new long[] {0}, input.rows.size(), job);
            }
            assertThat(cluster.failures(job))
                    .as("the reference run ran without failures")
                    .isZero();
            cluster.cancel(job);
            reference = output(run);
        }
        return reference;
    }

    /** {@code run --config job.yaml --set parallelism=N}, with a job file of this run's own topics and ids. */
    private List<String> jobArgs(String run, int parallelism) throws Exception {
        Path config = cluster.directory().resolve("job-" + run + ".yaml");
        if (!Files.exists(config)) {
            kafka.createTopics(Map.of("forecasts-" + run, 2, "anomalies-" + run, 1, "dead-letters-" + run, 1));
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            "job.name: " + run,
                            "kafka:",
                            "  bootstrap-servers: " + kafka.bootstrapServers(),
                            "  group-id: " + run,
                            "  transactional-id-prefix: " + run,
                            "  starting-offsets: earliest",
                            "topics:",
                            "  readings: " + READINGS,
                            "  forecasts: forecasts-" + run,
                            "  anomalies: anomalies-" + run,
                            "  dead-letters: dead-letters-" + run,
                            "model.path: " + modelDirectory.toAbsolutePath(),
                            "checkpoints.interval: 1s",
                            ""));
        }
        return List.of("run", "--config", config.toString(), "--set", "parallelism=" + parallelism);
    }

    private JobOutput output(String run) throws Exception {
        return JobOutput.read(
                kafka.bootstrapServers(),
                "forecasts-" + run,
                "anomalies-" + run,
                "dead-letters-" + run,
                input.rows.size(),
                input.malformed);
    }

    /**
     * Counts committed forecasts (not the flush readings') until at least {@code target}; fails if
     * the job fails or takes too long. Writes more flush readings when nothing has come for a few
     * seconds ({@link ClusterInput#flushAgain}).
     */
    private void awaitProgress(KafkaConsumer<byte[], byte[]> progress, long[] committed, long target, String job)
            throws Exception {
        awaitProgress(progress, committed, target, job, input, READINGS);
    }

    private void awaitProgress(
            KafkaConsumer<byte[], byte[]> progress,
            long[] committed,
            long target,
            String job,
            ClusterInput readings,
            String readingsTopic)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        long lastProgress = System.nanoTime();
        while (committed[0] < target) {
            for (ConsumerRecord<byte[], byte[]> record : progress.poll(Duration.ofMillis(300))) {
                if (!ClusterInput.isFlushKey(
                        Forecast.getDecoder().decode(record.value()).getKey())) {
                    committed[0]++;
                    lastProgress = System.nanoTime();
                }
            }
            if (System.nanoTime() - lastProgress > Duration.ofSeconds(5).toNanos()) {
                readings.flushAgain(kafka.bootstrapServers(), readingsTopic, ++flushRounds);
                lastProgress = System.nanoTime();
            }
            String status = cluster.jobStatus(job);
            assertThat(status)
                    .as("job %s (logs in %s)", job, cluster.directory())
                    .isNotIn("FAILED", "CANCELED");
            assertThat(System.nanoTime())
                    .as("%d of %d forecasts committed in time", committed[0], target)
                    .isLessThan(deadline);
        }
    }

    private int parallelismOf(String job) throws Exception {
        return cluster.maxVertexParallelism(job);
    }

    private void assertNoNativeLibraryErrors() throws Exception {
        String logs = cluster.logs();
        assertThat(logs).doesNotContain("UnsatisfiedLinkError").doesNotContain("already loaded in another classloader");
        assertThat(logs).as("ND4J was loaded in the tasks").contains(NativeMath.class.getName());
        if (!"job-jar".equals(System.getProperty("streamcell.it.nd4j"))) {
            try (Stream<Path> extracted = Files.list(javacppCache(cluster.directory()))) {
                assertThat(extracted.map(p -> p.getFileName().toString()))
                        .as("natives extracted from lib/'s jars only, never from a job's jar (blob_*)")
                        .isNotEmpty()
                        .noneMatch(name -> name.startsWith("blob_"));
            }
        }
    }

    /** The most times one TaskManager's log says ND4J's BLAS was configured (once per user-code class loader). */
    private int maxNativeLoadsInOneTaskManager() throws Exception {
        int max = 0;
        for (int i = 0; ; i++) {
            Path log = cluster.directory().resolve("taskmanager-" + i + ".log");
            if (!Files.exists(log)) {
                return max;
            }
            Matcher matcher = Pattern.compile(Pattern.quote(NativeMath.class.getName()))
                    .matcher(Files.readString(log, StandardCharsets.ISO_8859_1));
            int count = 0;
            while (matcher.find()) {
                count++;
            }
            max = Math.max(max, count);
        }
    }
}
