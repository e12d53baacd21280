package io.streamcell.model.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.avro.ModelUpdate;
import io.streamcell.io.avro.ModelUpdateDecoder;
import io.streamcell.model.CellType;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.ModelFormatException;
import io.streamcell.model.ModelVariants;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.Tensor;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model updates: decoding, validation, compatibility with the running model, inline and by uri. */
class ModelUpdatesTest {
    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
    private final RecurrentModel running =
            GoldenFixtures.load("lstm_1layer_in8_h16").model();
    private final RecurrentModel next = ModelVariants.retrained(running, "v2");

    @TempDir
    Path dir;

    ModelUpdatesTest() throws Exception {}

    /** The job's defaults, with file: uris allowed in the test's directory. */
    private UpdatePolicy policy() {
        return UpdatePolicy.allowing(dir);
    }

    @Test
    void shouldRoundTripAnInlineUpdateThroughItsBytes() throws Exception {
        byte[] bytes = ModelUpdateDecoder.encode(ModelUpdates.inline("sensors", next, NOW));

        ModelUpdate decoded = ModelUpdateDecoder.decode(bytes);
        RecurrentModel model = ModelUpdates.toModel(decoded, policy());

        assertThat(decoded.getModelId()).isEqualTo("sensors");
        assertThat(model.version()).isEqualTo("v2");
        assertThat(model.config()).isEqualTo(next.config());
        assertSameWeights(model, next);
        ModelUpdates.checkCompatible(running.config(), model.config());
        assertThat(ModelUpdates.sameArchitecture(running.config(), model.config()))
                .isTrue();
    }

    @Test
    void shouldReadWeightsByFileUriAfterCheckingTheirDigest() throws Exception {
        ModelDirectory.write(next, dir);
        Path weights = dir.resolve(ModelDirectory.WEIGHTS_FILE);
        ModelUpdate update = ModelUpdates.byReference(
                "sensors", next.config(), weights.toUri().toString(), weights, NOW);

        RecurrentModel model =
                ModelUpdates.toModel(ModelUpdateDecoder.decode(ModelUpdateDecoder.encode(update)), policy());

        assertSameWeights(model, next);
    }

    @Test
    void shouldRejectAFileWhoseDigestDiffers() throws Exception {
        ModelDirectory.write(next, dir);
        Path weights = dir.resolve(ModelDirectory.WEIGHTS_FILE);
        ModelUpdate update = ModelUpdates.byReference(
                "sensors", next.config(), weights.toUri().toString(), weights, NOW);
        byte[] tampered = Files.readAllBytes(weights);
        tampered[tampered.length - 1] ^= 1;
        Files.write(weights, tampered);

        assertThatThrownBy(() -> ModelUpdates.toModel(update, policy()))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("SHA-256");
    }

    @Test
    void shouldNeverSayWhatAFileThatFailedTheChecksHolds() throws Exception {
        ModelDirectory.write(next, dir);
        Path weights = dir.resolve(ModelDirectory.WEIGHTS_FILE);
        ModelUpdate update = ModelUpdates.byReference(
                "sensors", next.config(), weights.toUri().toString(), weights, NOW);
        update.setSha256("00".repeat(32));
        String actual = ModelUpdates.sha256(Files.readAllBytes(weights));

        assertThatThrownBy(() -> ModelUpdates.toModel(update, policy()))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("differs from the update's sha256")
                .hasMessageNotContaining(actual)
                .hasMessageNotContaining(Long.toString(Files.size(weights)));
    }

    @Test
    void shouldRefuseFileUrisOutsideTheUpdateDirectoriesWithoutLookingAtTheFile(@TempDir Path elsewhere)
            throws Exception {
        Path secret = elsewhere.resolve("secret.properties");
        Files.writeString(secret, "password=hunter2\n");
        String digest = ModelUpdates.sha256(Files.readAllBytes(secret));
        ModelUpdate existing = ModelUpdates.inline("sensors", next, NOW);
        existing.setWeights(null);
        existing.setUri(secret.toUri().toString());
        existing.setSha256(digest);
        ModelUpdate absent = ModelUpdate.newBuilder(existing)
                .setUri(elsewhere.resolve("absent").toUri().toString())
                .build();
        ModelUpdate climbing = ModelUpdate.newBuilder(existing)
                .setUri(dir.toUri() + "../" + elsewhere.getFileName() + "/secret.properties")
                .build();
        Path link = dir.resolve("link.safetensors");
        Files.createSymbolicLink(link, secret);
        ModelUpdate linked =
                ModelUpdate.newBuilder(existing).setUri(link.toUri().toString()).build();

        for (ModelUpdate update : List.of(existing, absent, climbing)) {
            assertThatThrownBy(() -> ModelUpdates.toModel(update, policy()))
                    .as(update.getUri())
                    .isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("must point into one of the directories of model.update-directories")
                    .hasMessageNotContaining("no such file")
                    .hasMessageNotContaining(digest);
        }
        assertThatThrownBy(() -> ModelUpdates.toModel(linked, policy()))
                .hasMessageContaining("a symbolic link leads outside");
        assertThatThrownBy(() -> ModelUpdates.toModel(existing, UpdatePolicy.DEFAULTS))
                .as("no directories configured: no file: uri at all")
                .hasMessageContaining("(none configured)");
    }

    @Test
    void shouldRefuseInlineWeightsOverTheLimitBeforeParsingThem() throws Exception {
        ModelUpdate update = ModelUpdates.inline("sensors", next, NOW);
        int size = update.getWeights().remaining();

        assertThatThrownBy(() -> ModelUpdates.toModel(update, new UpdatePolicy(size - 1, List.of())))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(size + " bytes inline, over the job's limit of " + (size - 1))
                .hasMessageContaining("--weights-uri");
        assertThat(ModelUpdates.toModel(update, new UpdatePolicy(size, List.of()))
                        .version())
                .isEqualTo("v2");
    }

    @Test
    void shouldRejectAUriWithoutDigestOrWithAnUnsupportedScheme() throws Exception {
        ModelUpdate update = ModelUpdates.inline("sensors", next, NOW);
        update.setWeights(null);
        update.setUri("https://example.com/weights.safetensors");
        update.setSha256("00");
        assertThatThrownBy(() -> ModelUpdates.toModel(update, policy())).hasMessageContaining("unsupported uri scheme");
        update.setSha256(null);
        assertThatThrownBy(() -> ModelUpdates.toModel(update, policy())).hasMessageContaining("needs sha256");
        update.setUri(dir.resolve("absent").toUri().toString());
        update.setSha256("00");
        assertThatThrownBy(() -> ModelUpdates.toModel(update, policy())).hasMessageContaining("no such file");
    }

    @Test
    void shouldRejectNeitherOrBothWeightSources() throws Exception {
        ModelUpdate both = ModelUpdates.inline("sensors", next, NOW);
        both.setUri("file:///tmp/w.safetensors");
        assertThatThrownBy(() -> ModelUpdates.toModel(both, policy())).hasMessageContaining("both are");
        ModelUpdate neither = ModelUpdates.inline("sensors", next, NOW);
        neither.setWeights(null);
        assertThatThrownBy(() -> ModelUpdates.toModel(neither, policy())).hasMessageContaining("neither is");
    }

    @Test
    void shouldRejectMalformedConfigWeightsAndVersion() {
        ModelUpdate badJson = ModelUpdates.inline("sensors", next, NOW);
        badJson.setConfigJson("{not json");
        assertThatThrownBy(() -> ModelUpdates.toModel(badJson, policy()))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("config_json")
                .hasMessageContaining("not valid JSON");

        ModelUpdate badWeights = ModelUpdates.inline("sensors", next, NOW);
        badWeights.setWeights(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertThatThrownBy(() -> ModelUpdates.toModel(badWeights, policy()))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("weights");

        ModelUpdate missingTensor = ModelUpdates.inline("sensors", next, NOW);
        List<Tensor> tensors = next.stateDict().subList(1, next.stateDict().size());
        missingTensor.setWeights(ByteBuffer.wrap(Safetensors.toBytes(tensors, Map.of())));
        assertThatThrownBy(() -> ModelUpdates.toModel(missingTensor, policy()))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(next.stateDict().get(0).name());

        ModelUpdate otherVersion = ModelUpdates.inline("sensors", next, NOW);
        otherVersion.setVersion("v3");
        assertThatThrownBy(() -> ModelUpdates.toModel(otherVersion, policy()))
                .hasMessageContaining("differs from config_json");
    }

    @Test
    void shouldRejectBytesThatAreNotAModelUpdate() {
        byte[] valid = ModelUpdateDecoder.encode(ModelUpdates.inline("sensors", next, NOW));
        assertThatThrownBy(() -> ModelUpdateDecoder.decode(new byte[0])).hasMessageContaining("no value");
        assertThatThrownBy(() -> ModelUpdateDecoder.decode("hello, world".getBytes()))
                .hasMessageContaining("single-object");
        byte[] otherSchema = valid.clone();
        otherSchema[5] ^= 0x55;
        assertThatThrownBy(() -> ModelUpdateDecoder.decode(otherSchema)).hasMessageContaining("fingerprint");
        assertThatThrownBy(() -> ModelUpdateDecoder.decode(Arrays.copyOf(valid, valid.length - 7)))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> ModelUpdateDecoder.decode(Arrays.copyOf(valid, valid.length + 1)))
                .hasMessageContaining("left over");
    }

    @Test
    void shouldRejectModelsWithOtherFeaturesTargetsOrHorizon() throws Exception {
        ModelConfig c = running.config();
        List<String> otherFeatures = new ArrayList<>(c.features());
        otherFeatures.set(0, "something_else");
        ModelConfig features =
                c.toBuilder().features(otherFeatures).version("v2").build();
        assertThatThrownBy(() -> ModelUpdates.checkCompatible(c, features)).hasMessageContaining("features");

        ModelConfig horizon =
                c.toBuilder().horizon(c.horizon() + 1).version("v2").build();
        assertThatThrownBy(() -> ModelUpdates.checkCompatible(c, horizon)).hasMessageContaining("horizon");
    }

    @Test
    void shouldTellArchitectureChangesApart() {
        RecurrentModel gru = ModelVariants.rearchitected(running, CellType.GRU, 32, 1, "v3");
        RecurrentModel deeper = ModelVariants.rearchitected(running, CellType.LSTM, 16, 2, "v4");

        ModelUpdates.checkCompatible(running.config(), gru.config());
        assertThat(ModelUpdates.sameArchitecture(running.config(), gru.config()))
                .isFalse();
        assertThat(ModelUpdates.sameArchitecture(running.config(), deeper.config()))
                .isFalse();
    }

    private static void assertSameWeights(RecurrentModel actual, RecurrentModel expected) {
        List<Tensor> a = actual.stateDict();
        List<Tensor> e = expected.stateDict();
        assertThat(a).hasSameSizeAs(e);
        for (int i = 0; i < e.size(); i++) {
            assertThat(a.get(i).name()).isEqualTo(e.get(i).name());
            assertThat(a.get(i).data()).containsExactly(e.get(i).data());
        }
    }
}
