package io.streamcell.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.streamcell.avro.ModelUpdate;
import io.streamcell.io.avro.ModelUpdateDecoder;
import io.streamcell.model.ModelFormatException;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelUpdates;
import io.streamcell.model.io.UpdatePolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * The models topic, end to end as the job reads it: {@link ModelUpdateDecoder#decode} then
 * {@link ModelUpdates#toModel} for inline weights (an update by URI would read local files, which a
 * fuzzer must not steer; its decoding is still fuzzed). Contract: a model whose version is the
 * update's, or a {@link ModelFormatException} with a short, non-blank message; nothing else.
 *
 * <p>The first input byte picks the mode: raw bytes, or an update assembled around a real model
 * (a golden fixture's config.json and weights) with fuzzed fields, then damaged at a fuzzed place.
 */
class ModelUpdateFuzzTest {
    private static final byte[] CONFIG = resource("/golden/lstm_1layer_in8_h16/model/config.json");
    private static final byte[] WEIGHTS = resource("/golden/lstm_1layer_in8_h16/model/weights.safetensors");

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void decode(FuzzedDataProvider data) {
        byte[] value = data.consumeBoolean() ? assemble(data) : data.consumeRemainingAsBytes();
        ModelUpdate update;
        try {
            update = ModelUpdateDecoder.decode(value);
        } catch (ModelFormatException e) {
            rejected(e);
            return;
        }
        if (update.getUri() != null) {
            return;
        }
        try {
            RecurrentModel model = ModelUpdates.toModel(update, UpdatePolicy.DEFAULTS);
            FuzzContract.check(
                    model.version().equals(update.getVersion()),
                    "accepted model " + model.version() + " for update version " + update.getVersion());
        } catch (ModelFormatException e) {
            rejected(e);
        } catch (IOException e) {
            FuzzContract.check(false, "an inline update read a file: " + e);
        }
    }

    private static void rejected(ModelFormatException e) {
        String message = e.getMessage();
        FuzzContract.check(message != null && !message.isBlank(), "a ModelFormatException without a message");
        FuzzContract.check(
                message.length() <= FuzzContract.MAX_MESSAGE_CHARS, "a " + message.length() + "-char message");
    }

    /** A single-object ModelUpdate built from a real model with fuzzed fields, then maybe damaged. */
    private static byte[] assemble(FuzzedDataProvider data) {
        String config = new String(CONFIG, StandardCharsets.UTF_8);
        if (data.consumeBoolean()) { // edit the config text in one place
            int at = data.consumeInt(0, config.length());
            config = config.substring(0, at)
                    + data.consumeString(12)
                    + config.substring(Math.min(config.length(), at + data.consumeInt(0, 12)));
        }
        byte[] weights = WEIGHTS.clone();
        if (data.consumeBoolean()) {
            weights[data.consumeInt(0, weights.length - 1)] = data.consumeByte();
        }
        if (data.consumeBoolean()) {
            weights = Arrays.copyOf(weights, data.consumeInt(0, weights.length + 16));
        }
        ModelUpdate.Builder builder = ModelUpdate.newBuilder()
                .setModelId(data.consumeBoolean() ? "sensor-model" : data.consumeString(8))
                .setVersion(data.consumeBoolean() ? "golden-1" : data.consumeString(8))
                .setConfigJson(config)
                .setWeights(ByteBuffer.wrap(weights));
        byte[] encoded;
        try {
            encoded = ModelUpdateDecoder.encode(builder.build());
        } catch (RuntimeException e) { // a builder that Avro refuses is not an input the topic can carry
            return new byte[0];
        }
        int damage = data.consumeInt(0, 3);
        for (int i = 0; i < damage && encoded.length > 0; i++) {
            encoded[data.consumeInt(0, encoded.length - 1)] = data.consumeByte();
        }
        if (data.consumeBoolean()) {
            encoded = Arrays.copyOf(encoded, data.consumeInt(0, encoded.length));
        }
        return encoded;
    }

    private static byte[] resource(String name) {
        try (InputStream in = ModelUpdateFuzzTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
