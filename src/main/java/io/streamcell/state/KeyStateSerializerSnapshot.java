package io.streamcell.state;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * What a checkpoint or savepoint records about {@link KeyStateSerializer}: the layout the key
 * states were written in. Flink instantiates it reflectively (public no-arg constructor) and finds
 * it by class name, which is stored in every savepoint: never rename or move this class.
 *
 * <h2>Two version numbers</h2>
 * <ul>
 *   <li>The <em>layout</em> ({@link KeyStateSerializer#LAYOUT_V1}, …) is the byte layout of one
 *       key's state. It is not repeated in each record; this snapshot carries it.
 *   <li>The <em>snapshot version</em> ({@link #getCurrentVersion()}, 1) is the format of this
 *       snapshot's own bytes. It is written by Flink before {@link #writeSnapshot}.
 * </ul>
 * The layout is written explicitly rather than implied by the snapshot version because Flink may
 * write the snapshot of a restored older-layout serializer again (RocksDB does so for a state
 * that the restored job never registers), and its current snapshot version would then misstate
 * the layout of the bytes it describes.
 *
 * <h2>Snapshot bytes, snapshot version 1</h2>
 * After Flink's own prefix ({@code writeUTF} of this class name, {@code writeInt} of the snapshot
 * version): one big-endian {@code int}, the layout.
 *
 * <h2>Key-state bytes, layout 1</h2>
 * Big-endian, no header, no per-record version:
 * <pre>
 *   offset  bytes   field
 *   0       8       steps           long, &ge; 0
 *   8       8       lastEventTime   long, epoch ms; Long.MIN_VALUE = none
 *   16      1–3     nR              varint: unsigned LEB128, 7 bits a byte, low bits first
 *           4·nR    recurrent       raw IEEE-754 float bits (Float.floatToRawIntBits, NaN payloads kept)
 *           1–3     nF              varint
 *           4·nF    lastForecast    float bits; nF = 0: no forecast
 *           1–3     nA              varint
 *           4·nA    anomalyStats    float bits
 * </pre>
 * Every length is at most {@link KeyStateSerializer#MAX_ARRAY_LENGTH}; a reader rejects anything
 * larger, or a varint longer than 5 bytes, with an {@link IOException} naming the field.
 * The longs are fixed-width so {@code steps} and {@code lastEventTime} sit at fixed offsets for
 * tools; zig-zag varints would save at most about 9 bytes a key (an epoch-ms time takes 6 bytes
 * either way), under 2% of an H = 64 LSTM state. For an LSTM with H = 64, one layer and one
 * output this is 16 + (2 + 512) + (1 + 4) + 1 = 536 bytes, 20 above the 516-byte float payload.
 *
 * <h2>Key-state bytes, layout 2</h2>
 * Layout 1, then:
 * <pre>
 *           1–3     nI              varint
 *           4·nI    inputStats      float bits; nI = 0: the model does not normalise per key
 * </pre>
 * A layout-1 state reads as layout 2 with no input statistics. The H = 64 LSTM above took 537
 * bytes (21 above its float payload) with a model that does not normalise per key.
 *
 * <h2>Key-state bytes, layout 3</h2>
 * Layout 2, then:
 * <pre>
 *           1–3     nO              varint
 *           4·nO    readout         float bits; nO = 0: the job does not adapt online (or the key is new)
 * </pre>
 * Layout-1 and layout-2 states read as layout 3 with an empty readout. Without online adaptation
 * the H = 64 LSTM above takes 538 bytes. With an RLS readout on its top hidden state
 * (D = 65 inputs, one output) the readout adds 4·(65 + 65·66/2) = 8,840 bytes; with NLMS, 260.
 *
 * <h2>Key-state bytes, layout 4</h2>
 * Layout 3, then:
 * <pre>
 *           4       architecture    int: the model architecture's fingerprint; 0 = unknown
 *           1–3     nC              varint
 *           4·nC    forecaster      float bits; nC = 0: the model has no forecast recipe (or the key is new)
 * </pre>
 * States of layouts 1 to 3 read as layout 4 with an unknown architecture (taken to be the model
 * serving when they are restored) and no forecaster state. A model without a forecast recipe adds
 * 5 bytes a key.
 *
 * <h2>Evolution rules</h2>
 * <ol>
 *   <li>Never change the bytes of a released layout. The committed fixtures under
 *       {@code src/test/resources/state/} ({@code KeyStateFixtureTest}) fail if you do.
 *   <li>Giving {@code anomalyStats} its contents needs no new layout: its length is stored per
 *       record, so old states simply have an empty array, to be read as "no statistics yet". The
 *       contents' own layout belongs to {@link io.streamcell.anomaly.AnomalyDetector}, which reads
 *       the previous one by its length (the scorer's peak, added later, restores as 0).
 *   <li>To add a field: define the next layout ({@code LAYOUT_Vn}) and make it
 *       {@code CURRENT_LAYOUT}; in {@link KeyStateSerializer} write, read and copy the new fields
 *       after all earlier fields, only when {@code layout >= LAYOUT_Vn}, and default them
 *       (e.g. an empty array) otherwise; make {@code forLayout} of every earlier layout return an
 *       instance of that layout. A savepoint of an earlier layout then resolves to
 *       {@link TypeSerializerSchemaCompatibility#compatibleAfterMigration() compatible after
 *       migration}: Flink reads each value with the serializer of the layout this snapshot restores
 *       and rewrites it with the current one. Add a {@code key-state-vn.bin} fixture; keep the
 *       earlier ones.
 *   <li>Removing a field or changing its meaning is also a new layout, whose reader of the old
 *       layout maps the old value.
 *   <li>Bump the snapshot version only when this snapshot's own bytes change (for example if the
 *       serializer ever gets configuration); {@link #readSnapshot} keeps a branch for every
 *       version it ever wrote.
 * </ol>
 */
public final class KeyStateSerializerSnapshot implements TypeSerializerSnapshot<KeyState> {

    /** Format of this snapshot's own bytes (not the key-state layout). */
    public static final int CURRENT_VERSION = 1;

    private int layout;

    /** A snapshot of the current layout; also what Flink instantiates before {@link #readSnapshot}. */
    public KeyStateSerializerSnapshot() {
        this(KeyStateSerializer.CURRENT_LAYOUT);
    }

    KeyStateSerializerSnapshot(int layout) {
        if (!KeyStateSerializer.isKnownLayout(layout)) {
            throw new IllegalArgumentException("unknown key-state layout " + layout);
        }
        this.layout = layout;
    }

    /** The key-state layout this snapshot describes. */
    public int layout() {
        return layout;
    }

    @Override
    public int getCurrentVersion() {
        return CURRENT_VERSION;
    }

    @Override
    public void writeSnapshot(DataOutputView out) throws IOException {
        out.writeInt(layout);
    }

    @Override
    public void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader) throws IOException {
        if (readVersion != 1) {
            throw new IOException("key-state serializer snapshot version " + readVersion
                    + " is not supported by this StreamCell (it reads version 1 to " + CURRENT_VERSION
                    + "); was the savepoint taken by a newer release?");
        }
        int readLayout = in.readInt();
        if (!KeyStateSerializer.isKnownLayout(readLayout)) {
            throw new IOException("key-state layout " + readLayout + " is not supported by this StreamCell (it reads "
                    + KeyStateSerializer.LAYOUT_V1 + " to " + KeyStateSerializer.CURRENT_LAYOUT
                    + "); was the savepoint taken by a newer release?");
        }
        layout = readLayout;
    }

    /** A serializer that reads (and writes) the layout this snapshot describes. */
    @Override
    public TypeSerializer<KeyState> restoreSerializer() {
        return KeyStateSerializer.forLayout(layout);
    }

    /**
     * Called on the new serializer's snapshot with the one from the checkpoint: as is for the same
     * layout, after migration for an older known layout, incompatible for a newer layout or a
     * snapshot of another serializer.
     */
    @Override
    public TypeSerializerSchemaCompatibility<KeyState> resolveSchemaCompatibility(
            TypeSerializerSnapshot<KeyState> oldSerializerSnapshot) {
        if (!(oldSerializerSnapshot instanceof KeyStateSerializerSnapshot previous)) {
            return TypeSerializerSchemaCompatibility.incompatible();
        }
        return resolve(previous.layout, layout);
    }

    static TypeSerializerSchemaCompatibility<KeyState> resolve(int previousLayout, int currentLayout) {
        if (previousLayout == currentLayout) {
            return TypeSerializerSchemaCompatibility.compatibleAsIs();
        }
        if (previousLayout >= KeyStateSerializer.LAYOUT_V1 && previousLayout < currentLayout) {
            return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
        }
        return TypeSerializerSchemaCompatibility.incompatible();
    }

    @Override
    public String toString() {
        return "KeyStateSerializerSnapshot[layout " + layout + "]";
    }
}
