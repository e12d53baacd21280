package io.streamcell.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * Savepoint compatibility: {@code src/test/resources/state/key-state-v1.bin}, written once by the
 * layout-1 code, must keep reading into exactly the same states.
 *
 * <p>File format: a versioned serializer snapshot
 * ({@link TypeSerializerSnapshot#writeVersionedSnapshot}), an {@code int} count, then per state an
 * {@code int} byte length and the state's bytes.
 *
 * <p>A fixture is written once, when a layout is introduced, and never again: the v1 file guards
 * the savepoints taken by releases with layout 1. To write the fixture of a new layout (after
 * adding its expected states below and making it {@code CURRENT_LAYOUT}):
 * run {@code KeyStateFixtureWriter} (src/tools, {@code -Ptools}), which writes {@code key-state-v<CURRENT_LAYOUT>.bin} and refuses
 * to overwrite an existing file.
 */
class KeyStateFixtureTest {

    /** The states in key-state-v1.bin. Never change them: the committed bytes hold these values. */
    static KeyState[] v1States() {
        float[] ramp = new float[128];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = i / 64f - 1f;
        }
        return new KeyState[] {
            new KeyState(new float[0], new float[0], 0, Long.MIN_VALUE, new float[0]),
            new KeyState(
                    new float[] {
                        0.5f,
                        -0.25f,
                        -0f,
                        Float.MIN_VALUE,
                        Float.MAX_VALUE,
                        Float.POSITIVE_INFINITY,
                        Float.NEGATIVE_INFINITY,
                        Float.intBitsToFloat(0x7fc00001)
                    },
                    new float[] {12.75f},
                    3,
                    1_700_000_000_123L,
                    new float[0]),
            new KeyState(ramp, new float[] {-3.5f, 1e-7f}, Long.MAX_VALUE, -1L, new float[] {0.125f, 42f, 1e30f}),
        };
    }

    /** The states in key-state-v2.bin. Never change them: the committed bytes hold these values. */
    static KeyState[] v2States() {
        KeyState[] v1 = v1States();
        return new KeyState[] {
            v1[0],
            new KeyState(
                    v1[1].recurrent(),
                    v1[1].lastForecast(),
                    3,
                    1_700_000_000_123L,
                    new float[] {0.5f, 2f},
                    new float[] {7f, 21.25f, 3.5f}),
            new KeyState(
                    v1[2].recurrent(), v1[2].lastForecast(), 12, 1_700_000_060_000L, v1[2].anomalyStats(), new float[] {
                        Float.intBitsToFloat(0x7fc00001), -0f
                    }),
        };
    }

    /** The states in key-state-v3.bin. Never change them: the committed bytes hold these values. */
    static KeyState[] v3States() {
        KeyState[] v2 = v2States();
        return new KeyState[] {
            v2[0], v2[1].copy().withReadout(new float[] {0.25f, -1.5f, 1f, 0f, 1f}), v2[2].copy(),
        };
    }

    /** The states in key-state-v4.bin. Never change them: the committed bytes hold these values. */
    static KeyState[] v4States() {
        KeyState[] v3 = v3States();
        return new KeyState[] {
            v3[0].copy(),
            v3[1].copy().withArchitecture(0x1234_abcd).withForecaster(new float[] {3f, -0.5f, 1e-9f, 7e9f}),
            v3[2].copy().withArchitecture(-7),
        };
    }

    @Test
    void readsTheLayout4FixtureIntoTheSameStates() throws IOException {
        readsFixture("key-state-v4.bin", KeyStateSerializer.LAYOUT_V4, v4States());
    }

    @Test
    void readsTheLayout3FixtureIntoTheSameStates() throws IOException {
        readsFixture("key-state-v3.bin", KeyStateSerializer.LAYOUT_V3, v3States());
    }

    @Test
    void readsTheLayout2FixtureIntoTheSameStatesAndMigratesThem() throws IOException {
        readsFixture("key-state-v2.bin", KeyStateSerializer.LAYOUT_V2, v2States());
    }

    private void readsFixture(String name, int layout, KeyState[] expected) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(readFixture(name));

        TypeSerializerSnapshot<KeyState> snapshot =
                TypeSerializerSnapshot.readVersionedSnapshot(in, getClass().getClassLoader());
        assertThat(((KeyStateSerializerSnapshot) snapshot).layout()).isEqualTo(layout);
        TypeSerializerSchemaCompatibility<KeyState> compatibility =
                KeyStateSerializer.INSTANCE.snapshotConfiguration().resolveSchemaCompatibility(snapshot);
        if (layout == KeyStateSerializer.CURRENT_LAYOUT) {
            assertThat(compatibility.isCompatibleAsIs()).isTrue();
        } else {
            assertThat(compatibility.isCompatibleAfterMigration()).isTrue();
        }
        TypeSerializer<KeyState> restored = snapshot.restoreSerializer();
        assertThat(in.readInt()).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);
            KeyState state = restored.deserialize(new DataInputDeserializer(bytes));
            assertThat(state).as("state %d", i).isEqualTo(expected[i]);
            DataOutputSerializer rewritten = new DataOutputSerializer(bytes.length);
            restored.serialize(expected[i], rewritten);
            assertThat(rewritten.getCopyOfBuffer())
                    .as("layout-%d bytes of state %d", layout, i)
                    .isEqualTo(bytes);
            KeyState migrated = TestStates.deserialize(
                    KeyStateSerializer.INSTANCE, TestStates.serialize(KeyStateSerializer.INSTANCE, state));
            assertThat(migrated).as("migrated state %d", i).isEqualTo(expected[i]);
        }
        assertThat(in.available()).isZero();
    }

    @Test
    void readsTheLayout1FixtureIntoTheSameStates() throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(readFixture("key-state-v1.bin"));

        TypeSerializerSnapshot<KeyState> snapshot =
                TypeSerializerSnapshot.readVersionedSnapshot(in, getClass().getClassLoader());
        assertThat(snapshot).isInstanceOf(KeyStateSerializerSnapshot.class);
        assertThat(((KeyStateSerializerSnapshot) snapshot).layout()).isEqualTo(KeyStateSerializer.LAYOUT_V1);

        TypeSerializerSchemaCompatibility<KeyState> compatibility =
                KeyStateSerializer.INSTANCE.snapshotConfiguration().resolveSchemaCompatibility(snapshot);
        if (KeyStateSerializer.CURRENT_LAYOUT == KeyStateSerializer.LAYOUT_V1) {
            assertThat(compatibility.isCompatibleAsIs())
                    .as(compatibility.toString())
                    .isTrue();
        } else {
            assertThat(compatibility.isCompatibleAfterMigration())
                    .as(compatibility.toString())
                    .isTrue();
        }

        TypeSerializer<KeyState> restored = snapshot.restoreSerializer();
        KeyState[] expected = v1States();
        assertThat(in.readInt()).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);

            DataInputDeserializer stateIn = new DataInputDeserializer(bytes);
            KeyState state = restored.deserialize(stateIn);
            assertThat(stateIn.available()).as("trailing bytes of state %d", i).isZero();
            assertThat(state).as("state %d", i).isEqualTo(expected[i]);
            assertThat(TestStates.bits(state.recurrent())).containsExactly(TestStates.bits(expected[i].recurrent()));

            // The layout-1 serializer still writes exactly these bytes (layout 1 never changes) ...
            DataOutputSerializer rewritten = new DataOutputSerializer(bytes.length);
            restored.serialize(expected[i], rewritten);
            assertThat(rewritten.getCopyOfBuffer())
                    .as("layout-1 bytes of state %d", i)
                    .isEqualTo(bytes);

            // ... and a migration (read with the restored serializer, write with the current one) keeps the values.
            KeyState migrated = TestStates.deserialize(
                    KeyStateSerializer.INSTANCE, TestStates.serialize(KeyStateSerializer.INSTANCE, state));
            assertThat(migrated).as("migrated state %d", i).isEqualTo(expected[i]);
        }
        assertThat(in.available()).as("trailing bytes of the fixture").isZero();
    }

    private static byte[] readFixture(String name) throws IOException {
        try (InputStream stream = KeyStateFixtureTest.class.getResourceAsStream("/state/" + name)) {
            assertThat(stream).as("test resource /state/" + name).isNotNull();
            return stream.readAllBytes();
        }
    }
}
