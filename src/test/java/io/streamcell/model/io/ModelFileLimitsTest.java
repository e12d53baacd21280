package io.streamcell.model.io;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.avro.ModelUpdate;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.ModelFormatException;
import io.streamcell.model.RecurrentModel;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model files over their size limits are refused by their size, before a byte is read: the files
 * here are sparse (their length set, nothing written), so the test costs no disk or memory.
 */
class ModelFileLimitsTest {
    @TempDir
    Path dir;

    private Path sparse(String name, long length) throws IOException {
        Path file = dir.resolve(name);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
        }
        return file;
    }

    @Test
    void aConfigOverSixteenMebibytesIsRefused() throws IOException {
        Path config = sparse("config.json", ModelDirectory.MAX_CONFIG_BYTES + 1);

        assertThatThrownBy(() -> ModelDirectory.readConfig(config))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("16777217 bytes, over the 16777216-byte limit");
    }

    @Test
    void weightsOverOneGibibyteAreRefused() throws IOException {
        Path weights = sparse("weights.safetensors", Safetensors.MAX_FILE_BYTES + 1);

        assertThatThrownBy(() -> Safetensors.read(weights))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("larger than the 1073741824-byte limit");
    }

    @Test
    void aModelUpdateReferringToWeightsOverTheLimitIsRefused() throws IOException {
        RecurrentModel model = GoldenFixtures.load("lstm_1layer_in8_h16").model();
        Path weights = dir.resolve("weights.safetensors");
        Files.write(weights, new byte[] {1, 2, 3});
        ModelUpdate update = ModelUpdates.byReference(
                "plant-7", model.config(), weights.toUri().toString(), weights, Instant.EPOCH);
        sparse("weights.safetensors", Safetensors.MAX_FILE_BYTES + 1); // replaced after its SHA-256 was taken

        assertThatThrownBy(() -> ModelUpdates.toModel(update, UpdatePolicy.allowing(dir)))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("larger than the 1073741824-byte limit")
                .hasMessageNotContaining("1073741825");
    }
}
