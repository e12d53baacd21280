package io.streamcell.train;

import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
import io.streamcell.model.ModelProvenance;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Hyper-parameters of {@link Trainer}, a fluent and mutable holder (copy it before sharing);
 * {@link #validate()} checks every field with a message naming the CLI option.
 *
 * <p>Defaults: LSTM, hidden 64, 1 layer, horizon 1, 20 epochs, learning rate 0.002, cosine
 * schedule (down to 5% of the rate at the last epoch), window 64 steps, batch 32 windows, seed 42,
 * validation fraction 0.1, weight decay 0, gradient-norm clip 1.0, patience 5 epochs, season 24
 * steps, version "trained".
 */
public final class TrainingOptions {
    /** Learning-rate schedule over epochs. */
    public enum Schedule {
        /** The same rate every epoch. */
        CONSTANT,
        /** {@code lr_e = lr (m + (1 - m) (1 + cos(π e / E)) / 2)}, m = {@value #COSINE_FLOOR}, e = 0..E-1. */
        COSINE
    }

    /** The fraction of the learning rate the cosine schedule tends to. */
    public static final double COSINE_FLOOR = 0.05;

    private CellType cell = CellType.LSTM;
    private GruReset gruReset = GruReset.AFTER;
    private int hidden = 64;
    private int layers = 1;
    private int horizon = 1;
    private int epochs = 20;
    private double learningRate = 0.002;
    private Schedule schedule = Schedule.COSINE;
    private int window = 64;
    private int batch = 32;
    private long seed = 42;
    private double validationFraction = 0.1;
    private double weightDecay = 0.0;
    private double clipNorm = 1.0;
    private int patience = 5;
    private int season = 24;
    private String version = "trained";
    private io.streamcell.model.ModelConfig.OnlineNormalisation onlineNormalisation;

    public static TrainingOptions defaults() {
        return new TrainingOptions();
    }

    public TrainingOptions copy() {
        TrainingOptions c = new TrainingOptions();
        c.cell = cell;
        c.gruReset = gruReset;
        c.hidden = hidden;
        c.layers = layers;
        c.horizon = horizon;
        c.epochs = epochs;
        c.learningRate = learningRate;
        c.schedule = schedule;
        c.window = window;
        c.batch = batch;
        c.seed = seed;
        c.validationFraction = validationFraction;
        c.weightDecay = weightDecay;
        c.clipNorm = clipNorm;
        c.patience = patience;
        c.season = season;
        c.version = version;
        c.onlineNormalisation = onlineNormalisation;
        return c;
    }

    /** @throws IllegalArgumentException naming the first invalid option */
    public TrainingOptions validate() {
        Objects.requireNonNull(cell, "cell");
        Objects.requireNonNull(gruReset, "gruReset");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(version, "version");
        if (cell == CellType.LSTM && gruReset != GruReset.AFTER) {
            throw new IllegalArgumentException("--gru-reset applies to --cell gru only");
        }
        check(hidden >= 1 && hidden <= 4096, "--hidden must be 1..4096, got " + hidden);
        check(layers >= 1 && layers <= 16, "--layers must be 1..16, got " + layers);
        check(horizon >= 1 && horizon <= 1024, "--horizon must be 1..1024, got " + horizon);
        check(epochs >= 1, "--epochs must be >= 1, got " + epochs);
        check(learningRate > 0 && Double.isFinite(learningRate), "--lr must be > 0, got " + learningRate);
        check(window >= 1, "--window must be >= 1, got " + window);
        check(batch >= 1, "--batch must be >= 1, got " + batch);
        check(validationFraction > 0 && validationFraction < 1, "--val must be in (0, 1), got " + validationFraction);
        check(weightDecay >= 0 && Double.isFinite(weightDecay), "--weight-decay must be >= 0, got " + weightDecay);
        check(clipNorm >= 0 && Double.isFinite(clipNorm), "--clip must be >= 0 (0 = off), got " + clipNorm);
        check(patience >= 1, "--patience must be >= 1, got " + patience);
        check(season >= 1, "--season must be >= 1, got " + season);
        check(!version.isBlank(), "--version must not be blank");
        return this;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** These options as a model's provenance records them, with the features and targets trained on. */
    public ModelProvenance.Options provenance(List<String> features, List<String> targets) {
        return new ModelProvenance.Options(
                cell,
                gruReset,
                hidden,
                layers,
                horizon,
                features,
                targets,
                epochs,
                learningRate,
                schedule.name().toLowerCase(Locale.ROOT),
                window,
                batch,
                validationFraction,
                weightDecay,
                clipNorm,
                patience,
                season,
                onlineNormalisation,
                Trainer.OPTIMIZER);
    }

    /** The learning rate of epoch {@code epoch} (0-based). */
    public double learningRateAt(int epoch) {
        if (schedule == Schedule.CONSTANT || epochs == 1) {
            return learningRate;
        }
        double cosine = 0.5 * (1 + Math.cos(Math.PI * epoch / epochs));
        return learningRate * (COSINE_FLOOR + (1 - COSINE_FLOOR) * cosine);
    }

    public CellType cell() {
        return cell;
    }

    public GruReset gruReset() {
        return gruReset;
    }

    public int hidden() {
        return hidden;
    }

    public int layers() {
        return layers;
    }

    public int horizon() {
        return horizon;
    }

    public int epochs() {
        return epochs;
    }

    public double learningRate() {
        return learningRate;
    }

    public Schedule schedule() {
        return schedule;
    }

    public int window() {
        return window;
    }

    public int batch() {
        return batch;
    }

    public long seed() {
        return seed;
    }

    public double validationFraction() {
        return validationFraction;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public double clipNorm() {
        return clipNorm;
    }

    public int patience() {
        return patience;
    }

    public int season() {
        return season;
    }

    public String version() {
        return version;
    }
    /** Per-key online normalisation the model is trained behind (and ships with), or null. */
    public io.streamcell.model.ModelConfig.OnlineNormalisation onlineNormalisation() {
        return onlineNormalisation;
    }

    public TrainingOptions onlineNormalisation(io.streamcell.model.ModelConfig.OnlineNormalisation value) {
        onlineNormalisation = value;
        return this;
    }

    public TrainingOptions cell(CellType value) {
        cell = value;
        return this;
    }

    public TrainingOptions gruReset(GruReset value) {
        gruReset = value;
        return this;
    }

    public TrainingOptions hidden(int value) {
        hidden = value;
        return this;
    }

    public TrainingOptions layers(int value) {
        layers = value;
        return this;
    }

    public TrainingOptions horizon(int value) {
        horizon = value;
        return this;
    }

    public TrainingOptions epochs(int value) {
        epochs = value;
        return this;
    }

    public TrainingOptions learningRate(double value) {
        learningRate = value;
        return this;
    }

    public TrainingOptions schedule(Schedule value) {
        schedule = value;
        return this;
    }

    public TrainingOptions window(int value) {
        window = value;
        return this;
    }

    public TrainingOptions batch(int value) {
        batch = value;
        return this;
    }

    public TrainingOptions seed(long value) {
        seed = value;
        return this;
    }

    public TrainingOptions validationFraction(double value) {
        validationFraction = value;
        return this;
    }

    public TrainingOptions weightDecay(double value) {
        weightDecay = value;
        return this;
    }

    public TrainingOptions clipNorm(double value) {
        clipNorm = value;
        return this;
    }

    public TrainingOptions patience(int value) {
        patience = value;
        return this;
    }

    public TrainingOptions season(int value) {
        season = value;
        return this;
    }

    public TrainingOptions version(String value) {
        version = value;
        return this;
    }

    @Override
    public String toString() {
        return "TrainingOptions[cell=" + cell.configName() + (cell == CellType.GRU ? "/" + gruReset.configName() : "")
                + ", hidden=" + hidden + ", layers=" + layers + ", horizon=" + horizon + ", epochs=" + epochs
                + ", lr=" + learningRate + " " + schedule.name().toLowerCase() + ", window=" + window
                + ", batch=" + batch + ", seed=" + seed + ", val=" + validationFraction + ", weightDecay="
                + weightDecay + ", clip=" + clipNorm + ", patience=" + patience + ", season=" + season
                + (onlineNormalisation == null ? "" : ", " + onlineNormalisation) + "]";
    }
}
