package io.streamcell.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcell.avro.DeadLetter;
import io.streamcell.avro.Forecast;
import io.streamcell.avro.TargetForecast;
import io.streamcell.io.avro.SingleObject;
import io.streamcell.testing.EmbeddedKafkaExtension;
import io.streamcell.testing.KafkaTestClients;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code streamcell consume} against a real broker: committed messages come out as JSON lines, an
 * aborted transaction's do not, and a record that is no message of ours is reported, not printed.
 */
class ConsumeCommandITCase {
    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.builder()
            .topic("forecasts", 2)
            .topic("dead-letters", 1)
            .build();

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void printsCommittedForecastsAsJsonLines() throws Exception {
        Properties transactional = new Properties();
        transactional.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        transactional.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "consume-test");
        transactional.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        transactional.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(transactional)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(forecast("sensor-1", 1_700_000_000_000L, 21.5f, 1));
            producer.send(forecast("sensor-2", 1_700_000_060_000L, 19.25f, 7));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(forecast("aborted", 1_700_000_120_000L, 99f, 3));
            producer.flush();
            producer.abortTransaction();
        }
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            producer.send(new ProducerRecord<>("forecasts", 0, null, "not avro".getBytes(StandardCharsets.UTF_8)))
                    .get();
        }

        CliRun run = CliRun.of(
                "consume",
                "--topic",
                "forecasts",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--from-beginning",
                "--idle-timeout",
                "3s");

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : run.out().strip().split("\n")) {
            lines.add(JSON.readTree(line));
        }
        assertThat(lines).hasSize(2);
        JsonNode first = lines.stream()
                .filter(l -> l.get("key").asText().equals("sensor-1"))
                .findFirst()
                .orElseThrow();
        assertThat(first.get("schema").asText()).isEqualTo("Forecast");
        assertThat(first.get("event_time").asText()).isEqualTo("2023-11-14T22:13:20Z");
        assertThat(first.at("/forecasts/0/target").asText()).isEqualTo("temperature");
        assertThat(first.at("/forecasts/0/values/0").floatValue()).isEqualTo(21.5f);
        assertThat(first.get("model_version").asText()).isEqualTo("v1");
        assertThat(first.get("anomaly_score").floatValue()).isEqualTo(0.125f);
        assertThat(run.out()).doesNotContain("aborted");
        assertThat(run.err()).contains("partition 0 offset").contains("not an Avro single-object message");
    }

    @Test
    void printsDeadLettersWithTheirBytesAndStopsAfterMaxMessages() throws Exception {
        byte[] original = {1, 2, 3, (byte) 0xFF};
        DeadLetter letter = new DeadLetter(
                "readings",
                3,
                42L,
                Instant.ofEpochMilli(1_700_000_000_000L),
                null,
                ByteBuffer.wrap(original),
                "undecodable",
                "",
                "not single-object encoding",
                Instant.ofEpochMilli(1_700_000_001_000L));
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(
                                "dead-letters", SingleObject.encode(DeadLetter.getEncoder(), letter)))
                        .get();
            }
        }

        CliRun run = CliRun.of(
                "consume",
                "--topic",
                "dead-letters",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--from-beginning",
                "--max-messages",
                "2");

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = run.out().strip().lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode json = JSON.readTree(lines.get(0));
        assertThat(json.get("schema").asText()).isEqualTo("DeadLetter");
        assertThat(json.get("reason").asText()).isEqualTo("undecodable");
        assertThat(json.get("key").isNull()).isTrue();
        assertThat(Base64.getDecoder().decode(json.get("value").asText())).isEqualTo(original);
        assertThat(json.get("detected_at").asText()).isEqualTo("2023-11-14T22:13:21Z");
    }

    @Test
    void aMissingTopicIsOneLine() {
        CliRun run = CliRun.of(
                "consume",
                "--topic",
                "nowhere",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--max-messages",
                "1");

        assertThat(run.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(run.err().strip()).isEqualTo("error: topic 'nowhere' not found on " + kafka.bootstrapServers());
    }

    private static ProducerRecord<byte[], byte[]> forecast(String key, long eventTime, float value, long step) {
        Forecast forecast = new Forecast(
                key,
                Instant.ofEpochMilli(eventTime),
                List.of(new TargetForecast("temperature", List.of(value))),
                "v1",
                step,
                null,
                0.125f);
        return new ProducerRecord<>(
                "forecasts",
                key.getBytes(StandardCharsets.UTF_8),
                SingleObject.encode(Forecast.getEncoder(), forecast));
    }
}
