package io.streamcell.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * The {@code config.json} of a model directory ({@code format: "streamcell-model/1"}): architecture,
 * feature and target names, scalers, version and provenance. Immutable and validated on creation (in
 * the canonical constructor, whichever way it is reached).
 *
 * <p>Build one with {@link #builder()}, or change some fields of another with {@link #toBuilder()}:
 *
 * <pre>{@code
 * ModelConfig config = ModelConfig.builder()
 *         .cell(CellType.LSTM)
 *         .hiddenSize(32)
 *         .features(List.of("temperature", "humidity"))
 *         .targets(List.of("temperature"))
 *         .version("v1")
 *         .build();
 * ModelConfig deeper = config.toBuilder().numLayers(2).version("v2").build();
 * }</pre>
 *
 * @param cell recurrent cell of every layer
 * @param gruReset where a GRU applies its reset gate; {@link GruReset#AFTER} for LSTM (unused)
 * @param features input names, in the order the model consumes them
 * @param targets output names; the head produces {@code targets.size() * horizon} values, step-major
 * @param horizon number of future events forecast per step (1 = the key's next event)
 * @param version stamped on every output the model makes
 * @param provenance who made it, from what, when ({@link ModelProvenance}); never null, may be empty
 * @param onlineNormalisation per-key online input normalisation ({@link OnlineNormaliser}), or null
 *     for none; config field {@code online_normalisation: {half_life, scale_floor, clip}}
 * @param forecast how the model forecasts each target's change per key ({@link ForecastSpec}), or
 *     null for a model that forecasts with the network's head alone; with it the network reads the
 *     features' squashed values in the forecast's units (then the calendar terms, if it reads them:
 *     {@code input_size} and {@code input_scaler} count them) and forecasts each target's change
 *     per step in those units (through {@code target_scaler})
 */
public record ModelConfig(
        CellType cell,
        GruReset gruReset,
        int inputSize,
        int hiddenSize,
        int numLayers,
        List<String> features,
        List<String> targets,
        int horizon,
        Scaler inputScaler,
        Scaler targetScaler,
        String version,
        ModelProvenance provenance,
        OnlineNormalisation onlineNormalisation,
        ForecastSpec forecast) {

    /** Settings of per-key online input normalisation (see {@link OnlineNormaliser}). */
    public record OnlineNormalisation(double halfLife, double scaleFloor, double clip) {
        public OnlineNormalisation {
            if (!(halfLife > 0) || !(scaleFloor > 0) || !(clip > 0)) {
                throw new IllegalArgumentException(
                        "online_normalisation needs positive half_life, scale_floor and clip");
            }
        }

        public OnlineNormaliser normaliser(int features) {
            return new OnlineNormaliser(features, halfLife, scaleFloor, clip);
        }
    }

    public static final String FORMAT = "streamcell-model/1";

    /** Bounds that keep a hostile or mistaken config from allocating without limit. */
    public static final int MAX_INPUT_SIZE = 4096;

    public static final int MAX_HIDDEN_SIZE = 4096;
    public static final int MAX_LAYERS = 16;
    public static final int MAX_TARGETS = 4096;
    public static final int MAX_HORIZON = 1024;

    private static final Set<String> KNOWN_FIELDS = Set.of(
            "format",
            "cell",
            "gru_reset",
            "input_size",
            "hidden_size",
            "num_layers",
            "features",
            "targets",
            "horizon",
            "input_scaler",
            "target_scaler",
            "version",
            "provenance",
            "online_normalisation",
            "forecast");

    public ModelConfig {
        Objects.requireNonNull(cell, "cell");
        Objects.requireNonNull(gruReset, "gruReset");
        features = List.copyOf(features);
        targets = List.copyOf(targets);
        Objects.requireNonNull(version, "version");
        provenance = provenance == null ? ModelProvenance.EMPTY : provenance;
        int networkInputs = features.size()
                + (forecast != null && forecast.calendar().network()
                        ? forecast.calendar().terms()
                        : 0);
        inputScaler = inputScaler == null ? Scaler.identity(networkInputs) : inputScaler;
        targetScaler = targetScaler == null ? Scaler.identity(targets.size()) : targetScaler;
        checkRange("input_size", inputSize, 1, MAX_INPUT_SIZE);
        checkRange("hidden_size", hiddenSize, 1, MAX_HIDDEN_SIZE);
        checkRange("num_layers", numLayers, 1, MAX_LAYERS);
        checkRange("horizon", horizon, 1, MAX_HORIZON);
        checkRange("targets count", targets.size(), 1, MAX_TARGETS);
        if (networkInputs != inputSize) {
            throw new IllegalArgumentException("features lists " + features.size() + " names"
                    + (networkInputs != features.size()
                            ? " (plus " + (networkInputs - features.size()) + " calendar terms)"
                            : "")
                    + " but input_size is " + inputSize);
        }
        checkNames("features", features);
        checkNames("targets", targets);
        if (inputScaler.size() != inputSize) {
            throw new IllegalArgumentException(
                    "input_scaler has " + inputScaler.size() + " columns but input_size is " + inputSize);
        }
        if (targetScaler.size() != targets.size()) {
            throw new IllegalArgumentException("target_scaler has " + targetScaler.size() + " columns but there are "
                    + targets.size() + " targets");
        }
        if (onlineNormalisation != null && !features.containsAll(targets)) {
            throw new IllegalArgumentException("online_normalisation needs every target among the features "
                    + "(forecasts are mapped back with the target feature's statistics); targets "
                    + shown(targets.toString()) + ", features " + shown(features.toString()));
        }
        if (forecast != null) {
            checkForecast(forecast, features, targets, horizon, onlineNormalisation);
        }
    }

    private static void checkForecast(
            ForecastSpec forecast,
            List<String> features,
            List<String> targets,
            int horizon,
            OnlineNormalisation onlineNormalisation) {
        if (onlineNormalisation != null) {
            throw new IllegalArgumentException("online_normalisation and forecast cannot be combined: "
                    + "forecast.units {\"online\": ...} normalises per key");
        }
        if (!features.containsAll(targets)) {
            throw new IllegalArgumentException("forecast needs every target among the features (it forecasts the "
                    + "change from the target's last value); targets " + shown(targets.toString()) + ", features "
                    + shown(features.toString()));
        }
        if (!forecast.units().isOnline() && forecast.units().mean().length != features.size()) {
            throw new IllegalArgumentException("forecast.units has "
                    + forecast.units().mean().length + " columns but there are " + features.size() + " features");
        }
        if (forecast.limits() != null && forecast.limits().length != targets.size() * horizon) {
            throw new IllegalArgumentException("forecast.limits has " + forecast.limits().length
                    + " values, expected targets x horizon = " + targets.size() * horizon);
        }
    }

    /** A builder with the defaults of an optional config.json field: see {@link Builder}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's fields, to make a config that differs in some of them. */
    public Builder toBuilder() {
        return new Builder()
                .cell(cell)
                .gruReset(gruReset)
                .hiddenSize(hiddenSize)
                .numLayers(numLayers)
                .features(features)
                .targets(targets)
                .horizon(horizon)
                .inputScaler(inputScaler)
                .targetScaler(targetScaler)
                .version(version)
                .provenance(provenance)
                .onlineNormalisation(onlineNormalisation)
                .forecast(forecast);
    }

    /** This config with another provenance. */
    public ModelConfig withProvenance(ModelProvenance value) {
        return toBuilder().provenance(value).build();
    }

    /**
     * What a key's recurrent state means, as a number: equal for two configs exactly when one's
     * hidden and cell states are the other's shape and order (cell type, input size, hidden size,
     * layers), never 0. Keyed state records it, so a state made by another architecture of the same
     * size is reset rather than misread.
     */
    public int architectureFingerprint() {
        CRC32 crc = new CRC32();
        crc.update(
                ("cell=" + cell.configName() + ";input=" + inputSize + ";hidden=" + hiddenSize + ";layers=" + numLayers)
                        .getBytes(StandardCharsets.UTF_8));
        int value = (int) crc.getValue();
        return value == 0 ? 1 : value;
    }

    /** Number of head outputs: {@code targets.size() * horizon}. */
    public int outputSize() {
        return targets.size() * horizon;
    }

    /** Floats of per-key recurrent state: h (and c for LSTM) for every layer. */
    public int stateSize() {
        return numLayers * hiddenSize * (cell.hasCellState() ? 2 : 1);
    }

    /**
     * Parses and validates a config.json document.
     *
     * @param source named in error messages (usually the file path)
     * @throws ModelFormatException naming {@code source} and the field at fault
     */
    public static ModelConfig fromJson(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(source + ": expected a JSON object");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KNOWN_FIELDS.contains(name)) {
                throw new ModelFormatException(source + ": unknown field '" + shown(name) + "' (known: "
                        + String.join(", ", KNOWN_FIELDS.stream().sorted().toList()) + ")");
            }
        }
        String unwritable = unwritableValue(root, "");
        if (unwritable != null) {
            throw new ModelFormatException(source + ": " + unwritable);
        }
        String format = requiredText(root, "format", source);
        if (!FORMAT.equals(format)) {
            throw new ModelFormatException(source + ": format is '" + shown(format) + "', expected '" + FORMAT + "'");
        }
        try {
            CellType cell = CellType.fromConfigName(requiredText(root, "cell", source));
            GruReset reset = root.hasNonNull("gru_reset")
                    ? GruReset.fromConfigName(requiredText(root, "gru_reset", source))
                    : GruReset.AFTER;
            if (cell == CellType.LSTM && reset != GruReset.AFTER) {
                throw new ModelFormatException(
                        source + ": gru_reset '" + reset.configName() + "' given for an lstm model");
            }
            List<String> features = stringList(root, "features", source);
            List<String> targets = stringList(root, "targets", source);
            Builder builder = builder()
                    .cell(cell)
                    .gruReset(reset)
                    .inputSize(requiredInt(root, "input_size", source))
                    .hiddenSize(requiredInt(root, "hidden_size", source))
                    .numLayers(requiredInt(root, "num_layers", source))
                    .features(features)
                    .targets(targets);
            if (root.has("horizon")) {
                builder.horizon(requiredInt(root, "horizon", source));
            }
            return builder.inputScaler(scaler(root, "input_scaler", source))
                    .targetScaler(scaler(root, "target_scaler", source))
                    .version(requiredText(root, "version", source))
                    .provenance(provenance(root, source))
                    .onlineNormalisation(onlineNormalisation(root, source))
                    .forecast(root.hasNonNull("forecast") ? ForecastSpec.fromJson(root.get("forecast")) : null)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source + ": " + e.getMessage(), e);
        }
    }

    /** The config.json document for this config (identity scalers are written out explicitly). */
    public ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode root = mapper.createObjectNode();
        root.put("format", FORMAT);
        root.put("cell", cell.configName());
        if (cell == CellType.GRU) {
            root.put("gru_reset", gruReset.configName());
        }
        root.put("input_size", inputSize);
        root.put("hidden_size", hiddenSize);
        root.put("num_layers", numLayers);
        features.forEach(root.putArray("features")::add);
        targets.forEach(root.putArray("targets")::add);
        root.put("horizon", horizon);
        putScaler(root.putObject("input_scaler"), inputScaler);
        putScaler(root.putObject("target_scaler"), targetScaler);
        root.put("version", version);
        root.set("provenance", provenance.toJson());
        if (onlineNormalisation != null) {
            ObjectNode node = root.putObject("online_normalisation");
            node.put("half_life", onlineNormalisation.halfLife());
            node.put("scale_floor", onlineNormalisation.scaleFloor());
            node.put("clip", onlineNormalisation.clip());
        }
        if (forecast != null) {
            root.set("forecast", forecast.toJson(mapper));
        }
        return root;
    }

    private static void putScaler(ObjectNode node, Scaler scaler) {
        ArrayNode mean = node.putArray("mean");
        for (float v : scaler.mean()) {
            mean.add(v);
        }
        ArrayNode std = node.putArray("std");
        for (float v : scaler.std()) {
            std.add(v);
        }
    }

    private static void checkRange(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " is " + value + ", expected " + min + ".." + max);
        }
    }

    private static void checkNames(String field, List<String> names) {
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException(field + " contains an empty name");
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException(field + " contains '" + shown(name) + "' twice");
            }
        }
    }

    private static String requiredText(JsonNode root, String field, String source) {
        JsonNode node = root.get(field);
        if (node == null || !node.isTextual()) {
            throw new ModelFormatException(
                    source + ": field '" + field + "' must be a string, found " + describe(node));
        }
        return node.textValue();
    }

    private static int requiredInt(JsonNode root, String field, String source) {
        JsonNode node = root.get(field);
        if (node == null || !node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new ModelFormatException(
                    source + ": field '" + field + "' must be an integer, found " + describe(node));
        }
        return node.intValue();
    }

    private static List<String> stringList(JsonNode root, String field, String source) {
        JsonNode node = root.get(field);
        if (node == null || !node.isArray()) {
            throw new ModelFormatException(
                    source + ": field '" + field + "' must be an array of strings, found " + describe(node));
        }
        List<String> values = new ArrayList<>(node.size());
        for (JsonNode element : node) {
            if (!element.isTextual()) {
                throw new ModelFormatException(
                        source + ": field '" + field + "' must contain only strings, found " + describe(element));
            }
            values.add(element.textValue());
        }
        return values;
    }

    private static Scaler scaler(JsonNode root, String field, String source) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject() || !node.has("mean") || !node.has("std")) {
            throw new ModelFormatException(
                    source + ": field '" + field + "' must be an object {\"mean\": [...], \"std\": [...]}");
        }
        try {
            return Scaler.of(floats(node.get("mean")), floats(node.get("std")));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source + ": field '" + field + "': " + e.getMessage(), e);
        }
    }

    private static float[] floats(JsonNode node) {
        if (!node.isArray()) {
            throw new IllegalArgumentException("expected an array of numbers, found " + describe(node));
        }
        float[] values = new float[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode element = node.get(i);
            if (!element.isNumber()) {
                throw new IllegalArgumentException("element " + i + " is " + describe(element) + ", expected a number");
            }
            values[i] = (float) element.doubleValue();
        }
        return values;
    }

    private static OnlineNormalisation onlineNormalisation(JsonNode root, String source) {
        JsonNode node = root.get("online_normalisation");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()
                || !node.path("half_life").isNumber()
                || !node.path("scale_floor").isNumber()
                || !node.path("clip").isNumber()) {
            throw new ModelFormatException(source + ": field 'online_normalisation' must be an object "
                    + "{\"half_life\": n, \"scale_floor\": x, \"clip\": c}");
        }
        return new OnlineNormalisation(
                node.get("half_life").doubleValue(),
                node.get("scale_floor").doubleValue(),
                node.get("clip").doubleValue());
    }

    private static ModelProvenance provenance(JsonNode root, String source) {
        JsonNode node = root.get("provenance");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new ModelFormatException(source + ": field 'provenance' must be an object, found " + describe(node));
        }
        return ModelProvenance.fromJson((ObjectNode) node);
    }

    /**
     * What makes a value in the document unwritable, as "path problem", or null. Jackson reads 1e400
     * as Infinity (and would write it back as the string "Infinity"), and a lone UTF-16 surrogate
     * ({@code "\ud800"}, or CESU-8 bytes) into a string that its UTF-8 writer refuses; either would
     * make a config that reads but does not survive {@code ModelDirectory.write}.
     */
    private static String unwritableValue(JsonNode node, String path) {
        if (node.isNumber()) {
            return Double.isFinite(node.doubleValue()) ? null : path + " is a number beyond the double range";
        }
        if (node.isTextual()) {
            return hasLoneSurrogate(node.textValue()) ? path + " holds an unpaired UTF-16 surrogate" : null;
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String found = unwritableValue(node.get(i), path + "[" + i + "]");
                if (found != null) {
                    return found;
                }
            }
        } else if (node.isObject()) {
            for (Iterator<java.util.Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                java.util.Map.Entry<String, JsonNode> field = fields.next();
                String name = field.getKey();
                String shown =
                        (path.isEmpty() ? "" : path + ".") + (name.length() > 40 ? name.substring(0, 40) + "…" : name);
                if (hasLoneSurrogate(name)) {
                    return "field name " + shown + " holds an unpaired UTF-16 surrogate";
                }
                String found = unwritableValue(field.getValue(), shown);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static boolean hasLoneSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** Text from the file for an error message: at most 80 chars, longer text cut with "…". */
    static String shown(String text) {
        return text.length() <= 80 ? text : text.substring(0, 79) + "…";
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing (missing)";
        }
        String text = node.toString();
        return node.getNodeType().name().toLowerCase() + " "
                + (text.length() > 40 ? text.substring(0, 40) + "…" : text);
    }

    /**
     * Fluent builder of a {@link ModelConfig}; {@link #build()} validates through the record's
     * constructor. {@code cell}, {@code hiddenSize}, {@code features}, {@code targets} and
     * {@code version} have no default. Defaults of the others, as for a config.json that leaves them
     * out: {@code gruReset} {@link GruReset#AFTER}, {@code numLayers} 1, {@code horizon} 1, identity
     * scalers, empty provenance, no online normalisation, and {@code inputSize} the number of
     * features.
     */
    public static final class Builder {
        private CellType cell;
        private GruReset gruReset = GruReset.AFTER;
        private Integer inputSize;
        private int hiddenSize;
        private int numLayers = 1;
        private List<String> features;
        private List<String> targets;
        private int horizon = 1;
        private Scaler inputScaler;
        private Scaler targetScaler;
        private String version;
        private ModelProvenance provenance;
        private OnlineNormalisation onlineNormalisation;
        private ForecastSpec forecast;

        private Builder() {}

        public Builder cell(CellType value) {
            cell = Objects.requireNonNull(value, "cell");
            return this;
        }

        public Builder gruReset(GruReset value) {
            gruReset = Objects.requireNonNull(value, "gruReset");
            return this;
        }

        /** Only needed to check a declared size against the features (config.json's input_size). */
        public Builder inputSize(int value) {
            inputSize = value;
            return this;
        }

        public Builder hiddenSize(int value) {
            hiddenSize = value;
            return this;
        }

        public Builder numLayers(int value) {
            numLayers = value;
            return this;
        }

        public Builder features(List<String> value) {
            features = Objects.requireNonNull(value, "features");
            return this;
        }

        public Builder targets(List<String> value) {
            targets = Objects.requireNonNull(value, "targets");
            return this;
        }

        public Builder horizon(int value) {
            horizon = value;
            return this;
        }

        /** Null for the identity scaler. */
        public Builder inputScaler(Scaler value) {
            inputScaler = value;
            return this;
        }

        /** Null for the identity scaler. */
        public Builder targetScaler(Scaler value) {
            targetScaler = value;
            return this;
        }

        public Builder version(String value) {
            version = Objects.requireNonNull(value, "version");
            return this;
        }

        /** Null for none. */
        public Builder provenance(ModelProvenance value) {
            provenance = value;
            return this;
        }

        /** Null for none. */
        public Builder onlineNormalisation(OnlineNormalisation value) {
            onlineNormalisation = value;
            return this;
        }

        /** Null for a model that forecasts with the network's head alone. */
        public Builder forecast(ForecastSpec value) {
            forecast = value;
            return this;
        }

        /** @throws IllegalArgumentException or NullPointerException naming the field at fault */
        public ModelConfig build() {
            Objects.requireNonNull(features, "features");
            return new ModelConfig(
                    cell,
                    gruReset,
                    inputSize != null
                            ? inputSize
                            : features.size()
                                    + (forecast != null && forecast.calendar().network()
                                            ? forecast.calendar().terms()
                                            : 0),
                    hiddenSize,
                    numLayers,
                    features,
                    targets,
                    horizon,
                    inputScaler,
                    targetScaler,
                    version,
                    provenance,
                    onlineNormalisation,
                    forecast);
        }
    }
}
