package io.streamcell.train;

import io.streamcell.model.ModelConfig;
import io.streamcell.model.ModelProvenance;
import io.streamcell.model.Scaler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Offline training of a stacked LSTM / GRU with a linear head on per-key sequences (no Flink).
 *
 * <h2>Data</h2>
 * Each key's series is split in time: the first {@code n - round(n · val)} steps train, the rest
 * validate. Input and target scalers (mean, population std; std 1 for a constant column) are fitted
 * on the training steps of all keys. The targets of step t are the target columns at steps
 * t+1 .. t+horizon, step-major (what the head emits and replay writes); a value past the end of the
 * key's series, or for training past the end of its training split, is NaN (left out of the loss).
 *
 * <h2>Batches (truncated BPTT)</h2>
 * The training steps of every key form a stream; when there are fewer keys than {@code batch}, a
 * key's training steps are cut into contiguous segments (each at least 4 windows long) that become
 * streams of their own, starting from a zero state. Each epoch shuffles the streams (seeded) and takes
 * them {@code batch} at a time; such a group is walked window by window ({@code window} steps), each
 * window index of the group being one mini-batch. A stream's state is carried from one window to its
 * next (no gradient flows into it, as with a detached tensor) and starts from zeros in every epoch.
 * The batch gradient is the average of the windows' gradients weighted by their target counts, i.e.
 * the gradient of the MSE over all the batch's targets. Windows of a batch run in parallel and are
 * summed in a fixed order, so results do not depend on the thread count.
 *
 * <h2>Update</h2>
 * Gradient-norm clipping (global L2 norm, {@code clip}; 0 = off), then Adam (β1 0.9, β2 0.999,
 * ε 1e-8, bias-corrected) with decoupled weight decay on every tensor as PyTorch's AdamW
 * ({@code θ ← θ (1 - lr·wd)} before the Adam step), with the learning rate of the epoch's schedule
 * ({@link TrainingOptions#learningRateAt}).
 *
 * <h2>Validation and early stopping</h2>
 * After every epoch each key's whole series is run from a zero state (as replay and the streaming
 * job would), and the MSE of the scaled forecasts made at the validation steps is the validation
 * loss. The parameters with the lowest validation loss are kept; training stops after
 * {@code patience} epochs without improvement. The kept parameters are rounded to float32 (what the
 * model directory stores) before the final metrics, so the reported validation forecasts are those
 * replay computes from the written model.
 *
 * <h2>Initialization and determinism</h2>
 * Every tensor is drawn uniformly from ±1/√hidden (PyTorch's default for {@code nn.LSTM},
 * {@code nn.GRU} and, since its fan-in is hidden, the head {@code nn.Linear}) from a
 * {@link SplittableRandom} seeded with {@code seed}; the same data, options and seed give the same
 * bits on any JVM.
 */
public final class Trainer {
    static final double BETA1 = 0.9;
    static final double BETA2 = 0.999;
    static final double EPSILON = 1e-8;
    /** The optimizer, as provenance names it. */
    static final String OPTIMIZER = "adam(0.9, 0.999, 1e-8), decoupled weight decay";
    /** Minimum windows per segment when a key's training steps are cut into several streams. */
    static final int MIN_WINDOWS_PER_SEGMENT = 4;

    private Trainer() {}

    /** A key's data scaled for the network. */
    private record Prepared(double[][] x, double[][] yAll, double[][] yTrain, int trainSteps) {}

    /** Training steps {@code [from, to)} of key {@code key}, walked as one stream. */
    private record Stream(int key, int from, int to) {
        int windows(int window) {
            return (to - from + window - 1) / window;
        }
    }

    /**
     * Trains a model.
     *
     * @param series per-key sequences (features and targets in original units)
     * @param features names of the feature columns, in {@link KeySeries#features()} order
     * @param targets names of the target columns, in {@link KeySeries#targets()} order
     * @throws IllegalArgumentException for invalid options, mismatched widths, non-finite values, or
     *     data too short for a training and a validation split
     */
    public static TrainingResult train(
            List<KeySeries> series,
            List<String> features,
            List<String> targets,
            TrainingOptions options,
            TrainingListener listener) {
        TrainingOptions opts = options.copy().validate();
        Objects.requireNonNull(listener, "listener");
        if (series.isEmpty()) {
            throw new IllegalArgumentException("no data: the input has no rows");
        }
        for (KeySeries s : series) {
            for (int t = 0; t < s.length(); t++) {
                checkRow(s, t, s.features()[t], features.size(), "feature");
                checkRow(s, t, s.targets()[t], targets.size(), "target");
            }
        }
        long startNanos = System.nanoTime();
        ModelProvenance.Input input = ModelProvenance.Input.ofSeries(
                KeySeries.sha256(series, features, targets),
                series.stream().mapToLong(KeySeries::length).sum(),
                series.size());
        if (opts.onlineNormalisation() != null) {
            series = normalisedOnline(series, features, targets, opts.onlineNormalisation());
        }
        int[] trainSteps = series.stream()
                .mapToInt(s -> s.length() - (int) Math.round(s.length() * opts.validationFraction()))
                .toArray();
        Scaler inputScaler = fit(series, trainSteps, true, features.size());
        Scaler targetScaler = fit(series, trainSteps, false, targets.size());
        ModelConfig config = ModelConfig.builder()
                .cell(opts.cell())
                .gruReset(opts.gruReset())
                .hiddenSize(opts.hidden())
                .numLayers(opts.layers())
                .features(features)
                .targets(targets)
                .horizon(opts.horizon())
                .inputScaler(inputScaler)
                .targetScaler(targetScaler)
                .version(opts.version())
                .onlineNormalisation(opts.onlineNormalisation())
                .build();

        List<Prepared> data = new ArrayList<>(series.size());
        for (int k = 0; k < series.size(); k++) {
            data.add(prepare(series.get(k), trainSteps[k], config));
        }
        List<Stream> streams = streams(data, opts);
        if (streams.isEmpty()) {
            throw new IllegalArgumentException(
                    "no training steps: every key is too short for --val " + opts.validationFraction());
        }

        SplittableRandom random = new SplittableRandom(opts.seed());
        Parameters params = initialize(config, random);
        SplittableRandom shuffle = random.split();
        Adam adam = new Adam(params);

        Parameters best = params.copy();
        if (Double.isNaN(validationLoss(params, config, data))) {
            throw new IllegalArgumentException("no validation targets: the keys' validation splits are too short "
                    + "(raise --val or provide longer series)");
        }
        double bestLoss = Double.POSITIVE_INFINITY;
        int bestEpoch = 0;
        int sinceBest = 0;
        List<Double> trainLosses = new ArrayList<>();
        List<Double> validationLosses = new ArrayList<>();
        long start = System.nanoTime();
        long batchesDone = 0;
        boolean stoppedEarly = false;
        for (int epoch = 1; epoch <= opts.epochs(); epoch++) {
            double lr = opts.learningRateAt(epoch - 1);
            int[] order = permutation(streams.size(), shuffle);
            int batches = 0;
            for (int g = 0; g < order.length; g += opts.batch()) {
                int max = 0;
                for (int i = g; i < Math.min(order.length, g + opts.batch()); i++) {
                    max = Math.max(max, streams.get(order[i]).windows(opts.window()));
                }
                batches += max;
            }
            double lossSum = 0;
            long lossCount = 0;
            int batch = 0;
            for (int g = 0; g < order.length; g += opts.batch()) {
                Stream[] group = new Stream[Math.min(opts.batch(), order.length - g)];
                for (int i = 0; i < group.length; i++) {
                    group[i] = streams.get(order[g + i]);
                }
                double[][] states = new double[group.length][];
                int windows = Arrays.stream(group)
                        .mapToInt(s -> s.windows(opts.window()))
                        .max()
                        .orElse(0);
                for (int w = 0; w < windows; w++) {
                    final int windowIndex = w;
                    final Parameters current = params;
                    SequenceLoss.Result[] results = IntStream.range(0, group.length)
                            .parallel()
                            .mapToObj(i -> {
                                Stream s = group[i];
                                int from = s.from() + windowIndex * opts.window();
                                if (from >= s.to()) {
                                    return null;
                                }
                                int to = Math.min(s.to(), from + opts.window());
                                Prepared p = data.get(s.key());
                                return SequenceLoss.lossAndGradient(
                                        current,
                                        config,
                                        Arrays.copyOfRange(p.x(), from, to),
                                        Arrays.copyOfRange(p.yTrain(), from, to),
                                        states[i]);
                            })
                            .toArray(SequenceLoss.Result[]::new);
                    long count = 0;
                    for (SequenceLoss.Result r : results) {
                        count += r == null ? 0 : r.count();
                    }
                    if (count > 0) {
                        Parameters gradient = params.zerosLike();
                        for (SequenceLoss.Result r : results) {
                            if (r != null && r.count() > 0) {
                                gradient.addScaled(r.gradient(), (double) r.count() / count);
                                lossSum += r.loss() * r.count();
                            }
                        }
                        lossCount += count;
                        clip(gradient, opts.clipNorm());
                        adam.step(params, gradient, lr, opts.weightDecay());
                    }
                    for (int i = 0; i < group.length; i++) {
                        if (results[i] != null) {
                            states[i] = results[i].finalState();
                        }
                    }
                    batch++;
                    batchesDone++;
                    double perBatch = (System.nanoTime() - start) / 1e9 / batchesDone;
                    double remaining = (batches - batch) + (double) batches * (opts.epochs() - epoch);
                    listener.onBatch(
                            epoch,
                            opts.epochs(),
                            batch,
                            batches,
                            lossCount == 0 ? Double.NaN : lossSum / lossCount,
                            perBatch * remaining);
                }
            }
            double trainLoss = lossCount == 0 ? Double.NaN : lossSum / lossCount;
            double validation = validationLoss(params, config, data);
            if (!Double.isFinite(validation)) {
                throw new IllegalStateException("training diverged at epoch " + epoch + " (validation loss "
                        + validation + "); lower --lr or keep --clip on");
            }
            trainLosses.add(trainLoss);
            validationLosses.add(validation);
            boolean improved = validation < bestLoss;
            if (improved) {
                bestLoss = validation;
                best = params.copy();
                bestEpoch = epoch;
                sinceBest = 0;
            } else {
                sinceBest++;
            }
            listener.onEpoch(epoch, opts.epochs(), trainLoss, validation, improved);
            if (sinceBest >= opts.patience() && epoch < opts.epochs()) {
                stoppedEarly = true;
                break;
            }
        }

        Parameters kept = roundToFloat(best);
        List<TrainingResult.KeyForecasts> forecasts = new ArrayList<>();
        for (int k = 0; k < series.size(); k++) {
            Prepared p = data.get(k);
            if (p.trainSteps() >= series.get(k).length()) {
                continue;
            }
            double[][] outputs = SequenceLoss.forward(kept, config, p.x(), null).outputs();
            double[][] block = Arrays.copyOfRange(outputs, p.trainSteps(), outputs.length);
            for (double[] row : block) {
                unscale(row, targetScaler);
            }
            forecasts.add(new TrainingResult.KeyForecasts(series.get(k).key(), p.trainSteps(), block));
        }
        TrainingResult.Metrics metrics = Metrics.evaluate(series, forecasts, opts.horizon(), opts.season());
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        ModelProvenance provenance = new ModelProvenance(
                Trainer.class.getName(),
                input,
                opts.provenance(features, targets),
                opts.seed(),
                new ModelProvenance.Training(
                        trainLosses.size(),
                        bestEpoch,
                        stoppedEarly,
                        Math.round(seconds * 10) / 10.0,
                        trainLosses,
                        validationLosses),
                metrics.provenance(
                        opts.onlineNormalisation() == null
                                ? "validation, original units"
                                : "validation, per-key online-normalised units"),
                ModelProvenance.Versions.current(),
                Instant.now(),
                null);
        return new TrainingResult(
                config.withProvenance(provenance),
                kept,
                trainLosses.size(),
                bestEpoch,
                stoppedEarly,
                List.copyOf(trainLosses),
                List.copyOf(validationLosses),
                metrics,
                List.copyOf(forecasts));
    }

    private static void checkRow(KeySeries s, int t, double[] row, int width, String what) {
        if (row.length != width) {
            throw new IllegalArgumentException(
                    "key '" + s.key() + "' step " + t + ": " + row.length + " " + what + " values, expected " + width);
        }
        for (double v : row) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(
                        "key '" + s.key() + "' step " + t + ": non-finite " + what + " value " + v);
            }
        }
    }

    /** Mean and population std of the training steps; std 1 where a column is constant. */
    static Scaler fit(List<KeySeries> series, int[] trainSteps, boolean inputs, int width) {
        double[] sum = new double[width];
        long n = 0;
        for (int k = 0; k < series.size(); k++) {
            double[][] rows = inputs ? series.get(k).features() : series.get(k).targets();
            for (int t = 0; t < trainSteps[k]; t++) {
                for (int i = 0; i < width; i++) {
                    sum[i] += rows[t][i];
                }
                n++;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("no training steps: every key is too short for the validation split");
        }
        double[] mean = new double[width];
        for (int i = 0; i < width; i++) {
            mean[i] = sum[i] / n;
        }
        double[] squares = new double[width];
        for (int k = 0; k < series.size(); k++) {
            double[][] rows = inputs ? series.get(k).features() : series.get(k).targets();
            for (int t = 0; t < trainSteps[k]; t++) {
                for (int i = 0; i < width; i++) {
                    double d = rows[t][i] - mean[i];
                    squares[i] += d * d;
                }
            }
        }
        float[] m = new float[width];
        float[] s = new float[width];
        for (int i = 0; i < width; i++) {
            double std = Math.sqrt(squares[i] / n);
            m[i] = (float) mean[i];
            s[i] = std > 1e-9 * Math.max(1.0, Math.abs(mean[i])) && (float) std > 0f ? (float) std : 1f;
        }
        return Scaler.of(m, s);
    }

    /**
     * The series as a model behind per-key online normalisation sees them (the same
     * {@link io.streamcell.model.OnlineNormaliser} the job runs, in float): features are each key's
     * normalised inputs, and the target at step t is target feature's value at t in the units of
     * the statistics after step t-1, {@code clip((x_t - m_{t-1}) / s_{t-1})}, because the forecast made
     * after step t-1 is de-normalised with those. Every target must be a feature.
     */
    static List<KeySeries> normalisedOnline(
            List<KeySeries> series,
            List<String> features,
            List<String> targets,
            ModelConfig.OnlineNormalisation settings) {
        int[] targetFeature = new int[targets.size()];
        for (int j = 0; j < targets.size(); j++) {
            targetFeature[j] = features.indexOf(targets.get(j));
            if (targetFeature[j] < 0) {
                throw new IllegalArgumentException(
                        "with online normalisation every target must be a feature; '" + targets.get(j) + "' is not");
            }
        }
        io.streamcell.model.OnlineNormaliser normaliser = settings.normaliser(features.size());
        List<KeySeries> out = new ArrayList<>(series.size());
        for (KeySeries s : series) {
            int n = s.length();
            double[][] z = new double[n][features.size()];
            double[][] y = new double[n][targets.size()];
            float[] stats = new float[normaliser.stateSize()];
            float[] x = new float[features.size()];
            float[] normalised = new float[features.size()];
            for (int t = 0; t < n; t++) {
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) s.features()[t][i];
                }
                if (t > 0) { // in the units the forecast made after step t-1 is read in
                    for (int j = 0; j < targetFeature.length; j++) {
                        double scaled = (x[targetFeature[j]] - normaliser.denormalise(stats, targetFeature[j], 0f))
                                / normaliser.scale(stats, targetFeature[j]);
                        y[t][j] = Math.max(-settings.clip(), Math.min(settings.clip(), scaled));
                    }
                }
                stats = normaliser.normalise(stats, x, normalised);
                for (int i = 0; i < x.length; i++) {
                    z[t][i] = normalised[i];
                }
            }
            out.add(new KeySeries(s.key(), z, y));
        }
        return out;
    }

    private static Prepared prepare(KeySeries s, int trainSteps, ModelConfig config) {
        int n = s.length();
        float[] inMean = config.inputScaler().mean();
        float[] inStd = config.inputScaler().std();
        float[] outMean = config.targetScaler().mean();
        float[] outStd = config.targetScaler().std();
        int inputs = config.inputSize();
        int targets = config.targets().size();
        int horizon = config.horizon();
        double[][] x = new double[n][inputs];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < inputs; i++) {
                x[t][i] = (s.features()[t][i] - inMean[i]) / inStd[i];
            }
        }
        double[][] yAll = new double[n][targets * horizon];
        double[][] yTrain = new double[Math.max(0, trainSteps)][targets * horizon];
        for (int t = 0; t < n; t++) {
            for (int step = 0; step < horizon; step++) {
                int at = t + step + 1;
                for (int j = 0; j < targets; j++) {
                    double value = at < n ? (s.targets()[at][j] - outMean[j]) / outStd[j] : Double.NaN;
                    yAll[t][step * targets + j] = value;
                    if (t < trainSteps) {
                        yTrain[t][step * targets + j] = at < trainSteps ? value : Double.NaN;
                    }
                }
            }
        }
        return new Prepared(x, yAll, yTrain, trainSteps);
    }

    private static List<Stream> streams(List<Prepared> data, TrainingOptions opts) {
        long keysWithData = data.stream().filter(p -> p.trainSteps() > 0).count();
        List<Stream> streams = new ArrayList<>();
        for (int k = 0; k < data.size(); k++) {
            int length = data.get(k).trainSteps();
            if (length <= 0) {
                continue;
            }
            int wanted = (int) Math.max(1, (opts.batch() + keysWithData - 1) / keysWithData);
            int fit = Math.max(1, length / (MIN_WINDOWS_PER_SEGMENT * opts.window()));
            int segments = Math.min(wanted, fit);
            for (int i = 0; i < segments; i++) {
                int from = (int) ((long) length * i / segments);
                int to = (int) ((long) length * (i + 1) / segments);
                streams.add(new Stream(k, from, to));
            }
        }
        return streams;
    }

    static Parameters initialize(ModelConfig config, SplittableRandom random) {
        Parameters params = Parameters.zeros(config);
        double bound = 1.0 / Math.sqrt(config.hiddenSize());
        for (String name : params.names()) {
            double[] values = params.get(name);
            for (int i = 0; i < values.length; i++) {
                values[i] = random.nextDouble(-bound, bound);
            }
        }
        return params;
    }

    private static int[] permutation(int n, SplittableRandom random) {
        int[] order = IntStream.range(0, n).toArray();
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    /** Scaled MSE of the forecasts made at the validation steps, every key run from a zero state; NaN if none. */
    static double validationLoss(Parameters params, ModelConfig config, List<Prepared> data) {
        double[][] parts = data.parallelStream()
                .map(p -> {
                    if (p.trainSteps() >= p.x().length) {
                        return new double[2];
                    }
                    double[][] outputs =
                            SequenceLoss.forward(params, config, p.x(), null).outputs();
                    double sum = 0;
                    long count = 0;
                    for (int t = Math.max(0, p.trainSteps()); t < outputs.length; t++) {
                        for (int j = 0; j < outputs[t].length; j++) {
                            double target = p.yAll()[t][j];
                            if (!Double.isNaN(target)) {
                                double e = outputs[t][j] - target;
                                sum += e * e;
                                count++;
                            }
                        }
                    }
                    return new double[] {sum, count};
                })
                .toArray(double[][]::new);
        double sum = 0;
        double count = 0;
        for (double[] part : parts) {
            sum += part[0];
            count += part[1];
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    /** Scales the gradient so its global L2 norm is at most {@code max} (0 = no clipping); returns the norm before. */
    static double clip(Parameters gradient, double max) {
        double squares = 0;
        for (String name : gradient.names()) {
            for (double g : gradient.get(name)) {
                squares += g * g;
            }
        }
        double norm = Math.sqrt(squares);
        if (max > 0 && norm > max) {
            double scale = max / (norm + 1e-6);
            for (String name : gradient.names()) {
                double[] g = gradient.get(name);
                for (int i = 0; i < g.length; i++) {
                    g[i] *= scale;
                }
            }
        }
        return norm;
    }

    static Parameters roundToFloat(Parameters params) {
        Parameters rounded = params.copy();
        for (String name : rounded.names()) {
            double[] values = rounded.get(name);
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) values[i];
            }
        }
        return rounded;
    }

    private static void unscale(double[] row, Scaler scaler) {
        float[] mean = scaler.mean();
        float[] std = scaler.std();
        for (int i = 0; i < row.length; i++) {
            int column = i % mean.length;
            row[i] = row[i] * std[column] + mean[column];
        }
    }

    /** Adam with decoupled weight decay (PyTorch AdamW when weight decay > 0, Adam otherwise). */
    static final class Adam {
        private final Parameters m;
        private final Parameters v;
        private long step;

        Adam(Parameters like) {
            this.m = like.zerosLike();
            this.v = like.zerosLike();
        }

        void step(Parameters params, Parameters gradient, double lr, double weightDecay) {
            step++;
            double correction1 = 1 - Math.pow(BETA1, step);
            double correction2 = 1 - Math.pow(BETA2, step);
            for (String name : params.names()) {
                double[] p = params.get(name);
                double[] g = gradient.get(name);
                double[] mm = m.get(name);
                double[] vv = v.get(name);
                for (int i = 0; i < p.length; i++) {
                    if (weightDecay > 0) {
                        p[i] *= 1 - lr * weightDecay;
                    }
                    mm[i] = BETA1 * mm[i] + (1 - BETA1) * g[i];
                    vv[i] = BETA2 * vv[i] + (1 - BETA2) * g[i] * g[i];
                    double mHat = mm[i] / correction1;
                    double vHat = vv[i] / correction2;
                    p[i] -= lr * mHat / (Math.sqrt(vHat) + EPSILON);
                }
            }
        }
    }
}
