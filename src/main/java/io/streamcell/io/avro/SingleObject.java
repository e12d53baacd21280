package io.streamcell.io.avro;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.message.BinaryMessageEncoder;

/**
 * Avro single-object encoding: {@code C3 01}, the 8-byte little-endian CRC-64-AVRO fingerprint of
 * the writer schema, then the Avro binary body.
 */
public final class SingleObject {
    /** Length of the marker plus fingerprint that precede the body. */
    public static final int HEADER_LENGTH = 10;

    static final byte MAGIC_0 = (byte) 0xC3;
    static final byte MAGIC_1 = (byte) 0x01;

    private SingleObject() {}

    /** True when {@code bytes} start with the single-object marker and are long enough for a fingerprint. */
    public static boolean hasHeader(byte[] bytes) {
        return bytes != null && bytes.length >= HEADER_LENGTH && bytes[0] == MAGIC_0 && bytes[1] == MAGIC_1;
    }

    /** The writer schema fingerprint of a message that {@link #hasHeader has a header}. */
    public static long fingerprint(byte[] bytes) {
        long fingerprint = 0;
        for (int i = HEADER_LENGTH - 1; i >= 2; i--) {
            fingerprint = (fingerprint << 8) | (bytes[i] & 0xFF);
        }
        return fingerprint;
    }

    /** Encodes {@code datum} with a generated class's encoder into a fresh array. */
    public static <D> byte[] encode(BinaryMessageEncoder<D> encoder, D datum) {
        try {
            ByteBuffer buffer = encoder.encode(datum);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            // Encoding into memory does not do I/O; this only wraps Avro's checked signature.
            throw new UncheckedIOException(
                    "Avro encoding of " + datum.getClass().getSimpleName() + " failed", e);
        }
    }
}
