package io.streamcell.model.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.ModelFormatException;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, writing and rejecting model directories, with errors that name file, tensor and field. */
class ModelDirectoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private Path copyOf(String goldenCase) throws IOException {
        Path source = GoldenFixtures.root().resolve(goldenCase).resolve("model");
        Path target = temp.resolve(goldenCase);
        Files.createDirectories(target);
        Files.copy(source.resolve(ModelDirectory.CONFIG_FILE), target.resolve(ModelDirectory.CONFIG_FILE));
        Files.copy(source.resolve(ModelDirectory.WEIGHTS_FILE), target.resolve(ModelDirectory.WEIGHTS_FILE));
        return target;
    }

    private void editConfig(Path model, Consumer<ObjectNode> edit) throws IOException {
        Path file = model.resolve(ModelDirectory.CONFIG_FILE);
        ObjectNode config = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(config);
        JSON.writeValue(file.toFile(), config);
    }

    private void editWeights(Path model, Consumer<Map<String, Tensor>> edit) throws IOException {
        Path file = model.resolve(ModelDirectory.WEIGHTS_FILE);
        Map<String, Tensor> tensors = new LinkedHashMap<>(Safetensors.read(file).tensors());
        edit.accept(tensors);
        Safetensors.write(file, new ArrayList<>(tensors.values()), Map.of());
    }

    @Test
    void valuesThatCannotBeWrittenBackAreRejectedWithTheirPath() {
        byte[] config = ("{\"format\":\"streamcell-model/1\",\"cell\":\"gru\",\"input_size\":1,\"hidden_size\":2,"
                        + "\"num_layers\":1,\"features\":[\"v\"],\"targets\":[\"v\"],\"version\":\"x\","
                        + "\"provenance\":{\"training\":{\"loss\":[1,-1e999]}}}")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ModelDirectory.parseConfig(config, "m/config.json"))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage("m/config.json: provenance.training.loss[1] is a number beyond the double range");
        byte[] surrogate = ("{\"format\":\"streamcell-model/1\",\"provenance\":{\"sha\":\"ab\\ud800\"}}")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ModelDirectory.parseConfig(surrogate, "m/config.json"))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage("m/config.json: provenance.sha holds an unpaired UTF-16 surrogate");
    }

    @Test
    void writtenModelReadsBackEqual() throws IOException {
        RecurrentModel original = ModelDirectory.read(copyOf("gru_before_2layer_in3_h20_2targets_horizon2"));
        Path written = temp.resolve("written");

        ModelDirectory.write(original, written);
        RecurrentModel reread = ModelDirectory.read(written);

        assertThat(reread.config()).isEqualTo(original.config());
        assertThat(reread.stateDict()).containsExactlyElementsOf(original.stateDict());
        assertThat(Files.list(written).map(p -> p.getFileName().toString()))
                .containsExactlyInAnyOrder("config.json", "weights.safetensors");
    }

    @Test
    void acceptsF64Bf16AndF16Weights() throws IOException {
        for (String name :
                List.of("lstm_2layer_in4_h12_f64", "lstm_1layer_in5_h24_bf16", "gru_after_2layer_in3_h16_f16")) {
            assertThat(ModelDirectory.read(copyOf(name)).parameterCount())
                    .as(name)
                    .isPositive();
        }
    }

    @Test
    void missingTensorIsNamedWithItsExpectedShape() throws IOException {
        Path model = copyOf("lstm_1layer_in8_h16");
        editWeights(model, tensors -> tensors.remove("rnn.bias_hh_l0"));

        assertThatThrownBy(() -> ModelDirectory.read(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(model.resolve("weights.safetensors").toString())
                .hasMessageContaining("missing tensor 'rnn.bias_hh_l0' (expected shape [64]");
    }

    @Test
    void wrongShapeSaysExpectedAndFound() throws IOException {
        Path model = copyOf("lstm_1layer_in8_h16");
        editWeights(
                model,
                tensors -> tensors.put("head.weight", new Tensor("head.weight", new int[] {16, 1}, new float[16])));

        assertThatThrownBy(() -> ModelDirectory.read(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 'head.weight' has shape [16, 1], expected [1, 16]");
    }

    @Test
    void nonFiniteWeightIsRejected() throws IOException {
        Path model = copyOf("gru_after_1layer_in8_h16");
        editWeights(model, tensors -> {
            float[] data = tensors.get("rnn.weight_hh_l0").data().clone();
            data[17] = Float.NaN;
            tensors.put("rnn.weight_hh_l0", new Tensor("rnn.weight_hh_l0", new int[] {48, 16}, data));
        });

        assertThatThrownBy(() -> ModelDirectory.read(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 'rnn.weight_hh_l0' has a non-finite value NaN at flat index 17");
    }

    @Test
    void unexpectedTensorIsRejected() throws IOException {
        Path model = copyOf("lstm_1layer_in8_h16");
        editWeights(
                model,
                tensors -> tensors.put(
                        "rnn.weight_ih_l0_reverse",
                        new Tensor("rnn.weight_ih_l0_reverse", new int[] {64, 8}, new float[512])));

        assertThatThrownBy(() -> ModelDirectory.read(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("unexpected tensor 'rnn.weight_ih_l0_reverse'");
    }

    @Test
    void unknownCellTypeIsRejected() throws IOException {
        Path model = copyOf("lstm_1layer_in8_h16");
        editConfig(model, config -> config.put("cell", "rnn_tanh"));

        assertThatThrownBy(() -> ModelDirectory.read(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(model.resolve("config.json").toString())
                .hasMessageContaining("unknown cell type 'rnn_tanh'");
    }

    @Test
    void featureCountMismatchIsRejected() throws IOException {
        Path model = copyOf("lstm_1layer_in8_h16");
        editConfig(model, config -> config.withArray("features").remove(0));

        assertThatThrownBy(() -> ModelDirectory.read(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("features lists 7 names but input_size is 8");
    }

    @Test
    void targetCountMismatchWithTheHeadIsRejected() throws IOException {
        Path model = copyOf("lstm_1layer_in8_h16");
        editConfig(model, config -> {
            config.withArray("targets").add("humidity");
            config.remove("target_scaler");
        });

        assertThatThrownBy(() -> ModelDirectory.read(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 'head.weight' has shape [1, 16], expected [2, 16]");
    }

    @Test
    void scalerLengthMismatchIsRejected() throws IOException {
        Path model = copyOf("lstm_1layer_in8_h16");
        editConfig(
                model,
                config -> ((ObjectNode) config.get("input_scaler"))
                        .putArray("std")
                        .add(1.0));

        assertThatThrownBy(() -> ModelDirectory.read(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("input_scaler")
                .hasMessageContaining("mean has 8 values but std has 1");
    }

    @Test
    void zeroStdIsRejected() throws IOException {
        Path model = copyOf("lstm_1layer_in8_h16");
        editConfig(
                model,
                config -> ((ArrayNode) config.get("target_scaler").get("std"))
                        .set(0, JSON.getNodeFactory().numberNode(0.0)));

        assertThatThrownBy(() -> ModelDirectory.read(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("target_scaler")
                .hasMessageContaining("std[0] = 0.0 must be > 0");
    }

    @Test
    void unknownFieldAndWrongFormatAreRejected() throws IOException {
        Path model = copyOf("lstm_1layer_in8_h16");
        editConfig(model, config -> config.put("hiden_size", 3));
        assertThatThrownBy(() -> ModelDirectory.read(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("unknown field 'hiden_size'");

        Path other = copyOf("gru_after_1layer_in8_h16");
        editConfig(other, config -> config.put("format", "streamcell-model/2"));
        assertThatThrownBy(() -> ModelDirectory.read(other))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("format is 'streamcell-model/2', expected 'streamcell-model/1'");
    }

    @Test
    void hiddenSizeOutOfBoundsIsRejected() throws IOException {
        Path model = copyOf("lstm_1layer_in8_h16");
        editConfig(model, config -> config.put("hidden_size", 1_000_000));

        assertThatThrownBy(() -> ModelDirectory.read(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("hidden_size is 1000000, expected 1..4096");
    }

    @Test
    void gruResetOnAnLstmIsRejected() throws IOException {
        Path model = copyOf("lstm_1layer_in8_h16");
        editConfig(model, config -> config.put("gru_reset", "before"));

        assertThatThrownBy(() -> ModelDirectory.read(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("gru_reset 'before' given for an lstm model");
    }

    @Test
    void missingWeightsFileIsNamed() throws IOException {
        Path model = copyOf("lstm_1layer_in8_h16");
        Files.delete(model.resolve("weights.safetensors"));

        assertThatThrownBy(() -> ModelDirectory.read(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(model.resolve("weights.safetensors") + ": missing weights file");
    }
}
