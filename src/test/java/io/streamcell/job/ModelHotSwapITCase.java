package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.avro.DeadLetter;
import io.streamcell.avro.Forecast;
import io.streamcell.core.KeyStepper;
import io.streamcell.io.avro.ModelUpdateDecoder;
import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.ModelVariants;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelUpdates;
import io.streamcell.state.KeyState;
import io.streamcell.testing.EmbeddedKafkaExtension;
import io.streamcell.testing.KafkaTestClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Model hot-swap end to end under load: the job (parallelism 2, exactly-once sinks) runs on a
 * real broker while readings stream in; half-way, an invalid and then a valid model update are
 * published to the models topic. Every reading gives exactly one committed forecast; per key the
 * versions go A…A B…B (never A after B), and the values equal a replay that switches model at the
 * same record of that key, so no reading was lost or scored by a half-installed model. The invalid
 * update is exactly one {@code invalid_model} dead letter.
 */
class ModelHotSwapITCase {
    private static final String CASE = "gru_before_2layer_in3_h20_2targets_horizon2";
    private static final int COPIES = 4; // each fixture key four times over: 16 keys

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.builder().build();

    @ParameterizedTest
    @EnumSource(value = JobConfig.SteppingMode.class)
    void readingsStreamingThroughASwapAreEachForecastOnceByExactlyOneModel(JobConfig.SteppingMode stepping)
            throws Exception {
        String suffix = "-swap-" + stepping.name().toLowerCase();
        JobConfig config = JobConfig.builder()
                .name("it" + suffix)
                .bootstrapServers(kafka.bootstrapServers())
                .readingsTopic("readings" + suffix)
                .forecastsTopic("forecasts" + suffix)
                .anomaliesTopic("anomalies" + suffix)
                .deadLettersTopic("dead-letters" + suffix)
                .modelsTopic("models" + suffix)
                .transactionalIdPrefix("it" + suffix)
                .startingOffsets(JobConfig.StartingOffsets.EARLIEST)
                .checkpointInterval(Duration.ofMillis(500))
                .ordering(JobConfig.OrderingMode.ARRIVAL)
                .steppingMode(stepping)
                .bundleSize(64)
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
                1,
                config.topics().models(),
                1));
        GoldenFixtures.Case fixture = GoldenFixtures.load(CASE);
        RecurrentModel modelA = fixture.model();
        RecurrentModel modelB = ModelVariants.retrained(modelA, "B");
        List<Row> rows = copies(fixture.readings());
        int half = rows.size() / 2;

        JobClient job = start(config);
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            produce(producer, config.topics().readings(), modelA, rows.subList(0, half), false);
            waitForCommitted(config.topics().forecasts(), half / 4); // the job is busy with model A
            List<Future<RecordMetadata>> updates = List.of(
                    producer.send(new ProducerRecord<>(
                            config.topics().models(),
                            bytes("sensors"),
                            "no model here".getBytes(StandardCharsets.UTF_8))),
                    producer.send(new ProducerRecord<>(
                            config.topics().models(),
                            bytes("sensors"),
                            ModelUpdateDecoder.encode(ModelUpdates.inline("sensors", modelB, Instant.now())))));
            for (Future<RecordMetadata> update : updates) {
                update.get();
            }
            produce(producer, config.topics().readings(), modelA, rows.subList(half, rows.size()), true);
        }

        Map<String, List<Forecast>> byKey = new LinkedHashMap<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        try {
            readCommitted(config.topics().forecasts(), rows.size(), bytes -> {
                Forecast forecast = decode(() -> Forecast.getDecoder().decode(bytes));
                byKey.computeIfAbsent(forecast.getKey(), k -> new ArrayList<>()).add(forecast);
            });
            readCommitted(
                    config.topics().deadLetters(),
                    1,
                    bytes ->
                            deadLetters.add(decode(() -> DeadLetter.getDecoder().decode(bytes))));
        } finally {
            job.cancel().get();
        }

        assertThat(byKey.values().stream().mapToInt(List::size).sum())
                .as("one forecast per reading")
                .isEqualTo(rows.size());
        assertThat(deadLetters)
                .as("the invalid update, once")
                .extracting(DeadLetter::getReason)
                .containsExactly("invalid_model");
        Map<String, Integer> switchAt = new HashMap<>();
        byKey.forEach((key, forecasts) -> {
            int first = 0;
            while (first < forecasts.size()
                    && forecasts.get(first).getModelVersion().equals(modelA.version())) {
                first++;
            }
            assertThat(forecasts.subList(first, forecasts.size()))
                    .as("%s after its switch", key)
                    .allMatch(f -> f.getModelVersion().equals("B"));
            switchAt.put(key, first);
        });
        int servedByA = switchAt.values().stream().mapToInt(Integer::intValue).sum();
        assertThat(servedByA).as("readings before the switch").isBetween(1, rows.size() - 1);
        Map<String, List<float[]>> expected = replay(rows, modelA, modelB, switchAt, config);
        byKey.forEach((key, forecasts) -> {
            assertThat(forecasts).as(key).hasSameSizeAs(expected.get(key));
            for (int i = 0; i < forecasts.size(); i++) {
                assertThat(forecasts.get(i).getStep()).isEqualTo(i + 1);
                assertThat(KafkaTestClients.flatten(forecasts.get(i)))
                        .as("%s forecast %d", key, i)
                        .containsExactly(expected.get(key).get(i));
            }
        });
    }

    private static List<Row> copies(List<Row> readings) {
        List<Row> rows = new ArrayList<>();
        for (Row row : readings) {
            for (int c = 0; c < COPIES; c++) {
                rows.add(new Row(
                        row.line(), row.key() + "#" + c, row.timestampText(), row.epochMillis(), row.features()));
            }
        }
        return rows;
    }

    /** Per key: model A for the key's first {@code switchAt} readings, then B, the state carried over. */
    private static Map<String, List<float[]>> replay(
            List<Row> rows, RecurrentModel a, RecurrentModel b, Map<String, Integer> switchAt, JobConfig config) {
        KeyStepper stepperA =
                new KeyStepper(a, config.state().resetAfterGap(), config.state().adaptation());
        KeyStepper stepperB =
                new KeyStepper(b, config.state().resetAfterGap(), config.state().adaptation());
        Map<String, KeyState> states = new HashMap<>();
        Map<String, List<float[]>> forecasts = new HashMap<>();
        for (Row row : rows) {
            List<float[]> out = forecasts.computeIfAbsent(row.key(), k -> new ArrayList<>());
            KeyStepper stepper = out.size() < switchAt.getOrDefault(row.key(), 0) ? stepperA : stepperB;
            KeyState state = states.computeIfAbsent(row.key(), k -> KeyState.fresh(a));
            out.add(stepper.step(state, row.epochMillis(), row.features())
                    .forecast()
                    .clone());
        }
        return forecasts;
    }

    /** The job as {@code streamcell run} wires it (readings and models sources, exactly-once sinks). */
    private static JobClient start(JobConfig config) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(KafkaForecastJob.flinkConfiguration(config));
        KafkaForecastJob.addTo(env, config);
        return env.executeAsync("model hot-swap ITCase");
    }

    /** Sends the readings (Kafka key = sensor key), paced in small batches when {@code streaming}. */
    private static void produce(
            KafkaProducer<byte[], byte[]> producer,
            String topic,
            RecurrentModel model,
            List<Row> rows,
            boolean streaming)
            throws Exception {
        List<String> features = model.config().features();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        int n = 0;
        for (Row row : rows) {
            Map<String, Double> values = new HashMap<>();
            for (int i = 0; i < features.size(); i++) {
                values.put(features.get(i), (double) row.features()[i]);
            }
            sent.add(producer.send(new ProducerRecord<>(
                    topic, bytes(row.key()), KafkaTestClients.reading(row.key(), row.epochMillis(), values))));
            if (streaming && ++n % 200 == 0) {
                producer.flush();
                Thread.sleep(20);
            }
        }
        for (Future<RecordMetadata> record : sent) {
            record.get();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private interface Decoding<T> {
        T decode() throws Exception;
    }

    private static <T> T decode(Decoding<T> decoding) {
        try {
            return decoding.decode();
        } catch (Exception e) {
            throw new AssertionError("undecodable output record", e);
        }
    }

    private static KafkaConsumer<byte[], byte[]> committedConsumer(String topic) {
        KafkaConsumer<byte[], byte[]> consumer = KafkaTestClients.readCommittedConsumer(kafka.bootstrapServers());
        KafkaTestClients.assignFromStart(consumer, topic);
        return consumer;
    }

    private static void waitForCommitted(String topic, int count) {
        int[] read = {0};
        try (KafkaConsumer<byte[], byte[]> consumer = committedConsumer(topic)) {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (read[0] < count && System.nanoTime() < deadline) {
                read[0] += consumer.poll(Duration.ofMillis(200)).count();
            }
        }
        assertThat(read[0]).as("forecasts committed before the update").isGreaterThanOrEqualTo(count);
    }

    private static void readCommitted(String topic, int expected, KafkaTestClients.ValueConsumer each)
            throws Exception {
        KafkaTestClients.readCommitted(kafka.bootstrapServers(), topic, expected, Duration.ofSeconds(2), each);
    }
}
