package io.streamcell.state;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of {@link KeyState}: a compact, versioned binary layout with no per-record
 * header. The layout and how to evolve it are documented on {@link KeyStateSerializerSnapshot}.
 *
 * <p>Stateless: {@link #INSTANCE} serializes in the {@linkplain #CURRENT_LAYOUT current layout};
 * other instances exist only to read state written in an older layout (see
 * {@link KeyStateSerializerSnapshot#restoreSerializer()}). {@link #duplicate()} returns
 * {@code this}.
 *
 * <p>Every array length read from a stream is bounded by {@link #MAX_ARRAY_LENGTH}, so a corrupt
 * checkpoint fails with an {@link IOException} naming the field instead of an
 * {@link OutOfMemoryError}.
 */
public final class KeyStateSerializer extends TypeSerializer<KeyState> {

    private static final long serialVersionUID = 1L;

    /** Layout 1: two longs, then three float arrays (see {@link KeyStateSerializerSnapshot}). */
    public static final int LAYOUT_V1 = 1;

    /** Layout 1 plus the online input normalisation statistics ({@link KeyState#inputStats()}). */
    public static final int LAYOUT_V2 = 2;

    /** Layout 2 plus the online-adapted readout ({@link KeyState#readout()}). */
    public static final int LAYOUT_V3 = 3;

    /** Layout 3 plus the model architecture's fingerprint and the forecast recipe's state. */
    public static final int LAYOUT_V4 = 4;

    /** The layout {@link #INSTANCE} writes. */
    public static final int CURRENT_LAYOUT = LAYOUT_V4;

    /**
     * Most floats any one array of a key's state may hold (4 MiB). Far above any model the
     * {@code ModelConfig} bounds allow per key in practice (an LSTM of H = 4096 in 16 layers needs
     * 131072), and small enough that a corrupt length cannot exhaust the heap.
     */
    public static final int MAX_ARRAY_LENGTH = 1 << 20;

    /** The serializer of the current layout; use it everywhere. */
    public static final KeyStateSerializer INSTANCE = new KeyStateSerializer(CURRENT_LAYOUT);

    private static final float[] EMPTY = new float[0];

    private final int layout;

    private KeyStateSerializer(int layout) {
        this.layout = layout;
    }

    /**
     * The serializer reading and writing {@code layout}.
     *
     * @throws IllegalArgumentException for a layout this code does not know
     */
    static KeyStateSerializer forLayout(int layout) {
        if (layout == CURRENT_LAYOUT) {
            return INSTANCE;
        }
        if (layout == LAYOUT_V1 || layout == LAYOUT_V2 || layout == LAYOUT_V3) {
            return new KeyStateSerializer(layout);
        }
        throw new IllegalArgumentException("unknown key-state layout " + layout + " (this StreamCell knows " + LAYOUT_V1
                + " to " + CURRENT_LAYOUT + ")");
    }

    static boolean isKnownLayout(int layout) {
        return layout >= LAYOUT_V1 && layout <= CURRENT_LAYOUT;
    }

    /** The layout this serializer reads and writes. */
    public int layout() {
        return layout;
    }

    /**
     * Bytes {@code state} takes when serialized by {@link #INSTANCE}: the value bytes of one key in
     * a state backend, without the backend's own key and namespace bytes.
     */
    public static int serializedSize(KeyState state) {
        return 2 * Long.BYTES
                + arraySize(state.recurrent().length)
                + arraySize(state.lastForecast().length)
                + arraySize(state.anomalyStats().length)
                + arraySize(state.inputStats().length)
                + arraySize(state.readout().length)
                + Integer.BYTES
                + arraySize(state.forecaster().length);
    }

    private static int arraySize(int length) {
        return varintSize(length) + Float.BYTES * length;
    }

    // ---------------------------------------------------------------------------------------------

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public KeyStateSerializer duplicate() {
        return this;
    }

    @Override
    public KeyState createInstance() {
        return KeyState.fresh(0);
    }

    @Override
    public KeyState copy(KeyState from) {
        return from.copy();
    }

    @Override
    public KeyState copy(KeyState from, KeyState reuse) {
        reuse.copyFrom(from);
        return reuse;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(KeyState record, DataOutputView target) throws IOException {
        // Layout 1. A later layout writes its extra fields after these, only when layout >= N, so
        // that an old-layout instance stays symmetric with its deserialize.
        target.writeLong(record.steps());
        target.writeLong(record.lastEventTime());
        writeFloats(target, record.recurrent(), "recurrent");
        writeFloats(target, record.lastForecast(), "lastForecast");
        writeFloats(target, record.anomalyStats(), "anomalyStats");
        if (layout >= LAYOUT_V2) {
            writeFloats(target, record.inputStats(), "inputStats");
        }
        if (layout >= LAYOUT_V3) {
            writeFloats(target, record.readout(), "readout");
        }
        if (layout >= LAYOUT_V4) {
            target.writeInt(record.architecture());
            writeFloats(target, record.forecaster(), "forecaster");
        }
    }

    @Override
    public KeyState deserialize(DataInputView source) throws IOException {
        long steps = readSteps(source);
        long lastEventTime = source.readLong();
        float[] recurrent = readFloats(source, "recurrent", EMPTY);
        float[] lastForecast = readFloats(source, "lastForecast", EMPTY);
        float[] anomalyStats = readFloats(source, "anomalyStats", EMPTY);
        float[] inputStats = layout >= LAYOUT_V2 ? readFloats(source, "inputStats", EMPTY) : EMPTY;
        float[] readout = layout >= LAYOUT_V3 ? readFloats(source, "readout", EMPTY) : EMPTY;
        int architecture = layout >= LAYOUT_V4 ? source.readInt() : KeyState.UNKNOWN_ARCHITECTURE;
        float[] forecaster = layout >= LAYOUT_V4 ? readFloats(source, "forecaster", EMPTY) : EMPTY;
        return new KeyState(recurrent, lastForecast, steps, lastEventTime, anomalyStats, inputStats)
                .withReadout(readout)
                .withForecaster(forecaster)
                .withArchitecture(architecture);
    }

    @Override
    public KeyState deserialize(KeyState reuse, DataInputView source) throws IOException {
        long steps = readSteps(source);
        long lastEventTime = source.readLong();
        float[] recurrent = readFloats(source, "recurrent", reuse.recurrent());
        float[] lastForecast = readFloats(source, "lastForecast", reuse.lastForecast());
        float[] anomalyStats = readFloats(source, "anomalyStats", reuse.anomalyStats());
        float[] inputStats = layout >= LAYOUT_V2 ? readFloats(source, "inputStats", reuse.inputStats()) : EMPTY;
        float[] readout = layout >= LAYOUT_V3 ? readFloats(source, "readout", reuse.readout()) : EMPTY;
        int architecture = layout >= LAYOUT_V4 ? source.readInt() : KeyState.UNKNOWN_ARCHITECTURE;
        float[] forecaster = layout >= LAYOUT_V4 ? readFloats(source, "forecaster", reuse.forecaster()) : EMPTY;
        reuse.assign(
                recurrent,
                lastForecast,
                steps,
                lastEventTime,
                anomalyStats,
                inputStats,
                readout,
                forecaster,
                architecture);
        return reuse;
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        target.writeLong(readSteps(source));
        target.writeLong(source.readLong());
        copyFloats(source, target, "recurrent");
        copyFloats(source, target, "lastForecast");
        copyFloats(source, target, "anomalyStats");
        if (layout >= LAYOUT_V2) {
            copyFloats(source, target, "inputStats");
        }
        if (layout >= LAYOUT_V3) {
            copyFloats(source, target, "readout");
        }
        if (layout >= LAYOUT_V4) {
            target.writeInt(source.readInt());
            copyFloats(source, target, "forecaster");
        }
    }

    @Override
    public TypeSerializerSnapshot<KeyState> snapshotConfiguration() {
        return new KeyStateSerializerSnapshot(layout);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KeyStateSerializer that && that.layout == layout;
    }

    @Override
    public int hashCode() {
        return 0x4b53_0000 + layout;
    }

    @Override
    public String toString() {
        return "KeyStateSerializer[layout " + layout + "]";
    }

    // ---------------------------------------------------------------------------------------------

    private static long readSteps(DataInputView source) throws IOException {
        long steps = source.readLong();
        if (steps < 0) {
            throw new IOException("corrupt key state: 'steps' is negative (" + steps + ")");
        }
        return steps;
    }

    private static void writeFloats(DataOutputView target, float[] values, String field) throws IOException {
        if (values.length > MAX_ARRAY_LENGTH) {
            throw new IOException("key state field '" + field + "' has " + values.length
                    + " floats, more than the maximum " + MAX_ARRAY_LENGTH);
        }
        writeVarint(target, values.length);
        for (float value : values) {
            target.writeInt(Float.floatToRawIntBits(value));
        }
    }

    /** Reads an array, into {@code reuse} when it has the right length. */
    private static float[] readFloats(DataInputView source, String field, float[] reuse) throws IOException {
        int length = readLength(source, field);
        if (length == 0) {
            return EMPTY;
        }
        float[] values = reuse.length == length ? reuse : new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = Float.intBitsToFloat(source.readInt());
        }
        return values;
    }

    private static void copyFloats(DataInputView source, DataOutputView target, String field) throws IOException {
        int length = readLength(source, field);
        writeVarint(target, length);
        // Not target.write(source, bytes): Flink's DataOutputSerializer does not grow for it.
        for (int i = 0; i < length; i++) {
            target.writeInt(source.readInt());
        }
    }

    /** Unsigned LEB128 varint (7 bits a byte, low bits first), bounded by {@link #MAX_ARRAY_LENGTH}. */
    static int readLength(DataInputView source, String field) throws IOException {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            if (shift == 35) {
                throw new IOException(
                        "corrupt key state: the length of '" + field + "' is not a valid varint (more than 5 bytes)");
            }
            int b = source.readUnsignedByte();
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        if (value > MAX_ARRAY_LENGTH) {
            throw new IOException("corrupt key state: '" + field + "' claims " + value + " floats (as a signed int: "
                    + (int) value + "), outside [0, " + MAX_ARRAY_LENGTH + "]");
        }
        return (int) value;
    }

    static void writeVarint(DataOutputView target, int value) throws IOException {
        while ((value & ~0x7f) != 0) {
            target.writeByte((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        target.writeByte(value);
    }

    static int varintSize(int value) {
        int size = 1;
        while ((value & ~0x7f) != 0) {
            value >>>= 7;
            size++;
        }
        return size;
    }
}
