package io.streamcell.cli;

import io.streamcell.adapt.Adaptation;
import io.streamcell.core.StepSettings;
import io.streamcell.job.JobConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.replay.Replay;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamcell replay}: a readings CSV through a model, offline, one forecast row per reading. */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        versionProvider = StreamCellCli.Version.class,
        showDefaultValues = true,
        footerHeading = "%nExample:%n",
        footer = "  streamcell replay --model model/ --input readings.csv --output forecasts.csv",
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
            description = {
                "Model directory.",
                "  Default: the job's model.path with --config, else the bundled zero-shot model (feature 'value', "
                        + "any series, normalised per key online)."
            })
    private Path model;

    @Option(names = "--input", required = true, paramLabel = "IN.csv", description = "Readings CSV.")
    private Path input;

    @Option(
            names = "--output",
            required = true,
            paramLabel = "OUT.csv",
            description = "Forecasts CSV (written only when complete).")
    private Path output;

    @Mixin
    private JobConfigOptions jobConfig;

    @Option(
            names = "--adaptation",
            paramLabel = "model|off|rls|nlms",
            description = {
                "Adapt each key online as the job's adaptation.mode does, with default settings "
                        + "(model: as the model says; not with --config, which sets adaptation.*).",
                "  Default: model."
            })
    private String adaptation;

    @Option(
            names = "--batch",
            arity = "0..1",
            fallbackValue = "256",
            paramLabel = "N",
            description = {
                "Step up to N keys at once with the BLAS kernel. Same numbers as the per-event kernel up to float "
                        + "rounding. Not with --config.",
                "  Default: per event; N is ${FALLBACK-VALUE} when --batch is given without it."
            })
    private Integer batch;

    @Override
    public Integer call() throws Exception {
        if (batch != null && batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        if (jobConfig.given() && (adaptation != null || batch != null)) {
            throw new IllegalArgumentException("--adaptation and --batch cannot be combined with --config: set "
                    + "adaptation.* and stepping.* in the job configuration (or with --set)");
        }
        RecurrentModel loaded;
        StepSettings settings;
        JobConfig job = jobConfig.load();
        if (job != null) {
            loaded = model != null ? ModelDirectory.read(model) : ModelDirectory.load(job.modelPath());
            settings = job.stepSettings();
        } else {
            loaded = model != null ? ModelDirectory.read(model) : ModelDirectory.load(ModelDirectory.ZERO_SHOT_MODEL);
            int size = batch == null ? 1 : batch;
            settings = StepSettings.DEFAULTS
                    .withAdaptation(Adaptation.parse(adaptation == null ? "model" : adaptation))
                    .withBundles(StepSettings.Kernel.BLAS, size);
        }
        long start = System.nanoTime();
        Replay.Summary summary = Replay.run(loaded, input, output, settings);
        double seconds = (System.nanoTime() - start) / 1e9;
        String kernel =
                settings.perEvent() ? "per-event" : settings.kernel().name().toLowerCase(Locale.ROOT) + " bundle";
        spec.commandLine()
                .getErr()
                .printf(
                        "replayed %d rows of %d key(s) through %s (%s kernel) in %.2f s -> %s%n",
                        summary.rows(), summary.keys(), loaded.version(), kernel, seconds, output);
        if (summary.late() > 0) {
            spec.commandLine()
                    .getErr()
                    .printf(
                            "%d reading(s) came too late for their key's event-time order (the job sends them to "
                                    + "dead letters): no output rows%n",
                            summary.late());
        }
        if (summary.bufferFull() > 0) {
            spec.commandLine()
                    .getErr()
                    .printf(
                            "%d reading(s) found their key's readings waiting for the watermark at the bound "
                                    + "(ordering.max-buffered-readings, -bytes; the job sends them to dead letters as "
                                    + "buffer_full): no output rows%n",
                            summary.bufferFull());
        }
        return 0;
    }
}
