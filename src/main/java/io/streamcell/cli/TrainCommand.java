package io.streamcell.cli;

import io.streamcell.files.AtomicFiles;
import io.streamcell.model.CellType;
import io.streamcell.model.ForecastSpec;
import io.streamcell.model.GruReset;
import io.streamcell.model.ModelProvenance;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.train.ForecastTrainer;
import io.streamcell.train.KeySeries;
import io.streamcell.train.Trainer;
import io.streamcell.train.TrainingListener;
import io.streamcell.train.TrainingOptions;
import io.streamcell.train.TrainingResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamcell train}: fits a model directory on a readings CSV, offline. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        versionProvider = StreamCellCli.Version.class,
        showDefaultValues = true,
        footerHeading = "%nExample:%n",
        footer = {
            "  streamcell train --input readings.csv --features temperature,humidity \\",
            "      --targets temperature --out model/"
        },
        description = {
            "Train an LSTM/GRU forecaster on a readings CSV (key, timestamp, feature columns; rows of a key in "
                    + "time order) and write a model directory for replay and the streaming job.",
            "Each key's last --val fraction of steps validates (early stopping, final metrics); scalers are "
                    + "fitted on the training steps. Progress goes to stderr, the validation table (model vs "
                    + "naive last-value and seasonal-naive forecasts, original units) to stdout.",
            "The same input, options and --seed give the same weights."
        })
final class TrainCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "IN.csv", description = "Readings CSV.")
    private Path input;

    @Option(
            names = "--features",
            required = true,
            split = ",",
            paramLabel = "A,B",
            description = "Input columns, in the order the model consumes them.")
    private List<String> features;

    @Option(
            names = "--targets",
            required = true,
            split = ",",
            paramLabel = "A",
            description = "Columns to forecast (may also be features).")
    private List<String> targets;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "Model directory to write (appears only when complete).")
    private Path out;

    @Option(names = "--force", description = "Replace --out if it already exists.")
    private boolean force;

    @Option(names = "--cell", defaultValue = "lstm", paramLabel = "lstm|gru", description = "Cell.")
    private String cell;

    @Option(
            names = "--gru-reset",
            defaultValue = "after",
            paramLabel = "after|before",
            description = "GRU reset gate: after (PyTorch) or before (Cho / Keras reset_after=false).")
    private String gruReset;

    @Option(names = "--hidden", defaultValue = "64", paramLabel = "H", description = "Hidden size.")
    private int hidden;

    @Option(names = "--layers", defaultValue = "1", paramLabel = "L", description = "Stacked layers.")
    private int layers;

    @Option(
            names = "--horizon",
            defaultValue = "1",
            paramLabel = "K",
            description = "Events ahead forecast at each step.")
    private int horizon;

    @Option(names = "--epochs", defaultValue = "20", paramLabel = "N", description = "Maximum epochs.")
    private int epochs;

    @Option(names = "--lr", defaultValue = "0.002", paramLabel = "RATE", description = "Adam learning rate.")
    private double lr;

    @Option(
            names = "--schedule",
            defaultValue = "cosine",
            paramLabel = "cosine|constant",
            description = "Learning-rate schedule over epochs; cosine decays to 5%% of --lr.")
    private String schedule;

    @Option(
            names = "--window",
            defaultValue = "64",
            paramLabel = "STEPS",
            description = "Truncated-BPTT window; state carries across a key's windows.")
    private int window;

    @Option(names = "--batch", defaultValue = "32", paramLabel = "N", description = "Windows per mini-batch.")
    private int batch;

    @Option(
            names = "--seed",
            defaultValue = "42",
            paramLabel = "SEED",
            description = "Seed of initialization and shuffling.")
    private long seed;

    @Option(
            names = "--val",
            defaultValue = "0.1",
            paramLabel = "FRACTION",
            description = "Last fraction of each key's steps kept for validation.")
    private double val;

    @Option(
            names = "--weight-decay",
            defaultValue = "0",
            paramLabel = "WD",
            description = "Decoupled (AdamW) weight decay.")
    private double weightDecay;

    @Option(names = "--clip", defaultValue = "1.0", paramLabel = "NORM", description = "Gradient-norm clip, 0 = off.")
    private double clip;

    @Option(
            names = "--patience",
            defaultValue = "5",
            paramLabel = "EPOCHS",
            description = "Stop after this many epochs without a better validation MSE.")
    private int patience;

    @Option(
            names = "--season",
            paramLabel = "STEPS",
            description = {
                "Period of the seasonal-naive baseline, in steps.",
                "  Default: a day, from the spacing of the timestamps (288 for 5-minute steps)."
            })
    private Integer season;

    @Option(
            names = "--model-version",
            paramLabel = "TEXT",
            description = {"Model version stamped on its outputs.", "  Default: the --out directory name."})
    private String version;

    @Option(
            names = "--online-normalisation",
            split = ",",
            paramLabel = "HALF_LIFE,SCALE_FLOOR,CLIP",
            description = "Train behind per-key online normalisation (as the zero-shot default model): inputs are "
                    + "each key's running standardisation, forecasts are de-normalised per key; every target must "
                    + "be a feature. The validation table is then in normalised units. Example: 500,0.001,10.")
    private List<Double> onlineNormalisation;

    @Option(
            names = "--head-only",
            description = "Train the network's head to forecast the targets' levels, without the forecast recipe "
                    + "(as models were before it; needed for --online-normalisation).")
    private boolean headOnly;

    @Option(
            names = "--time-zone",
            defaultValue = "UTC",
            paramLabel = "ZONE",
            description = "Zone of the calendar terms (time of day and week), e.g. Europe/Berlin.")
    private String timeZone;

    @Option(
            names = "--recurrent-features",
            defaultValue = "forecast",
            paramLabel = "forecast|hidden|none",
            description = "What the network adds to each target's readout: its change forecast, its hidden state "
                    + "(more state per key), or nothing.")
    private String recurrentFeatures;

    @Option(
            names = "--readout",
            defaultValue = "rls",
            paramLabel = "rls|nlms",
            description = "The per-key readout's learner; nlms keeps less state per key.")
    private String readout;

    @Option(
            names = "--adaptation",
            defaultValue = "on",
            paramLabel = "on|off",
            description = "Whether the job adapts each key's readout online unless its configuration says otherwise.")
    private String adaptation;

    @Option(
            names = "--units",
            defaultValue = "fixed",
            paramLabel = "fixed|online",
            description = "fixed: changes are measured in the training rows' mean and standard deviation per "
                    + "feature; online: in each key's own running ones, for a zero-shot model meant for any series "
                    + "(its readout is then one least-squares fit over all training series).")
    private String units;

    @Option(names = "--quiet", description = "No progress on stderr.")
    private boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (onlineNormalisation != null && onlineNormalisation.size() != 3) {
            throw new IllegalArgumentException(
                    "--online-normalisation needs HALF_LIFE,SCALE_FLOOR,CLIP, got " + onlineNormalisation);
        }
        TrainingOptions options = TrainingOptions.defaults()
                .cell(CellType.fromConfigName(cell))
                .gruReset(GruReset.fromConfigName(gruReset))
                .hidden(hidden)
                .layers(layers)
                .horizon(horizon)
                .epochs(epochs)
                .learningRate(lr)
                .schedule(
                        switch (schedule) {
                            case "cosine" -> TrainingOptions.Schedule.COSINE;
                            case "constant" -> TrainingOptions.Schedule.CONSTANT;
                            default ->
                                throw new IllegalArgumentException(
                                        "--schedule must be cosine or constant, got '" + schedule + "'");
                        })
                .window(window)
                .batch(batch)
                .seed(seed)
                .validationFraction(val)
                .weightDecay(weightDecay)
                .clipNorm(clip)
                .patience(patience)
                .season(season != null ? season : 1)
                .onlineNormalisation(
                        onlineNormalisation == null
                                ? null
                                : new io.streamcell.model.ModelConfig.OnlineNormalisation(
                                        onlineNormalisation.get(0),
                                        onlineNormalisation.get(1),
                                        onlineNormalisation.get(2)))
                .version(
                        version != null
                                ? version
                                : out.toAbsolutePath().normalize().getFileName().toString())
                .validate();
        if (Files.exists(out) && !force && !isEmptyDirectory(out)) {
            throw new IllegalArgumentException(out + " already exists (use --force to replace it)");
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        List<KeySeries> series = KeySeries.readCsv(input, features, targets);
        long rows = series.stream().mapToLong(KeySeries::length).sum();
        String seasonSource = "--season";
        if (season == null) {
            SeasonalPeriod period = SeasonalPeriod.fromTimestamps(input);
            options.season(period.steps());
            seasonSource = period.explanation();
        }
        if (!quiet) {
            err.printf("training on %d rows of %d key(s) from %s%n", rows, series.size(), input);
            err.println(describe(options, seasonSource));
            err.flush();
        }
        long start = System.nanoTime();
        TrainingListener listener = quiet
                ? TrainingListener.NONE
                : stderrIsTerminal() ? new ProgressLine(err) : new ProgressLines(err, Duration.ofSeconds(30));
        if (!headOnly && onlineNormalisation == null) {
            return trainRecipe(series, options, listener, start);
        }
        TrainingResult result = Trainer.train(series, features, targets, options, listener);
        double seconds = (System.nanoTime() - start) / 1e9;

        ModelProvenance trained = result.provenance();
        ModelProvenance provenance = trained.withTool(
                        "streamcell train " + trained.versions().streamcell())
                .withInput(trained.input()
                        .withFile(input.toAbsolutePath().normalize().toString(), sha256(input)));
        boolean worseThanNaive = worseThanNaive(result.metrics());
        if (worseThanNaive) {
            provenance = provenance.withWarning(WORSE_THAN_NAIVE);
        }
        RecurrentModel model = result.model(provenance);
        writeAtomically(model);

        TrainingResult.Metrics m = result.metrics();
        stdout.printf(
                "validation: %d forecast values of %d key(s), original units%n",
                m.model().count(), result.validation().size());
        stdout.printf("%-24s %14s %14s %10s%n", "forecast", "MSE", "MAE", "values");
        for (TrainingResult.Score score : m.all()) {
            String name = score == m.seasonalNaive() ? score.name() + " (" + m.season() + ")" : score.name();
            if (score.count() == 0) {
                stdout.printf("%-24s %14s %14s %10d%n", name, "n/a", "n/a", 0);
            } else {
                stdout.printf("%-24s %14.6g %14.6g %10d%n", name, score.mse(), score.mae(), score.count());
            }
        }
        stdout.printf(
                "best epoch %d of %d run%s; %d parameters; %.1f s; model %s -> %s%n",
                result.bestEpoch(),
                result.epochsRun(),
                result.stoppedEarly() ? " (early stop)" : "",
                result.parameters().size(),
                seconds,
                model.version(),
                out);
        if (worseThanNaive) {
            stdout.printf("warning: %s%n", WORSE_THAN_NAIVE);
        }
        stdout.flush();
        return 0;
    }

    /** The default: the network and the per-key forecast recipe, validated along the job's own path. */
    private int trainRecipe(List<KeySeries> series, TrainingOptions options, TrainingListener listener, long start)
            throws IOException {
        if (!adaptation.equals("on") && !adaptation.equals("off")) {
            throw new IllegalArgumentException("--adaptation must be on or off, got '" + adaptation + "'");
        }
        ForecastSpec.RecurrentFeatures network;
        try {
            network = ForecastSpec.RecurrentFeatures.valueOf(recurrentFeatures.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "--recurrent-features must be forecast, hidden or none, got '" + recurrentFeatures + "'");
        }
        ZoneId zone;
        try {
            zone = ZoneId.of(timeZone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("--time-zone '" + timeZone + "' is not a time zone: " + e.getMessage());
        }
        if (!units.equals("fixed") && !units.equals("online")) {
            throw new IllegalArgumentException("--units must be fixed or online, got '" + units + "'");
        }
        ForecastTrainer.Recipe recipe =
                new ForecastTrainer.Recipe(zone, network, readout, adaptation.equals("on"), units.equals("online"));
        ForecastTrainer.Result result = ForecastTrainer.train(series, features, targets, options, recipe, listener);
        double seconds = (System.nanoTime() - start) / 1e9;
        ModelProvenance trained = result.model().config().provenance();
        ModelProvenance provenance = trained.withTool(
                        "streamcell train " + trained.versions().streamcell())
                .withInput(trained.input()
                        .withFile(input.toAbsolutePath().normalize().toString(), sha256(input)));
        if (result.worseThanNaive()) {
            provenance = provenance.withWarning(WORSE_THAN_NAIVE);
        }
        RecurrentModel model = result.model().withProvenance(provenance);
        writeAtomically(model);

        PrintWriter stdout = spec.commandLine().getOut();
        TrainingResult.Metrics m = result.metrics();
        stdout.printf(
                "validation: %d forecast values of %d key(s), each key's series replayed as the job steps it, "
                        + "original units%n",
                m.model().count(), series.size());
        printScores(stdout, m);
        TrainingResult net = result.network();
        stdout.printf(
                "network: best epoch %d of %d run%s (validation MSE of changes in units %.5g); %d parameters; "
                        + "%.1f s; model %s -> %s%n",
                net.bestEpoch(),
                net.epochsRun(),
                net.stoppedEarly() ? ", early stop" : "",
                net.metrics().model().mse(),
                net.parameters().size(),
                seconds,
                model.version(),
                out);
        if (result.worseThanNaive()) {
            stdout.printf("warning: %s%n", WORSE_THAN_NAIVE);
        }
        stdout.flush();
        return 0;
    }

    static final String WORSE_THAN_NAIVE =
            "the model forecast the validation rows no better than the last value (MSE above); more training data, "
                    + "or a longer --val, may help";

    private static void printScores(PrintWriter stdout, TrainingResult.Metrics m) {
        stdout.printf("%-24s %14s %14s %10s%n", "forecast", "MSE", "MAE", "values");
        for (TrainingResult.Score score : m.all()) {
            String name = score == m.seasonalNaive() ? score.name() + " (" + m.season() + ")" : score.name();
            if (score.count() == 0) {
                stdout.printf("%-24s %14s %14s %10d%n", name, "n/a", "n/a", 0);
            } else {
                stdout.printf("%-24s %14.6g %14.6g %10d%n", name, score.mse(), score.mae(), score.count());
            }
        }
    }

    /** Whether the model's validation MSE is above the naive last-value forecast's. */
    static boolean worseThanNaive(TrainingResult.Metrics m) {
        return m.model().count() > 0
                && m.naive().count() > 0
                && m.model().mse() > m.naive().mse();
    }

    /** The options as a person reads them, one line each for the model and the training. */
    static String describe(TrainingOptions o, String seasonSource) {
        String cell = o.cell() == CellType.GRU
                ? "GRU (reset " + o.gruReset().configName() + ")"
                : o.cell().configName().toUpperCase(Locale.ROOT);
        StringBuilder text = new StringBuilder();
        text.append(String.format(
                Locale.ROOT,
                "model: %s, hidden size %d, %d layer%s, horizon %d%s%n",
                cell,
                o.hidden(),
                o.layers(),
                o.layers() == 1 ? "" : "s",
                o.horizon(),
                o.onlineNormalisation() == null
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                ", online normalisation (half-life %s, scale floor %s, clip %s)",
                                o.onlineNormalisation().halfLife(),
                                o.onlineNormalisation().scaleFloor(),
                                o.onlineNormalisation().clip())));
        text.append(String.format(
                Locale.ROOT,
                "training: up to %d epochs (patience %d), learning rate %s (%s), window %d steps, batch %d windows, "
                        + "seed %d, validation %s of each key, weight decay %s, gradient clip %s; seasonal-naive period "
                        + "%d steps (%s)",
                o.epochs(),
                o.patience(),
                o.learningRate(),
                o.schedule().name().toLowerCase(Locale.ROOT),
                o.window(),
                o.batch(),
                o.seed(),
                o.validationFraction(),
                o.weightDecay(),
                o.clipNorm() == 0 ? "off" : Double.toString(o.clipNorm()),
                o.season(),
                seasonSource));
        return text.toString();
    }

    /**
     * Whether stderr is a terminal, where a progress bar redrawn in place reads well. The launcher
     * says so ({@code -Dstreamcell.stderr.terminal}); without it, whether Java has a console.
     */
    static boolean stderrIsTerminal() {
        String said = System.getProperty("streamcell.stderr.terminal");
        return said != null ? Boolean.parseBoolean(said) : System.console() != null;
    }

    /** Writes into a temporary sibling directory, then moves it to --out (replacing it under --force). */
    private void writeAtomically(RecurrentModel model) throws IOException {
        AtomicFiles.writeDirectory(out, directory -> ModelDirectory.write(model, directory));
    }

    private static boolean isEmptyDirectory(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(path)) {
            return entries.findAny().isEmpty();
        }
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of()
                    .formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Progress as plain lines, for a log or a redirected stderr: one per epoch, and one with the batch
     * and its estimated time left at most every {@code every} within long epochs.
     */
    static final class ProgressLines implements TrainingListener {
        private final PrintWriter err;
        private final long everyNanos;
        private long lastLine = System.nanoTime();

        ProgressLines(PrintWriter err, Duration every) {
            this.err = err;
            this.everyNanos = every.toNanos();
        }

        @Override
        public void onBatch(int epoch, int epochs, int batch, int batches, double loss, double etaSeconds) {
            long now = System.nanoTime();
            if (batch == batches || now - lastLine < everyNanos) {
                return;
            }
            lastLine = now;
            err.printf(
                    Locale.ROOT,
                    "epoch %d/%d: batch %d/%d, loss %.5f, about %s left%n",
                    epoch,
                    epochs,
                    batch,
                    batches,
                    loss,
                    ProgressLine.duration(etaSeconds));
            err.flush();
        }

        @Override
        public void onEpoch(int epoch, int epochs, double trainLoss, double validationLoss, boolean best) {
            lastLine = System.nanoTime();
            err.printf(
                    Locale.ROOT,
                    "epoch %d/%d: train loss %.5f, validation loss %.5f%s%n",
                    epoch,
                    epochs,
                    trainLoss,
                    validationLoss,
                    best ? " (best so far)" : "");
            err.flush();
        }
    }

    /** A carriage-return progress line on a terminal, redrawn at most ten times a second, one line per epoch. */
    static final class ProgressLine implements TrainingListener {
        private static final int WIDTH = 24;
        private final PrintWriter err;
        private long lastDraw;

        ProgressLine(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void onBatch(int epoch, int epochs, int batch, int batches, double loss, double etaSeconds) {
            long now = System.nanoTime();
            if (batch != batches && now - lastDraw < 100_000_000L) {
                return;
            }
            lastDraw = now;
            int filled = (int) ((long) WIDTH * batch / batches);
            err.printf(
                    "\repoch %d/%d [%s%s] batch %d/%d loss %.5f ETA %s ",
                    epoch,
                    epochs,
                    "=".repeat(filled),
                    " ".repeat(WIDTH - filled),
                    batch,
                    batches,
                    loss,
                    duration(etaSeconds));
            err.flush();
        }

        @Override
        public void onEpoch(int epoch, int epochs, double trainLoss, double validationLoss, boolean best) {
            err.printf(
                    "\repoch %d/%d train %.5f validation %.5f%s%s%n",
                    epoch, epochs, trainLoss, validationLoss, best ? " (best)" : "", " ".repeat(30));
            err.flush();
        }

        static String duration(double seconds) {
            long s = Math.max(0, Math.round(seconds));
            return s >= 3600
                    ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                    : String.format("%d:%02d", s / 60, s % 60);
        }
    }
}
