package io.streamcell.replay;

import io.streamcell.core.StepSettings;
import io.streamcell.files.AtomicFiles;
import io.streamcell.io.csv.ForecastCsvWriter;
import io.streamcell.io.csv.MultivariateTable;
import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.RecurrentModel;
import io.streamcell.train.ForecastTrainer;
import io.streamcell.train.KeySeries;
import io.streamcell.train.TrainingListener;
import io.streamcell.train.TrainingOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * {@code streamcell forecast-eval}: the online forecasting protocol of FSNet and OneNet on one
 * multivariate series, run along the job's own path. Rows {@code [0, train)} train,
 * {@code [train, train+val)} validate, the next {@code test} rows are the test stream; every
 * column is a feature and a target.
 * <ol>
 *   <li>The model is trained by {@code streamcell train} with its defaults on rows
 *       {@code [0, train+val)}, the last {@code val} of them validating (or given).
 *   <li>Every row, from the first, streams through {@link ReplayEngine} as one key, exactly as
 *       {@code streamcell replay} and the job step it: each forecast is made before its rows are
 *       seen, and a forecast is learned from only once its last row has arrived (delayed feedback,
 *       what a live stream allows).
 *   <li>Scores are in the space z-scored with the training rows' mean and population standard
 *       deviation per column: a sample is the forecast made at row t whose rows t+1..t+H lie in the
 *       split, its squared and absolute errors averaged over columns and steps, then over samples.
 *       The last value repeated for H rows (naive) is scored on the same samples.
 * </ol>
 */
public final class ForecastEvaluation {
    private ForecastEvaluation() {}

    /** Row counts of the three splits, in file order. */
    public record Split(int train, int validation, int test) {
        public Split {
            if (train < 1 || validation < 1 || test < 1) {
                throw new IllegalArgumentException(
                        "--split needs three positive row counts, got " + train + "," + validation + "," + test);
            }
        }

        int total() {
            return train + validation + test;
        }
    }

    /** Errors of one forecaster over one split's samples. */
    public record Score(long samples, double mse, double mae) {}

    /**
     * @param model the model the rows streamed through (trained here, or given)
     * @param trainingSeconds time spent training (0 for a given model)
     */
    public record Result(
            RecurrentModel model,
            Score validation,
            Score test,
            Score naiveValidation,
            Score naiveTest,
            double trainingSeconds,
            double streamSeconds) {}

    /**
     * @param model the model to stream through, or null to train one with {@code options}
     * @param forecasts where to write every row's forecast as replay writes it, or null
     */
    public static Result run(
            MultivariateTable table,
            Split split,
            int horizon,
            RecurrentModel model,
            TrainingOptions options,
            TrainingListener listener,
            Path forecasts)
            throws IOException {
        if (horizon < 1) {
            throw new IllegalArgumentException("--horizon must be at least 1, got " + horizon);
        }
        if (split.total() > table.rows()) {
            throw new IllegalArgumentException(
                    "--split needs " + split.total() + " rows, the file has " + table.rows());
        }
        if (table.times() == null) {
            throw new IllegalArgumentException("the series needs a time column (the forecast's calendar terms)");
        }
        double trainingSeconds = 0;
        if (model == null) {
            long start = System.nanoTime();
            model = train(table, split, horizon, options, listener);
            trainingSeconds = (System.nanoTime() - start) / 1e9;
        } else if (model.config().horizon() != horizon) {
            throw new IllegalArgumentException(
                    "the model forecasts " + model.config().horizon() + " rows, --horizon is " + horizon);
        }
        List<String> columns = table.columns();
        int[] featureColumn = column(model.config().features(), columns, "feature");
        int[] targetColumn = column(model.config().targets(), columns, "target");
        int total = split.total();
        long start = System.nanoTime();
        float[][] forecast = stream(model, table, featureColumn, total, forecasts);
        double streamSeconds = (System.nanoTime() - start) / 1e9;
        ZScores z = normalise(table, split.train(), total);
        int validationStart = split.train();
        int testStart = split.train() + split.validation();
        return new Result(
                model,
                score(z, forecast, targetColumn, horizon, validationStart, testStart, false),
                score(z, forecast, targetColumn, horizon, testStart, total, false),
                score(z, forecast, targetColumn, horizon, validationStart, testStart, true),
                score(z, forecast, targetColumn, horizon, testStart, total, true),
                trainingSeconds,
                streamSeconds);
    }

    /** {@code streamcell train} with {@code options} on the training and validation rows. */
    private static RecurrentModel train(
            MultivariateTable table, Split split, int horizon, TrainingOptions options, TrainingListener listener) {
        int rows = split.train() + split.validation();
        double[][] values = new double[rows][];
        for (int t = 0; t < rows; t++) {
            values[t] = table.values()[t].clone();
        }
        long[] times = Arrays.copyOf(table.times(), rows);
        TrainingOptions opts = options.copy().horizon(horizon).validationFraction(split.validation() / (double) rows);
        KeySeries series = new KeySeries(KEY, values, values, times);
        return ForecastTrainer.train(
                        List.of(series),
                        table.columns(),
                        table.columns(),
                        opts,
                        ForecastTrainer.Recipe.DEFAULT,
                        listener)
                .model();
    }

    private static int[] column(List<String> names, List<String> columns, String what) {
        int[] index = new int[names.size()];
        for (int i = 0; i < index.length; i++) {
            index[i] = columns.indexOf(names.get(i));
            if (index[i] < 0) {
                throw new IllegalArgumentException(
                        "the model's " + what + " '" + names.get(i) + "' is not a column of the series " + columns);
            }
        }
        return index;
    }

    /** Every row's forecast, streamed as replay streams it (one key, per event). */
    private static float[][] stream(
            RecurrentModel model, MultivariateTable table, int[] featureColumn, int rows, Path csv) throws IOException {
        float[][] forecasts = new float[rows][];
        float[] scores = new float[rows];
        try (ReplayEngine engine = new ReplayEngine(model, StepSettings.DEFAULTS)) {
            for (int t = 0; t < rows; t++) {
                float[] features = new float[featureColumn.length];
                for (int i = 0; i < features.length; i++) {
                    features[i] = (float) table.values()[t][featureColumn[i]];
                }
                long time = table.times()[t];
                int row = t;
                engine.accept(new Row(t + 2, KEY, Long.toString(time), time, features), (r, outcome) -> {
                    forecasts[row] = outcome.forecast();
                    scores[row] = outcome.score() == null ? 0f : outcome.score().anomalyScore();
                });
            }
            engine.finish((r, outcome) -> {});
        }
        if (csv != null) {
            AtomicFiles.writeText(csv, writer -> {
                try (ForecastCsvWriter out = new ForecastCsvWriter(
                        writer, model.config().targets(), model.config().horizon())) {
                    for (int t = 0; t < rows; t++) {
                        out.write(KEY, Long.toString(table.times()[t]), forecasts[t], scores[t]);
                    }
                }
            });
        }
        return forecasts;
    }

    /** The key of the series in the forecasts CSV. */
    public static final String KEY = "series";

    /** The rows z-scored with the training rows' mean and population std per column. */
    record ZScores(double[] mean, double[] std, double[][] z) {
        double of(double value, int column) {
            return (value - mean[column]) / std[column];
        }
    }

    /** Rows {@code [0, rows)} z-scored with the first {@code train} rows' mean and population std. */
    static ZScores normalise(MultivariateTable table, int train, int rows) {
        int columns = table.columns().size();
        double[] means = new double[columns];
        double[] stds = new double[columns];
        double[][] z = new double[rows][columns];
        for (int c = 0; c < columns; c++) {
            double mean = 0;
            for (int r = 0; r < train; r++) {
                mean += table.values()[r][c];
            }
            mean /= train;
            double variance = 0;
            for (int r = 0; r < train; r++) {
                double d = table.values()[r][c] - mean;
                variance += d * d;
            }
            double std = Math.sqrt(variance / train);
            if (!(std > 0)) {
                std = 1; // a constant column: centred only
            }
            means[c] = mean;
            stds[c] = std;
            for (int r = 0; r < rows; r++) {
                z[r][c] = (table.values()[r][c] - mean) / std;
            }
        }
        return new ZScores(means, stds, z);
    }

    /**
     * The forecasts made at rows t with t+1..t+H in {@code [from, to)}, in z units; {@code naive}
     * scores the last value instead.
     */
    private static Score score(
            ZScores z, float[][] forecast, int[] target, int horizon, int from, int to, boolean naive) {
        double squared = 0;
        double absolute = 0;
        long samples = 0;
        for (int t = from - 1; t + horizon < to; t++) {
            double s = 0;
            double a = 0;
            for (int k = 1; k <= horizon; k++) {
                for (int j = 0; j < target.length; j++) {
                    int c = target[j];
                    double predicted = naive ? z.z()[t][c] : z.of(forecast[t][(k - 1) * target.length + j], c);
                    double e = predicted - z.z()[t + k][c];
                    s += e * e;
                    a += Math.abs(e);
                }
            }
            squared += s / (horizon * target.length);
            absolute += a / (horizon * target.length);
            samples++;
        }
        return new Score(samples, squared / samples, absolute / samples);
    }
}
