package io.streamcell.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamcell.model.io.ModelDirectory;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ModelProvenanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    /** Every model directory in the repository: the bundled models and the test fixtures. */
    static Stream<Path> committedModelDirectories() throws IOException {
        List<Path> roots = List.of(bundledModels(), GoldenFixtures.root().getParent());
        List<Path> directories = new ArrayList<>();
        for (Path root : roots) {
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(p -> p.getFileName().toString().equals(ModelDirectory.CONFIG_FILE))
                        .filter(p -> Files.exists(p.resolveSibling(ModelDirectory.WEIGHTS_FILE)))
                        .map(Path::getParent)
                        .forEach(directories::add);
            }
        }
        assertThat(directories).hasSizeGreaterThanOrEqualTo(20);
        return directories.stream().sorted();
    }

    private static Path bundledModels() {
        try {
            return Path.of(ModelProvenanceTest.class.getResource("/models").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @MethodSource("committedModelDirectories")
    void shouldWriteEveryCommittedProvenanceBackAsTheSameJson(Path directory) throws IOException {
        JsonNode original = JSON.readTree(
                        directory.resolve(ModelDirectory.CONFIG_FILE).toFile())
                .get("provenance");
        Path written = temp.resolve("written");

        ModelDirectory.write(ModelDirectory.read(directory), written);

        JsonNode rewritten = JSON.readTree(
                        written.resolve(ModelDirectory.CONFIG_FILE).toFile())
                .get("provenance");
        assertThat(rewritten).isEqualTo(original);
    }

    @Test
    void shouldReadTheBundledModelsProvenanceAsTyped() throws IOException {
        Path demo = bundledModels().resolve("demo");
        JsonNode raw =
                JSON.readTree(demo.resolve(ModelDirectory.CONFIG_FILE).toFile()).get("provenance");
        ModelProvenance p = ModelDirectory.read(demo).config().provenance();

        assertThat(p.tool()).startsWith("streamcell train");
        assertThat(p.input().sha256()).hasSize(64);
        assertThat(p.input().rows())
                .isPositive()
                .isEqualTo(raw.at("/input/rows").asLong());
        assertThat(p.options().cell()).isEqualTo(CellType.LSTM);
        assertThat(p.options().features()).containsExactly("temperature", "humidity");
        assertThat(p.seed()).isZero();
        assertThat(p.training().epochsRun())
                .isPositive()
                .isEqualTo(raw.at("/training/epochs_run").asInt());
        assertThat(p.metrics().model().mae()).isLessThan(p.metrics().naive().mae());
        assertThat(p.created()).isEqualTo(Instant.parse(raw.get("created").asText()));
        assertThat(p.extra().isEmpty()).isTrue();
    }

    @Test
    void shouldKeepWhatIsNotOfItsFormInExtra() throws IOException {
        ObjectNode node = (ObjectNode) JSON.readTree("{\"tool\": \"export_pytorch.py\", \"torch\": \"1.13.0\", "
                + "\"seed\": \"1205755730\", \"created\": \"fixed\", "
                + "\"input\": {\"rows\": 10, \"keys\": 1, \"comment\": \"a field this version does not know\"}, "
                + "\"versions\": {\"streamcell\": \"0.1.0\", \"java\": \"17.0.9\"}}");

        ModelProvenance p = ModelProvenance.fromJson(node);

        assertThat(p.tool()).isEqualTo("export_pytorch.py");
        assertThat(p.versions()).isEqualTo(new ModelProvenance.Versions("0.1.0", "17.0.9"));
        assertThat(p.seed()).isNull();
        assertThat(p.created()).isNull();
        assertThat(p.input()).isNull();
        assertThat(p.extra().fieldNames()).toIterable().containsExactlyInAnyOrder("torch", "seed", "created", "input");
        assertThat(JSON.readTree(JSON.writeValueAsString(p.toJson()))).isEqualTo(node);
        assertThat(ModelProvenance.fromJson(p.toJson())).isEqualTo(p);
    }

    @Test
    void shouldReplaceAnUntypedSectionWhenOneIsSet() throws IOException {
        ModelProvenance p = ModelProvenance.fromJson((ObjectNode) JSON.readTree("{\"tool\": 5}"));
        assertThat(p.tool()).isNull();

        ModelProvenance named = p.withTool("streamcell train");

        assertThat(named.tool()).isEqualTo("streamcell train");
        assertThat(named.toJson().get("tool").asText()).isEqualTo("streamcell train");
        assertThat(named.extra().isEmpty()).isTrue();
    }

    @Test
    void shouldRefuseASectionGivenTwice() {
        ObjectNode extra = JSON.createObjectNode().put("tool", "other");

        assertThatThrownBy(() -> new ModelProvenance("streamcell", null, null, null, null, null, null, null, extra))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'tool'");
    }

    @Test
    void shouldWriteScoresThatCouldNotBeComputedAsNull() throws IOException {
        ModelProvenance.Score none = new ModelProvenance.Score(0, Double.NaN, Double.NaN);
        ModelProvenance.Score some = new ModelProvenance.Score(10, 0.5, 0.25);
        ModelProvenance p = new ModelProvenance(
                null,
                null,
                null,
                null,
                new ModelProvenance.Training(2, 1, true, 0.1, List.of(1.0, Double.NaN), List.of(0.5, 0.75)),
                new ModelProvenance.Metrics("validation, original units", 24, some, some, none),
                null,
                null,
                null);

        ObjectNode json = p.toJson();

        assertThat(json.at("/metrics/seasonal_naive/mse").isNull()).isTrue();
        assertThat(json.at("/training/train_loss/1").isNull()).isTrue();
        assertThat(ModelProvenance.fromJson((ObjectNode) JSON.readTree(JSON.writeValueAsString(json))))
                .isEqualTo(p);
    }

    @Test
    void shouldBeEmptyForNoProvenance() {
        assertThat(ModelProvenance.fromJson(null).isEmpty()).isTrue();
        assertThat(ModelProvenance.fromJson(JSON.createObjectNode())).isEqualTo(ModelProvenance.EMPTY);
        assertThat(ModelProvenance.EMPTY.toJson().isEmpty()).isTrue();
    }
}
