package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.adapt.Adaptation;
import io.streamcell.core.PendingLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigLoaderTest {
    @TempDir
    Path temp;

    private Path yaml(String text) throws IOException {
        Path file = temp.resolve("job.yaml");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void defaultsNeedOnlyTheBrokers() throws IOException {
        JobConfig config =
                JobConfigLoader.load(null, List.of("job.name=sensors", "kafka.bootstrap-servers=localhost:9092"));

        assertThat(config.kafka().delivery()).isEqualTo(JobConfig.Delivery.EXACTLY_ONCE);
        assertThat(config.name()).isEqualTo("sensors");
        assertThat(config.kafka().transactionalIdPrefix()).isEqualTo("streamcell-sensors");
        assertThat(config.kafka().groupId()).isEqualTo("streamcell-sensors");
        assertThat(config.kafka().transactionTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.kafka().restartMargin()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.checkpoints().timeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.maxParallelism()).isEqualTo(128);
        assertThat(config.ordering().maxAheadOfClock()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.ordering().maxBufferedReadings()).isEqualTo(10_000);
        assertThat(config.ordering().maxBufferedBytes()).isEqualTo(4L << 20);
        assertThat(config.hotSwap()).isEqualTo(JobConfig.HotSwap.DEFAULTS);
        assertThat(config.topics())
                .isEqualTo(new JobConfig.Topics("readings", "forecasts", "anomalies", "dead-letters", "models"));
        assertThat(config.ordering().mode()).isEqualTo(JobConfig.OrderingMode.EVENT_TIME);
        assertThat(config.state().ttl()).isNull();
        assertThat(config.modelPath()).isEqualTo(JobConfig.BUNDLED_MODEL);
        assertThat(config.parallelism()).isEqualTo(-1);
        assertThat(config.stepping())
                .isEqualTo(new JobConfig.Stepping(JobConfig.SteppingMode.PER_EVENT, 512, Duration.ofMillis(100)));
    }

    @Test
    void bundledStepping() throws IOException {
        Path file = yaml("""
                job.name: x
                kafka.bootstrap-servers: x:1
                stepping:
                  mode: bundled
                  bundle-size: 1024
                """);

        JobConfig config = JobConfigLoader.load(file, List.of("stepping.bundle-timeout=20ms"));

        assertThat(config.stepping())
                .isEqualTo(new JobConfig.Stepping(JobConfig.SteppingMode.BUNDLED, 1024, Duration.ofMillis(20)));
        assertThatThrownBy(() -> JobConfigLoader.load(
                        null,
                        List.of(
                                "job.name=x",
                                "kafka.bootstrap-servers=x:1",
                                "stepping.mode=batched",
                                "stepping.bundle-size=0",
                                "stepping.bundle-timeout=0s")))
                .hasMessageContaining("stepping.mode: 'batched' is not one of per-event, bundled");
        assertThatThrownBy(() -> JobConfigLoader.load(
                        null,
                        List.of(
                                "job.name=x",
                                "kafka.bootstrap-servers=x:1",
                                "stepping.bundle-size=0",
                                "stepping.bundle-timeout=0s")))
                .hasMessageContaining("stepping.bundle-size must be at least 1")
                .hasMessageContaining("stepping.bundle-timeout must be positive");
    }

    @Test
    void nestedYamlWithOverridesOnTop() throws IOException {
        Path file = yaml("""
                job:
                  name: sensors-prod
                kafka:
                  bootstrap-servers: broker-1:9093,broker-2:9093
                  delivery: at-least-once
                  properties:
                    security.protocol: SASL_SSL
                    sasl.mechanism: SCRAM-SHA-512
                ordering:
                  mode: arrival
                state:
                  ttl: 7d
                  reset-after-gap: 1h
                  backend: rocksdb
                checkpoints.interval: 30s
                parallelism: 4
                """);

        JobConfig config = JobConfigLoader.load(
                file, List.of("parallelism=2", "kafka.properties.sasl.mechanism=PLAIN", "state.ttl=none"));

        assertThat(config.kafka().bootstrapServers()).isEqualTo("broker-1:9093,broker-2:9093");
        assertThat(config.kafka().delivery()).isEqualTo(JobConfig.Delivery.AT_LEAST_ONCE);
        assertThat(config.kafka().properties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN");
        assertThat(config.ordering().mode()).isEqualTo(JobConfig.OrderingMode.ARRIVAL);
        assertThat(config.state().ttl()).isNull();
        assertThat(config.state().resetAfterGap()).isEqualTo(Duration.ofHours(1));
        assertThat(config.state().backend()).isEqualTo(JobConfig.StateBackend.ROCKSDB);
        assertThat(config.checkpoints().interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.parallelism()).isEqualTo(2);
    }

    @Test
    void yamlsOnAndOffAreTheOptionWordsNotBooleans() throws IOException {
        Path file = yaml(
                "job.name: x\nkafka:\n  bootstrap-servers: b:9092\n  properties:\n    enable.idempotence: true\nadaptation:\n"
                        + "  mode: off\n");
        JobConfig config = JobConfigLoader.load(file, List.of());
        assertThat(config.state().adaptation()).isEqualTo(Adaptation.OFF);
        assertThat(config.kafka().properties()).containsEntry("enable.idempotence", "true");
    }

    @Test
    void typoIsAnErrorWithASuggestion() throws IOException {
        Path file = yaml("kafka:\n  bootstrap-servers: x:1\n  bootstrap_servers: y:2\n");

        assertThatThrownBy(() -> JobConfigLoader.load(file, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(
                        "unknown option 'kafka.bootstrap_servers' (did you mean 'kafka.bootstrap-servers'?)");
    }

    @Test
    void badValuesAreAllReportedAtOnce() {
        assertThatThrownBy(() -> JobConfigLoader.load(
                        null,
                        List.of(
                                "job.name=x",
                                "kafka.bootstrap-servers=x:1",
                                "kafka.delivery=maybe",
                                "ordering.allowed-lateness=soon")))
                .hasMessageContaining("kafka.delivery: 'maybe' is not one of exactly-once, at-least-once")
                .hasMessageContaining("ordering.allowed-lateness: 'soon' is not a duration");
    }

    @Test
    void sanityCheckSaysWhatToDo() {
        assertThatThrownBy(() -> JobConfig.builder()
                        .name("x")
                        .bootstrapServers("x:1")
                        .transactionalIdPrefix(" ")
                        .transactionTimeout(Duration.ofMinutes(20))
                        .build())
                .hasMessageContaining("kafka.transactional-id-prefix must not be empty")
                .hasMessageContaining("exceeds the brokers' default transaction.max.timeout.ms (15m)");
        assertThatThrownBy(() -> JobConfig.builder().build())
                .hasMessageContaining("job.name is required")
                .hasMessageContaining("kafka.bootstrap-servers is required");
        assertThatThrownBy(() -> JobConfig.builder()
                        .name("x")
                        .bootstrapServers("x:1")
                        .forecastsTopic("readings")
                        .build())
                .hasMessageContaining("must be four different topics");
        assertThatThrownBy(() -> JobConfig.builder()
                        .name("two words")
                        .bootstrapServers("x:1")
                        .build())
                .hasMessageContaining("job.name 'two words' must be 1 to 100 letters, digits");
    }

    @Test
    void theTransactionTimeoutMustCoverAnIntervalACheckpointAndARestart() throws IOException {
        assertThatThrownBy(() -> JobConfig.builder()
                        .name("x")
                        .bootstrapServers("x:1")
                        .checkpointInterval(Duration.ofMinutes(4))
                        .build())
                .hasMessageContaining("kafka.transaction-timeout (10m) must be at least checkpoints.interval (4m)"
                        + " + checkpoints.timeout (5m) + kafka.restart-margin (2m) = 11m");
        assertThatThrownBy(() -> JobConfigLoader.load(
                        null, List.of("job.name=x", "kafka.bootstrap-servers=x:1", "kafka.transaction-timeout=2m")))
                .as("Flink's own checkpoint timeout (10 minutes) would have been longer than this")
                .hasMessageContaining("must be at least");
        JobConfig shortTransactions = JobConfigLoader.load(
                null,
                List.of(
                        "job.name=x",
                        "kafka.bootstrap-servers=x:1",
                        "kafka.transaction-timeout=30s",
                        "kafka.restart-margin=15s",
                        "checkpoints.interval=1s",
                        "checkpoints.timeout=10s"));
        assertThat(shortTransactions.checkpoints().timeout()).isEqualTo(Duration.ofSeconds(10));
        JobConfig atLeastOnce = JobConfigLoader.load(
                null,
                List.of(
                        "job.name=x",
                        "kafka.bootstrap-servers=x:1",
                        "kafka.delivery=at-least-once",
                        "kafka.transaction-timeout=2m"));
        assertThat(atLeastOnce.kafka().delivery())
                .as("no transactions, nothing to cover")
                .isEqualTo(JobConfig.Delivery.AT_LEAST_ONCE);
    }

    @Test
    void theKafkaIdentitiesOfAJobComeFromItsNameUnlessSet() throws IOException {
        JobConfig a = JobConfigLoader.load(null, List.of("job.name=plant-a", "kafka.bootstrap-servers=x:1"));
        JobConfig b = JobConfigLoader.load(null, List.of("job.name=plant-b", "kafka.bootstrap-servers=x:1"));
        JobConfig explicit = JobConfigLoader.load(
                null,
                List.of(
                        "job.name=plant-c",
                        "kafka.bootstrap-servers=x:1",
                        "kafka.group-id=legacy",
                        "kafka.transactional-id-prefix=legacy-tx"));

        assertThat(a.kafka().groupId())
                .isEqualTo("streamcell-plant-a")
                .isNotEqualTo(b.kafka().groupId());
        assertThat(a.kafka().transactionalIdPrefix())
                .isEqualTo("streamcell-plant-a")
                .isNotEqualTo(b.kafka().transactionalIdPrefix());
        assertThat(explicit.kafka().groupId()).isEqualTo("legacy");
        assertThat(explicit.kafka().transactionalIdPrefix()).isEqualTo("legacy-tx");
        assertThatThrownBy(() -> JobConfigLoader.load(null, List.of("kafka.bootstrap-servers=x:1")))
                .hasMessageContaining("job.name is required")
                .hasMessageContaining("stable across restarts");
    }

    @Test
    void orderingLimitsAndHotSwapLimitsAreOptions() throws IOException {
        JobConfig config = JobConfigLoader.load(
                null,
                List.of(
                        "job.name=x",
                        "kafka.bootstrap-servers=x:1",
                        "ordering.max-ahead-of-clock=none",
                        "ordering.max-buffered-readings=50",
                        "ordering.max-buffered-bytes=64kb",
                        "model.max-inline-weights=1mb",
                        "model.update-directories=/srv/models, /srv/other/../shared",
                        "max-parallelism=1024"));

        assertThat(config.ordering().maxAheadOfClock()).isNull();
        assertThat(config.ordering().readingLimits().maxAheadOfClockMillis()).isEqualTo(Long.MAX_VALUE);
        assertThat(config.stepSettings().ordering().pending()).isEqualTo(new PendingLimits(50, 64 * 1024));
        assertThat(config.hotSwap()).isEqualTo(new JobConfig.HotSwap(1 << 20, List.of("/srv/models", "/srv/shared")));
        assertThat(config.maxParallelism()).isEqualTo(1024);
        assertThat(Sizes.parse("16mib")).isEqualTo(16L << 20);
        assertThat(Sizes.parse("1 gb")).isEqualTo(1L << 30);
        assertThat(Sizes.parse("65536")).isEqualTo(65536);
        assertThatThrownBy(() -> Sizes.parse("lots")).hasMessageContaining("is not a size");
        assertThatThrownBy(() -> JobConfigLoader.load(
                        null,
                        List.of(
                                "job.name=x",
                                "kafka.bootstrap-servers=x:1",
                                "ordering.idle-timeout=0s",
                                "ordering.max-ahead-of-clock=0s",
                                "ordering.max-buffered-readings=0",
                                "model.update-directories=relative/dir",
                                "parallelism=300")))
                .hasMessageContaining("ordering.idle-timeout must be positive")
                .hasMessageContaining("ordering.max-ahead-of-clock must be positive, or 'none'")
                .hasMessageContaining("ordering.max-buffered-readings must be at least 1")
                .hasMessageContaining("'relative/dir' must be an absolute path")
                .hasMessageContaining("parallelism 300 is above max-parallelism 128");
    }

    @Test
    void modelsTopicTurnsHotSwapOnByDefaultAndNoneTurnsItOff() throws IOException {
        JobConfig on = JobConfigLoader.load(null, List.of("job.name=x", "kafka.bootstrap-servers=x:1"));
        JobConfig off =
                JobConfigLoader.load(null, List.of("job.name=x", "kafka.bootstrap-servers=x:1", "topics.models=none"));

        assertThat(on.topics().hotSwap()).isTrue();
        assertThat(off.topics().hotSwap()).isFalse();
        assertThat(off.topics().models()).isNull();
        assertThatThrownBy(() -> JobConfig.builder()
                        .name("x")
                        .bootstrapServers("x:1")
                        .modelsTopic("readings")
                        .build())
                .hasMessageContaining("topics.models must differ from the other topics");
    }

    @Test
    void atLeastOnceNeedsNoTransactionalPrefix() {
        JobConfig config = JobConfig.builder()
                .name("x")
                .bootstrapServers("x:1")
                .delivery(JobConfig.Delivery.AT_LEAST_ONCE)
                .transactionalIdPrefix(null)
                .build();
        assertThat(config.kafka().delivery()).isEqualTo(JobConfig.Delivery.AT_LEAST_ONCE);
    }

    @Test
    void overrideWithoutEqualsIsRejected() {
        assertThatThrownBy(() -> JobConfigLoader.load(null, List.of("parallelism")))
                .hasMessageContaining("--set parallelism: expected key=value");
    }

    @Test
    void flinkOptionsPassThroughUnderTheirPrefix() throws IOException {
        Path file = yaml("""
                job.name: x
                kafka.bootstrap-servers: x:1
                flink:
                  execution.buffer-timeout: 5ms
                """);

        JobConfig config = JobConfigLoader.load(file, List.of("flink.pipeline.auto-watermark-interval=100ms"));
        Configuration flink = ForecastJob.flinkConfiguration(config);

        assertThat(config.flinkOptions())
                .containsEntry("execution.buffer-timeout", "5ms")
                .containsEntry("pipeline.auto-watermark-interval", "100ms");
        assertThat(flink.get(ExecutionOptions.BUFFER_TIMEOUT)).isEqualTo(Duration.ofMillis(5));
        assertThat(flink.get(PipelineOptions.AUTO_WATERMARK_INTERVAL)).isEqualTo(Duration.ofMillis(100));
        assertThat(flink.get(PipelineOptions.GENERIC_TYPES)).isFalse();
        assertThatThrownBy(() -> JobConfigLoader.load(
                        null,
                        List.of(
                                "job.name=x",
                                "kafka.bootstrap-servers=x:1",
                                "flink.execution.checkpointing.interval=1s")))
                .hasMessageContaining("--set flink.execution.checkpointing.interval=1s: "
                        + "flink.execution.checkpointing.interval is set by the job itself: use checkpoints.interval");
        assertThatThrownBy(() -> JobConfigLoader.load(
                        null,
                        List.of("job.name=x", "kafka.bootstrap-servers=x:1", "flink.pipeline.max-parallelism=64")))
                .hasMessageContaining("is set by the job itself: use max-parallelism");
    }

    @Test
    void connectTimeoutIsAnOption() throws IOException {
        JobConfig config = JobConfigLoader.load(
                null, List.of("job.name=x", "kafka.bootstrap-servers=x:1", "kafka.connect-timeout=3s"));

        assertThat(config.kafka().connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(JobConfigLoader.load(null, List.of("job.name=x", "kafka.bootstrap-servers=x:1"))
                        .kafka()
                        .connectTimeout())
                .isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void durationForms() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("2 h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Durations.format(Duration.ofDays(7))).isEqualTo("7d");
    }
}
