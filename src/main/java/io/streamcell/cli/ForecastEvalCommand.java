package io.streamcell.cli;

import io.streamcell.core.Forecaster;
import io.streamcell.io.csv.CsvFormatException;
import io.streamcell.io.csv.MultivariateTable;
import io.streamcell.model.CellType;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.replay.ForecastEvaluation;
import io.streamcell.replay.ForecastEvaluation.Result;
import io.streamcell.replay.ForecastEvaluation.Score;
import io.streamcell.replay.ForecastEvaluation.Split;
import io.streamcell.train.TrainingListener;
import io.streamcell.train.TrainingOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamcell forecast-eval}: the FSNet/OneNet online forecasting protocol, along the job's own path. */
@Command(
        name = "forecast-eval",
        mixinStandardHelpOptions = true,
        versionProvider = StreamCellCli.Version.class,
        showDefaultValues = true,
        footerHeading = "%nExample:%n",
        footer = "  streamcell forecast-eval --input ETTh2.csv --split 8640,2880,2880 --horizon 24",
        description = {
            "Run the online forecasting protocol on a CSV of one multivariate series (a time column and numeric "
                    + "columns; every numeric column is a feature and a target): train with `train`'s defaults on "
                    + "the training and validation rows (or take --model), then stream every row through the "
                    + "job's own per-key code as replay does, forecasting the next --horizon rows before seeing "
                    + "them and learning from a forecast once its last row has arrived.",
            "Scores are in the space z-scored with the training rows. Progress goes to stderr; stdout ends with "
                    + "the line MSE=<n> MAE=<n> (test split)."
        })
final class ForecastEvalCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE.csv", description = "The series.")
    private Path input;

    @Option(
            names = "--split",
            required = true,
            split = ",",
            paramLabel = "TRAIN,VAL,TEST",
            description = "Row counts of the training, validation and test splits, in file order.")
    private List<Integer> split;

    @Option(names = "--horizon", defaultValue = "1", paramLabel = "H", description = "Rows forecast at each step.")
    private int horizon;

    @Option(
            names = "--model",
            paramLabel = "DIR",
            description = "Stream through this model instead of training one (its features must be columns).")
    private Path model;

    @Option(
            names = "--output",
            paramLabel = "OUT.csv",
            description = "Also write every row's forecast, as replay writes it (key 'series').")
    private Path output;

    @Option(
            names = "--hidden",
            defaultValue = "64",
            paramLabel = "H",
            description = "Hidden size of the network trained (as train's --hidden).")
    private int hidden;

    @Option(
            names = "--cell",
            defaultValue = "lstm",
            paramLabel = "lstm|gru",
            description = "Cell of the network trained.")
    private String cell;

    @Option(names = "--quiet", description = "No progress on stderr.")
    private boolean quiet;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (split.size() != 3) {
            err.println("forecast-eval: --split needs three row counts TRAIN,VAL,TEST, got " + split);
            return StreamCellCli.EXIT_FAILURE;
        }
        Result result;
        try {
            MultivariateTable table = MultivariateTable.read(input);
            if (!quiet) {
                err.printf(
                        Locale.ROOT,
                        "%s: %d rows, %d columns %s%n",
                        input,
                        table.rows(),
                        table.columns().size(),
                        table.columns());
            }
            RecurrentModel given = model == null ? null : ModelDirectory.read(model);
            result = ForecastEvaluation.run(
                    table,
                    new Split(split.get(0), split.get(1), split.get(2)),
                    horizon,
                    given,
                    TrainingOptions.defaults()
                            .cell(CellType.fromConfigName(cell))
                            .hidden(hidden)
                            .version("forecast-eval"),
                    quiet ? TrainingListener.NONE : new TrainCommand.ProgressLine(err),
                    output);
        } catch (CsvFormatException | IllegalArgumentException e) {
            err.println("forecast-eval: " + e.getMessage());
            return StreamCellCli.EXIT_FAILURE;
        }
        if (!quiet && result.model().config().forecast() != null) {
            Forecaster forecaster = new Forecaster(result.model(), true);
            err.printf(
                    Locale.ROOT,
                    "model %s: trained in %.1f s; readout: %d inputs per target, %d floats of state per key; rows "
                            + "streamed in %.1f s%n",
                    result.model().version(),
                    result.trainingSeconds(),
                    forecaster.readoutInputs(),
                    forecaster.stateSize(),
                    result.streamSeconds());
        }
        out.printf(Locale.ROOT, "horizon %d, feedback as the job gets it, normalised units%n", horizon);
        out.printf(Locale.ROOT, "%-12s %-10s %9s %9s %9s%n", "split", "forecaster", "samples", "MSE", "MAE");
        row(out, "validation", "streamcell", result.validation());
        row(out, "validation", "naive", result.naiveValidation());
        row(out, "test", "streamcell", result.test());
        row(out, "test", "naive", result.naiveTest());
        out.printf(
                Locale.ROOT,
                "MSE=%.6f MAE=%.6f%n",
                result.test().mse(),
                result.test().mae());
        out.flush();
        return 0;
    }

    private static void row(PrintWriter out, String split, String forecaster, Score score) {
        out.printf(
                Locale.ROOT,
                "%-12s %-10s %9d %9.6f %9.6f%n",
                split,
                forecaster,
                score.samples(),
                score.mse(),
                score.mae());
    }
}
