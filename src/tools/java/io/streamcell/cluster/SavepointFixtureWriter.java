package io.streamcell.cluster;

import static io.streamcell.cluster.SavepointFixture.FORECASTS;
import static io.streamcell.cluster.SavepointFixture.KEYS;
import static io.streamcell.cluster.SavepointFixture.PROPERTIES;
import static io.streamcell.cluster.SavepointFixture.READINGS;
import static io.streamcell.cluster.SavepointFixture.STEPS_BEFORE;
import static io.streamcell.cluster.SavepointFixture.copy;
import static io.streamcell.cluster.SavepointFixture.createTopics;
import static io.streamcell.cluster.SavepointFixture.input;
import static io.streamcell.cluster.SavepointFixture.jobConfig;
import static io.streamcell.cluster.SavepointFixture.resources;

import io.streamcell.embedded.EmbeddedKafka;
import io.streamcell.testing.KafkaTestClients;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Writes a {@link SavepointFixture} under {@code src/test/resources/savepoints/NAME}: the job on a
 * standalone cluster over the fixture's first steps, stopped with a savepoint once everything it could
 * emit was committed. Refuses to overwrite a fixture: those guard released savepoints. The command is
 * in {@code src/test/resources/savepoints/README.md}.
 */
final class SavepointFixtureWriter {
    private SavepointFixtureWriter() {}

    public static void main(String[] args) throws Exception {
        String name = args.length > 0 ? args[0] : "savepoint";
        Path target = resources().resolve(name);
        if (Files.exists(target)) {
            throw new IllegalStateException(target + " exists: fixtures are written once and never rewritten");
        }
        Path work = Files.createTempDirectory("savepoint-fixture");
        ClusterInput input = input();
        try (EmbeddedKafka kafka =
                EmbeddedKafka.builder().brokerProperty("log.retention.ms", "-1").build()) {
            kafka.start();
            createTopics(kafka);
            input.produce(kafka.bootstrapServers(), READINGS, 0, KEYS * STEPS_BEFORE, false);
            try (StandaloneCluster cluster = StandaloneClusterITCase.startCluster(work.resolve("cluster"))) {
                String jar = cluster.uploadJar(Path.of("target", "streamcell.jar"));
                String job = cluster.runJar(
                        jar,
                        List.of(
                                "run",
                                "--config",
                                jobConfig(work, kafka.bootstrapServers()).toString()),
                        null);
                cluster.awaitRunning(job, Duration.ofMinutes(2));
                long committed = awaitQuiet(kafka.bootstrapServers());
                String savepoint = cluster.stopWithSavepoint(job, work.resolve("savepoints"));
                copy(Path.of(URI.create(savepoint)), target);
                Properties properties = new Properties();
                properties.setProperty("forecastsBefore", Long.toString(committed));
                try (var out = Files.newBufferedWriter(target.resolve(PROPERTIES))) {
                    properties.store(out, "forecasts committed before the savepoint");
                }
                System.out.println("wrote " + target + " (" + committed + " forecasts committed before it)");
            }
        }
    }

    /** Counts committed forecasts until none has come for five seconds. */
    private static long awaitQuiet(String bootstrapServers) {
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaTestClients.readCommittedConsumer(bootstrapServers)) {
            KafkaTestClients.assignFromStart(consumer, FORECASTS);
            long count = 0;
            long quietSince = System.nanoTime();
            while (count == 0
                    || System.nanoTime() - quietSince < Duration.ofSeconds(5).toNanos()) {
                int n = consumer.poll(Duration.ofMillis(500)).count();
                if (n > 0) {
                    count += n;
                    quietSince = System.nanoTime();
                }
            }
            return count;
        }
    }
}
