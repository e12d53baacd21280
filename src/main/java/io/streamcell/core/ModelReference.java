package io.streamcell.core;

import io.streamcell.avro.ModelUpdate;
import io.streamcell.model.io.ModelUpdates;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * What a job keeps of the model update it serves, to serve it again after a restart: everything of
 * the update except inline weights, which are named by their SHA-256 and kept once elsewhere (the
 * job keeps them in operator state of one parallel instance, never in every instance's copy).
 * A few kilobytes: the update's id, version, config.json, and its {@code uri} or the digest of its
 * inline weights.
 *
 * <p>Stored as {@link #toBytes()}: a magic number, a layout version, then the fields. Bytes that
 * start with the Avro single-object marker instead are what earlier releases stored, a whole
 * {@code ModelUpdate}; {@link ModelSwitch#restored} reads both.
 *
 * @param weightsSha256 lower-case hex SHA-256 of the weights, inline or at {@code uri}
 * @param uri where the weights are, or null when they came inline
 */
public record ModelReference(
        String modelId, String version, String configJson, String uri, String weightsSha256, Instant createdAt) {

    private static final byte[] MAGIC = {'S', 'C', 'M', 'R'};
    private static final int LAYOUT = 1;

    public ModelReference {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(configJson, "configJson");
        Objects.requireNonNull(weightsSha256, "weightsSha256");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** The reference to {@code update}; inline weights are named by their digest. */
    public static ModelReference of(ModelUpdate update) {
        boolean inline = update.getWeights() != null;
        return new ModelReference(
                update.getModelId(),
                update.getVersion(),
                update.getConfigJson(),
                inline ? null : update.getUri(),
                inline
                        ? ModelUpdates.sha256(bytes(update.getWeights()))
                        : update.getSha256().trim().toLowerCase(Locale.ROOT),
                update.getCreatedAt());
    }

    public boolean inline() {
        return uri == null;
    }

    /** The update again, with {@code inlineWeights} (null for an update by uri). */
    public ModelUpdate toUpdate(byte[] inlineWeights) {
        return ModelUpdate.newBuilder()
                .setModelId(modelId)
                .setVersion(version)
                .setConfigJson(configJson)
                .setWeights(inline() ? ByteBuffer.wrap(inlineWeights) : null)
                .setUri(uri)
                .setSha256(inline() ? null : weightsSha256)
                .setCreatedAt(createdAt)
                .build();
    }

    /** Whether {@code bytes} are a reference (rather than the whole update an earlier release kept). */
    public static boolean isReference(byte[] bytes) {
        return bytes.length > MAGIC.length && Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
    }

    public byte[] toBytes() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.write(MAGIC);
            out.writeByte(LAYOUT);
            writeString(out, modelId);
            writeString(out, version);
            writeString(out, configJson);
            writeString(out, uri);
            writeString(out, weightsSha256);
            out.writeLong(createdAt.toEpochMilli());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return buffer.toByteArray();
    }

    /**
     * @throws IllegalArgumentException if {@code bytes} are not a reference of a known layout
     */
    public static ModelReference fromBytes(byte[] bytes) {
        if (!isReference(bytes)) {
            throw new IllegalArgumentException("not a model reference (no magic number)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, MAGIC.length, bytes.length))) {
            int layout = in.readUnsignedByte();
            if (layout != LAYOUT) {
                throw new IllegalArgumentException("model reference layout " + layout + " is unknown to this release"
                        + " (it knows " + LAYOUT + "): restore with the release that wrote it, or a later one");
            }
            return new ModelReference(
                    readString(in),
                    readString(in),
                    readString(in),
                    readString(in),
                    readString(in),
                    Instant.ofEpochMilli(in.readLong()));
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated model reference: " + e, e);
        }
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        if (length > in.available()) {
            throw new IOException("a string of " + length + " bytes with " + in.available() + " left");
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }
}
