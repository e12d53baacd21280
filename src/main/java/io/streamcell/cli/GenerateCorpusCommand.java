package io.streamcell.cli;

import io.streamcell.anomaly.eval.LabelledCorpus;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamcell generate-corpus}: a labelled synthetic corpus in NAB's layout, for {@code evaluate}. */
@Command(
        name = "generate-corpus",
        mixinStandardHelpOptions = true,
        versionProvider = StreamCellCli.Version.class,
        showDefaultValues = true,
        footerHeading = "%nExample:%n",
        footer = "  streamcell generate-corpus --out corpus/",
        description = {
            "Generate a labelled synthetic corpus in NAB's layout for 'streamcell evaluate': "
                    + "OUT/data/synthetic/series_NNN.csv (timestamp,value; 5 minutes apart) and "
                    + "OUT/labels/combined_windows.json.",
            "Each series: level, daily cycle, AR(1) noise, 1-3 injected spikes or level shifts after the "
                    + "probationary period; windows of 10%% of the length / anomalies, centred on each anomaly.",
            "The same options give the same files."
        })
final class GenerateCorpusCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    private Path out;

    @Option(names = "--files", defaultValue = "10", paramLabel = "N", description = "Number of series.")
    private int files;

    @Option(names = "--length", defaultValue = "4000", paramLabel = "L", description = "Rows per series.")
    private int length;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "SEED", description = "Seed.")
    private long seed;

    @Override
    public Integer call() throws Exception {
        List<LabelledCorpus.File> written = LabelledCorpus.write(out, files, length, seed);
        int anomalies = written.stream().mapToInt(f -> f.anomalies().size()).sum();
        spec.commandLine()
                .getErr()
                .printf(
                        "generated %d series x %d rows with %d labelled anomalies (seed %d) -> %s%n",
                        files, length, anomalies, seed, out);
        spec.commandLine()
                .getErr()
                .printf(
                        "evaluate with: streamcell evaluate --data %s --labels %s --results DIR --model DIR%n",
                        LabelledCorpus.dataDir(out), LabelledCorpus.labelsFile(out));
        return 0;
    }
}
