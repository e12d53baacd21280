package io.streamcell.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelConfigBuilderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ModelConfig.Builder minimal() {
        return ModelConfig.builder()
                .cell(CellType.LSTM)
                .hiddenSize(8)
                .features(List.of("temperature", "humidity"))
                .targets(List.of("temperature"))
                .version("v1");
    }

    @Test
    void shouldDefaultWhatAConfigJsonMayLeaveOut() {
        ModelConfig config = minimal().build();

        assertThat(config.gruReset()).isEqualTo(GruReset.AFTER);
        assertThat(config.inputSize()).isEqualTo(2);
        assertThat(config.numLayers()).isEqualTo(1);
        assertThat(config.horizon()).isEqualTo(1);
        assertThat(config.inputScaler().isIdentity()).isTrue();
        assertThat(config.targetScaler().isIdentity()).isTrue();
        assertThat(config.provenance().isEmpty()).isTrue();
        assertThat(config.onlineNormalisation()).isNull();
    }

    @Test
    void shouldRebuildAnEqualConfigAndChangeOnlyWhatIsSet() throws Exception {
        ModelConfig original = GoldenFixtures.load("gru_before_2layer_in3_h20_2targets_horizon2")
                .model()
                .config();

        assertThat(original.toBuilder().build()).isEqualTo(original);
        ModelConfig renamed = original.toBuilder().version("v2").build();
        assertThat(renamed.version()).isEqualTo("v2");
        ObjectNode renamedJson = renamed.toJson(JSON).without("version");
        ObjectNode originalJson = original.toJson(JSON).without("version");
        assertThat(renamedJson).isEqualTo(originalJson);
    }

    @Test
    void shouldValidateAsTheConfigFileDoes() {
        assertThatThrownBy(() -> minimal().inputSize(3).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("features lists 2 names but input_size is 3");
        assertThatThrownBy(() -> minimal().hiddenSize(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hidden_size is 0, expected 1..4096");
        assertThatThrownBy(() -> minimal().inputScaler(Scaler.identity(3)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input_scaler has 3 columns but input_size is 2");
    }

    @Test
    void shouldNeedACell() {
        assertThatThrownBy(() -> ModelConfig.builder()
                        .hiddenSize(8)
                        .features(List.of("x"))
                        .targets(List.of("x"))
                        .version("v")
                        .build())
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("cell");
    }
}
