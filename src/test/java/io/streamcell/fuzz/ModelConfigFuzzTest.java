package io.streamcell.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.ModelFormatException;
import io.streamcell.model.io.ModelDirectory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ModelDirectory#parseConfig}, the config.json of a model directory (the path both
 * {@code ModelDirectory.read} and classpath models take). Contract: a valid {@link ModelConfig}, or a
 * {@link ModelFormatException} naming the file; an accepted config also writes back to a document
 * that parses to an equal config (what {@code ModelDirectory.write} relies on).
 */
class ModelConfigFuzzTest {
    static final String SOURCE = "fuzz/config.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void parseConfig(byte[] json) {
        ModelConfig config;
        try {
            config = ModelDirectory.parseConfig(json, SOURCE);
        } catch (ModelFormatException e) {
            FuzzContract.documented(e, SOURCE);
            return;
        }
        FuzzContract.check(config.features().size() == config.inputSize(), "features do not match input_size");
        FuzzContract.check(config.outputSize() >= 1 && config.stateSize() >= 1, "empty output or state");
        byte[] written;
        try { // as ModelDirectory.write does
            written = JSON.writeValueAsBytes(config.toJson(JSON));
        } catch (JsonProcessingException e) {
            throw new FuzzContract.FuzzContractViolation("an accepted config cannot be written: " + e.getMessage(), e);
        }
        ModelConfig reread;
        try {
            reread = ModelDirectory.parseConfig(written, SOURCE);
        } catch (ModelFormatException e) {
            throw new FuzzContract.FuzzContractViolation(
                    "an accepted config does not read back after writing: " + e.getMessage(), e);
        }
        FuzzContract.check(
                reread.toJson(JSON).equals(config.toJson(JSON)), "config changed on a write/read round trip");
    }
}
