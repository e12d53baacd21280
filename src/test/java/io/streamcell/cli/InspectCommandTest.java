package io.streamcell.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.ModelProvenance;
import io.streamcell.model.io.ModelDirectory;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
    @TempDir
    Path temp;

    private static String model(String name) {
        return GoldenFixtures.root().resolve(name).resolve("model").toString();
    }

    @Test
    void describesArchitectureParametersAndStateSize() throws Exception {
        CliRun run = CliRun.of("inspect", "--model", model("lstm_2layer_in3_h32_2targets_horizon3"), "--json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());
        // PyTorch's count: per layer 4H*(I+H) + 2*4H, head 6*H + 6.
        long layer0 = 4 * 32 * (3 + 32) + 2 * 4 * 32;
        long layer1 = 4 * 32 * (32 + 32) + 2 * 4 * 32;
        long head = 6 * 32 + 6;
        assertThat(json.get("parameters").asLong()).isEqualTo(layer0 + layer1 + head);
        assertThat(json.get("cell").asText()).isEqualTo("lstm");
        assertThat(json.get("outputs").asInt()).isEqualTo(6);
        assertThat(json.get("state_bytes_per_key").asInt()).isEqualTo(2 * 2 * 32 * 4);
        // h and c of 2 layers + a 6-value forecast, two longs, six varint array lengths (128 takes 2 bytes)
        // and the architecture's int
        assertThat(json.get("keyed_state_bytes_per_key").asInt())
                .isEqualTo(4 * (128 + 6) + 16 + 2 + 1 + 1 + 1 + 1 + 1 + 4);
        assertThat(json.get("provenance").get("tool").asText()).isEqualTo("export_pytorch.py");
    }

    @Test
    void textOutputNamesTheGruVariant() {
        CliRun run = CliRun.of("inspect", "--model", model("gru_before_1layer_in8_h16"));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("GRU (reset before")
                .contains("64 bytes per key")
                .contains("golden-1");
    }

    @Test
    void textOutputShowsTheProvenanceSectionBySection() throws Exception {
        Path demo = Path.of(InspectCommandTest.class.getResource("/models/demo").toURI());
        ModelProvenance p = ModelDirectory.read(demo).config().provenance();
        CliRun run = CliRun.of("inspect", "--model", demo.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("  tool          streamcell train")
                .contains("  created       " + p.created())
                .contains("  input         ")
                .contains(String.format(
                        Locale.ROOT,
                        "%,d rows of %d key(s)",
                        p.input().rows(),
                        p.input().keys()))
                .contains("  options       lstm, hidden 32, 1 layer(s), horizon 1; features temperature, humidity")
                .contains("  seed          0")
                .contains("  training      " + p.training().epochsRun() + " epoch(s) run, best "
                        + p.training().bestEpoch())
                .containsPattern("naive last value +[0-9.e-]+ +[0-9.e-]+ +"
                        + String.format(Locale.ROOT, "%,d", p.metrics().naive().count()))
                .contains("seasonal naive (288)");
    }

    @Test
    void textOutputShowsFieldsItDoesNotKnowAsJson() {
        CliRun run = CliRun.of("inspect", "--model", model("gru_before_1layer_in8_h16"));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("  tool          export_pytorch.py")
                .contains("  torch         \"1.13.0a0\"")
                .contains("  seed          \"2915592246\"");
    }

    @Test
    void missingDirectoryFails() {
        CliRun run = CliRun.of("inspect", "--model", temp.resolve("nope").toString());

        assertThat(run.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(run.err()).contains("not a model directory");
    }
}
