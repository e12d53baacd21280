package io.streamcell.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.io.avro.ModelUpdateDecoder;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.ModelVariants;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.model.io.ModelUpdates;
import io.streamcell.model.io.UpdatePolicy;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the job keeps of the model it serves, and reads back after a restart, in this and earlier layouts. */
class ModelSwitchTest {
    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

    private final RecurrentModel modelA =
            GoldenFixtures.load("lstm_1layer_in8_h16").model();
    private final RecurrentModel modelB = ModelVariants.retrained(modelA, "B");

    @TempDir
    Path dir;

    ModelSwitchTest() throws Exception {}

    @Test
    void anInlineUpdateIsKeptAsASmallReferenceAndItsWeightsAndRestoresFromThem() throws Exception {
        byte[] update = ModelUpdateDecoder.encode(ModelUpdates.inline("sensors", modelB, NOW));
        ModelSwitch.Candidate candidate = new ModelSwitch(modelA, UpdatePolicy.DEFAULTS).validate(update);

        byte[] reference = candidate.reference().toBytes();
        assertThat(reference.length).isLessThan(update.length - candidate.inlineWeights().length + 200);
        assertThat(ModelReference.fromBytes(reference)).isEqualTo(candidate.reference());

        ModelSwitch restarted = new ModelSwitch(modelA, UpdatePolicy.DEFAULTS);
        ModelSwitch.Candidate restored = restarted.restored(
                List.of(Map.entry("sensors", reference)), List.of(new byte[] {1, 2}, candidate.inlineWeights()));
        assertThat(restored.model().version()).isEqualTo("B");
        assertThatThrownBy(() -> restarted.restored(List.of(Map.entry("sensors", reference)), List.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("inline weights")
                .hasMessageContaining("are not in the checkpoint");
    }

    @Test
    void theWholeUpdateThatEarlierReleasesKeptStillRestores() {
        byte[] update = ModelUpdateDecoder.encode(ModelUpdates.inline("sensors", modelB, NOW));

        ModelSwitch.Candidate restored = new ModelSwitch(modelA, new UpdatePolicy(1, List.of()))
                .restored(List.of(Map.entry("sensors", update)), List.of());

        assertThat(restored.model().version())
                .as("restored whatever the inline limit now: the checkpoint already holds it")
                .isEqualTo("B");
        assertThat(restored.reference().inline()).isTrue();
        assertThat(restored.inlineWeights()).isNotNull();
    }

    @Test
    void everyInstanceOfAJvmSharesOneLoadedModel() throws Exception {
        ModelDirectory.write(modelB, dir);
        Path weights = dir.resolve(ModelDirectory.WEIGHTS_FILE);
        byte[] update = ModelUpdateDecoder.encode(ModelUpdates.byReference(
                "sensors", modelB.config(), weights.toUri().toString(), weights, NOW));
        UpdatePolicy policy = UpdatePolicy.allowing(dir);

        ModelCache.clear();
        long before = ModelCache.loads();
        RecurrentModel first = new ModelSwitch(modelA, policy).validate(update).model();
        RecurrentModel second = new ModelSwitch(modelA, policy).validate(update).model();

        assertThat(second).isSameAs(first);
        assertThat(ModelCache.loads() - before).isEqualTo(1);
    }
}
