package io.streamcell.cli;

import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.replay.Replay;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamcell replay}: a readings CSV through a model, offline, one forecast row per reading. */
@Command(
        name = "replay",
        description = {
            "Replay a readings CSV through a model: per-key state, one output row per input row, same order.",
            "Input: a header row, a 'timestamp' column (ISO-8601 or epoch ms), an optional 'key' column "
                    + "(without it the file is one key) and one column per model feature.",
            "Output: key,timestamp,forecast_<target> (forecast_<target>_h<k> when horizon > 1)."
        })
final class ReplayCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(
            names = "--model",
            paramLabel = "DIR",
            description = "Model directory; default: the bundled zero-shot "
                    + "model (feature 'value', any series, normalised per key online).")
    private Path model;

    @Option(names = "--input", required = true, paramLabel = "IN.csv", description = "Readings CSV.")
    private Path input;

    @Option(
            names = "--output",
            required = true,
            paramLabel = "OUT.csv",
            description = "Forecasts CSV (written only when complete).")
    private Path output;

    @Option(
            names = "--adaptation",
            defaultValue = "off",
            paramLabel = "off|rls|nlms",
            description =
                    "Adapt each key online as the job's adaptation.mode does (default settings; default: ${DEFAULT-VALUE}).")
    private String adaptation;

    @Option(
            names = "--batch",
            arity = "0..1",
            fallbackValue = "256",
            paramLabel = "N",
            description = "Use the batched kernel, stepping up to N keys at once (default N: ${FALLBACK-VALUE}). "
                    + "Same numbers as the per-event kernel up to float rounding.")
    private int batch = 1;

    @Override
    public Integer call() throws Exception {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        RecurrentModel loaded =
                model != null ? ModelDirectory.read(model) : ModelDirectory.load(ModelDirectory.ZERO_SHOT_MODEL);
        long start = System.nanoTime();
        Replay.Summary summary =
                Replay.run(loaded, input, output, batch, io.streamcell.adapt.Adaptation.parse(adaptation));
        double seconds = (System.nanoTime() - start) / 1e9;
        spec.commandLine()
                .getErr()
                .printf(
                        "replayed %d rows of %d key(s) through %s (%s kernel) in %.2f s -> %s%n",
                        summary.rows(),
                        summary.keys(),
                        loaded.version(),
                        batch > 1 ? "batched" : "per-event",
                        seconds,
                        output);
        return 0;
    }
}
