package io.streamcell.io.avro;

import io.streamcell.avro.ModelUpdate;
import io.streamcell.model.ModelFormatException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * The bytes of a record on the models topic to an Avro {@code ModelUpdate}, checked the way
 * {@link ReadingDecoder} checks readings: size, single-object header, the current
 * {@code ModelUpdate} fingerprint, and a body that Avro can walk without allocating what corrupt
 * length prefixes claim. Every failure is a {@link ModelFormatException} whose message says what
 * was wrong. Plain Java, no Flink; stateless, so thread-safe.
 */
public final class ModelUpdateDecoder {
    /** Larger values are not decoded: 1 GiB of weights plus 16 MiB of config and a little framing. */
    public static final long MAX_MESSAGE_BYTES = (1L << 30) + (16L << 20) + 4096;

    private static final Schema SCHEMA = ModelUpdate.getClassSchema();
    private static final long FINGERPRINT = SchemaNormalization.parsingFingerprint64(SCHEMA);

    private ModelUpdateDecoder() {}

    /**
     * @throws ModelFormatException if {@code value} is not one current-schema {@code ModelUpdate}
     *     in single-object encoding
     */
    public static ModelUpdate decode(byte[] value) {
        if (value == null || value.length == 0) {
            throw new ModelFormatException("the models record has no value");
        }
        if (value.length > MAX_MESSAGE_BYTES) {
            throw new ModelFormatException(
                    "the models record is " + value.length + " bytes, over the " + MAX_MESSAGE_BYTES + "-byte limit");
        }
        if (!SingleObject.hasHeader(value)) {
            throw new ModelFormatException("the models record is not Avro single-object encoding (marker C3 01 and"
                    + " an 8-byte schema fingerprint)");
        }
        long fingerprint = SingleObject.fingerprint(value);
        if (fingerprint != FINGERPRINT) {
            throw new ModelFormatException(String.format(
                    "schema fingerprint %016x is not ModelUpdate's (%016x):"
                            + " another topic's message, or an unknown ModelUpdate schema version",
                    fingerprint, FINGERPRINT));
        }
        int bodyLength = value.length - SingleObject.HEADER_LENGTH;
        BinaryDecoder body = DecoderFactory.get().binaryDecoder(value, SingleObject.HEADER_LENGTH, bodyLength, null);
        boolean atEnd;
        try {
            GenericDatumReader.skip(SCHEMA, body);
            atEnd = body.isEnd();
        } catch (Exception e) {
            throw new ModelFormatException("corrupt or truncated ModelUpdate body (" + bodyLength + " bytes): " + e, e);
        }
        if (!atEnd) {
            throw new ModelFormatException("bytes left over after the ModelUpdate body: not a single Avro message");
        }
        try {
            return ModelUpdate.getDecoder().decode(value);
        } catch (Exception e) {
            throw new ModelFormatException("Avro could not decode the ModelUpdate: " + e.getMessage(), e);
        }
    }

    /** The single-object encoding of {@code update}. */
    public static byte[] encode(ModelUpdate update) {
        return SingleObject.encode(ModelUpdate.getEncoder(), update);
    }
}
