package io.streamcell.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateSignalsCommandTest {
    @TempDir
    Path temp;

    @Test
    void writesOneRowPerStepOfEachKeyReadableByOtherUsers() throws Exception {
        Path output = temp.resolve("signals/train.csv");

        CliRun run = CliRun.of("generate-signals", "--keys", "2", "--steps", "20", "--output", output.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = Files.readAllLines(output);
        assertThat(lines).hasSize(1 + 2 * 20).first().isEqualTo("key,timestamp,value,family");
        assertThat(lines.get(1)).startsWith("signal-00000,1704067200000,");
        assertThat(output.getParent()).isDirectoryNotContaining("glob:**.partial");
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path plain = Files.createFile(temp.resolve("plain")); // as the umask makes new files
        assertThat(Files.getPosixFilePermissions(output)).isEqualTo(Files.getPosixFilePermissions(plain));
    }
}
