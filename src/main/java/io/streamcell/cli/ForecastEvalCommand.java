package io.streamcell.cli;

import io.streamcell.io.csv.CsvFormatException;
import io.streamcell.online.MultivariateTable;
import io.streamcell.online.OnlineForecastProtocol;
import io.streamcell.online.OnlineForecastProtocol.Recipe;
import io.streamcell.online.OnlineForecastProtocol.Result;
import io.streamcell.online.OnlineForecastProtocol.Score;
import io.streamcell.online.OnlineForecastProtocol.Split;
import io.streamcell.train.TrainingListener;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamcell forecast-eval}: the FSNet/OneNet online forecasting protocol with StreamCell's recipe. */
@Command(
        name = "forecast-eval",
        description = {
            "Run the online forecasting protocol on a CSV of one multivariate series (a time column and numeric "
                    + "columns; every numeric column is a feature and a target): z-score with the training rows, "
                    + "train on them, then walk the test rows once, predicting the next --horizon rows and then "
                    + "learning from the revealed values.",
            "The recipe is fixed: an LSTM trained offline supplies recurrent features to a linear readout that "
                    + "adapts online by recursive least squares (see OnlineForecastProtocol). Progress goes to "
                    + "stderr; stdout ends with the line MSE=<n> MAE=<n> (test split, normalised units)."
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

    @Option(
            names = "--horizon",
            defaultValue = "1",
            paramLabel = "H",
            description = "Rows forecast at each step (default: ${DEFAULT-VALUE}).")
    private int horizon;

    @Option(
            names = "--delayed-feedback",
            description = "Learn from a forecast only once all its H rows have arrived (what a live stream sees), "
                    + "instead of right after predicting (the papers' protocol).")
    private boolean delayedFeedback;

    @Option(
            names = "--hidden",
            defaultValue = "64",
            paramLabel = "UNITS",
            description = "LSTM units feeding the readout; 0 runs the readout alone (default: ${DEFAULT-VALUE}).")
    private int hidden;

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
                        "%s: %d rows, %d columns %s, time column: %s%n",
                        input,
                        table.rows(),
                        table.columns().size(),
                        table.columns(),
                        table.times() == null ? "none" : "yes");
            }
            result = OnlineForecastProtocol.run(
                    table,
                    new Split(split.get(0), split.get(1), split.get(2)),
                    horizon,
                    delayedFeedback,
                    Recipe.DEFAULT.withHidden(hidden),
                    quiet ? TrainingListener.NONE : new TrainCommand.ProgressLine(err));
        } catch (CsvFormatException | IllegalArgumentException e) {
            err.println("forecast-eval: " + e.getMessage());
            return StreamCellCli.EXIT_FAILURE;
        }
        if (!quiet) {
            err.printf(
                    Locale.ROOT,
                    "LSTM: %d epochs in %.1f s; readout: %d inputs, streams walked in %.1f s%n",
                    result.trainingEpochs(),
                    result.trainingSeconds(),
                    result.readoutInputs(),
                    result.streamSeconds());
        }
        out.printf(
                Locale.ROOT,
                "horizon %d, %s feedback, normalised units%n",
                horizon,
                delayedFeedback ? "delayed" : "immediate");
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
