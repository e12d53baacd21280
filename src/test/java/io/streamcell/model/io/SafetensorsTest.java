package io.streamcell.model.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.model.ModelFormatException;
import io.streamcell.model.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path temp;

    @Test
    void writtenTensorsReadBackIdentically() throws IOException {
        Tensor matrix =
                new Tensor("rnn.weight_ih_l0", new int[] {2, 3}, new float[] {1, -2, 3.5f, Float.MIN_VALUE, 0, -0f});
        Tensor vector = new Tensor("head.bias", new int[] {1}, new float[] {42});
        Path file = temp.resolve("w.safetensors");

        Safetensors.write(file, List.of(matrix, vector), Map.of("format", "pt"));
        Safetensors.Contents contents = Safetensors.read(file);

        assertThat(contents.tensors()).containsOnlyKeys("rnn.weight_ih_l0", "head.bias");
        assertThat(contents.tensors().get("rnn.weight_ih_l0")).isEqualTo(matrix);
        assertThat(contents.tensors().get("head.bias")).isEqualTo(vector);
        assertThat(contents.metadata()).containsEntry("format", "pt");
    }

    @Test
    void headerIsPaddedToEightBytes() {
        byte[] bytes = Safetensors.toBytes(List.of(new Tensor("a", new int[] {1}, new float[] {1})), Map.of());
        long headerLength =
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLength % 8).isZero();
        assertThat(bytes.length).isEqualTo(8 + headerLength + 4);
    }

    @Test
    void decodesF64F16AndBf16ToFloat32() {
        ByteBuffer data = ByteBuffer.allocate(8 * 2 + 2 * 4 + 2 * 3).order(ByteOrder.LITTLE_ENDIAN);
        data.putDouble(0.1).putDouble(-3.25);
        // F16: 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal)
        data.putShort((short) 0x3c00)
                .putShort((short) 0xc000)
                .putShort((short) 0x7bff)
                .putShort((short) 0x0001);
        // BF16: 1.0, -0.5, 3.140625
        data.putShort((short) 0x3f80).putShort((short) 0xbf00).putShort((short) 0x4049);
        byte[] file = file(
                "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                        + "\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[16,24]},"
                        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[24,30]}}",
                data.array());

        Map<String, Tensor> tensors = Safetensors.parse(file, "t.safetensors").tensors();

        assertThat(tensors.get("d").data()).containsExactly(0.1f, -3.25f);
        assertThat(tensors.get("h").data()).containsExactly(1f, -2f, 65504f, 0x1p-24f);
        assertThat(tensors.get("h").shape()).containsExactly(2, 2);
        assertThat(tensors.get("b").data()).containsExactly(1f, -0.5f, 3.140625f);
    }

    @Test
    void halfPrecisionSpecialValues() {
        assertThat(Safetensors.halfToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Safetensors.halfToFloat((short) 0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Safetensors.halfToFloat((short) 0x7e00)).isNaN();
        assertThat(Float.floatToRawIntBits(Safetensors.halfToFloat((short) 0x8000)))
                .isEqualTo(0x80000000);
        assertThat(Safetensors.halfToFloat((short) 0x0400)).isEqualTo(0x1p-14f); // smallest normal
    }

    @Test
    void rejectsHeaderLengthBeyondTheFile() {
        byte[] bytes = ByteBuffer.allocate(16)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(1L << 40)
                .array();
        assertThatThrownBy(() -> Safetensors.parse(bytes, "big.safetensors"))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("big.safetensors")
                .hasMessageContaining("header length 1099511627776 is out of bounds");
    }

    @Test
    void rejectsNegativeHeaderLength() {
        byte[] bytes = ByteBuffer.allocate(16)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(-8)
                .array();
        assertThatThrownBy(() -> Safetensors.parse(bytes, "neg.safetensors"))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("out of bounds");
    }

    @Test
    void rejectsTruncatedFile() {
        assertThatThrownBy(() -> Safetensors.parse(new byte[5], "short.safetensors"))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("short.safetensors")
                .hasMessageContaining("too short");
    }

    @Test
    void rejectsUnknownDtypeNamingTheTensor() {
        byte[] file = file("{\"w\":{\"dtype\":\"I8\",\"shape\":[4],\"data_offsets\":[0,4]}}", new byte[4]);
        assertThatThrownBy(() -> Safetensors.parse(file, "x.safetensors"))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("x.safetensors: tensor 'w'")
                .hasMessageContaining("\"I8\" is not supported");
    }

    @Test
    void rejectsShapeThatDisagreesWithTheByteSpan() {
        byte[] file = file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]);
        assertThatThrownBy(() -> Safetensors.parse(file, "x.safetensors"))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 'w'")
                .hasMessageContaining("needs 12 bytes but data_offsets span 8");
    }

    @Test
    void rejectsOverlappingTensors() {
        byte[] file = file(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                new byte[8]);
        assertThatThrownBy(() -> Safetensors.parse(file, "x.safetensors"))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("must be contiguous and must not overlap");
    }

    @Test
    void rejectsOffsetsOutsideTheData() {
        byte[] file = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8]);
        assertThatThrownBy(() -> Safetensors.parse(file, "x.safetensors"))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("outside the 8-byte data region");
    }

    @Test
    void rejectsHugeShapeWithoutAllocating() {
        byte[] file = file(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,4],\"data_offsets\":[0,4]}}", new byte[4]);
        assertThatThrownBy(() -> Safetensors.parse(file, "x.safetensors"))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 'a'");
    }

    @Test
    void rejectsHeaderThatIsNotJson() {
        byte[] file = file("{not json", new byte[0]);
        assertThatThrownBy(() -> Safetensors.parse(file, "x.safetensors"))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("header is not valid JSON");
    }

    /** A safetensors file from a header text and data bytes. */
    static byte[] file(String header, byte[] data) {
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(headerBytes.length)
                .array());
        out.writeBytes(headerBytes);
        out.writeBytes(data);
        return out.toByteArray();
    }
}
