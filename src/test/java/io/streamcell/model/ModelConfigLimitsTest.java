package io.streamcell.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/**
 * The bounds of a model's config.json (features, hidden size, layers, targets, horizon): the
 * largest value loads, one more is refused with an error naming the field and the bound, before
 * anything is allocated for it.
 */
class ModelConfigLimitsTest {
    private static ObjectNode config(int features, int hidden, int layers, int targets, int horizon) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("format", ModelConfig.FORMAT);
        root.put("cell", "gru");
        root.put("input_size", features);
        root.put("hidden_size", hidden);
        root.put("num_layers", layers);
        ArrayNode featureNames = root.putArray("features");
        for (int i = 0; i < features; i++) {
            featureNames.add("f" + i);
        }
        ArrayNode targetNames = root.putArray("targets");
        for (int i = 0; i < targets; i++) {
            targetNames.add("f" + i);
        }
        root.put("horizon", horizon);
        root.put("version", "limits");
        return root;
    }

    private static ModelConfig load(ObjectNode root) {
        return ModelConfig.fromJson(root, "config.json");
    }

    @Test
    void theLargestAllowedValuesLoad() {
        ModelConfig config = load(config(
                ModelConfig.MAX_INPUT_SIZE,
                ModelConfig.MAX_HIDDEN_SIZE,
                ModelConfig.MAX_LAYERS,
                ModelConfig.MAX_TARGETS,
                ModelConfig.MAX_HORIZON));

        assertThat(config.inputSize()).isEqualTo(4096);
        assertThat(config.hiddenSize()).isEqualTo(4096);
        assertThat(config.horizon()).isEqualTo(1024);
    }

    @Test
    void oneMoreFeatureIsRefused() {
        assertThatThrownBy(() -> load(config(ModelConfig.MAX_INPUT_SIZE + 1, 8, 1, 1, 1)))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage("config.json: input_size is 4097, expected 1..4096");
    }

    @Test
    void aLargerHiddenSizeIsRefused() {
        assertThatThrownBy(() -> load(config(2, ModelConfig.MAX_HIDDEN_SIZE + 1, 1, 1, 1)))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage("config.json: hidden_size is 4097, expected 1..4096");
    }

    @Test
    void moreLayersAreRefused() {
        assertThatThrownBy(() -> load(config(2, 8, ModelConfig.MAX_LAYERS + 1, 1, 1)))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage("config.json: num_layers is 17, expected 1..16");
    }

    @Test
    void aLongerHorizonIsRefused() {
        assertThatThrownBy(() -> load(config(2, 8, 1, 1, ModelConfig.MAX_HORIZON + 1)))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage("config.json: horizon is 1025, expected 1..1024");
    }

    @Test
    void moreTargetsAreRefused() {
        assertThatThrownBy(() -> load(config(ModelConfig.MAX_TARGETS, 8, 1, ModelConfig.MAX_TARGETS + 1, 1)))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("targets count is 4097, expected 1..4096");
    }
}
