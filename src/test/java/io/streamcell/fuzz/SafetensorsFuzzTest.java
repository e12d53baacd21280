package io.streamcell.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamcell.model.ModelFormatException;
import io.streamcell.model.Tensor;
import io.streamcell.model.io.Safetensors;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Safetensors#parse}: weights files come from model directories that users copy around, so
 * every byte is untrusted. Contract: a result whose tensors match their shapes, or a
 * {@link ModelFormatException} naming the file.
 *
 * <p>The last input byte picks the mode: raw bytes (the rest of the input is the file), or a file
 * assembled from fuzzed parts — header length prefix (right, off by a little, or arbitrary), JSON
 * header entries (dtype, shape, data_offsets, {@code __metadata__}) and the data region — so that the
 * checks behind a well-formed header are reached often.
 */
class SafetensorsFuzzTest {
    static final String SOURCE = "fuzz.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] DTYPES = {"F32", "F64", "F16", "BF16", "I32", "U8", "f32", ""};

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void parse(FuzzedDataProvider data) {
        byte[] file = data.consumeBoolean() ? assemble(data) : data.consumeRemainingAsBytes();
        Safetensors.Contents contents;
        try {
            contents = Safetensors.parse(file, SOURCE);
        } catch (ModelFormatException e) {
            FuzzContract.documented(e, SOURCE);
            return;
        }
        long dataBytes = 0;
        for (Tensor tensor : contents.tensors().values()) {
            FuzzContract.check(
                    Tensor.elementCount(tensor.shape()) == tensor.data().length,
                    "tensor " + tensor + " has " + tensor.data().length + " values");
            dataBytes += tensor.data().length;
        }
        FuzzContract.check(dataBytes <= file.length, "more values than bytes in the file");
    }

    /** A safetensors file built from fuzzed parts; mostly well-formed where the fuzzer does not say otherwise. */
    private static byte[] assemble(FuzzedDataProvider data) {
        ObjectNode header = JSON.createObjectNode();
        if (data.consumeBoolean()) {
            ObjectNode metadata = header.putObject("__metadata__");
            metadata.put(data.consumeString(8), data.consumeBoolean() ? data.consumeString(8) : null);
        }
        int tensors = data.consumeInt(0, 4);
        long offset = 0;
        for (int t = 0; t < tensors; t++) {
            ObjectNode entry = header.putObject(data.consumeBoolean() ? "t" + t : data.consumeString(6));
            String dtype = data.pickValue(DTYPES);
            entry.put("dtype", dtype);
            int width = switch (dtype) {
                case "F64" -> 8;
                case "F16", "BF16" -> 2;
                default -> 4;
            };
            ArrayNode shape = entry.putArray("shape");
            int rank = data.consumeInt(0, 9);
            long elements = 1;
            for (int d = 0; d < rank; d++) {
                int dim = data.consumeBoolean() ? data.consumeInt(0, 4) : data.consumeInt();
                shape.add(dim);
                elements = dim < 0 ? 0 : elements * Math.min(dim, 1 << 20);
            }
            long end = offset + (elements > 64 ? 64 : elements) * width;
            ArrayNode offsets = entry.putArray("data_offsets");
            switch (data.consumeInt(0, 3)) {
                case 0 -> offsets.add(data.consumeLong()).add(data.consumeLong());
                case 1 -> offsets.add(offset).add(end + data.consumeInt(-3, 3));
                case 2 -> offsets.add(offset).add(data.consumeString(4));
                default -> offsets.add(offset).add(end);
            }
            offset = Math.max(offset, end);
        }
        byte[] headerBytes = (data.consumeBoolean()
                        ? header.toString() + " ".repeat(data.consumeInt(0, 7))
                        : data.consumeString(64))
                .getBytes(StandardCharsets.UTF_8);
        long prefix = switch (data.consumeInt(0, 3)) {
            case 0 -> data.consumeLong();
            case 1 -> headerBytes.length + data.consumeInt(-9, 9);
            default -> headerBytes.length;
        };
        int dataLength = (int) Math.min(offset, 1024) + data.consumeInt(-2, 2);
        byte[] body = data.consumeBytes(Math.max(0, dataLength));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(prefix)
                .array());
        out.writeBytes(headerBytes);
        out.writeBytes(body);
        out.writeBytes(new byte[Math.max(0, dataLength - body.length)]);
        return out.toByteArray();
    }
}
