package io.streamcell.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class KeyStateSerializerSnapshotTest {

    private static final ClassLoader LOADER = KeyStateSerializerSnapshotTest.class.getClassLoader();

    @Test
    void versionedSnapshotRoundTripsAndRestoresTheSerializer() throws IOException {
        TypeSerializerSnapshot<KeyState> written = KeyStateSerializer.INSTANCE.snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, written);

        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        TypeSerializerSnapshot<KeyState> read = TypeSerializerSnapshot.readVersionedSnapshot(in, LOADER);

        assertThat(in.available()).isZero();
        assertThat(read).isInstanceOf(KeyStateSerializerSnapshot.class);
        assertThat(((KeyStateSerializerSnapshot) read).layout()).isEqualTo(KeyStateSerializer.CURRENT_LAYOUT);
        assertThat(read.getCurrentVersion()).isEqualTo(1);
        assertThat(read.restoreSerializer()).isSameAs(KeyStateSerializer.INSTANCE);
        assertThat(new KeyStateSerializerSnapshot()
                        .resolveSchemaCompatibility(read)
                        .isCompatibleAsIs())
                .isTrue();
        assertThat(KeyStateSerializer.INSTANCE
                        .snapshotConfiguration()
                        .resolveSchemaCompatibility(read)
                        .isCompatibleAsIs())
                .isTrue();
    }

    @Test
    void snapshotBytesAreTheClassNameTheVersionAndTheLayout() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, new KeyStateSerializerSnapshot());

        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        assertThat(in.readUTF()).isEqualTo("io.streamcell.state.KeyStateSerializerSnapshot");
        assertThat(in.readInt()).isEqualTo(KeyStateSerializerSnapshot.CURRENT_VERSION);
        assertThat(in.readInt()).isEqualTo(KeyStateSerializer.CURRENT_LAYOUT);
        assertThat(in.available()).isZero();
    }

    @Test
    void snapshotOfAnotherSerializerIsIncompatible() {
        // A job that kept KeyState with Kryo before cannot restore into this serializer.
        TypeSerializerSnapshot<KeyState> kryo =
                new KryoSerializer<>(KeyState.class, new SerializerConfigImpl()).snapshotConfiguration();

        assertThat(new KeyStateSerializerSnapshot()
                        .resolveSchemaCompatibility(kryo)
                        .isIncompatible())
                .isTrue();
    }

    @Test
    void olderKnownLayoutsMigrateAndNewerOrUnknownOnesAreIncompatible() {
        assertThat(KeyStateSerializerSnapshot.resolve(1, 1).isCompatibleAsIs()).isTrue();
        assertThat(KeyStateSerializerSnapshot.resolve(1, 2).isCompatibleAfterMigration())
                .isTrue();
        assertThat(KeyStateSerializerSnapshot.resolve(2, 3).isCompatibleAfterMigration())
                .isTrue();
        assertThat(KeyStateSerializerSnapshot.resolve(2, 1).isIncompatible()).isTrue();
        assertThat(KeyStateSerializerSnapshot.resolve(0, 1).isIncompatible()).isTrue();
        TypeSerializerSchemaCompatibility<KeyState> sameLayout = KeyStateSerializerSnapshot.resolve(
                KeyStateSerializer.CURRENT_LAYOUT, KeyStateSerializer.CURRENT_LAYOUT);
        assertThat(sameLayout.isCompatibleAsIs()).isTrue();
    }

    @Test
    void rejectsASnapshotVersionFromTheFuture() throws IOException {
        byte[] bytes = snapshotBytes(KeyStateSerializerSnapshot.CURRENT_VERSION + 1, 1);
        assertThatThrownBy(() -> TypeSerializerSnapshot.readVersionedSnapshot(new DataInputDeserializer(bytes), LOADER))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("snapshot version " + (KeyStateSerializerSnapshot.CURRENT_VERSION + 1));
    }

    @Test
    void rejectsAnUnknownLayout() throws IOException {
        byte[] bytes = snapshotBytes(1, 99);
        assertThatThrownBy(() -> TypeSerializerSnapshot.readVersionedSnapshot(new DataInputDeserializer(bytes), LOADER))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("key-state layout 99 is not supported");
    }

    @Test
    void isInstantiableReflectively() throws ReflectiveOperationException {
        KeyStateSerializerSnapshot snapshot =
                KeyStateSerializerSnapshot.class.getConstructor().newInstance();
        assertThat(snapshot.layout()).isEqualTo(KeyStateSerializer.CURRENT_LAYOUT);
        assertThat(snapshot.restoreSerializer()).isSameAs(KeyStateSerializer.INSTANCE);
    }

    private static byte[] snapshotBytes(int version, int layout) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeUTF(KeyStateSerializerSnapshot.class.getName());
        out.writeInt(version);
        out.writeInt(layout);
        return out.getCopyOfBuffer();
    }
}
