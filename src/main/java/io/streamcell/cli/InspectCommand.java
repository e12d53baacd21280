package io.streamcell.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamcell.anomaly.AlertPolicy;
import io.streamcell.anomaly.AnomalyDetector;
import io.streamcell.anomaly.ChannelDetector;
import io.streamcell.core.Forecaster;
import io.streamcell.core.KeyStepper;
import io.streamcell.model.CellType;
import io.streamcell.model.ForecastSpec;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.ModelProvenance;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.state.KeyState;
import io.streamcell.state.KeyStateSerializer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamcell inspect}: what a model directory holds, after full validation. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        versionProvider = StreamCellCli.Version.class,
        showDefaultValues = true,
        footerHeading = "%nExample:%n",
        footer = "  streamcell inspect --model model/",
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
        node.put("anomaly_state_floats_per_key", anomalyStateFloats(model));
        ForecastSpec recipe = config.forecast();
        if (recipe != null) {
            Forecaster forecaster = new Forecaster(model, recipe.adapt());
            ObjectNode r = node.putObject("forecast");
            r.put("units", recipe.units().isOnline() ? "online (per key)" : "fixed (training rows)");
            for (int lag : recipe.lags()) {
                r.withArray("lags").add(lag);
            }
            r.put("recurrent_features", recipe.recurrent().name().toLowerCase(Locale.ROOT));
            r.put("readout", recipe.readout().method());
            r.put("adaptation", recipe.adapt() ? recipe.readout().method() : "off");
            r.put("time_zone", recipe.calendar().zone().getId());
            r.put("readout_inputs_per_target", forecaster.readoutInputs());
            r.put("state_floats_per_key", forecaster.stateSize());
            r.put("initial_readout", model.readout() != null ? "fitted" : "zero weights");
        }
        node.put("input_scaler", config.inputScaler().isIdentity() ? "identity" : "per-feature mean/std");
        node.put("target_scaler", config.targetScaler().isIdentity() ? "identity" : "per-target mean/std");
        node.set("provenance", config.provenance().toJson());
        return node;
    }

    /**
     * Serialized size of a key's operator state after its first event: h/c, last forecast, counters
     * and, for a model with a forecast recipe, the recipe's state. The anomaly detector's statistics
     * ({@link #anomalyStateFloats}) come from the second event on.
     */
    static int keyedStateBytes(RecurrentModel model) {
        KeyState state = KeyState.fresh(model);
        new KeyStepper(model, null, null)
                .step(state, 0, new float[model.config().features().size()]);
        return KeyStateSerializer.serializedSize(state);
    }

    /** Floats of a key's anomaly detector statistics (a transition table included), per key. */
    static int anomalyStateFloats(RecurrentModel model) {
        return new AnomalyDetector(model.config().targets().size(), ChannelDetector.DEFAULTS, AlertPolicy.DEFAULTS)
                .stateSize();
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
        ForecastSpec recipe = config.forecast();
        if (recipe != null) {
            JsonNode r = d.get("forecast");
            out.printf(
                    "forecast   change from the last value; units %s; lags %s; network contributes its %s; %s "
                            + "readout (%s), %d inputs per target, initial readout %s, time zone %s; %d floats per "
                            + "key%n",
                    r.get("units").asText(),
                    r.get("lags"),
                    r.get("recurrent_features").asText(),
                    r.get("readout").asText(),
                    recipe.adapt() ? "adapting online" : "frozen",
                    r.get("readout_inputs_per_target").asInt(),
                    r.get("initial_readout").asText(),
                    r.get("time_zone").asText(),
                    r.get("state_floats_per_key").asInt());
        } else {
            out.printf("forecast   the network's head (no forecast recipe)%n");
        }
        out.printf(
                "anomaly    %d floats per key (statistics and a transition table per target)%n",
                d.get("anomaly_state_floats_per_key").asInt());
        printProvenance(out, config.provenance());
    }

    /** The provenance, a section a line (continuation lines indented under the value). */
    static void printProvenance(PrintWriter out, ModelProvenance p) {
        if (p.isEmpty()) {
            out.printf("provenance (none)%n");
            return;
        }
        out.printf("provenance%n");
        if (p.tool() != null) {
            field(out, "tool", p.tool());
        }
        if (p.created() != null) {
            field(out, "created", p.created().toString());
        }
        if (p.versions() != null) {
            field(
                    out,
                    "versions",
                    "streamcell " + p.versions().streamcell() + ", Java "
                            + p.versions().java());
        }
        if (p.input() != null) {
            ModelProvenance.Input in = p.input();
            List<String> lines = new ArrayList<>();
            if (in.file() != null) {
                lines.add(in.file());
            }
            lines.add(String.format(Locale.ROOT, "%,d rows of %,d key(s)", in.rows(), in.keys()));
            if (in.sha256() != null) {
                lines.add("file sha256   " + in.sha256());
            }
            if (in.seriesSha256() != null) {
                lines.add("series sha256 " + in.seriesSha256());
            }
            field(out, "input", lines.toArray(String[]::new));
        }
        if (p.options() != null) {
            ModelProvenance.Options o = p.options();
            List<String> lines = new ArrayList<>();
            lines.add(String.format(
                    Locale.ROOT,
                    "%s%s, hidden %d, %d layer(s), horizon %d; features %s; targets %s",
                    o.cell().configName(),
                    o.cell() == CellType.GRU ? " (reset " + o.gruReset().configName() + ")" : "",
                    o.hidden(),
                    o.layers(),
                    o.horizon(),
                    String.join(", ", o.features()),
                    String.join(", ", o.targets())));
            lines.add(String.format(
                    Locale.ROOT,
                    "%d epochs, lr %s %s, window %d, batch %d, val %s",
                    o.epochs(),
                    o.learningRate(),
                    o.schedule(),
                    o.window(),
                    o.batch(),
                    o.validationFraction()));
            lines.add(String.format(
                    Locale.ROOT,
                    "weight decay %s, clip %s, patience %d, season %d",
                    o.weightDecay(),
                    o.clipNorm(),
                    o.patience(),
                    o.season()));
            if (o.onlineNormalisation() != null) {
                lines.add(String.format(
                        Locale.ROOT,
                        "online normalisation: half-life %s, scale floor %s, clip %s",
                        o.onlineNormalisation().halfLife(),
                        o.onlineNormalisation().scaleFloor(),
                        o.onlineNormalisation().clip()));
            }
            lines.add(o.optimizer());
            field(out, "options", lines.toArray(String[]::new));
        }
        if (p.seed() != null) {
            field(out, "seed", Long.toString(p.seed()));
        }
        if (p.training() != null) {
            ModelProvenance.Training t = p.training();
            field(
                    out,
                    "training",
                    String.format(
                            Locale.ROOT,
                            "%d epoch(s) run%s, best %d, %.1f s",
                            t.epochsRun(),
                            t.stoppedEarly() ? " (early stop)" : "",
                            t.bestEpoch(),
                            t.seconds()));
        }
        if (p.metrics() != null) {
            ModelProvenance.Metrics m = p.metrics();
            field(
                    out,
                    "metrics",
                    m.split(),
                    String.format(Locale.ROOT, "%-22s %14s %14s %12s", "forecast", "MSE", "MAE", "values"),
                    score("model", m.model()),
                    score("naive last value", m.naive()),
                    score("seasonal naive (" + m.season() + ")", m.seasonalNaive()));
        }
        p.extra()
                .fields()
                .forEachRemaining(e -> field(out, e.getKey(), e.getValue().toString()));
    }

    private static String score(String name, ModelProvenance.Score s) {
        return s.count() == 0
                ? String.format(Locale.ROOT, "%-22s %14s %14s %12d", name, "n/a", "n/a", 0)
                : String.format(Locale.ROOT, "%-22s %14.6g %14.6g %,12d", name, s.mse(), s.mae(), s.count());
    }

    /** {@code "  name       line"}, then each further line under the first. */
    private static void field(PrintWriter out, String name, String... lines) {
        out.printf("  %-13s %s%n", name, lines[0]);
        for (int i = 1; i < lines.length; i++) {
            out.printf("  %-13s %s%n", "", lines[i]);
        }
    }
}
