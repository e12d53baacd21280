package io.streamcell.cli;

import io.streamcell.anomaly.eval.Evaluation;
import io.streamcell.anomaly.eval.EvaluationReport;
import io.streamcell.core.StepSettings;
import io.streamcell.job.JobConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamcell evaluate}: replay a NAB-layout corpus through a model and score it like NAB. */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        versionProvider = StreamCellCli.Version.class,
        showDefaultValues = true,
        footerHeading = "%nExample:%n",
        footer = {
            "  streamcell evaluate --data corpus/data \\",
            "      --labels corpus/labels/combined_windows.json \\",
            "      --results results/ --report report.html",
            "  (a corpus to try it on: streamcell generate-corpus --out corpus/)"
        },
        description = {
            "Evaluate a model as an anomaly detector on a corpus in NAB's layout: DATA/<category>/<name>.csv "
                    + "(timestamp,value), labels {\"<category>/<name>.csv\": [[start, end], ...]}.",
            "Each file is one key, replayed per event (or as --config's job steps); writes RESULTS/<category>/<name>.csv "
                    + "(timestamp,value,anomaly_score,label) and RESULTS/summary.json, and prints the NAB "
                    + "scores (standard, reward_low_FP_rate, reward_low_FN_rate) and the alert episodes.",
            "The model must have the single feature and target 'value'; without --model the bundled zero-shot "
                    + "model (or the job's model.path with --config) is used."
        })
final class EvaluateCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "DIR",
            description = "Corpus directory: <category>/<name>.csv files with timestamp,value columns.")
    private Path data;

    @Option(
            names = "--labels",
            required = true,
            paramLabel = "LABELS.json",
            description = "Anomaly windows per file key <category>/<name>.csv (NAB's combined_windows.json).")
    private Path labels;

    @Option(
            names = "--results",
            required = true,
            paramLabel = "DIR",
            description = "Output directory for the result files and summary.json.")
    private Path results;

    @Option(
            names = "--model",
            paramLabel = "DIR",
            description = {
                "Model directory with feature and target 'value'.",
                "  Default: the job's model.path with --config, else the bundled zero-shot model."
            })
    private Path model;

    @Option(
            names = "--report",
            paramLabel = "report.html",
            description = "Also write a self-contained HTML report (summary and a chart per series).")
    private Path report;

    @Option(
            names = "--detector",
            paramLabel = "NAME",
            description = "Detector name: recorded in the summary and prefixed to result file names as NAB "
                    + "does (<category>/<NAME>_<name>.csv).")
    private String detector;

    @Mixin
    private JobConfigOptions jobConfig;

    @Override
    public Integer call() throws Exception {
        if (detector != null && !detector.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException(
                    "--detector must be letters, digits, '_', '.' or '-', got '" + detector + "'");
        }
        JobConfig job = jobConfig.load();
        RecurrentModel loaded = model != null
                ? ModelDirectory.read(model)
                : ModelDirectory.load(job != null ? job.modelPath() : ModelDirectory.ZERO_SHOT_MODEL);
        StepSettings settings = job != null ? job.stepSettings() : StepSettings.DEFAULTS;
        long start = System.nanoTime();
        Evaluation.Result result = Evaluation.run(loaded, data, labels, results, detector, settings);
        double seconds = (System.nanoTime() - start) / 1e9;
        spec.commandLine().getOut().print(Evaluation.summaryTable(result));
        spec.commandLine().getOut().flush();
        if (report != null) {
            EvaluationReport.write(result, report);
        }
        spec.commandLine()
                .getErr()
                .printf(
                        "evaluated %d files (%d rows) in %.2f s -> %s%s%n",
                        result.series().size(), result.rows(), seconds, results, report == null ? "" : ", " + report);
        return 0;
    }
}
