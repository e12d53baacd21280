package io.streamcell.online;

import io.streamcell.adapt.RecursiveLeastSquares;
import io.streamcell.model.CellType;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.kernel.StepKernel;
import io.streamcell.train.KeySeries;
import io.streamcell.train.Trainer;
import io.streamcell.train.TrainingListener;
import io.streamcell.train.TrainingOptions;
import io.streamcell.train.TrainingResult;
import java.util.Arrays;
import java.util.List;

/**
 * The online forecasting protocol of FSNet and OneNet on one multivariate series, with StreamCell's
 * one recipe. Rows {@code [0, train)} train, {@code [train, train+val)} validate (hyper-parameters
 * were chosen on this split only), {@code [train+val, train+val+test)} are the test stream; every
 * column is z-scored with the training rows' mean and population standard deviation, and all
 * metrics are in that normalised space.
 *
 * <p>The recipe:
 * <ol>
 *   <li>an LSTM ({@link Recipe#hidden} units; 0 skips it) is trained by {@link Trainer} on the
 *       training and validation rows (validation for early stopping), reading the squashed levels and
 *       the next row's calendar terms and forecasting each column's change to the next row;
 *   <li>a readout forecasts rows t+1..t+H as changes from row t, linear in {@link ReadoutFeatures}
 *       (squashed levels, lagged differences incl. the daily season, calendar terms, the LSTM's
 *       hidden state), fitted on the training rows by {@link RecursiveLeastSquares};
 *   <li>on each evaluated stream the readout predicts, then learns from the revealed values:
 *       immediately after predicting (the papers' protocol: the whole horizon is revealed at once) or,
 *       with delayed feedback, once the last forecast row has actually arrived, H rows later;
 *   <li>a forecast change is limited to the largest change of its column over the same number of
 *       rows in the training split (the readout still learns from its unlimited forecast): a sensor
 *       that jumps far outside its training range cannot make the readout extrapolate wildly.
 * </ol>
 * A sample is one forecast made at row t whose rows t+1..t+H lie inside the split; its MSE/MAE are
 * averaged over columns and horizon steps, then over samples. The validation and test streams both
 * start from the readout fitted on the training rows. The naive last-value forecast is scored on the
 * same samples.
 */
public final class OnlineForecastProtocol {

    /** The fixed recipe; the defaults are what {@code streamcell forecast-eval} runs. */
    public record Recipe(
            int hidden,
            int epochs,
            int window,
            int batch,
            double learningRate,
            long seed,
            double forgetting,
            double initialVariance) {
        /** Least memory of the readout per input, in samples (see {@link #forgetting(Recipe, int)}). */
        public static final int MIN_SAMPLES_PER_INPUT = 10;

        public static final Recipe DEFAULT = new Recipe(64, 30, 96, 32, 0.002, 42, 0.999, 1.0);

        public Recipe withHidden(int value) {
            return new Recipe(value, epochs, window, batch, learningRate, seed, forgetting, initialVariance);
        }
    }

    /** Where the rows of each split are: {@code [0, train)}, then validation, then test. */
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

    /** The protocol's result. */
    public record Result(
            Score validation,
            Score test,
            Score naiveValidation,
            Score naiveTest,
            int readoutInputs,
            int trainingEpochs,
            double trainingSeconds,
            double streamSeconds) {}

    private OnlineForecastProtocol() {}

    public static Result run(
            MultivariateTable table,
            Split split,
            int horizon,
            boolean delayedFeedback,
            Recipe recipe,
            TrainingListener listener) {
        if (horizon < 1) {
            throw new IllegalArgumentException("--horizon must be at least 1, got " + horizon);
        }
        if (split.total() > table.rows()) {
            throw new IllegalArgumentException(
                    "--split needs " + split.total() + " rows, the file has " + table.rows());
        }
        if (split.train() <= 2 * horizon || split.validation() <= horizon || split.test() <= horizon) {
            throw new IllegalArgumentException("each split must be longer than the horizon (" + horizon
                    + " rows) and the training split longer than twice it");
        }
        int columns = table.columns().size();
        double[][] z = normalise(table, split.train(), split.total());
        long interval = medianInterval(table.times(), split.train());
        long[] nextTimes = nextTimes(table.times(), interval, split.total());
        boolean calendar = nextTimes != null;

        long start = System.nanoTime();
        float[][] hidden = null;
        int epochs = 0;
        if (recipe.hidden() > 0) {
            TrainingResult trained = trainRecurrent(z, nextTimes, split, recipe, listener);
            epochs = trained.epochsRun();
            hidden = hiddenStates(trained.parameters().toModel(trained.config()), z, nextTimes);
        }
        double trainingSeconds = (System.nanoTime() - start) / 1e9;

        ReadoutFeatures features =
                new ReadoutFeatures(columns, ReadoutFeatures.lagsFor(interval), calendar, recipe.hidden());
        RecursiveLeastSquares readout = new RecursiveLeastSquares(
                features.size(), columns * horizon, forgetting(recipe, features.size()), recipe.initialVariance());
        Stream stream = new Stream(z, nextTimes, hidden, features, readout, horizon);

        start = System.nanoTime();
        stream.fitLimits(split.train());
        float[] fitted = readout.initialState();
        for (int t = features.history(); t + horizon < split.train(); t++) {
            stream.learn(fitted, t);
        }
        int validationStart = split.train();
        int testStart = split.train() + split.validation();
        Score validation = stream.evaluate(fitted.clone(), validationStart, testStart, delayedFeedback);
        Score test = stream.evaluate(fitted.clone(), testStart, split.total(), delayedFeedback);
        double streamSeconds = (System.nanoTime() - start) / 1e9;
        return new Result(
                validation,
                test,
                naive(z, validationStart, testStart, horizon),
                naive(z, testStart, split.total(), horizon),
                features.size(),
                epochs,
                trainingSeconds,
                streamSeconds);
    }

    /**
     * The recipe's forgetting factor, lengthened so the readout's memory {@code 1/(1-λ)} holds at
     * least {@link Recipe#MIN_SAMPLES_PER_INPUT} samples per input: RLS's excess error grows with
     * inputs/memory, and a wide series (many columns, so many inputs) would otherwise fit noise.
     */
    static double forgetting(Recipe recipe, int inputs) {
        double needed = (double) Recipe.MIN_SAMPLES_PER_INPUT * inputs;
        return 1 / (1 - recipe.forgetting()) >= needed ? recipe.forgetting() : 1 - 1 / needed;
    }

    /** The readout walking the series: features, targets and the predict/learn steps. */
    private static final class Stream {
        private final double[][] z;
        private final long[] nextTimes;
        private final float[][] hidden;
        private final ReadoutFeatures features;
        private final RecursiveLeastSquares readout;
        private final int horizon;
        private final int columns;
        private final double[] phi;
        private final double[] change;
        private final double[] error; // of the readout's own forecast: what it learns from
        private final double[] scoredError; // of the forecast after the change limits
        private final double[] limit; // largest |change| per horizon step and column in the training rows

        Stream(
                double[][] z,
                long[] nextTimes,
                float[][] hidden,
                ReadoutFeatures features,
                RecursiveLeastSquares readout,
                int horizon) {
            this.z = z;
            this.nextTimes = nextTimes;
            this.hidden = hidden;
            this.features = features;
            this.readout = readout;
            this.horizon = horizon;
            this.columns = z[0].length;
            this.phi = new double[features.size()];
            this.change = new double[columns * horizon];
            this.error = new double[columns * horizon];
            this.scoredError = new double[columns * horizon];
            this.limit = new double[columns * horizon];
        }

        /** The limits: no forecast change beyond the largest seen over the same horizon in training. */
        void fitLimits(int trainRows) {
            for (int t = 0; t + horizon < trainRows; t++) {
                for (int k = 1; k <= horizon; k++) {
                    for (int c = 0; c < columns; c++) {
                        int o = (k - 1) * columns + c;
                        limit[o] = Math.max(limit[o], Math.abs(z[t + k][c] - z[t][c]));
                    }
                }
            }
        }

        private void featuresAt(int t) {
            features.build(z, t, nextTimes == null ? 0 : nextTimes[t], hidden == null ? null : hidden[t], 0, phi);
        }

        /** error = (z_{t+k} - z_t) - forecast change, for the readout's current weights; φ at t. */
        private void errorAt(float[] state, int t) {
            featuresAt(t);
            readout.predict(state, phi, change);
            for (int k = 1; k <= horizon; k++) {
                for (int c = 0; c < columns; c++) {
                    int o = (k - 1) * columns + c;
                    double actual = z[t + k][c] - z[t][c];
                    error[o] = actual - change[o];
                    scoredError[o] = actual - Math.max(-limit[o], Math.min(limit[o], change[o]));
                }
            }
        }

        void learn(float[] state, int t) {
            errorAt(state, t);
            readout.learn(state, phi, error);
        }

        /** Forecasts made at rows t with t+1..t+H in {@code [from, to)}, predict then learn. */
        Score evaluate(float[] state, int from, int to, boolean delayed) {
            double squared = 0;
            double absolute = 0;
            long samples = 0;
            for (int t = from - 1; t + horizon < to; t++) {
                if (delayed && t - horizon >= from - 1) {
                    learn(state, t - horizon); // its rows t-H+1..t have all arrived by now
                }
                errorAt(state, t); // the forecast, scored before anything about rows after t is learned
                double sampleSquared = 0;
                double sampleAbsolute = 0;
                for (double e : scoredError) {
                    sampleSquared += e * e;
                    sampleAbsolute += Math.abs(e);
                }
                squared += sampleSquared / error.length;
                absolute += sampleAbsolute / error.length;
                samples++;
                if (!delayed) {
                    readout.learn(state, phi, error);
                }
            }
            return new Score(samples, squared / samples, absolute / samples);
        }
    }

    private static Score naive(double[][] z, int from, int to, int horizon) {
        double squared = 0;
        double absolute = 0;
        long samples = 0;
        int columns = z[0].length;
        for (int t = from - 1; t + horizon < to; t++) {
            double s = 0;
            double a = 0;
            for (int k = 1; k <= horizon; k++) {
                for (int c = 0; c < columns; c++) {
                    double e = z[t + k][c] - z[t][c];
                    s += e * e;
                    a += Math.abs(e);
                }
            }
            squared += s / (horizon * columns);
            absolute += a / (horizon * columns);
            samples++;
        }
        return new Score(samples, squared / samples, absolute / samples);
    }

    /** Rows {@code [0, rows)} z-scored with the first {@code train} rows' mean and population std. */
    static double[][] normalise(MultivariateTable table, int train, int rows) {
        int columns = table.columns().size();
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
            for (int r = 0; r < rows; r++) {
                z[r][c] = (table.values()[r][c] - mean) / std;
            }
        }
        return z;
    }

    /** The median step between consecutive training rows' times, or 0 without a time column. */
    static long medianInterval(long[] times, int train) {
        if (times == null || train < 2) {
            return 0;
        }
        long[] steps = new long[train - 1];
        for (int r = 1; r < train; r++) {
            steps[r - 1] = times[r] - times[r - 1];
        }
        Arrays.sort(steps);
        return steps[steps.length / 2];
    }

    /** The time of row t+1 for each row t (the last row's successor one interval later), or null. */
    private static long[] nextTimes(long[] times, long interval, int rows) {
        if (times == null || interval <= 0) {
            return null;
        }
        long[] next = new long[rows];
        for (int t = 0; t < rows; t++) {
            next[t] = t + 1 < times.length ? times[t + 1] : times[t] + interval;
        }
        return next;
    }

    /** The LSTM's inputs at row t: squashed levels, then the next row's calendar terms. */
    private static double[] recurrentInput(double[][] z, long[] nextTimes, int t) {
        int columns = z[0].length;
        double[] x = new double[columns + (nextTimes == null ? 0 : ReadoutFeatures.CALENDAR_TERMS)];
        for (int c = 0; c < columns; c++) {
            x[c] = ReadoutFeatures.squash(z[t][c]);
        }
        if (nextTimes != null) {
            ReadoutFeatures.calendarTerms(nextTimes[t], x, columns);
        }
        return x;
    }

    private static TrainingResult trainRecurrent(
            double[][] z, long[] nextTimes, Split split, Recipe recipe, TrainingListener listener) {
        int rows = split.train() + split.validation();
        int columns = z[0].length;
        double[][] inputs = new double[rows][];
        double[][] changes = new double[rows][columns]; // target at row t: z_t - z_{t-1}
        for (int t = 0; t < rows; t++) {
            inputs[t] = recurrentInput(z, nextTimes, t);
            for (int c = 0; c < columns && t > 0; c++) {
                changes[t][c] = z[t][c] - z[t - 1][c];
            }
        }
        List<String> featureNames = java.util.stream.IntStream.range(0, inputs[0].length)
                .mapToObj(i -> "x" + i)
                .toList();
        List<String> targetNames = java.util.stream.IntStream.range(0, columns)
                .mapToObj(c -> "d" + c)
                .toList();
        TrainingOptions options = TrainingOptions.defaults()
                .cell(CellType.LSTM)
                .hidden(recipe.hidden())
                .layers(1)
                .horizon(1)
                .epochs(recipe.epochs())
                .window(recipe.window())
                .batch(recipe.batch())
                .learningRate(recipe.learningRate())
                .seed(recipe.seed())
                .validationFraction(split.validation() / (double) rows)
                .version("forecast-eval");
        return Trainer.train(
                List.of(new KeySeries("series", inputs, changes)), featureNames, targetNames, options, listener);
    }

    /** The top hidden state after each row, stepping the trained model from a zero state. */
    private static float[][] hiddenStates(RecurrentModel model, double[][] z, long[] nextTimes) {
        StepKernel kernel = new StepKernel(model);
        float[] state = new float[model.stateSize()];
        float[] forecast = new float[model.outputSize()];
        int top = model.topHiddenOffset();
        int hidden = model.config().hiddenSize();
        float[][] out = new float[z.length][];
        for (int t = 0; t < z.length; t++) {
            double[] x = recurrentInput(z, nextTimes, t);
            float[] features = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                features[i] = (float) x[i];
            }
            kernel.step(state, features, forecast);
            out[t] = Arrays.copyOfRange(state, top, top + hidden);
        }
        return out;
    }
}
