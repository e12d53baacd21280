package io.streamcell.demo;

import io.streamcell.embedded.EmbeddedKafka;
import io.streamcell.job.JobConfig;
import io.streamcell.job.KafkaForecastJob;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The one-command demo: a real Kafka broker in this JVM (KRaft), the sensor simulator writing Avro
 * readings (with a few malformed records) to {@code readings}, the forecast job on a local Flink
 * with its web UI, and a live one-line summary read back from the output topics with
 * {@code read_committed}. Ends after the duration, or on Ctrl-C, cleanly.
 */
public final class DemoRunner {
    /** Demo settings: how long, how many sensors, how many readings per second in all. */
    public record Settings(Duration duration, int keys, int ratePerSecond, long seed, Duration summaryEvery) {}

    private final Settings settings;
    private final PrintWriter out;

    public DemoRunner(Settings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
    }

    /** Runs the demo; returns when it is over and everything is shut down. */
    public DemoSummary.Totals run(CountDownLatch interrupted) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().build()) {
            kafka.start();
            JobConfig config = JobConfig.builder()
                    .name("demo")
                    .bootstrapServers(kafka.bootstrapServers())
                    .checkpointInterval(Duration.ofSeconds(2))
                    // Short transactions: a demo stopped with Ctrl-C leaves none open for long. The
                    // timeout covers the interval, a checkpoint timeout and a restart margin.
                    .transactionTimeout(Duration.ofMinutes(2))
                    .checkpointTimeout(Duration.ofSeconds(30))
                    .restartMargin(Duration.ofSeconds(60))
                    .startingOffsets(JobConfig.StartingOffsets.EARLIEST)
                    .parallelism(2)
                    .build();
            kafka.createTopics(Map.of(
                    config.topics().readings(),
                    2,
                    config.topics().forecasts(),
                    2,
                    config.topics().anomalies(),
                    1,
                    config.topics().deadLetters(),
                    1));
            kafka.createTopics(Map.of(config.topics().models(), 1)); // hot-swap: streamcell publish-model
            out.printf(
                    "streamcell demo: Kafka at %s, %d sensors, %d readings/s, for %s%n",
                    kafka.bootstrapServers(), settings.keys(), settings.ratePerSecond(), settings.duration());

            Configuration flink = KafkaForecastJob.flinkConfiguration(config);
            flink.set(RestOptions.BIND_PORT, "8081-8099");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink);
            KafkaForecastJob.addTo(env, config);
            JobClient job = env.executeAsync("streamcell demo");
            out.println("streamcell demo: Flink web UI on http://localhost:8081 (or the next free port up to 8099); "
                    + "Ctrl-C stops the demo");
            out.flush();

            SensorSimulator simulator = SensorSimulator.builder()
                    .seed(settings.seed())
                    .keyCount(settings.keys())
                    .build();
            try (ReadingProducer producer = new ReadingProducer(
                            kafka.bootstrapServers(),
                            config.topics().readings(),
                            simulator,
                            settings.ratePerSecond(),
                            settings.seed());
                    DemoSummary summary = new DemoSummary(
                            kafka.bootstrapServers(),
                            config.topics().forecasts(),
                            config.topics().deadLetters(),
                            producer)) {
                producer.start();
                summary.start();
                long end = System.nanoTime() + settings.duration().toNanos();
                while (System.nanoTime() < end) {
                    long wait = Math.min(settings.summaryEvery().toMillis(), (end - System.nanoTime()) / 1_000_000);
                    if (wait <= 0 || interrupted.await(wait, TimeUnit.MILLISECONDS)) {
                        break;
                    }
                    out.println(summary.line());
                    out.flush();
                }
                producer.stop();
                // Let the job commit what it has read: exactly-once output appears on checkpoints.
                summary.awaitQuiet(Duration.ofSeconds(15));
                job.cancel().get(30, TimeUnit.SECONDS);
                out.println(summary.line());
                DemoSummary.Totals totals = summary.totals();
                out.println("streamcell demo: done: " + totals);
                out.flush();
                return totals;
            }
        }
    }
}
