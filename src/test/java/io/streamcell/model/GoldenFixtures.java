package io.streamcell.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcell.io.csv.ReadingsCsvReader;
import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.io.ModelDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The PyTorch reference fixtures under {@code src/test/resources/golden/} (made by
 * {@code tools/make_golden.py}): per case a model directory, the input readings, the expected
 * forecasts per reading and the expected final state per key.
 */
public final class GoldenFixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GoldenFixtures() {}

    public static Path root() {
        try {
            return Path.of(GoldenFixtures.class
                            .getResource("/golden/cases.json")
                            .toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Case names, as listed in cases.json. */
    public static Stream<String> caseNames() {
        try {
            JsonNode cases = JSON.readTree(root().resolve("cases.json").toFile());
            JsonNode list = cases.isArray() ? cases : cases.get("cases");
            List<String> names = new ArrayList<>();
            list.forEach(c -> names.add(c.get("name").textValue()));
            return names.stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public record Case(
            String name,
            Path directory,
            RecurrentModel model,
            List<Row> readings,
            List<float[]> expectedForecasts,
            Map<String, float[]> expectedStates) {
        public Path modelDirectory() {
            return directory.resolve("model");
        }

        public Path input() {
            return directory.resolve("input.csv");
        }

        public Path expected() {
            return directory.resolve("expected.csv");
        }
    }

    public static Case load(String name) throws IOException {
        Path directory = root().resolve(name);
        RecurrentModel model = ModelDirectory.read(directory.resolve("model"));
        List<Row> readings = new ArrayList<>();
        try (ReadingsCsvReader reader = ReadingsCsvReader.open(
                directory.resolve("input.csv"), model.config().features())) {
            for (Row row = reader.next(); row != null; row = reader.next()) {
                readings.add(row);
            }
        }
        List<float[]> expected = readForecasts(directory.resolve("expected.csv"));
        Map<String, float[]> states = new LinkedHashMap<>();
        JsonNode stateJson = JSON.readTree(directory.resolve("final_state.json").toFile());
        stateJson.fields().forEachRemaining(e -> states.put(e.getKey(), flatState(model, e.getValue())));
        return new Case(name, directory, model, readings, expected, states);
    }

    /** The forecast columns (everything after key and timestamp) of a forecasts CSV. */
    public static List<float[]> readForecasts(Path csv) throws IOException {
        List<float[]> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            float[] values = new float[cells.length - 2];
            for (int i = 0; i < values.length; i++) {
                values[i] = Float.parseFloat(cells[i + 2]);
            }
            rows.add(values);
        }
        return rows;
    }

    /** final_state.json's {"h": [[layer...]], "c": [[layer...]]} in the model's flat state layout. */
    private static float[] flatState(RecurrentModel model, JsonNode node) {
        float[] state = model.newState();
        for (int l = 0; l < model.numLayers(); l++) {
            copy(node.get("h").get(l), state, model.hiddenOffset(l));
            if (model.cell().hasCellState()) {
                copy(node.get("c").get(l), state, model.cellOffset(l));
            }
        }
        return state;
    }

    private static void copy(JsonNode values, float[] into, int offset) {
        for (int i = 0; i < values.size(); i++) {
            into[offset + i] = (float) values.get(i).doubleValue();
        }
    }

    /** The tolerance: |actual - expected| <= 1e-5 * max(1, |expected|). */
    public static boolean close(float actual, float expected) {
        return Math.abs(actual - expected) <= 1e-5 * Math.max(1.0, Math.abs(expected));
    }
}
