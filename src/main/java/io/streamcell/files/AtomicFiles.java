package io.streamcell.files;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Writes a file or a directory so that it appears at its path only when complete: the content goes
 * to a temporary sibling ({@code .<name>.<random>.partial}, in the same directory so that the last
 * step is a rename), which is flushed to disk and then moved into place. Readers see the old
 * content or the new, never part of it; when writing fails, the temporary sibling is removed and
 * the target is left as it was.
 *
 * <p>Files and directories are created with the permissions the process's umask gives any new file
 * (with umask 022: {@code rw-r--r--} files, {@code rwxr-xr-x} directories), so that another user,
 * such as a Flink container running under another uid, can read models and outputs. (Not
 * {@link Files#createTempFile} and {@link Files#createTempDirectory}: theirs are owner-only.)
 *
 * <pre>{@code
 * AtomicFiles.writeText(output, writer -> writer.write("key,forecast\n"));
 * AtomicFiles.writeDirectory(modelDirectory, directory -> ModelDirectory.write(model, directory));
 * }</pre>
 */
public final class AtomicFiles {
    /** Suffix of temporary siblings: a leftover one (after a crash) is recognisable. */
    public static final String PARTIAL_SUFFIX = ".partial";

    private static final int BUFFER_BYTES = 1 << 16;
    /** Characters of the target's name kept in a sibling's name, so the sibling's stays within limits. */
    private static final int MAX_NAME_PREFIX = 100;

    private AtomicFiles() {}

    /**
     * Writes {@code target} with what {@code content} writes to the stream it is given (buffered;
     * closing it only flushes), replacing the file if it exists. Parent directories are created.
     */
    public static void writeFile(Path target, IoConsumer<? super OutputStream> content) throws IOException {
        Path file = target.toAbsolutePath();
        Path parent = file.getParent();
        Files.createDirectories(parent);
        Path temp = createSibling(parent, file.getFileName().toString(), PARTIAL_SUFFIX, false);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE);
                    OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_BYTES)) {
                content.accept(new UnclosableOutputStream(out));
                out.flush();
                channel.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (Throwable failure) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                failure.addSuppressed(cleanup);
            }
            throw failure;
        }
        syncDirectory(parent);
    }

    /**
     * As {@link #writeFile}, for text: {@code content} writes to a buffered UTF-8 writer (closing it
     * only flushes); a character that UTF-8 cannot encode, such as a lone surrogate, fails the write.
     */
    public static void writeText(Path target, IoConsumer<? super Writer> content) throws IOException {
        writeFile(target, out -> {
            Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8.newEncoder()));
            content.accept(writer);
            writer.close(); // flushes into out, whose close only flushes; a second close does nothing
        });
    }

    /**
     * Writes the directory {@code target}: {@code content} fills the (empty) directory it is given,
     * which then replaces {@code target}. An existing {@code target} (a directory, or a file) is
     * first moved aside, then removed once the new directory is in place; if the new one cannot be
     * moved into place, the old one is moved back. Between those two renames {@code target} does not
     * exist for a moment: a reader that polls for it must retry. Parent directories are created.
     */
    public static void writeDirectory(Path target, IoConsumer<? super Path> content) throws IOException {
        Path directory = target.toAbsolutePath().normalize();
        Path parent = directory.getParent();
        if (parent == null) {
            throw new IOException(target + ": cannot replace a file-system root");
        }
        Files.createDirectories(parent);
        String name = directory.getFileName().toString();
        Path temp = createSibling(parent, name, PARTIAL_SUFFIX, true);
        boolean moved = false;
        try {
            content.accept(temp);
            syncTree(temp);
            if (Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
                Path old = unusedSibling(parent, name, ".old" + PARTIAL_SUFFIX);
                Files.move(directory, old, StandardCopyOption.ATOMIC_MOVE);
                try {
                    Files.move(temp, directory, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    try {
                        Files.move(old, directory, StandardCopyOption.ATOMIC_MOVE);
                    } catch (IOException restore) {
                        e.addSuppressed(restore);
                    }
                    throw e;
                }
                moved = true;
                syncDirectory(parent);
                deleteTree(old);
            } else {
                Files.move(temp, directory, StandardCopyOption.ATOMIC_MOVE);
                moved = true;
                syncDirectory(parent);
            }
        } catch (Throwable failure) {
            if (!moved) {
                try {
                    deleteTree(temp);
                } catch (IOException cleanup) {
                    failure.addSuppressed(cleanup);
                }
            }
            throw failure;
        }
    }

    /**
     * Creates a new, empty sibling file or directory with the umask's permissions (no permission
     * attribute is passed, unlike {@link Files#createTempFile}).
     */
    private static Path createSibling(Path parent, String name, String suffix, boolean directory) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path candidate = sibling(parent, name, suffix);
            try {
                return directory ? Files.createDirectory(candidate) : Files.createFile(candidate);
            } catch (FileAlreadyExistsException e) {
                if (attempt == 100) {
                    throw e;
                }
            }
        }
    }

    private static Path unusedSibling(Path parent, String name, String suffix) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            Path candidate = sibling(parent, name, suffix);
            if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                return candidate;
            }
        }
        throw new FileAlreadyExistsException(parent + ": no unused name for moving " + name + " aside");
    }

    private static Path sibling(Path parent, String name, String suffix) {
        String prefix = name;
        if (prefix.length() > MAX_NAME_PREFIX) {
            int end = Character.isHighSurrogate(prefix.charAt(MAX_NAME_PREFIX - 1))
                    ? MAX_NAME_PREFIX - 1
                    : MAX_NAME_PREFIX;
            prefix = prefix.substring(0, end);
        }
        long random = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        return parent.resolve("." + prefix + "." + Long.toHexString(random) + suffix);
    }

    /** Flushes every file and directory under {@code root} to disk. */
    private static void syncTree(Path root) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.toList();
        }
        for (Path path : paths) {
            if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                    channel.force(true);
                }
            } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                syncDirectory(path);
            }
        }
    }

    /**
     * Flushes a directory's entries (a rename into it) to disk where the platform allows opening a
     * directory (Linux, macOS); elsewhere the rename is atomic but its durability is the OS's.
     */
    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException notSupported) {
            // e.g. Windows cannot open a directory
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path path : paths) {
            Files.deleteIfExists(path);
        }
    }

    /** The writer's stream: {@link #close()} only flushes, so that the stream can be synced and closed after. */
    private static final class UnclosableOutputStream extends OutputStream {
        private final OutputStream out;

        UnclosableOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
