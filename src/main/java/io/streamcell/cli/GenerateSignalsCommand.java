package io.streamcell.cli;

import io.streamcell.files.AtomicFiles;
import io.streamcell.job.Durations;
import io.streamcell.train.SyntheticSignals;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamcell generate-signals}: the zero-shot model's training data. */
@Command(
        name = "generate-signals",
        mixinStandardHelpOptions = true,
        versionProvider = StreamCellCli.Version.class,
        showDefaultValues = true,
        footerHeading = "%nExample:%n",
        footer = "  streamcell generate-signals --output signals.csv --keys 100",
        description = {
            "Generate a broad family of univariate signals (random walks, trends, seasonalities, waves, regime "
                    + "changes, spikes, steps, flatlines, counts, large offsets, tiny scales, mixtures) as a "
                    + "readings CSV: key,timestamp,value,family, one key per series, "
                    + "rows of a key together, one --interval apart.",
            "The same options give the same file. Used to train the bundled zero-shot default model."
        })
final class GenerateSignalsCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(
            names = "--output",
            required = true,
            paramLabel = "FILE.csv",
            description = "Readings CSV (written only when complete).")
    private Path output;

    @Option(names = "--keys", defaultValue = "500", paramLabel = "N", description = "Number of series.")
    private int keys;

    @Option(names = "--steps", defaultValue = "2000", paramLabel = "N", description = "Values per series.")
    private int steps;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "SEED", description = "Seed.")
    private long seed;

    @Option(
            names = "--interval",
            defaultValue = "1m",
            paramLabel = "DURATION",
            description = "Time between a series' rows.")
    private String interval;

    @Option(
            names = "--stagger",
            description = "Start each series at a random hour of the week (seeded), so that no shape of the "
                    + "signals is tied to a time of day or week (for training the calendar terms of a zero-shot "
                    + "model).")
    private boolean stagger;

    @Override
    public Integer call() throws Exception {
        long step = Durations.parse(interval).toMillis();
        if (step <= 0) {
            throw new IllegalArgumentException("--interval must be positive, got " + interval);
        }
        List<SyntheticSignals.Series> series = SyntheticSignals.generate(keys, steps, seed);
        SplittableRandom offsets = new SplittableRandom(seed + 1);
        AtomicFiles.writeText(output, out -> {
            out.write("key,timestamp,value,family\n");
            long start = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
            for (int k = 0; k < series.size(); k++) {
                String key = String.format(Locale.ROOT, "signal-%05d", k);
                String family = series.get(k).family().name().toLowerCase(Locale.ROOT);
                double[] values = series.get(k).values();
                long first = start + (stagger ? 3_600_000L * offsets.nextInt(168) : 0);
                for (int t = 0; t < values.length; t++) {
                    out.write(key + ',' + (first + step * t) + ',' + values[t] + ',' + family + '\n');
                }
            }
        });
        spec.commandLine()
                .getErr()
                .printf(Locale.ROOT, "generated %d series x %d steps (seed %d) -> %s%n", keys, steps, seed, output);
        return 0;
    }
}
