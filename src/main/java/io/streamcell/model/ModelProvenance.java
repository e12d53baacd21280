package io.streamcell.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Where a model came from: the data it was trained on, the trainer's options and seed, how it did on
 * its validation split, the versions that made it, and when. Written as the {@code provenance}
 * object of config.json:
 *
 * <pre>{@code
 * {"tool": "streamcell train 0.1.0",
 *  "input": {"file": "/data/train.csv", "sha256": "…", "rows": 600000, "keys": 300, "series_sha256": "…"},
 *  "config": {"cell": "lstm", "gru_reset": "after", "hidden": 32, …, "optimizer": "…"},
 *  "seed": 42,
 *  "training": {"epochs_run": 40, "best_epoch": 38, "stopped_early": false, "seconds": 187.5,
 *               "train_loss": […], "validation_loss": […]},
 *  "metrics": {"split": "validation, original units", "season": 288,
 *              "model": {"count": 59700, "mse": …, "mae": …}, "naive": {…}, "seasonal_naive": {…}},
 *  "created": "2026-11-26T17:25:35.444811256Z",
 *  "versions": {"streamcell": "0.1.0", "java": "17.0.13"}}
 * }</pre>
 *
 * <p>Every section is optional (null here): a model exported by another tool has whatever that tool
 * wrote. Reading never fails and loses nothing: a section that does not have exactly the form this
 * class writes (a seed written as a string, a time that is not an ISO-8601 instant, a section with a
 * field this version does not know) stays as it was, in {@link #extra()}, with every field this
 * class does not know. So any provenance object loads and is written back as the same JSON (its
 * fields' order may change).
 *
 * @param tool what made the model, e.g. {@code streamcell train 0.1.0}, or null
 * @param input the training data, or null
 * @param options the trainer's options (config.json's {@code config} section), or null
 * @param seed the seed of initialization and shuffling, or null
 * @param training the training run: epochs, early stopping, losses, or null
 * @param metrics the validation metrics of the model and its baselines, or null
 * @param versions the StreamCell and Java versions that trained the model, or null
 * @param created when the model was made, or null
 * @param extra every other field, and each section above that is null here but present in the
 *     JSON in another form; never null (empty when there are none)
 */
public record ModelProvenance(
        String tool,
        Input input,
        Options options,
        Long seed,
        Training training,
        Metrics metrics,
        Versions versions,
        Instant created,
        ObjectNode extra) {

    /** What {@link Versions#current()} reports for StreamCell when classes do not come from a released jar. */
    public static final String DEVELOPMENT_BUILD = "(development build)";

    private static final String TOOL = "tool";
    private static final String INPUT = "input";
    private static final String OPTIONS = "config";
    private static final String SEED = "seed";
    private static final String TRAINING = "training";
    private static final String METRICS = "metrics";
    private static final String VERSIONS = "versions";
    private static final String CREATED = "created";
    /** The typed sections' field names, in the order of the record's components. */
    private static final List<String> SECTIONS =
            List.of(TOOL, INPUT, OPTIONS, SEED, TRAINING, METRICS, VERSIONS, CREATED);

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** No provenance at all: {@code {}}. */
    public static final ModelProvenance EMPTY =
            new ModelProvenance(null, null, null, null, null, null, null, null, null);

    public ModelProvenance {
        extra = extra == null ? NODES.objectNode() : extra.deepCopy();
        Object[] typed = {tool, input, options, seed, training, metrics, versions, created};
        for (int i = 0; i < typed.length; i++) {
            if (typed[i] != null && extra.has(SECTIONS.get(i))) {
                throw new IllegalArgumentException("provenance field '" + SECTIONS.get(i)
                        + "' is given both as a typed value and in extra; give it once");
            }
        }
    }

    /**
     * The training data.
     *
     * @param file the file read by {@code streamcell train} (absolute path), or null
     * @param sha256 SHA-256 (hex) of that file's bytes, or null
     * @param seriesSha256 SHA-256 (hex) of the series the trainer was given, whatever they were read
     *     from ({@code KeySeries.sha256}), or null
     * @param rows steps of all keys
     * @param keys number of keys
     */
    public record Input(String file, String sha256, String seriesSha256, long rows, int keys) {
        /** Data given to the trainer directly, identified by its content hash. */
        public static Input ofSeries(String seriesSha256, long rows, int keys) {
            return new Input(null, null, seriesSha256, rows, keys);
        }

        /** This input read from {@code file}, whose bytes have the SHA-256 {@code sha256} (hex). */
        public Input withFile(String file, String sha256) {
            return new Input(file, sha256, seriesSha256, rows, keys);
        }
    }

    /**
     * The trainer's options ({@code TrainingOptions}), with the features and targets it was given.
     *
     * @param schedule the learning-rate schedule, lower case ({@code cosine}, {@code constant})
     * @param onlineNormalisation the per-key online normalisation trained behind, or null
     * @param optimizer a description of the optimizer
     */
    public record Options(
            CellType cell,
            GruReset gruReset,
            int hidden,
            int layers,
            int horizon,
            List<String> features,
            List<String> targets,
            int epochs,
            double learningRate,
            String schedule,
            int window,
            int batch,
            double validationFraction,
            double weightDecay,
            double clipNorm,
            int patience,
            int season,
            ModelConfig.OnlineNormalisation onlineNormalisation,
            String optimizer) {
        public Options {
            Objects.requireNonNull(cell, "cell");
            Objects.requireNonNull(gruReset, "gruReset");
            features = List.copyOf(features);
            targets = List.copyOf(targets);
            Objects.requireNonNull(schedule, "schedule");
            Objects.requireNonNull(optimizer, "optimizer");
        }
    }

    /**
     * One training run.
     *
     * @param bestEpoch 1-based epoch whose parameters were kept
     * @param seconds wall time of training
     * @param trainLoss mean training loss per epoch run (NaN where it was not finite)
     * @param validationLoss validation loss per epoch run (NaN where it was not finite)
     */
    public record Training(
            int epochsRun,
            int bestEpoch,
            boolean stoppedEarly,
            double seconds,
            List<Double> trainLoss,
            List<Double> validationLoss) {
        public Training {
            trainLoss = List.copyOf(trainLoss);
            validationLoss = List.copyOf(validationLoss);
        }
    }

    /**
     * Errors on the validation split of the kept model and of two baselines.
     *
     * @param split which split, in which units (original, or per-key online-normalised)
     * @param season period of the seasonal-naive baseline, in steps
     */
    public record Metrics(String split, int season, Score model, Score naive, Score seasonalNaive) {
        public Metrics {
            Objects.requireNonNull(split, "split");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(naive, "naive");
            Objects.requireNonNull(seasonalNaive, "seasonalNaive");
        }
    }

    /**
     * One forecaster's validation errors.
     *
     * @param count forecast values compared; 0 when the forecaster could not be evaluated (mse and mae
     *     are then NaN)
     */
    public record Score(long count, double mse, double mae) {}

    /** The versions that trained a model. */
    public record Versions(String streamcell, String java) {
        public Versions {
            Objects.requireNonNull(streamcell, "streamcell");
            Objects.requireNonNull(java, "java");
        }

        /** This StreamCell's version ({@value #DEVELOPMENT_BUILD} outside a release jar) and this JVM's. */
        public static Versions current() {
            String version = ModelProvenance.class.getPackage().getImplementationVersion();
            return new Versions(version == null ? DEVELOPMENT_BUILD : version, System.getProperty("java.version"));
        }
    }

    /** Every field that is not one of the typed sections (a copy). */
    @Override
    public ObjectNode extra() {
        return extra.deepCopy();
    }

    public boolean isEmpty() {
        return equals(EMPTY);
    }

    public ModelProvenance withTool(String value) {
        return new ModelProvenance(
                value, input, options, seed, training, metrics, versions, created, extraWithout(TOOL));
    }

    public ModelProvenance withInput(Input value) {
        return new ModelProvenance(
                tool, value, options, seed, training, metrics, versions, created, extraWithout(INPUT));
    }

    /**
     * This provenance with {@code warning} added to its {@code warnings} (an extra field: a list of
     * sentences about the model a user should know, e.g. that it lost to the last value).
     */
    public ModelProvenance withWarning(String warning) {
        ObjectNode copy = extra.deepCopy();
        JsonNode existing = copy.get(WARNINGS);
        ArrayNode warnings = existing instanceof ArrayNode array ? array : copy.putArray(WARNINGS);
        warnings.add(warning);
        return new ModelProvenance(tool, input, options, seed, training, metrics, versions, created, copy);
    }

    /** The {@code warnings} of {@link #withWarning}, in order. */
    public List<String> warnings() {
        List<String> list = new ArrayList<>();
        JsonNode node = extra.get(WARNINGS);
        if (node instanceof ArrayNode array) {
            array.forEach(w -> list.add(w.asText()));
        }
        return list;
    }

    private static final String WARNINGS = "warnings";

    private ObjectNode extraWithout(String field) {
        ObjectNode copy = extra.deepCopy();
        copy.remove(field);
        return copy;
    }

    /** The provenance object of config.json: the typed sections, then the extra fields. */
    public ObjectNode toJson() {
        ObjectNode root = NODES.objectNode();
        if (tool != null) {
            root.put(TOOL, tool);
        }
        putIfSet(root, INPUT, input, ModelProvenance::inputJson);
        putIfSet(root, OPTIONS, options, ModelProvenance::optionsJson);
        if (seed != null) {
            root.put(SEED, seed);
        }
        putIfSet(root, TRAINING, training, ModelProvenance::trainingJson);
        putIfSet(root, METRICS, metrics, ModelProvenance::metricsJson);
        if (created != null) {
            root.put(CREATED, created.toString());
        }
        putIfSet(root, VERSIONS, versions, ModelProvenance::versionsJson);
        root.setAll(extra.deepCopy());
        return root;
    }

    /**
     * The provenance that {@code node} describes; never fails (see the class comment).
     *
     * @param node a provenance object, or null for none
     */
    public static ModelProvenance fromJson(ObjectNode node) {
        if (node == null || node.isEmpty()) {
            return EMPTY;
        }
        ObjectNode extra = node.deepCopy();
        return new ModelProvenance(
                typed(extra, TOOL, ModelProvenance::text, NODES::textNode),
                typed(extra, INPUT, ModelProvenance::readInput, ModelProvenance::inputJson),
                typed(extra, OPTIONS, ModelProvenance::readOptions, ModelProvenance::optionsJson),
                typed(extra, SEED, ModelProvenance::longValue, NODES::numberNode),
                typed(extra, TRAINING, ModelProvenance::readTraining, ModelProvenance::trainingJson),
                typed(extra, METRICS, ModelProvenance::readMetrics, ModelProvenance::metricsJson),
                typed(extra, VERSIONS, ModelProvenance::readVersions, ModelProvenance::versionsJson),
                typed(extra, CREATED, n -> Instant.parse(text(n)), t -> NODES.textNode(t.toString())),
                extra);
    }

    /**
     * Reads field {@code field} of {@code fields} as a typed value and removes it from there, if
     * writing the value back gives the same JSON; otherwise (or if it is absent) leaves it and
     * returns null.
     */
    private static <T> T typed(
            ObjectNode fields, String field, Function<JsonNode, T> reader, Function<T, JsonNode> writer) {
        JsonNode node = fields.get(field);
        if (node == null) {
            return null;
        }
        try {
            T value = reader.apply(node);
            if (node.equals(SAME_VALUE, writer.apply(value))) {
                fields.remove(field);
                return value;
            }
        } catch (NotOfThisForm | IllegalArgumentException | DateTimeException notOfThisForm) {
            // kept in extra as it is
        }
        return null;
    }

    /**
     * Equal JSON values, where an int equals a long of the same value (Jackson reads small integers
     * as ints) and numbers otherwise compare by value and kind (integral or floating point), so a
     * value that is written back as the same text compares equal.
     */
    private static final Comparator<JsonNode> SAME_VALUE = (a, b) -> {
        if (a.equals(b)) {
            return 0;
        }
        if (a.isIntegralNumber() && b.isIntegralNumber()) {
            return a.bigIntegerValue().equals(b.bigIntegerValue()) ? 0 : 1;
        }
        if (a.isFloatingPointNumber() && b.isFloatingPointNumber()) {
            return Double.compare(a.doubleValue(), b.doubleValue()) == 0 ? 0 : 1;
        }
        return 1;
    };

    private static <T> void putIfSet(ObjectNode root, String field, T value, Function<T, JsonNode> writer) {
        if (value != null) {
            root.set(field, writer.apply(value));
        }
    }

    private static JsonNode inputJson(Input input) {
        ObjectNode node = NODES.objectNode();
        if (input.file() != null) {
            node.put("file", input.file());
        }
        if (input.sha256() != null) {
            node.put("sha256", input.sha256());
        }
        node.put("rows", input.rows());
        node.put("keys", input.keys());
        if (input.seriesSha256() != null) {
            node.put("series_sha256", input.seriesSha256());
        }
        return node;
    }

    private static Input readInput(JsonNode node) {
        return new Input(
                optionalText(node, "file"),
                optionalText(node, "sha256"),
                optionalText(node, "series_sha256"),
                longValue(field(node, "rows")),
                intValue(field(node, "keys")));
    }

    private static JsonNode optionsJson(Options o) {
        ObjectNode node = NODES.objectNode();
        node.put("cell", o.cell().configName());
        node.put("gru_reset", o.gruReset().configName());
        node.put("hidden", o.hidden());
        node.put("layers", o.layers());
        node.put("horizon", o.horizon());
        o.features().forEach(node.putArray("features")::add);
        o.targets().forEach(node.putArray("targets")::add);
        node.put("epochs", o.epochs());
        node.put("lr", o.learningRate());
        node.put("schedule", o.schedule());
        node.put("window", o.window());
        node.put("batch", o.batch());
        node.put("val", o.validationFraction());
        node.put("weight_decay", o.weightDecay());
        node.put("clip", o.clipNorm());
        node.put("patience", o.patience());
        node.put("season", o.season());
        if (o.onlineNormalisation() != null) {
            ObjectNode on = node.putObject("online_normalisation");
            on.put("half_life", o.onlineNormalisation().halfLife());
            on.put("scale_floor", o.onlineNormalisation().scaleFloor());
            on.put("clip", o.onlineNormalisation().clip());
        }
        node.put("optimizer", o.optimizer());
        return node;
    }

    private static Options readOptions(JsonNode node) {
        JsonNode online = node.get("online_normalisation");
        return new Options(
                CellType.fromConfigName(text(field(node, "cell"))),
                GruReset.fromConfigName(text(field(node, "gru_reset"))),
                intValue(field(node, "hidden")),
                intValue(field(node, "layers")),
                intValue(field(node, "horizon")),
                texts(field(node, "features")),
                texts(field(node, "targets")),
                intValue(field(node, "epochs")),
                doubleValue(field(node, "lr")),
                text(field(node, "schedule")),
                intValue(field(node, "window")),
                intValue(field(node, "batch")),
                doubleValue(field(node, "val")),
                doubleValue(field(node, "weight_decay")),
                doubleValue(field(node, "clip")),
                intValue(field(node, "patience")),
                intValue(field(node, "season")),
                online == null
                        ? null
                        : new ModelConfig.OnlineNormalisation(
                                doubleValue(field(online, "half_life")),
                                doubleValue(field(online, "scale_floor")),
                                doubleValue(field(online, "clip"))),
                text(field(node, "optimizer")));
    }

    private static JsonNode trainingJson(Training t) {
        ObjectNode node = NODES.objectNode();
        node.put("epochs_run", t.epochsRun());
        node.put("best_epoch", t.bestEpoch());
        node.put("stopped_early", t.stoppedEarly());
        node.set("seconds", number(t.seconds()));
        ArrayNode train = node.putArray("train_loss");
        t.trainLoss().forEach(v -> train.add(number(v)));
        ArrayNode validation = node.putArray("validation_loss");
        t.validationLoss().forEach(v -> validation.add(number(v)));
        return node;
    }

    private static Training readTraining(JsonNode node) {
        JsonNode stopped = field(node, "stopped_early");
        if (!stopped.isBoolean()) {
            throw new NotOfThisForm();
        }
        return new Training(
                intValue(field(node, "epochs_run")),
                intValue(field(node, "best_epoch")),
                stopped.booleanValue(),
                doubleOrNaN(field(node, "seconds")),
                doubles(field(node, "train_loss")),
                doubles(field(node, "validation_loss")));
    }

    private static JsonNode metricsJson(Metrics m) {
        ObjectNode node = NODES.objectNode();
        node.put("split", m.split());
        node.put("season", m.season());
        node.set("model", scoreJson(m.model()));
        node.set("naive", scoreJson(m.naive()));
        node.set("seasonal_naive", scoreJson(m.seasonalNaive()));
        return node;
    }

    private static Metrics readMetrics(JsonNode node) {
        return new Metrics(
                text(field(node, "split")),
                intValue(field(node, "season")),
                readScore(field(node, "model")),
                readScore(field(node, "naive")),
                readScore(field(node, "seasonal_naive")));
    }

    private static JsonNode scoreJson(Score s) {
        ObjectNode node = NODES.objectNode();
        node.put("count", s.count());
        node.set("mse", number(s.mse()));
        node.set("mae", number(s.mae()));
        return node;
    }

    private static Score readScore(JsonNode node) {
        return new Score(
                longValue(field(node, "count")), doubleOrNaN(field(node, "mse")), doubleOrNaN(field(node, "mae")));
    }

    private static JsonNode versionsJson(Versions v) {
        ObjectNode node = NODES.objectNode();
        node.put("streamcell", v.streamcell());
        node.put("java", v.java());
        return node;
    }

    private static Versions readVersions(JsonNode node) {
        return new Versions(text(field(node, "streamcell")), text(field(node, "java")));
    }

    /** A value of the JSON that is not of the form this class writes. */
    private static final class NotOfThisForm extends RuntimeException {
        NotOfThisForm() {
            super(null, null, false, false);
        }
    }

    /** JSON has no NaN or infinity: they are written as null. */
    private static JsonNode number(double value) {
        return Double.isFinite(value) ? NODES.numberNode(value) : NODES.nullNode();
    }

    private static JsonNode field(JsonNode node, String name) {
        JsonNode value = node.isObject() ? node.get(name) : null;
        if (value == null) {
            throw new NotOfThisForm();
        }
        return value;
    }

    private static String text(JsonNode node) {
        if (!node.isTextual()) {
            throw new NotOfThisForm();
        }
        return node.textValue();
    }

    private static String optionalText(JsonNode node, String name) {
        return node.has(name) ? text(node.get(name)) : null;
    }

    private static int intValue(JsonNode node) {
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new NotOfThisForm();
        }
        return node.intValue();
    }

    private static long longValue(JsonNode node) {
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new NotOfThisForm();
        }
        return node.longValue();
    }

    private static double doubleValue(JsonNode node) {
        if (!node.isFloatingPointNumber()) {
            throw new NotOfThisForm();
        }
        return node.doubleValue();
    }

    private static double doubleOrNaN(JsonNode node) {
        return node.isNull() ? Double.NaN : doubleValue(node);
    }

    private static List<String> texts(JsonNode node) {
        if (!node.isArray()) {
            throw new NotOfThisForm();
        }
        List<String> values = new ArrayList<>(node.size());
        node.forEach(element -> values.add(text(element)));
        return values;
    }

    private static List<Double> doubles(JsonNode node) {
        if (!node.isArray()) {
            throw new NotOfThisForm();
        }
        List<Double> values = new ArrayList<>(node.size());
        node.forEach(element -> values.add(doubleOrNaN(element)));
        return values;
    }
}
