package io.streamcell.model.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamcell.files.AtomicFiles;
import io.streamcell.model.ModelFormatException;
import io.streamcell.model.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reader and writer for the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format: an 8-byte little-endian header length N, N bytes of JSON header
 * ({@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}}),
 * then the raw little-endian tensor bytes, offsets relative to the end of the header.
 *
 * <p>Reads F32, F64, F16 and BF16 tensors, converting to float32 (F64 by rounding to nearest);
 * writes F32. Every length and offset is checked before anything is allocated from it.
 */
public final class Safetensors {

    /** The safetensors project's own bound on the header; larger headers are rejected unread. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    /** Largest weights file we read (float arrays are int-indexed; models here are far smaller). */
    public static final long MAX_FILE_BYTES = 1L << 30;

    private static final String METADATA_KEY = "__metadata__";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Safetensors() {}

    /** The tensors of a safetensors file, by name, in file order, plus its string metadata. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    /**
     * Reads a whole file.
     *
     * @throws ModelFormatException naming the file (and tensor) for any malformed content
     */
    public static Contents read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new ModelFormatException(
                    file + ": file is " + size + " bytes, larger than the " + MAX_FILE_BYTES + "-byte limit");
        }
        return parse(Files.readAllBytes(file), file.toString());
    }

    /**
     * Parses safetensors bytes.
     *
     * @param source named in error messages
     */
    public static Contents parse(byte[] bytes, String source) {
        if (bytes.length < 8) {
            throw new ModelFormatException(source + ": " + bytes.length
                    + " bytes is too short for a safetensors file (8-byte header length expected)");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = buffer.getLong(0);
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > bytes.length - 8L) {
            throw new ModelFormatException(source + ": header length " + Long.toUnsignedString(headerLength)
                    + " is out of bounds (file has " + (bytes.length - 8) + " bytes after the length, limit "
                    + MAX_HEADER_BYTES + ")");
        }
        int dataStart = 8 + (int) headerLength;
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(source + ": header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new ModelFormatException(source + ": header must be a JSON object");
        }
        long dataLength = bytes.length - (long) dataStart;
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = header.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (METADATA_KEY.equals(field.getKey())) {
                readMetadata(field.getValue(), metadata, source);
            } else {
                entries.add(Entry.parse(field.getKey(), field.getValue(), dataLength, source));
            }
        }
        // Tensors must tile the data region exactly: no gaps, no overlaps, nothing trailing.
        entries.sort(Comparator.comparingLong(Entry::begin));
        long expectedBegin = 0;
        for (Entry entry : entries) {
            if (entry.begin != expectedBegin) {
                throw new ModelFormatException(source + ": tensor '" + shown(entry.name) + "' starts at byte "
                        + entry.begin + " of the data, expected " + expectedBegin
                        + " (tensors must be contiguous and must not overlap)");
            }
            expectedBegin = entry.end;
        }
        if (expectedBegin != dataLength) {
            throw new ModelFormatException(
                    source + ": tensors cover " + expectedBegin + " bytes but the data region has " + dataLength);
        }
        entries.sort(Comparator.comparingLong(Entry::begin));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry entry : entries) {
            tensors.put(
                    entry.name,
                    new Tensor(entry.name, entry.shape, entry.dtype.decode(buffer, dataStart + (int) entry.begin, (int)
                            ((entry.end - entry.begin) / entry.dtype.bytes))));
        }
        return new Contents(tensors, metadata);
    }

    /** Writes float32 tensors in the given order, with optional string metadata, atomically. */
    public static void write(Path file, Collection<Tensor> tensors, Map<String, String> metadata) throws IOException {
        byte[] bytes = toBytes(tensors, metadata);
        AtomicFiles.writeFile(file, out -> out.write(bytes));
    }

    public static byte[] toBytes(Collection<Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Tensor tensor : tensors) {
            ObjectNode entry = header.putObject(tensor.name());
            entry.put("dtype", "F32");
            ArrayNode shape = entry.putArray("shape");
            for (int dim : tensor.shape()) {
                shape.add(dim);
            }
            long end = offset + 4L * tensor.data().length;
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] headerBytes = header.toString().getBytes(StandardCharsets.UTF_8);
        int paddedLength = (headerBytes.length + 7) / 8 * 8;
        long total = 8L + paddedLength + offset;
        if (total > MAX_FILE_BYTES) {
            throw new IllegalArgumentException(
                    "tensors need " + total + " bytes, over the " + MAX_FILE_BYTES + " limit");
        }
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(paddedLength);
        out.put(headerBytes);
        for (int i = headerBytes.length; i < paddedLength; i++) {
            out.put((byte) ' ');
        }
        for (Tensor tensor : tensors) {
            out.asFloatBuffer().put(tensor.data());
            out.position(out.position() + 4 * tensor.data().length);
        }
        return out.array();
    }

    private static void readMetadata(JsonNode node, Map<String, String> metadata, String source) {
        if (!node.isObject()) {
            throw new ModelFormatException(source + ": " + METADATA_KEY + " must be an object of strings");
        }
        node.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw new ModelFormatException(
                        source + ": " + METADATA_KEY + " value '" + shown(e.getKey()) + "' must be a string");
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        });
    }

    /** Tensor element types we accept, with their decoders to float32. */
    enum DType {
        F32(4) {
            @Override
            float decodeAt(ByteBuffer buffer, int index) {
                return buffer.getFloat(index);
            }
        },
        F64(8) {
            @Override
            float decodeAt(ByteBuffer buffer, int index) {
                return (float) buffer.getDouble(index);
            }
        },
        F16(2) {
            @Override
            float decodeAt(ByteBuffer buffer, int index) {
                return halfToFloat(buffer.getShort(index));
            }
        },
        BF16(2) {
            @Override
            float decodeAt(ByteBuffer buffer, int index) {
                // bfloat16 is the upper half of a float32.
                return Float.intBitsToFloat((buffer.getShort(index) & 0xffff) << 16);
            }
        };

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        abstract float decodeAt(ByteBuffer buffer, int index);

        float[] decode(ByteBuffer buffer, int start, int count) {
            float[] values = new float[count];
            for (int i = 0; i < count; i++) {
                values[i] = decodeAt(buffer, start + i * bytes);
            }
            return values;
        }

        static DType parse(String text) {
            for (DType type : values()) {
                if (type.name().equals(text)) {
                    return type;
                }
            }
            return null;
        }
    }

    /** Text from the file for an error message: at most 80 chars, longer text cut with "…". */
    private static String shown(String text) {
        return text.length() <= 80 ? text : text.substring(0, 79) + "…";
    }

    /** IEEE 754 binary16 to float32, exact (every half value is representable as a float). */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) { // Inf or NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) { // zero or subnormal: mantissa * 2^-24
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private record Entry(String name, DType dtype, int[] shape, long begin, long end) {
        static Entry parse(String name, JsonNode node, long dataLength, String source) {
            String where = source + ": tensor '" + shown(name) + "'";
            if (!node.isObject()) {
                throw new ModelFormatException(where + ": header entry must be an object");
            }
            JsonNode dtypeNode = node.get("dtype");
            DType dtype = dtypeNode != null && dtypeNode.isTextual() ? DType.parse(dtypeNode.textValue()) : null;
            if (dtype == null) {
                throw new ModelFormatException(where + ": dtype " + shown(String.valueOf(dtypeNode))
                        + " is not supported (expected one of F32, F64, F16, BF16)");
            }
            JsonNode shapeNode = node.get("shape");
            if (shapeNode == null || !shapeNode.isArray() || shapeNode.size() > 8) {
                throw new ModelFormatException(where + ": shape must be an array of at most 8 dimensions");
            }
            int[] shape = new int[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                JsonNode dim = shapeNode.get(i);
                if (!dim.canConvertToInt() || !dim.isIntegralNumber() || dim.intValue() < 0) {
                    throw new ModelFormatException(
                            where + ": shape dimension " + shown(String.valueOf(dim)) + " is not a non-negative int");
                }
                shape[i] = dim.intValue();
            }
            JsonNode offsets = node.get("data_offsets");
            if (offsets == null
                    || !offsets.isArray()
                    || offsets.size() != 2
                    || !offsets.get(0).canConvertToLong()
                    || !offsets.get(1).canConvertToLong()) {
                throw new ModelFormatException(where + ": data_offsets must be [begin, end]");
            }
            long begin = offsets.get(0).longValue();
            long end = offsets.get(1).longValue();
            if (begin < 0 || end < begin || end > dataLength) {
                throw new ModelFormatException(where + ": data_offsets [" + begin + ", " + end + "] are outside the "
                        + dataLength + "-byte data region");
            }
            long elements;
            try {
                elements = Tensor.elementCount(shape);
            } catch (ArithmeticException overflow) {
                elements = Long.MAX_VALUE;
            }
            if (elements > Integer.MAX_VALUE || elements * dtype.bytes != end - begin) {
                throw new ModelFormatException(where + ": shape " + java.util.Arrays.toString(shape) + " of "
                        + dtype + " needs " + (elements == Long.MAX_VALUE ? "too many" : elements * dtype.bytes)
                        + " bytes but data_offsets span " + (end - begin));
            }
            return new Entry(name, dtype, shape, begin, end);
        }
    }
}
