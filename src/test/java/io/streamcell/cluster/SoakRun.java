package io.streamcell.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamcell.demo.DemoSummary;
import io.streamcell.demo.ReadingProducer;
import io.streamcell.demo.SensorSimulator;
import io.streamcell.embedded.EmbeddedKafka;
import io.streamcell.job.Durations;
import io.streamcell.testing.EmbeddedKafkaExtension;
import io.streamcell.testing.JdkTools;
import io.streamcell.testing.KafkaTestClients;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The soak run ({@code mvn -B -Psoak verify}; not part of the default build): the demo pipeline
 * (the demo's simulated sensors and malformed records at a fixed rate into an embedded Kafka
 * broker, the bundled demo model, the job with exactly-once sinks) on a real standalone cluster
 * of one JobManager and two TaskManager processes, for {@code soak.duration} (30 minutes by
 * default) with a checkpoint every 5 s and one TaskManager killed with {@code kill -9} a third of
 * the way in. It samples every TaskManager's heap, off-heap and resident memory and the job's
 * checkpointed state, writes {@link SoakReport}'s chart, samples and summary to
 * {@code target/soak/}, and fails if memory (heap, off-heap, resident set) or state grows beyond
 * {@link SoakReport}'s bounds or if any record is lost or comes out twice, by identity
 * ({@link SoakLedger}: every valid reading one forecast or dead letter, every malformed record one
 * dead letter).
 *
 * <p>Settings (system properties): {@code soak.duration} (30m), {@code soak.rate} readings/s
 * (5000, the demo's), {@code soak.keys} (1000, the demo's), {@code soak.sample-every} (10s).
 */
class SoakRun {
    private static final String READINGS = "readings";
    private static final int READING_PARTITIONS = 4;
    private static final double MB = 1024.0 * 1024.0;
    /** Keys of the readings that move the watermark past the last simulated one at the end. */
    private static final String FLUSH_PREFIX = "soak-flush-";

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.builder()
            .brokerProperty("log.retention.ms", "-1")
            .topics(Map.of(
                    READINGS, READING_PARTITIONS, "forecasts", 2, "anomalies", 1, "dead-letters", 1, "models", 1))
            .build();

    private final Duration duration = Durations.parse(System.getProperty("soak.duration", "30m"));
    private final int rate = Integer.getInteger("soak.rate", 5000);
    private final int keys = Integer.getInteger("soak.keys", 1000);
    private final Duration sampleEvery = Durations.parse(System.getProperty("soak.sample-every", "10s"));

    @Test
    void theDemoPipelineHoldsMemoryFlatAndLosesNothingThroughATaskManagerFailure() throws Exception {
        Path dir = Path.of("target", "soak").toAbsolutePath();
        deleteRecursively(dir);
        Files.createDirectories(dir);
        // Warm-up and the windows compared: a sixth of the run each (5 minutes of a 30-minute run).
        Duration window = duration.dividedBy(6);
        SoakReport report = new SoakReport(window, window);
        List<String> accounting = new ArrayList<>();
        try (StandaloneCluster cluster = StandaloneClusterITCase.startCluster(dir.resolve("cluster"))) {
            for (int tm : cluster.liveTaskManagers()) {
                report.started("taskmanager-" + tm, 0);
            }
            String jarId = cluster.uploadJar(Path.of("target", "streamcell.jar"));
            String job = cluster.runJar(
                    jarId,
                    List.of("run", "--config", jobConfig(dir, kafka.broker()).toString()),
                    null);
            cluster.awaitRunning(job, Duration.ofMinutes(2));

            SensorSimulator simulator =
                    SensorSimulator.builder().seed(42).keyCount(keys).build();
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            try (ReadingProducer producer =
                            new ReadingProducer(kafka.bootstrapServers(), READINGS, simulator, rate, 42);
                    DemoSummary summary =
                            new DemoSummary(kafka.bootstrapServers(), "forecasts", "dead-letters", producer)) {
                long start = System.nanoTime();
                producer.start();
                summary.start();
                int[] collectedInMinute = {-1};
                sampler.scheduleAtFixedRate(
                        () -> {
                            double minute = minutesSince(start);
                            boolean collect = (int) minute > collectedInMinute[0];
                            collectedInMinute[0] = (int) minute;
                            sample(cluster, job, summary, report, minute, collect);
                        },
                        0,
                        sampleEvery.toMillis(),
                        TimeUnit.MILLISECONDS);

                sleepUntil(start, duration.dividedBy(3));
                String killed = killOneTaskManager(cluster, job, report, minutesSince(start));
                accounting.add("TaskManager failure: kill -9 of " + killed + " at minute "
                        + String.format(Locale.ROOT, "%.1f", minutesSince(start)) + "; the job recovered ("
                        + cluster.failures(job) + " failure(s) in its exception history)");
                sleepUntil(start, duration);
                double endMinute = minutesSince(start);
                producer.stop();
                sampler.shutdown();
                sampler.awaitTermination(1, TimeUnit.MINUTES);
                assertThat(producer.failure()).as("the reading producer").isNull();

                // The newest readings wait for the watermark (event-time ordering): readings far
                // in the future on every partition release them; those stay pending themselves.
                flushWatermarks(kafka.broker());
                summary.awaitQuiet(Duration.ofMinutes(3));
                DemoSummary.Totals totals = summary.totals();
                String status = cluster.jobStatus(job);
                cluster.cancel(job);
                SoakLedger.Result ledger = SoakLedger.account(
                        kafka.bootstrapServers(),
                        READINGS,
                        List.of("temperature", "humidity"),
                        "forecasts",
                        "dead-letters",
                        key -> key.startsWith(FLUSH_PREFIX));

                accounting.add(String.format(
                        Locale.ROOT,
                        "readings sent: %,d (%,d malformed on purpose); committed forecasts: %,d; dead letters: "
                                + "%,d %s; unaccounted: %,d",
                        totals.sent(),
                        totals.malformed(),
                        totals.forecasts(),
                        totals.deadLetters(),
                        totals.deadLettersByReason(),
                        totals.unaccounted()));
                accounting.add(String.format(
                        Locale.ROOT,
                        "by identity (key and event time of each valid reading, partition and offset of each "
                                + "malformed record): %,d readings and %,d malformed records sent; lost: %,d; "
                                + "doubled: %,d%s",
                        ledger.readings(),
                        ledger.malformed(),
                        ledger.lost(),
                        ledger.duplicated(),
                        ledger.examples().isEmpty() ? "" : " (e.g. " + ledger.examples() + ")"));
                List<SoakReport.Verdict> verdicts = report.verdicts(endMinute);
                Map<String, String> settings = new LinkedHashMap<>();
                settings.put(
                        "duration", Durations.format(duration) + ", sampled every " + Durations.format(sampleEvery));
                settings.put(
                        "input",
                        String.format(
                                Locale.ROOT, "%,d readings/s over %,d sensors (the demo's simulator)", rate, keys));
                settings.put(
                        "cluster",
                        "1 JobManager + 2 TaskManagers (2 slots, 352 MB heap each), job parallelism 2, "
                                + "heap state, checkpoints every 5 s, exactly-once sinks");
                settings.put(
                        "windows",
                        "early = minutes " + minutes(window) + "–" + minutes(window.multipliedBy(2))
                                + " of each process's life; last = the final " + minutes(window) + " minutes");
                String markdown = SoakReport.markdown(settings, verdicts, accounting);
                Files.writeString(dir.resolve("report.md"), markdown);
                report.write(
                        dir,
                        String.format(
                                Locale.ROOT,
                                "StreamCell soak: %s at %,d readings/s, %,d sensors",
                                Durations.format(duration),
                                rate,
                                keys));
                System.out.println(markdown);

                assertThat(status).as("the job ran to the end").isEqualTo("RUNNING");
                assertThat(ledger.readings() + ledger.malformed())
                        .as("records accounted for")
                        .isEqualTo(totals.sent());
                assertThat(ledger.lost())
                        .as("records with no output: %s", ledger.examples())
                        .isZero();
                assertThat(ledger.duplicated())
                        .as("outputs doubled: %s", ledger.examples())
                        .isZero();
                assertThat(verdicts)
                        .as("growth within bounds (target/soak/report.md)")
                        .allMatch(SoakReport.Verdict::held);
            }
        }
    }

    private Path jobConfig(Path dir, EmbeddedKafka kafka) throws IOException {
        Path config = dir.resolve("job.yaml");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "job.name: soak",
                        "kafka:",
                        "  bootstrap-servers: " + kafka.bootstrapServers(),
                        "  group-id: soak",
                        "  transactional-id-prefix: soak",
                        "  starting-offsets: earliest",
                        "checkpoints.interval: 5s",
                        "parallelism: 2",
                        ""));
        return config;
    }

    /**
     * One sample of every live TaskManager and of the job; a failed sample is skipped, not fatal.
     * With {@code collect} (the first sample of each minute) each TaskManager is asked for a full
     * garbage collection first and its heap read right after it: the live set, so that the lowest
     * heap of a window does not depend on when the old generation was last collected.
     */
    private static void sample(
            StandaloneCluster cluster,
            String job,
            DemoSummary summary,
            SoakReport report,
            double minute,
            boolean collect) {
        try {
            for (int tm : cluster.liveTaskManagers()) {
                String name = "taskmanager-" + tm;
                JsonNode metrics = cluster.rest("/taskmanagers/" + name + "/metrics?get=Status.JVM.Memory.Heap.Used,"
                        + "Status.JVM.Memory.NonHeap.Used,Status.JVM.Memory.Direct.MemoryUsed");
                Map<String, Double> values = new LinkedHashMap<>();
                for (JsonNode metric : metrics) {
                    values.put(metric.path("id").asText(), metric.path("value").asDouble());
                }
                if (values.size() == 3) { // the JobManager fetches TaskManager metrics every 10 s
                    long pid = cluster.taskManagerPid(tm);
                    report.add(new SoakReport.ProcessSample(
                            minute,
                            name,
                            collect ? heapAfterFullCollectionMb(pid) : values.get("Status.JVM.Memory.Heap.Used") / MB,
                            (values.get("Status.JVM.Memory.NonHeap.Used")
                                            + values.get("Status.JVM.Memory.Direct.MemoryUsed"))
                                    / MB,
                            residentMb(pid)));
                }
            }
            JsonNode latest =
                    cluster.rest("/jobs/" + job + "/checkpoints").path("latest").path("completed");
            DemoSummary.Totals totals = summary.totals();
            report.add(new SoakReport.JobSample(
                    minute,
                    latest.path("state_size").asDouble(0) / MB,
                    totals.sent(),
                    totals.forecasts() + totals.deadLetters()));
        } catch (Exception e) {
            System.err.println("soak: sample at minute " + minute + " skipped: " + e);
        }
    }

    /**
     * Runs a full collection in the JVM {@code pid} ({@code jcmd GC.run}) and returns its used heap
     * right after ({@code jstat -gc}: survivor, eden and old generation used), in MB.
     */
    private static double heapAfterFullCollectionMb(long pid) throws IOException, InterruptedException {
        JdkTools.run("jcmd", Long.toString(pid), "GC.run");
        String[] lines =
                JdkTools.run("jstat", "-gc", Long.toString(pid)).strip().split("\n");
        String[] header = lines[0].trim().split("\\s+");
        String[] values = lines[lines.length - 1].trim().split("\\s+");
        double usedKb = 0;
        for (int i = 0; i < header.length; i++) {
            if (List.of("S0U", "S1U", "EU", "OU").contains(header[i])) {
                usedKb += Double.parseDouble(values[i]);
            }
        }
        return usedKb / 1024.0;
    }

    /** VmRSS of a process, from /proc (Linux). */
    private static double residentMb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    private static String killOneTaskManager(StandaloneCluster cluster, String job, SoakReport report, double minute)
            throws Exception {
        List<Integer> busy = cluster.busyTaskManagers();
        assertThat(busy).as("TaskManagers running the job").isNotEmpty();
        int victim = busy.get(new Random(7).nextInt(busy.size()));
        int failuresBefore = cluster.failures(job);
        cluster.killTaskManager(victim);
        report.killed("taskmanager-" + victim, minute);
        int fresh = cluster.startTaskManager();
        report.started("taskmanager-" + fresh, minute);
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (cluster.failures(job) <= failuresBefore) {
            assertThat(System.nanoTime()).as("the job notices the kill").isLessThan(deadline);
            Thread.sleep(200);
        }
        cluster.awaitRunning(job, Duration.ofMinutes(2));
        return "taskmanager-" + victim;
    }

    /** A valid reading past every simulated one (those are in 2024), on every readings partition. */
    private static void flushWatermarks(EmbeddedKafka kafka) {
        // Now is years past the simulated readings, and within ordering.max-ahead-of-clock.
        long future = Instant.now().toEpochMilli();
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            for (int partition = 0; partition < READING_PARTITIONS; partition++) {
                String key = FLUSH_PREFIX + partition;
                producer.send(new ProducerRecord<>(
                        READINGS,
                        partition,
                        null,
                        key.getBytes(StandardCharsets.UTF_8),
                        KafkaTestClients.reading(key, future, Map.of("temperature", 20.0, "humidity", 50.0))));
            }
            producer.flush();
        }
    }

    private static double minutesSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 60e9;
    }

    private static String minutes(Duration duration) {
        return String.format(Locale.ROOT, "%.1f", duration.toSeconds() / 60.0);
    }

    private static void sleepUntil(long startNanos, Duration offset) throws InterruptedException {
        long remaining = startNanos + offset.toNanos() - System.nanoTime();
        if (remaining > 0) {
            TimeUnit.NANOSECONDS.sleep(remaining);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
