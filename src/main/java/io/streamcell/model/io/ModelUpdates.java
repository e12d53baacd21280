package io.streamcell.model.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcell.avro.ModelUpdate;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.ModelFormatException;
import io.streamcell.model.RecurrentModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;

/**
 * Turns an Avro {@code ModelUpdate} (schemas/README.md) into a validated {@link RecurrentModel},
 * and makes updates from models. Validation is all or nothing: the weights must be within the
 * {@link UpdatePolicy} (inline size, {@code file:} directories), the config must parse, the weights
 * (inline, or read from {@code uri} after their SHA-256 matched) must be a valid safetensors file
 * for that config, and the {@code version} field must equal the config's. Whether the model can
 * replace the running one is {@link #checkCompatible}'s question. Messages never carry what a
 * file that failed the checks holds (not its size, not its digest). Plain Java, no Flink.
 */
public final class ModelUpdates {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelUpdates() {}

    /**
     * The model an update carries, within {@code policy}.
     *
     * @throws ModelFormatException naming the update and what is wrong with it
     * @throws IOException if the file at {@code uri} cannot be read
     */
    public static RecurrentModel toModel(ModelUpdate update, UpdatePolicy policy) throws IOException {
        String name = "model update " + update.getModelId() + "@" + update.getVersion();
        if (update.getModelId().isEmpty()) {
            throw new ModelFormatException(name + ": model_id is empty");
        }
        boolean inline = update.getWeights() != null;
        boolean byReference = update.getUri() != null;
        if (inline == byReference) {
            throw new ModelFormatException(
                    name + ": exactly one of weights and uri must be set, " + (inline ? "both are" : "neither is"));
        }
        byte[] configBytes = update.getConfigJson().getBytes(StandardCharsets.UTF_8);
        ModelConfig config = ModelDirectory.parseConfig(configBytes, name + " config_json");
        if (!config.version().equals(update.getVersion())) {
            throw new ModelFormatException(name + ": version '" + update.getVersion()
                    + "' differs from config_json's version '" + config.version() + "'");
        }
        String weightsSource;
        byte[] weights;
        if (inline) {
            weightsSource = name + " weights";
            policy.checkInline(update.getWeights().remaining(), weightsSource);
            weights = bytes(update.getWeights());
        } else {
            weightsSource = name + " " + update.getUri();
            weights = fetch(update.getUri(), update.getSha256(), weightsSource, policy);
        }
        if (weights.length > Safetensors.MAX_FILE_BYTES) {
            throw new ModelFormatException(weightsSource + ": " + weights.length + " bytes, over the "
                    + Safetensors.MAX_FILE_BYTES + "-byte limit");
        }
        return RecurrentModel.fromStateDict(
                config, Safetensors.parse(weights, weightsSource).tensors(), weightsSource);
    }

    /**
     * The checks of {@code policy} that need nothing but the update: inline weights within their
     * bound, a {@code file:} URI inside the allowed directories (by its path, without touching the
     * file).
     *
     * @throws ModelFormatException saying which rule the update breaks
     */
    public static void checkPolicy(ModelUpdate update, UpdatePolicy policy) {
        String name = "model update " + update.getModelId() + "@" + update.getVersion();
        if (update.getWeights() != null) {
            policy.checkInline(update.getWeights().remaining(), name + " weights");
        } else if (update.getUri() != null && update.getUri().startsWith("file:")) {
            policy.allowedPath(update.getUri(), name + " " + update.getUri());
        }
    }

    /**
     * Checks that {@code candidate} can replace {@code running} in a job built for the running
     * model: the readings decoder knows its features and the output encoders its targets and
     * horizon, so those must be equal; everything else may change.
     *
     * @throws ModelFormatException saying which of them differs
     */
    public static void checkCompatible(ModelConfig running, ModelConfig candidate) {
        String name = "model " + candidate.version();
        if (!running.features().equals(candidate.features())) {
            throw new ModelFormatException(name + ": features " + candidate.features() + " differ from the running"
                    + " model's " + running.features() + " (the job decodes readings for those)");
        }
        if (!running.targets().equals(candidate.targets())) {
            throw new ModelFormatException(name + ": targets " + candidate.targets() + " differ from the running"
                    + " model's " + running.targets() + " (the job encodes forecasts for those)");
        }
        if (running.horizon() != candidate.horizon()) {
            throw new ModelFormatException(name + ": horizon " + candidate.horizon() + " differs from the running"
                    + " model's " + running.horizon());
        }
    }

    /**
     * True when a key's hidden state of model {@code a} means the same to model {@code b}: same cell
     * type, input size, hidden size and number of layers. Otherwise keys must start afresh.
     */
    public static boolean sameArchitecture(ModelConfig a, ModelConfig b) {
        return a.architectureFingerprint() == b.architectureFingerprint();
    }

    /** An update carrying {@code model} inline. */
    public static ModelUpdate inline(String modelId, RecurrentModel model, Instant createdAt) {
        byte[] weights =
                Safetensors.toBytes(model.stateDict(), Map.of("format", "pt", "streamcell_version", model.version()));
        return ModelUpdate.newBuilder()
                .setModelId(modelId)
                .setVersion(model.version())
                .setConfigJson(configJson(model.config()))
                .setWeights(ByteBuffer.wrap(weights))
                .setUri(null)
                .setSha256(null)
                .setCreatedAt(createdAt)
                .build();
    }

    /** An update referring to the weights at {@code uri}, with their SHA-256 computed from {@code weightsFile}. */
    public static ModelUpdate byReference(
            String modelId, ModelConfig config, String uri, Path weightsFile, Instant createdAt) throws IOException {
        return ModelUpdate.newBuilder()
                .setModelId(modelId)
                .setVersion(config.version())
                .setConfigJson(configJson(config))
                .setWeights(null)
                .setUri(uri)
                .setSha256(sha256(Files.readAllBytes(weightsFile)))
                .setCreatedAt(createdAt)
                .build();
    }

    /** Lower-case hex SHA-256 of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static String configJson(ModelConfig config) {
        return config.toJson(JSON).toString();
    }

    private static byte[] fetch(String uri, String expectedSha256, String source, UpdatePolicy policy)
            throws IOException {
        if (expectedSha256 == null || expectedSha256.isBlank()) {
            throw new ModelFormatException(source + ": an update by uri needs sha256");
        }
        byte[] bytes;
        if (uri.startsWith(ModelDirectory.CLASSPATH_PREFIX)) {
            String resource = uri.substring(ModelDirectory.CLASSPATH_PREFIX.length());
            try (InputStream in =
                    ModelUpdates.class.getResourceAsStream(resource.startsWith("/") ? resource : "/" + resource)) {
                if (in == null) {
                    throw new ModelFormatException(source + ": no such classpath resource");
                }
                bytes = in.readNBytes((int) Math.min(Safetensors.MAX_FILE_BYTES + 1, Integer.MAX_VALUE - 8));
            }
        } else if (uri.startsWith("file:")) {
            Path file = policy.file(uri, source);
            if (Files.size(file) > Safetensors.MAX_FILE_BYTES) {
                throw new ModelFormatException(
                        source + ": larger than the " + Safetensors.MAX_FILE_BYTES + "-byte limit");
            }
            bytes = Files.readAllBytes(file);
        } else {
            throw new ModelFormatException(source + ": unsupported uri scheme (file: and classpath: are supported)");
        }
        if (!sha256(bytes).equalsIgnoreCase(expectedSha256.trim())) { // what the file holds stays unsaid
            throw new ModelFormatException(source + ": its SHA-256 differs from the update's sha256");
        }
        return bytes;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }
}
