package io.streamcell.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamcell.model.CellType;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.state.KeyState;
import io.streamcell.state.KeyStateSerializer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamcell inspect}: what a model directory holds, after full validation. */
@Command(
        name = "inspect",
        description = "Validate a model directory and describe it: architecture, parameters, "
                + "state bytes per key, version, provenance.")
final class InspectCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    private CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory.")
    private Path model;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    private boolean json;

    @Override
    public Integer call() throws Exception {
        RecurrentModel loaded = ModelDirectory.read(model);
        ObjectNode description = describe(loaded);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(JSON.writeValueAsString(description));
        } else {
            printText(out, loaded, description);
        }
        out.flush();
        return 0;
    }

    static ObjectNode describe(RecurrentModel model) {
        ModelConfig config = model.config();
        ObjectNode node = JSON.createObjectNode();
        node.put("version", config.version());
        node.put("cell", config.cell().configName());
        if (config.cell() == CellType.GRU) {
            node.put("gru_reset", config.gruReset().configName());
        }
        node.put("input_size", config.inputSize());
        node.put("hidden_size", config.hiddenSize());
        node.put("num_layers", config.numLayers());
        config.features().forEach(node.putArray("features")::add);
        config.targets().forEach(node.putArray("targets")::add);
        node.put("horizon", config.horizon());
        node.put("outputs", config.outputSize());
        node.put("parameters", model.parameterCount());
        node.put("state_floats_per_key", model.stateSize());
        node.put("state_bytes_per_key", 4L * model.stateSize());
        node.put("keyed_state_bytes_per_key", keyedStateBytes(model));
        node.put("input_scaler", config.inputScaler().isIdentity() ? "identity" : "per-feature mean/std");
        node.put("target_scaler", config.targetScaler().isIdentity() ? "identity" : "per-target mean/std");
        node.set("provenance", config.provenance());
        return node;
    }

    /** Serialized size of a key's full operator state (h/c, last forecast, counters) after its first event. */
    static int keyedStateBytes(RecurrentModel model) {
        KeyState state = KeyState.fresh(model);
        state.setLastForecast(new float[model.outputSize()]);
        return KeyStateSerializer.serializedSize(state);
    }

    private static void printText(PrintWriter out, RecurrentModel model, ObjectNode d) throws Exception {
        ModelConfig config = model.config();
        String cell = config.cell() == CellType.GRU
                ? "GRU (reset " + config.gruReset().configName() + " the hidden matmul)"
                : "LSTM";
        out.printf("model      %s%n", d.get("version").asText());
        out.printf(
                "cell       %s, %d layer(s), input %d, hidden %d%n",
                cell, config.numLayers(), config.inputSize(), config.hiddenSize());
        out.printf("features   %s%n", String.join(", ", config.features()));
        out.printf(
                "targets    %s, horizon %d (%d head outputs)%n",
                String.join(", ", config.targets()), config.horizon(), config.outputSize());
        out.printf(
                "scalers    input: %s, target: %s%n",
                d.get("input_scaler").asText(), d.get("target_scaler").asText());
        out.printf("parameters %,d%n", model.parameterCount());
        out.printf(
                "state      %d floats = %d bytes per key (h%s per layer); %d bytes per key in Flink state%n",
                model.stateSize(),
                4 * model.stateSize(),
                config.cell().hasCellState() ? " and c" : "",
                keyedStateBytes(model));
        out.printf(
                "provenance %s%n",
                config.provenance().isEmpty() ? "(none)" : JSON.writeValueAsString(config.provenance()));
    }
}
