package io.streamcell.model.io;

import io.streamcell.model.ModelFormatException;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a model update may bring into a running job: inline weights up to {@link #maxInlineWeightBytes},
 * and {@code file:} URIs only inside {@link #directories}. Updates come from a Kafka topic that
 * more producers may write to than may read the TaskManagers' files: without the directories, a
 * {@code file:} URI would read any file the TaskManager can, and the update's dead letter would
 * say whether it exists. Plain Java, no Flink.
 *
 * @param maxInlineWeightBytes largest weights carried inline in the update record; a model larger
 *     than that is published by URI
 * @param directories absolute directories that {@code file:} URIs may point into (symbolic links
 *     resolved); empty: no {@code file:} URI is accepted
 */
public record UpdatePolicy(long maxInlineWeightBytes, List<Path> directories) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Inline weights up to 16 MiB, no {@code file:} URIs: the job's defaults. */
    public static final UpdatePolicy DEFAULTS = new UpdatePolicy(16L << 20, List.of());

    public UpdatePolicy {
        if (maxInlineWeightBytes < 1) {
            throw new IllegalArgumentException("maxInlineWeightBytes must be positive, got " + maxInlineWeightBytes);
        }
        directories =
                directories.stream().map(d -> d.toAbsolutePath().normalize()).toList();
    }

    /** The defaults, with {@code file:} URIs allowed inside {@code directories}. */
    public static UpdatePolicy allowing(Path... directories) {
        return new UpdatePolicy(DEFAULTS.maxInlineWeightBytes, List.of(directories));
    }

    /**
     * @throws ModelFormatException if {@code bytes} inline weights are more than allowed
     */
    void checkInline(long bytes, String source) {
        if (bytes > maxInlineWeightBytes) {
            throw new ModelFormatException(source + ": " + bytes + " bytes inline, over the job's limit of "
                    + maxInlineWeightBytes + " (model.max-inline-weights); publish a model this large by uri "
                    + "(publish-model --weights-uri)");
        }
    }

    /**
     * The file a {@code file:} URI names, if its path as written is inside one of the directories;
     * no file system access, so a URI outside them learns nothing about the file.
     *
     * @throws ModelFormatException if the URI is not a file URI or points outside the directories
     */
    Path allowedPath(String uri, String source) {
        Path file;
        try {
            file = Path.of(URI.create(uri)).toAbsolutePath().normalize();
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(source + ": not a valid file URI: " + e.getMessage(), e);
        }
        if (directories.stream().noneMatch(file::startsWith)) {
            throw new ModelFormatException(refused(source));
        }
        return file;
    }

    /**
     * {@link #allowedPath}, then the file must exist and stay inside its directory once symbolic
     * links are resolved.
     */
    Path file(String uri, String source) throws IOException {
        Path file = allowedPath(uri, source);
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(source + ": no such file");
        }
        Path real = file.toRealPath();
        for (Path directory : directories) {
            if (file.startsWith(directory) && Files.isDirectory(directory) && real.startsWith(directory.toRealPath())) {
                return file;
            }
        }
        throw new ModelFormatException(refused(source) + " (a symbolic link leads outside)");
    }

    private String refused(String source) {
        return source + ": file: URIs must point into one of the directories of model.update-directories "
                + (directories.isEmpty() ? "(none configured)" : directories.toString());
    }

    /** This policy without a bound on inline weights: for an update a checkpoint already holds. */
    public UpdatePolicy forRestore() {
        return new UpdatePolicy(Long.MAX_VALUE, directories);
    }
}
