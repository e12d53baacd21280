package io.streamcell.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.avro.AnomalyAlert;
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
import java.util.TreeMap;
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
 *   <li>The same on RocksDB, the last savepoint resumed on the heap backend: nothing changes.</li>
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
    /** A kill shows in the job's failures within this (the heartbeat timeout is 8 s). */
    private static final Duration KILL_NOTICED_WITHIN = Duration.ofMinutes(1);

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
        List<Long> killedAt = new ArrayList<>();
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
                killedAt.add(System.currentTimeMillis());
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
        // Every failure the job recovered from is one of the kills (the restart strategy would have
        // hidden others): within a minute after a kill, and each kill noticed.
        List<Long> failures = cluster.failureTimes(job);
        for (long failure : failures) {
            assertThat(killedAt)
                    .as("a failure at %d that no kill explains (kills at %s: %s)", failure, killedAt, kills)
                    .anyMatch(kill -> failure >= kill && failure - kill < KILL_NOTICED_WITHIN.toMillis());
        }
        for (long kill : killedAt) {
            assertThat(failures)
                    .as("the kill at %d noticed", kill)
                    .anyMatch(failure -> failure >= kill && failure - kill < KILL_NOTICED_WITHIN.toMillis());
        }
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
            assertNoFailures(job, "at parallelism 2");
            String first = cluster.stopWithSavepoint(job, savepoints);

            job = cluster.runJar(jarId, jobArgs(run, 3), first);
            cluster.awaitRunning(job, Duration.ofMinutes(2));
            assertThat(parallelismOf(job)).isEqualTo(3);
            awaitProgress(progress, committed, committed[0] + input.rows.size() / 4, job);
            assertNoFailures(job, "resumed at parallelism 3");
            String second = cluster.stopWithSavepoint(job, savepoints);

            job = cluster.runJar(jarId, jobArgs(run, 1), second);
            cluster.awaitRunning(job, Duration.ofMinutes(2));
            assertThat(parallelismOf(job)).isEqualTo(1);
            awaitProgress(progress, committed, input.rows.size(), job);
            assertNoFailures(job, "resumed at parallelism 1");
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

    /**
     * State on RocksDB survives a savepoint into RocksDB (at another parallelism) and into the heap
     * backend: Flink writes savepoints in its canonical format, which either backend restores.
     */
    @Test
    @Order(4)
    void aRocksDbSavepointRestoresOnRocksDbAndOnTheHeap() throws Exception {
        JobOutput expected = reference();
        String run = "rocksdb";
        Path savepoints = cluster.directory().resolve("savepoints-" + run);
        List<String> onRocksDb = jobArgs(run, 2, "state.backend=rocksdb"); // creates the run's topics
        try (KafkaConsumer<byte[], byte[]> progress =
                KafkaTestClients.readCommittedConsumer(kafka.bootstrapServers())) {
            KafkaTestClients.assignFromStart(progress, "forecasts-" + run);
            long[] committed = {0};
            String job = cluster.runJar(jarId, onRocksDb, null);
            awaitProgress(progress, committed, input.rows.size() / 3, job);
            assertNoFailures(job, "on RocksDB at parallelism 2");
            String first = cluster.stopWithSavepoint(job, savepoints);

            job = cluster.runJar(jarId, jobArgs(run, 3, "state.backend=rocksdb"), first);
            cluster.awaitRunning(job, Duration.ofMinutes(2));
            awaitProgress(progress, committed, committed[0] + input.rows.size() / 3, job);
            assertNoFailures(job, "restored on RocksDB at parallelism 3");
            String second = cluster.stopWithSavepoint(job, savepoints);

            job = cluster.runJar(jarId, jobArgs(run, 2, "state.backend=hashmap"), second);
            cluster.awaitRunning(job, Duration.ofMinutes(2));
            awaitProgress(progress, committed, input.rows.size(), job);
            assertNoFailures(job, "restored on the heap backend");
            cluster.cancel(job);
        }

        assertThat(output(run).differencesFrom(expected))
                .as("output after RocksDB -> RocksDB -> heap")
                .isEmpty();
    }

    @Test
    @Order(5)
    void everySavepointOfAnEarlierReleaseRestores() throws Exception {
        List<Path> fixtures;
        try (Stream<Path> dirs = Files.list(SavepointFixture.resources())) {
            fixtures = dirs.filter(Files::isDirectory).sorted().toList();
        }
        assertThat(fixtures).isNotEmpty();
        ClusterInput fixtureInput = SavepointFixture.input();
        kafka.createTopics(Map.of(SavepointFixture.READINGS, SavepointFixture.PARTITIONS));
        fixtureInput.produce(kafka.bootstrapServers(), SavepointFixture.READINGS);
        for (Path fixture : fixtures) {
            restoreAndCompare(fixture, fixtureInput);
        }
    }

    /**
     * Resumes the job from {@code fixture} (outputs on topics of its own) and checks that every key
     * continues from its saved step: forecasts, scores and alerts as replay computes them over the
     * whole input, and the dead letters of the malformed records after the savepoint.
     */
    private void restoreAndCompare(Path fixture, ClusterInput fixtureInput) throws Exception {
        String name = fixture.getFileName().toString();
        String suffix = "-" + name;
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(fixture.resolve(SavepointFixture.PROPERTIES))) {
            properties.load(in);
        }
        long before = Long.parseLong(properties.getProperty("forecastsBefore"));
        SavepointFixture.createOutputTopics(kafka.broker(), suffix);
        Path savepoint = cluster.directory().resolve("fixture-" + name);
        SavepointFixture.copy(fixture, savepoint);
        long expected = fixtureInput.rows.size() - before;
        List<String> expectedDeadLetters = SavepointFixture.deadLetterReasonsAfterTheSavepoint();

        String job = cluster.runJar(
                jarId,
                List.of(
                        "run",
                        "--config",
                        SavepointFixture.jobConfig(cluster.directory(), kafka.bootstrapServers(), suffix)
                                .toString()),
                savepoint.toUri().toString());
        cluster.awaitRunning(job, Duration.ofMinutes(2));
        try (KafkaConsumer<byte[], byte[]> progress =
                KafkaTestClients.readCommittedConsumer(kafka.bootstrapServers())) {
            KafkaTestClients.assignFromStart(progress, SavepointFixture.FORECASTS + suffix);
            awaitProgress(progress, new long[] {0}, expected, job, fixtureInput, SavepointFixture.READINGS);
        }
        assertNoFailures(job, "restored from " + name);
        cluster.cancel(job);
        JobOutput output = JobOutput.read(
                kafka.bootstrapServers(),
                SavepointFixture.FORECASTS + suffix,
                SavepointFixture.ANOMALIES + suffix,
                SavepointFixture.DEAD_LETTERS + suffix,
                (int) expected,
                expectedDeadLetters.size());

        // Each key's first step after the restore follows the step it was saved at. A fixture saved
        // with an earlier anomaly detector restores its keys with fresh anomaly statistics: the
        // replay drops them at that step.
        Map<String, Long> savedStep = new HashMap<>();
        output.forecasts()
                .forEach((key, records) ->
                        savedStep.put(key, decode(records.get(0)).getStep() - 1));
        boolean earlierDetector = SavepointFixture.SAVED_WITH_AN_EARLIER_DETECTOR.contains(name);
        Map<String, List<float[]>> replayed = new HashMap<>();
        Map<String, List<Float>> replayedScores = new HashMap<>();
        Map<String, List<String>> replayedAlerts = new TreeMap<>();
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
                    long step = replayed.get(r.key()).size();
                    if (outcome.alert() != null && step > savedStep.getOrDefault(r.key(), Long.MAX_VALUE)) {
                        replayedAlerts
                                .computeIfAbsent(r.key(), k -> new ArrayList<>())
                                .add(r.epochMillis() + " " + outcome.alert().label());
                    }
                    if (earlierDetector && step == savedStep.getOrDefault(r.key(), -1L)) {
                        KeyState state = engine.state(r.key());
                        state.setAnomalyStats(SavepointFixture.restoredFromAnEarlierDetector(state.anomalyStats()));
                    }
                });
            }
        }
        assertThat(output.forecastCount())
                .as("%s: forecasts after the restore", name)
                .isEqualTo(expected);
        assertThat(output.forecasts()).hasSize(SavepointFixture.KEYS);
        output.forecasts().forEach((key, records) -> {
            long step = -1;
            for (ByteBuffer bytes : records) {
                Forecast forecast = decode(bytes);
                if (step >= 0) {
                    assertThat(forecast.getStep())
                            .as("%s: %s steps follow each other", name, key)
                            .isEqualTo(step + 1);
                }
                step = forecast.getStep();
                int i = (int) step - 1;
                assertThat(KafkaTestClients.flatten(forecast))
                        .as("%s: %s forecast at step %d (state from the savepoint)", name, key, step)
                        .containsExactly(replayed.get(key).get(i));
                assertThat(forecast.getAnomalyScore())
                        .as("%s: %s score at step %d", name, key, step)
                        .isEqualTo(replayedScores.get(key).get(i));
            }
            assertThat(step).as("%s: %s: the last step", name, key).isEqualTo(SavepointFixture.STEPS);
        });
        Map<String, List<String>> alerts = new TreeMap<>();
        output.alerts().forEach((key, records) -> {
            for (ByteBuffer bytes : records) {
                AnomalyAlert alert = decodeAlert(bytes);
                alerts.computeIfAbsent(key, k -> new ArrayList<>())
                        .add(alert.getEventTime().toEpochMilli() + " " + alert.getSeverity());
            }
        });
        if (!earlierDetector) { // else fresh statistics at step 60 are still warming up at the spike (step 91)
            assertThat(replayedAlerts)
                    .as("%s: the input's spike raises alerts after the restore", name)
                    .isNotEmpty();
        }
        assertThat(alerts)
                .as("%s: alerts after the restore, as replay raises them", name)
                .isEqualTo(replayedAlerts);
        assertThat(output.deadLetters())
                .as("%s: dead letters of the malformed records after the savepoint", name)
                .extracting(line -> line.split(" ")[6])
                .containsExactlyInAnyOrderElementsOf(expectedDeadLetters);
    }

    private static AnomalyAlert decodeAlert(ByteBuffer bytes) {
        try {
            return AnomalyAlert.getDecoder().decode(bytes.duplicate());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
    private List<String> jobArgs(String run, int parallelism, String... settings) throws Exception {
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
        List<String> args =
                new ArrayList<>(List.of("run", "--config", config.toString(), "--set", "parallelism=" + parallelism));
        for (String setting : settings) {
            args.add("--set");
            args.add(setting);
        }
        return args;
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

    /** No failure was recovered from: the cluster's restart strategy (50 attempts) must not hide one. */
    private void assertNoFailures(String job, String what) throws Exception {
        assertThat(cluster.failureTimes(job))
                .as("failures of the job %s (logs in %s)", what, cluster.directory())
                .isEmpty();
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
