package io.streamcell.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Writes the serializer fixture of the current layout (see {@link KeyStateFixtureTest}); run once,
 * when a layout is introduced, from the repository root:
 * <pre>
 *   mvn -B -q -Ptools test-compile exec:java \
 *       -Dexec.mainClass=io.streamcell.state.KeyStateFixtureWriter
 * </pre>
 * It refuses to overwrite an existing fixture: those guard released savepoints.
 */
public final class KeyStateFixtureWriter {
    private static final Path FIXTURE_DIR = Paths.get("src", "test", "resources", "state");

    private KeyStateFixtureWriter() {}

    public static void main(String[] args) throws IOException {
        if (KeyStateSerializer.CURRENT_LAYOUT != KeyStateSerializer.LAYOUT_V4) {
            throw new IllegalStateException("add the expected states of layout " + KeyStateSerializer.CURRENT_LAYOUT
                    + " to KeyStateFixtureTest and write them here instead of v4States()");
        }
        Path file = FIXTURE_DIR.resolve("key-state-v" + KeyStateSerializer.CURRENT_LAYOUT + ".bin");
        if (Files.exists(file)) {
            throw new IllegalStateException(file + " exists and guards released savepoints; it is never rewritten");
        }
        KeyState[] states = KeyStateFixtureTest.v4States();
        DataOutputSerializer out = new DataOutputSerializer(4096);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, KeyStateSerializer.INSTANCE.snapshotConfiguration());
        out.writeInt(states.length);
        for (KeyState state : states) {
            byte[] bytes = TestStates.serialize(KeyStateSerializer.INSTANCE, state);
            out.writeInt(bytes.length);
            out.write(bytes);
        }
        Files.createDirectories(FIXTURE_DIR);
        Files.write(file, out.getCopyOfBuffer());
        System.out.println("wrote " + file.toAbsolutePath() + " (" + out.length() + " bytes)");
    }
}
