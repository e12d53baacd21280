package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.io.avro.ModelUpdateDecoder;
import io.streamcell.io.avro.ModelUpdateMessage;
import io.streamcell.io.deadletter.DeadLetterRecord;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.ModelVariants;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.TestModels;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.model.io.ModelUpdates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model updates' validation where they are read, once for the whole job: valid updates go on
 * to the forecast operator, invalid ones become one {@code invalid_model} dead letter each, with
 * their bytes and a message that says what is wrong but nothing of what a refused file holds.
 */
class ModelUpdateValidatorTest {
    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

    private final GoldenFixtures.Case fixture = GoldenFixtures.load("lstm_1layer_in8_h16");
    private final RecurrentModel modelA = fixture.model();
    private final RecurrentModel modelB = ModelVariants.retrained(modelA, "B");

    @TempDir
    Path updates;

    @TempDir
    Path elsewhere;

    ModelUpdateValidatorTest() throws Exception {}

    private OneInputStreamOperatorTestHarness<ModelUpdateMessage, ModelUpdateMessage> validator(
            JobConfig.HotSwap hotSwap) throws Exception {
        return ProcessFunctionTestHarnesses.forProcessFunction(
                new ModelUpdateValidator(fixture.modelDirectory().toString(), hotSwap));
    }

    private static StreamRecord<ModelUpdateMessage> message(byte[] value, long offset) {
        return new StreamRecord<>(new ModelUpdateMessage("models", 0, offset, 5L, null, value), 5L);
    }

    @Test
    void validUpdatesGoOnAndInvalidOnesAreDeadLettersOnce() throws Exception {
        ModelConfig c = modelA.config();
        List<String> otherFeatures = new ArrayList<>(c.features());
        otherFeatures.set(0, "humidity_elsewhere");
        RecurrentModel incompatible = TestModels.withFixedWeights(
                c.toBuilder().features(otherFeatures).version("D").build(), "D");
        byte[] garbage = "not a model".getBytes(StandardCharsets.UTF_8);
        byte[] valid = ModelUpdateDecoder.encode(ModelUpdates.inline("sensors", modelB, NOW));

        try (var harness = validator(JobConfig.HotSwap.DEFAULTS)) {
            harness.processElement(message(garbage, 7));
            harness.processElement(
                    message(ModelUpdateDecoder.encode(ModelUpdates.inline("sensors", incompatible, NOW)), 8));
            harness.processElement(message(valid, 9));

            assertThat(harness.extractOutputValues()).extracting(m -> m.offset).containsExactly(9L);
            List<DeadLetterRecord> deadLetters = new ArrayList<>();
            harness.getSideOutput(ModelUpdateValidator.DEAD_LETTERS).forEach(r -> deadLetters.add(r.getValue()));
            assertThat(deadLetters).extracting(d -> d.reason).containsExactly("invalid_model", "invalid_model");
            assertThat(deadLetters).extracting(d -> d.offset).containsExactly(7L, 8L);
            assertThat(deadLetters.get(0).value).isEqualTo(garbage);
            assertThat(deadLetters.get(0).errorMessage).contains("single-object");
            assertThat(deadLetters.get(1).errorMessage).contains("features");
        }
    }

    @Test
    void aFileUriOutsideTheUpdateDirectoriesIsRefusedWithoutSayingAnythingOfTheFile() throws Exception {
        ModelDirectory.write(modelB, updates);
        Path allowed = updates.resolve(ModelDirectory.WEIGHTS_FILE);
        Path secret = elsewhere.resolve("credentials");
        Files.writeString(secret, "password=hunter2\n");
        byte[] toSecret = ModelUpdateDecoder.encode(ModelUpdates.byReference(
                "sensors", modelB.config(), secret.toUri().toString(), secret, NOW));
        byte[] toAbsent = ModelUpdateDecoder.encode(ModelUpdates.byReference(
                "sensors", modelB.config(), elsewhere.resolve("absent").toUri().toString(), secret, NOW));
        byte[] inside = ModelUpdateDecoder.encode(ModelUpdates.byReference(
                "sensors", modelB.config(), allowed.toUri().toString(), allowed, NOW));

        try (var harness = validator(JobConfig.HotSwap.DEFAULTS.withUpdateDirectory(updates))) {
            harness.processElement(message(toSecret, 1));
            harness.processElement(message(toAbsent, 2));
            harness.processElement(message(inside, 3));

            List<DeadLetterRecord> deadLetters = new ArrayList<>();
            harness.getSideOutput(ModelUpdateValidator.DEAD_LETTERS).forEach(r -> deadLetters.add(r.getValue()));
            assertThat(deadLetters).hasSize(2);
            String existing = deadLetters.get(0).errorMessage;
            String absent = deadLetters.get(1).errorMessage;
            assertThat(existing)
                    .contains("must point into one of the directories of model.update-directories")
                    .doesNotContain(ModelUpdates.sha256(Files.readAllBytes(secret)));
            assertThat(existing.replace("credentials", "absent"))
                    .as("an existing file and a missing one get the same answer")
                    .isEqualTo(absent);
            assertThat(harness.extractOutputValues()).extracting(m -> m.offset).containsExactly(3L);
        }
    }

    @Test
    void inlineWeightsOverTheLimitAreRefused() throws Exception {
        byte[] update = ModelUpdateDecoder.encode(ModelUpdates.inline("sensors", modelB, NOW));
        long weights = ModelUpdateDecoder.decode(update).getWeights().remaining();

        try (var harness = validator(new JobConfig.HotSwap(weights - 1, List.of()))) {
            harness.processElement(message(update, 4));

            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(harness.getSideOutput(ModelUpdateValidator.DEAD_LETTERS))
                    .singleElement()
                    .satisfies(r -> assertThat(r.getValue().errorMessage)
                            .contains("bytes inline, over the job's limit of " + (weights - 1)));
        }
    }
}
