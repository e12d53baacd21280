package io.streamcell.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path temp;

    private static String permissions(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    private static void assumePosix() {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
    }

    private static List<String> namesIn(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test
    void shouldGiveAFileTheUmasksPermissionsNotOwnerOnly() throws IOException {
        assumePosix();
        Path plain = Files.createFile(temp.resolve("plain")); // what the process's umask gives a new file
        Path written = temp.resolve("out/forecasts.csv");

        AtomicFiles.writeText(written, writer -> writer.write("key,forecast\n"));

        assertThat(Files.readString(written)).isEqualTo("key,forecast\n");
        assertThat(permissions(written))
                .as("umask gives %s", permissions(plain))
                .isEqualTo(permissions(plain));
        if (permissions(plain).equals("rw-r--r--")) { // umask 022, as in CI
            assertThat(permissions(written)).isEqualTo("rw-r--r--");
        }
    }

    @Test
    void shouldReplaceAnOwnerOnlyFileWithOneOfTheUmasksPermissions() throws IOException {
        assumePosix();
        Path plain = Files.createFile(temp.resolve("plain"));
        Path target = Files.writeString(temp.resolve("summary.json"), "old");
        Files.setPosixFilePermissions(target, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));

        AtomicFiles.writeFile(target, out -> out.write("new".getBytes()));

        assertThat(Files.readString(target)).isEqualTo("new");
        assertThat(permissions(target)).isEqualTo(permissions(plain));
    }

    @Test
    void shouldGiveADirectoryAndItsFilesTheUmasksPermissions() throws IOException {
        assumePosix();
        Path plainDirectory = Files.createDirectory(temp.resolve("plain-directory"));
        Path plainFile = Files.createFile(temp.resolve("plain-file"));
        Path model = temp.resolve("models/model-v1");

        AtomicFiles.writeDirectory(model, directory -> {
            AtomicFiles.writeText(directory.resolve("config.json"), writer -> writer.write("{}"));
            Files.write(directory.resolve("weights.safetensors"), new byte[] {1, 2, 3});
        });

        assertThat(namesIn(model)).containsExactlyInAnyOrder("config.json", "weights.safetensors");
        assertThat(permissions(model))
                .as("umask gives %s", permissions(plainDirectory))
                .isEqualTo(permissions(plainDirectory));
        if (permissions(plainDirectory).equals("rwxr-xr-x")) { // umask 022, as in CI
            assertThat(permissions(model)).isEqualTo("rwxr-xr-x");
        }
        assertThat(permissions(model.resolve("config.json"))).isEqualTo(permissions(plainFile));
        assertThat(namesIn(model.getParent())).containsExactly("model-v1");
    }

    @Test
    void shouldLeaveNoFileWhenWritingFails() throws IOException {
        Path target = temp.resolve("report.html");
        IOException failure = new IOException("disk full");

        assertThatThrownBy(() -> AtomicFiles.writeText(target, writer -> {
                    writer.write("<html>");
                    writer.flush();
                    throw failure;
                }))
                .isSameAs(failure);

        assertThat(namesIn(temp)).isEmpty();
    }

    @Test
    void shouldKeepTheOldFileWhenWritingItsReplacementFails() throws IOException {
        Path target = Files.writeString(temp.resolve("forecasts.csv"), "old");

        assertThatThrownBy(() -> AtomicFiles.writeText(target, writer -> writer.write("new \ud800")))
                .isInstanceOf(CharacterCodingException.class);

        assertThat(Files.readString(target)).isEqualTo("old");
        assertThat(namesIn(temp)).containsExactly("forecasts.csv");
    }

    @Test
    void shouldLeaveNoDirectoryWhenWritingItFails() throws IOException {
        Path target = temp.resolve("model");

        assertThatThrownBy(() -> AtomicFiles.writeDirectory(target, directory -> {
                    Files.writeString(directory.resolve("config.json"), "{}");
                    throw new IOException("weights missing");
                }))
                .hasMessage("weights missing");

        assertThat(namesIn(temp)).isEmpty();
    }

    @Test
    void shouldReplaceAnExistingDirectoryWholeOrNotAtAll() throws IOException {
        Path target = Files.createDirectories(temp.resolve("model"));
        Files.writeString(target.resolve("old.txt"), "old");

        assertThatThrownBy(() -> AtomicFiles.writeDirectory(target, directory -> {
                    throw new IOException("training failed");
                }))
                .hasMessage("training failed");
        assertThat(namesIn(target)).containsExactly("old.txt");

        AtomicFiles.writeDirectory(target, directory -> Files.writeString(directory.resolve("new.txt"), "new"));

        assertThat(namesIn(target)).containsExactly("new.txt");
        assertThat(namesIn(temp)).containsExactly("model");
    }

    @Test
    void shouldAllowTheContentToCloseTheStreamAndNamesUpToTheLimit() throws IOException {
        Path target = temp.resolve("x".repeat(250));

        AtomicFiles.writeFile(target, out -> {
            out.write(new byte[] {1, 2});
            out.close();
        });

        assertThat(Files.readAllBytes(target)).containsExactly(1, 2);
        assertThat(namesIn(temp)).containsExactly("x".repeat(250));
    }
}
