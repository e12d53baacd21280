package io.streamcell.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.avro.ModelUpdate;
import io.streamcell.io.avro.ModelUpdateDecoder;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.model.io.ModelUpdates;
import io.streamcell.model.io.UpdatePolicy;
import io.streamcell.testing.EmbeddedKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code streamcell publish-model} against a real broker: inline and by-reference updates the job
 * accepts; and {@code run}'s start-up check of the topics it reads.
 */
class PublishModelCommandITCase {
    @RegisterExtension
    static final EmbeddedKafkaExtension kafka =
            EmbeddedKafkaExtension.builder().topic("models-cli", 1).build();

    @Test
    void publishesInlineAndByReferenceUpdatesThatValidate() throws Exception {
        GoldenFixtures.Case fixture = GoldenFixtures.load("lstm_1layer_in8_h16");
        Path model = fixture.modelDirectory();
        Path weights = model.resolve(ModelDirectory.WEIGHTS_FILE).toAbsolutePath();

        CliRun inline = CliRun.of(
                "publish-model",
                "--model",
                model.toString(),
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic",
                "models-cli",
                "--model-id",
                "plant-7");
        CliRun byReference = CliRun.of(
                "publish-model",
                "--model",
                model.toString(),
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic",
                "models-cli",
                "--model-id",
                "plant-7",
                "--weights-uri",
                weights.toUri().toString());

        assertThat(inline.exitCode()).as(inline.err()).isZero();
        assertThat(inline.out())
                .contains("version " + fixture.model().version())
                .contains("models-cli-0@0");
        assertThat(byReference.exitCode()).as(byReference.err()).isZero();
        List<ConsumerRecord<byte[], byte[]>> records = read("models-cli", 2);
        assertThat(records).hasSize(2);
        for (ConsumerRecord<byte[], byte[]> record : records) {
            assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("plant-7");
            ModelUpdate update = ModelUpdateDecoder.decode(record.value());
            RecurrentModel published = ModelUpdates.toModel(update, UpdatePolicy.allowing(weights.getParent()));
            assertThat(published.config()).isEqualTo(fixture.model().config());
        }
        assertThat(ModelUpdateDecoder.decode(records.get(0).value()).getWeights())
                .isNotNull();
        assertThat(ModelUpdateDecoder.decode(records.get(1).value()).getUri())
                .isEqualTo(weights.toUri().toString());
    }

    @Test
    void runStopsAtOnceNamingAMissingModelsTopic() {
        kafka.createTopics(Map.of("readings-cli", 1, "forecasts-cli", 1, "anomalies-cli", 1, "dead-letters-cli", 1));

        CliRun run = run(
                "topics.readings=readings-cli",
                "topics.forecasts=forecasts-cli",
                "topics.anomalies=anomalies-cli",
                "topics.dead-letters=dead-letters-cli",
                "topics.models=no-such-models");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err())
                .contains("error: Kafka topic [no-such-models] not found on " + kafka.bootstrapServers())
                .contains("topics.models: none");
    }

    @Test
    void runStopsAtOnceNamingMissingOutputTopics() {
        kafka.createTopics(Map.of("readings-out", 1, "forecasts-out", 1));

        CliRun run = run(
                "topics.readings=readings-out",
                "topics.forecasts=forecasts-out",
                "topics.anomalies=anomalies-out",
                "topics.dead-letters=dead-letters-out",
                "topics.models=none");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err())
                .contains("error: Kafka topics [anomalies-out, dead-letters-out] not found on "
                        + kafka.bootstrapServers());
    }

    @Test
    void runStopsAtOnceWhenTheDeadLettersTopicWouldRefuseALargeDeadLetter() {
        kafka.createTopics(Map.of("readings-small", 1, "forecasts-small", 1, "anomalies-small", 1));
        kafka.createTopic("dead-letters-small", 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "100000"));

        CliRun run = run(
                "topics.readings=readings-small",
                "topics.forecasts=forecasts-small",
                "topics.anomalies=anomalies-small",
                "topics.dead-letters=dead-letters-small",
                "topics.models=none");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err())
                .contains("error: Kafka topic dead-letters-small has max.message.bytes 100000, below the 557056 bytes");
    }

    /** {@code streamcell run} against the broker with these {@code --set} options. */
    private static CliRun run(String... settings) {
        List<String> args = new ArrayList<>(List.of(
                "run", "--set", "job.name=cli", "--set", "kafka.bootstrap-servers=" + kafka.bootstrapServers()));
        for (String setting : settings) {
            args.add("--set");
            args.add(setting);
        }
        return CliRun.of(args.toArray(new String[0]));
    }

    @Test
    void refusesAnInvalidModelDirectoryWithoutPublishing(@TempDir Path empty) {
        CliRun run = CliRun.of(
                "publish-model",
                "--model",
                empty.toString(),
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic",
                "models-cli");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("error:").contains("config.json");
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(String topic, int expected) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
