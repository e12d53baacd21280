package io.streamcell.model.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.streamcell.files.AtomicFiles;
import io.streamcell.model.InitialReadout;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.ModelFormatException;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model directory: {@code config.json} + {@code weights.safetensors} (see docs/model-format.md "Model
 * directory"). Reading validates everything and names the file at fault; writing is atomic per file.
 */
public final class ModelDirectory {
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "weights.safetensors";
    /** The initial per-key readout of a model with a forecast recipe (optional). */
    public static final String READOUT_FILE = "readout.safetensors";
    /** A config.json larger than this is not a config. */
    public static final long MAX_CONFIG_BYTES = 16L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelDirectory() {}

    /**
     * Loads and validates a model.
     *
     * @throws ModelFormatException if the directory, a file, a field or a tensor is malformed
     * @throws IOException if a file cannot be read
     */
    public static RecurrentModel read(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new ModelFormatException(directory + ": not a model directory (expected a directory holding "
                    + CONFIG_FILE + " and " + WEIGHTS_FILE + ")");
        }
        ModelConfig config = readConfig(directory.resolve(CONFIG_FILE));
        Path weights = directory.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weights)) {
            throw new ModelFormatException(weights + ": missing weights file");
        }
        Safetensors.Contents contents = Safetensors.read(weights);
        RecurrentModel model = RecurrentModel.fromStateDict(config, contents.tensors(), weights.toString());
        Path readout = directory.resolve(READOUT_FILE);
        if (!Files.isRegularFile(readout)) {
            return model;
        }
        return withReadout(model, Safetensors.read(readout).tensors(), readout.toString());
    }

    private static RecurrentModel withReadout(RecurrentModel model, Map<String, Tensor> tensors, String source) {
        ModelConfig config = model.config();
        if (config.forecast() == null) {
            throw new ModelFormatException(
                    source + ": a readout belongs to a model with a 'forecast' object in " + CONFIG_FILE);
        }
        int stateSize = config.forecast().learnerStateSize(config.hiddenSize(), config.horizon());
        return model.withReadout(
                InitialReadout.fromTensors(tensors, config.targets().size(), stateSize, config.outputSize(), source));
    }

    /** The bundled zero-shot model: feature and target {@code value}, normalised per key online. */
    public static final String ZERO_SHOT_MODEL = "classpath:/models/default";

    /** Prefix of a model location inside the classpath (for models bundled in the jar). */
    public static final String CLASSPATH_PREFIX = "classpath:";

    /**
     * Loads a model from a location as users configure it: a directory path, or
     * {@code classpath:/models/name} for a model directory bundled in the jar.
     */
    public static RecurrentModel load(String location) throws IOException {
        if (!location.startsWith(CLASSPATH_PREFIX)) {
            return read(Path.of(location));
        }
        String base = location.substring(CLASSPATH_PREFIX.length());
        base = (base.startsWith("/") ? base : "/" + base).replaceAll("/+$", "");
        byte[] configBytes = resource(base + "/" + CONFIG_FILE, location);
        byte[] weightBytes = resource(base + "/" + WEIGHTS_FILE, location);
        ModelConfig config = parseConfig(configBytes, location + "/" + CONFIG_FILE);
        String weightsSource = location + "/" + WEIGHTS_FILE;
        RecurrentModel model = RecurrentModel.fromStateDict(
                config, Safetensors.parse(weightBytes, weightsSource).tensors(), weightsSource);
        byte[] readoutBytes = optionalResource(base + "/" + READOUT_FILE);
        if (readoutBytes == null) {
            return model;
        }
        String readoutSource = location + "/" + READOUT_FILE;
        return withReadout(model, Safetensors.parse(readoutBytes, readoutSource).tensors(), readoutSource);
    }

    private static byte[] optionalResource(String name) throws IOException {
        try (var in = ModelDirectory.class.getResourceAsStream(name)) {
            return in == null ? null : in.readNBytes((int) Math.min(Safetensors.MAX_FILE_BYTES, Integer.MAX_VALUE - 8));
        }
    }

    private static byte[] resource(String name, String location) throws IOException {
        try (var in = ModelDirectory.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new ModelFormatException(location + ": no " + name + " on the classpath");
            }
            return in.readNBytes((int) Math.min(Safetensors.MAX_FILE_BYTES, Integer.MAX_VALUE - 8));
        }
    }

    public static ModelConfig readConfig(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(file + ": missing config file");
        }
        long size = Files.size(file);
        if (size > MAX_CONFIG_BYTES) {
            throw new ModelFormatException(file + ": " + size + " bytes, over the " + MAX_CONFIG_BYTES + "-byte limit");
        }
        return parseConfig(Files.readAllBytes(file), file.toString());
    }

    /**
     * Parses and validates the bytes of a config.json (UTF-8 JSON, at most {@link #MAX_CONFIG_BYTES})
     * from a file, a classpath resource or a model update.
     *
     * @param source named in error messages
     * @throws ModelFormatException naming {@code source} for anything that is not a valid config
     */
    public static ModelConfig parseConfig(byte[] json, String source) {
        if (json.length > MAX_CONFIG_BYTES) {
            throw new ModelFormatException(
                    source + ": " + json.length + " bytes, over the " + MAX_CONFIG_BYTES + "-byte limit");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) { // JsonProcessingException for bad JSON; nothing else reads from memory
            throw new ModelFormatException(source + ": not valid JSON: " + originalMessage(e), e);
        }
        return ModelConfig.fromJson(root, source);
    }

    private static String originalMessage(IOException e) {
        return e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
    }

    /** Writes {@code model} into {@code directory} (created if needed), replacing both files. */
    public static void write(RecurrentModel model, Path directory) throws IOException {
        Files.createDirectories(directory);
        Safetensors.write(
                directory.resolve(WEIGHTS_FILE),
                model.stateDict(),
                Map.of("format", "pt", "streamcell_version", model.version()));
        Path readout = directory.resolve(READOUT_FILE);
        if (model.readout() != null) {
            Safetensors.write(readout, model.readout().tensors(), Map.of("format", "streamcell-readout"));
        } else {
            Files.deleteIfExists(readout);
        }
        AtomicFiles.writeFile(
                directory.resolve(CONFIG_FILE),
                out -> JSON.writeValue(out, model.config().toJson(JSON)));
    }
}
