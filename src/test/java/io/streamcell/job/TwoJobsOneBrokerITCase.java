package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.avro.Forecast;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.ModelConfig;
import io.streamcell.testing.EmbeddedKafkaExtension;
import io.streamcell.testing.KafkaTestClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two jobs on one broker, configured alike but for their names (and output topics), both on the
 * defaults for the consumer group and the transactional ids, reading the same readings at the same
 * time with exactly-once sinks. Neither may fence the other's transactions (restarts are off, so a
 * fenced producer would fail its job) or share its offsets: each commits every forecast once, under
 * a consumer group of its own.
 */
class TwoJobsOneBrokerITCase {
    private static final String CASE = "gru_before_2layer_in3_h20_2targets_horizon2";
    private static final String READINGS = "two-jobs-readings";
    private static final int KEYS = 6;
    private static final int ROUNDS = 200;

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.builder().build();

    @Test
    void twoJobsOnTheDefaultsNeitherFenceNorShareOffsets() throws Exception {
        kafka.createTopics(Map.of(READINGS, 2));
        JobConfig plantA = config("plant-a");
        JobConfig plantB = config("plant-b");
        ModelConfig model = GoldenFixtures.load(CASE).model().config();

        JobClient a = start(plantA);
        JobClient b = start(plantB);
        int sent = 0;
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            for (int round = 0; round < ROUNDS; round++) {
                for (int k = 0; k < KEYS; k++) {
                    Map<String, Double> values = new HashMap<>();
                    for (int i = 0; i < model.features().size(); i++) {
                        values.put(model.features().get(i), 20 + Math.sin(0.1 * round + k + i));
                    }
                    String key = "sensor-" + k;
                    producer.send(new ProducerRecord<>(
                            READINGS,
                            key.getBytes(StandardCharsets.UTF_8),
                            KafkaTestClients.reading(key, 1_700_000_000_000L + round * 1000L, values)));
                    sent++;
                }
                producer.flush();
                Thread.sleep(50); // both jobs checkpoint (commit transactions) while the input streams
            }
        }
        List<String> forecastsA = new ArrayList<>();
        List<String> forecastsB = new ArrayList<>();
        try {
            read(plantA, sent, forecastsA);
            read(plantB, sent, forecastsB);
            assertThat(status(a)).as("plant-a").isEqualTo(JobStatus.RUNNING);
            assertThat(status(b)).as("plant-b").isEqualTo(JobStatus.RUNNING);
        } finally {
            cancel(a);
            cancel(b);
        }

        assertThat(plantA.kafka().transactionalIdPrefix())
                .isNotEqualTo(plantB.kafka().transactionalIdPrefix());
        assertThat(forecastsA).as("plant-a's forecasts, each once").hasSize(sent);
        assertThat(new TreeSet<>(forecastsA)).hasSize(sent);
        assertThat(forecastsB).as("plant-b's forecasts, each once").hasSize(sent);
        assertThat(new TreeSet<>(forecastsB)).isEqualTo(new TreeSet<>(forecastsA));
        try (Admin admin = kafka.admin()) {
            Set<String> groups = new TreeSet<>();
            admin.listConsumerGroups().all().get().forEach(group -> groups.add(group.groupId()));
            assertThat(groups)
                    .as("a consumer group per job, named after it")
                    .contains("streamcell-plant-a", "streamcell-plant-b");
        }
    }

    private static JobConfig config(String name) {
        JobConfig config = JobConfig.builder()
                .name(name)
                .bootstrapServers(kafka.bootstrapServers())
                .readingsTopic(READINGS)
                .forecastsTopic("forecasts-" + name)
                .anomaliesTopic("anomalies-" + name)
                .deadLettersTopic("dead-letters-" + name)
                .modelsTopic("none")
                .ordering(JobConfig.OrderingMode.ARRIVAL)
                .checkpointInterval(Duration.ofMillis(500))
                .parallelism(2)
                .modelPath(GoldenFixtures.root().resolve(CASE).resolve("model").toString())
                .build();
        kafka.createTopics(Map.of(
                config.topics().forecasts(),
                2,
                config.topics().anomalies(),
                1,
                config.topics().deadLetters(),
                1));
        return config;
    }

    /** The job as {@code run} wires it, with restarts off: a fenced producer fails it for good. */
    private static JobClient start(JobConfig config) throws Exception {
        Configuration flink = KafkaForecastJob.flinkConfiguration(config);
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        KafkaForecastJob.addTo(env, config);
        return env.executeAsync("two jobs ITCase " + config.name());
    }

    private static void read(JobConfig config, int expected, List<String> forecasts) throws Exception {
        KafkaTestClients.readCommitted(
                kafka.bootstrapServers(), config.topics().forecasts(), expected, Duration.ofSeconds(2), bytes -> {
                    Forecast forecast = Forecast.getDecoder().decode(bytes);
                    forecasts.add(
                            forecast.getKey() + "@" + forecast.getEventTime().toEpochMilli());
                });
    }

    /** The job's status; FAILED if its cluster shut down after it failed. */
    private static JobStatus status(JobClient job) {
        try {
            return job.getJobStatus().get();
        } catch (Exception e) {
            return JobStatus.FAILED;
        }
    }

    /** Cancels the job if it still runs (a job that failed has no cluster left to ask). */
    private static void cancel(JobClient job) {
        try {
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get();
            }
        } catch (Exception e) {
            // already gone: its status assertion says why
        }
    }
}
