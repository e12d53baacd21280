package io.streamcell.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Loss, outputs, final state and every gradient element against PyTorch float64 autograd, on the
 * fixtures made by {@code tools/make_grad_fixtures.py} ({@code src/test/resources/grad/}).
 */
class PyTorchGradientFixtureTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double RELATIVE = 1e-9;
    /** Floor for elements near zero: float64 sums in another order differ by ~1e-16 of the terms. */
    private static final double ABSOLUTE = 1e-13;

    static Path root() throws URISyntaxException {
        return Path.of(PyTorchGradientFixtureTest.class
                        .getResource("/grad/cases.json")
                        .toURI())
                .getParent();
    }

    static Stream<String> caseNames() throws Exception {
        List<String> names = new ArrayList<>();
        JSON.readTree(root().resolve("cases.json").toFile())
                .get("cases")
                .forEach(c -> names.add(c.get("name").textValue()));
        return names.stream();
    }

    @Test
    void shouldCoverEveryCellTypeWithOneAndTwoLayers() throws Exception {
        assertThat(caseNames().toList())
                .hasSize(6)
                .anyMatch(n -> n.startsWith("lstm_1layer"))
                .anyMatch(n -> n.startsWith("lstm_2layer"))
                .anyMatch(n -> n.startsWith("gru_after_1layer"))
                .anyMatch(n -> n.startsWith("gru_after_2layer"))
                .anyMatch(n -> n.startsWith("gru_before_1layer"))
                .anyMatch(n -> n.startsWith("gru_before_2layer"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseNames")
    void shouldMatchPyTorchAutograd(String name) throws Exception {
        Path directory = root().resolve(name);
        RecurrentModel model = ModelDirectory.read(directory.resolve("model"));
        ModelConfig config = model.config();
        JsonNode doc = JSON.readTree(directory.resolve("case.json").toFile());
        double[][] inputs = matrix(doc.get("inputs"));
        double[][] targets = matrix(doc.get("targets"));
        double[] initial = doc.get("initial_state").isNull() ? null : state(doc.get("initial_state"), config);
        Parameters parameters = Parameters.fromModel(model);

        SequenceLoss.Result result = SequenceLoss.lossAndGradient(parameters, config, inputs, targets, initial);

        assertClose("loss", new double[] {result.loss()}, new double[] {
            doc.get("loss").doubleValue()
        });
        double[][] outputs = matrix(doc.get("outputs"));
        for (int t = 0; t < outputs.length; t++) {
            assertClose("outputs[" + t + "]", result.outputs()[t], outputs[t]);
        }
        assertClose("final state", result.finalState(), state(doc.get("final_state"), config));
        JsonNode gradients = doc.get("gradients");
        assertThat(List.copyOf(result.gradient().names())).containsExactlyElementsOf(() -> gradients.fieldNames());
        for (String tensor : result.gradient().names()) {
            JsonNode expected = gradients.get(tensor);
            int[] shape = JSON.convertValue(expected.get("shape"), int[].class);
            assertThat(result.gradient().shape(tensor)).as(tensor).isEqualTo(shape);
            assertClose(tensor, result.gradient().get(tensor), vector(expected.get("values")));
        }
    }

    private static void assertClose(String what, double[] actual, double[] expected) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            double tolerance = RELATIVE * Math.abs(expected[i]) + ABSOLUTE;
            assertThat(Math.abs(actual[i] - expected[i]))
                    .as("%s[%d]: %s vs PyTorch %s", what, i, actual[i], expected[i])
                    .isLessThanOrEqualTo(tolerance);
        }
    }

    private static double[] vector(JsonNode node) {
        double[] values = new double[node.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = node.get(i).isNull() ? Double.NaN : node.get(i).doubleValue();
        }
        return values;
    }

    private static double[][] matrix(JsonNode node) {
        double[][] rows = new double[node.size()][];
        for (int t = 0; t < rows.length; t++) {
            rows[t] = vector(node.get(t));
        }
        return rows;
    }

    /** {"h": [[layer 0], ...], "c": [...]} to RecurrentModel's flat layout (per layer h, then c). */
    private static double[] state(JsonNode node, ModelConfig config) {
        double[] flat = new double[config.stateSize()];
        int hidden = config.hiddenSize();
        boolean lstm = config.cell().hasCellState();
        int stride = hidden * (lstm ? 2 : 1);
        for (int l = 0; l < config.numLayers(); l++) {
            System.arraycopy(vector(node.get("h").get(l)), 0, flat, l * stride, hidden);
            if (lstm) {
                System.arraycopy(vector(node.get("c").get(l)), 0, flat, l * stride + hidden, hidden);
            }
        }
        return flat;
    }
}
