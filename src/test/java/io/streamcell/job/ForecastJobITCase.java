package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.avro.AnomalyAlert;
import io.streamcell.avro.DeadLetter;
import io.streamcell.avro.Forecast;
import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.replay.ReplayEngine;
import io.streamcell.testing.EmbeddedKafkaExtension;
import io.streamcell.testing.KafkaTestClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The forecast job end to end: a real Kafka broker (in-process, KRaft), the job on a local Flink
 * MiniCluster at parallelism 2 with exactly-once sinks, and the committed output read back with
 * {@code read_committed}: every reading gives exactly one forecast, equal bit for bit to
 * {@code streamcell replay}'s, and every malformed record exactly one dead letter with its reason,
 * in both ordering modes and both stepping modes.
 */
class ForecastJobITCase {
    private static final String CASE = "gru_before_2layer_in3_h20_2targets_horizon2";

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.builder().build();

    static Stream<Arguments> modes() {
        return Stream.of(
                Arguments.of(JobConfig.OrderingMode.EVENT_TIME, JobConfig.SteppingMode.PER_EVENT),
                Arguments.of(JobConfig.OrderingMode.ARRIVAL, JobConfig.SteppingMode.PER_EVENT),
                Arguments.of(JobConfig.OrderingMode.EVENT_TIME, JobConfig.SteppingMode.BUNDLED),
                Arguments.of(JobConfig.OrderingMode.ARRIVAL, JobConfig.SteppingMode.BUNDLED));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void everyRecordEndsAsExactlyOneForecastOrDeadLetterAndForecastsEqualReplay(
            JobConfig.OrderingMode ordering, JobConfig.SteppingMode stepping) throws Exception {
        String suffix =
                "-" + ordering.name().toLowerCase() + "-" + stepping.name().toLowerCase();
        JobConfig config = JobConfig.builder()
                .name("it" + suffix)
                .bootstrapServers(kafka.bootstrapServers())
                .readingsTopic("readings" + suffix)
                .forecastsTopic("forecasts" + suffix)
                .anomaliesTopic("anomalies" + suffix)
                .deadLettersTopic("dead-letters" + suffix)
                .transactionalIdPrefix("it" + suffix)
                .checkpointInterval(Duration.ofMillis(500))
                .ordering(ordering)
                .steppingMode(stepping)
                .bundleSize(64) // several bundles per checkpoint interval, some cut by the timeout
                .parallelism(2)
                .modelPath(GoldenFixtures.root().resolve(CASE).resolve("model").toString())
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
        GoldenFixtures.Case fixture = GoldenFixtures.load(CASE);
        List<Row> rows = withSpikes(fixture.readings());
        int malformed = produce(config.topics().readings(), fixture, rows);

        run(config, fixture);

        Map<String, List<Forecast>> forecastsByKey = new LinkedHashMap<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        Map<String, List<float[]>> replayed = new HashMap<>();
        Map<String, List<Float>> replayedScores = new HashMap<>();
        List<String> replayedAlerts = new ArrayList<>();
        replayByKey(fixture, rows, replayed, replayedScores, replayedAlerts);
        readCommitted(config.topics().forecasts(), rows.size(), bytes -> {
            Forecast forecast = Forecast.getDecoder().decode(bytes);
            forecastsByKey
                    .computeIfAbsent(forecast.getKey(), k -> new ArrayList<>())
                    .add(forecast);
        });
        readCommitted(
                config.topics().deadLetters(),
                malformed,
                bytes -> deadLetters.add(DeadLetter.getDecoder().decode(bytes)));
        List<String> alerts = new ArrayList<>();
        readCommitted(config.topics().anomalies(), replayedAlerts.size(), bytes -> {
            AnomalyAlert alert = AnomalyAlert.getDecoder().decode(bytes);
            alerts.add(alert.getKey() + "@" + alert.getEventTime().toEpochMilli() + " " + alert.getSeverity() + " "
                    + alert.getScore());
        });

        int forecastCount =
                forecastsByKey.values().stream().mapToInt(List::size).sum();
        assertThat(forecastCount).as("one forecast per reading").isEqualTo(rows.size());
        assertThat(deadLetters).as("one dead letter per malformed record").hasSize(malformed);
        assertThat(deadLetters)
                .extracting(DeadLetter::getReason)
                .containsOnly("undecodable", "missing_feature", "non_finite");
        assertThat(replayedAlerts).as("the injected spikes raise alerts").isNotEmpty();
        forecastsByKey.forEach((key, forecasts) -> {
            List<float[]> expected = replayed.get(key);
            assertThat(forecasts).as(key).hasSameSizeAs(expected);
            for (int i = 0; i < forecasts.size(); i++) {
                assertThat(forecasts.get(i).getStep()).isEqualTo(i + 1);
                assertThat(KafkaTestClients.flatten(forecasts.get(i)))
                        .as("%s forecast %d", key, i)
                        .containsExactly(expected.get(i));
                assertThat(forecasts.get(i).getAnomalyScore())
                        .as("%s anomaly score %d", key, i)
                        .isEqualTo(replayedScores.get(key).get(i));
            }
        });
        assertThat(alerts)
                .as("alerts, exactly once, as replay raises them")
                .containsExactlyInAnyOrderElementsOf(replayedAlerts);
    }

    /** The readings with the first feature (a target) of a few of them pushed far off, to raise alerts. */
    private static List<Row> withSpikes(List<Row> readings) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < readings.size(); i++) {
            Row row = readings.get(i);
            float[] features = row.features().clone();
            if (i == 900 || i == 1400 || i == 1900) {
                features[0] += 40f;
            }
            rows.add(new Row(row.line(), row.key(), row.timestampText(), row.epochMillis(), features));
        }
        return rows;
    }

    /** Writes the readings (Kafka key = sensor key) with a malformed record after every 50th. */
    private static int produce(String topic, GoldenFixtures.Case fixture, List<Row> rows) throws Exception {
        List<String> features = fixture.model().config().features();
        int malformed = 0;
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            int n = 0;
            for (Row row : rows) {
                Map<String, Double> values = new HashMap<>();
                for (int i = 0; i < features.size(); i++) {
                    values.put(features.get(i), (double) row.features()[i]);
                }
                byte[] key = row.key().getBytes(StandardCharsets.UTF_8);
                sent.add(producer.send(new ProducerRecord<>(
                        topic, key, KafkaTestClients.reading(row.key(), row.epochMillis(), values))));
                if (++n % 50 == 0) {
                    byte[] bad = switch (malformed % 3) {
                        case 0 -> new byte[] {1, 2, 3, 4, 5};
                        case 1 -> KafkaTestClients.reading(row.key(), row.epochMillis() + 1, Map.of("nothing", 1.0));
                        default -> {
                            Map<String, Double> nan = new HashMap<>(values);
                            nan.put(features.get(0), Double.NaN);
                            yield KafkaTestClients.reading(row.key(), row.epochMillis() + 1, nan);
                        }
                    };
                    sent.add(producer.send(new ProducerRecord<>(topic, key, bad)));
                    malformed++;
                }
            }
        }
        for (Future<RecordMetadata> record : sent) {
            record.get(); // the input is complete, or the test fails here rather than waiting for output
        }
        return malformed;
    }

    /** Runs the job over everything in the readings topic (a bounded source) to completion. */
    private static void run(JobConfig config, GoldenFixtures.Case fixture) throws Exception {
        BoundedForecastJob.run(config, fixture.model().config(), new Configuration(), "forecast job ITCase");
    }

    private static void readCommitted(String topic, int expected, KafkaTestClients.ValueConsumer each)
            throws Exception {
        KafkaTestClients.readCommitted(kafka.bootstrapServers(), topic, expected, Duration.ofSeconds(2), each);
    }

    /** Replay's forecasts, anomaly scores (null for a key's first reading) and alerts per key. */
    private static void replayByKey(
            GoldenFixtures.Case fixture,
            List<Row> rows,
            Map<String, List<float[]>> forecasts,
            Map<String, List<Float>> scores,
            List<String> alerts)
            throws Exception {
        try (ReplayEngine engine = new ReplayEngine(fixture.model(), 1)) {
            for (Row row : rows) {
                engine.accept(row, (r, outcome) -> {
                    forecasts.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(outcome.forecast());
                    scores.computeIfAbsent(r.key(), k -> new ArrayList<>())
                            .add(
                                    outcome.score() == null
                                            ? null
                                            : outcome.score().anomalyScore());
                    if (outcome.alert() != null) {
                        alerts.add(r.key() + "@" + r.epochMillis() + " "
                                + outcome.alert().label() + " "
                                + outcome.score().level());
                    }
                });
            }
        }
    }
}
