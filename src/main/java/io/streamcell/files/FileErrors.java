package io.streamcell.files;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Failures to read or write a file, said in words for the person who named the file: what went
 * wrong and where, never the name of the exception or library that noticed it.
 */
public final class FileErrors {
    private FileErrors() {}

    /** One line: the file (when known) and what is wrong with it. */
    public static String describe(IOException e) {
        if (e instanceof JsonProcessingException parse) {
            return syntax(null, parse);
        }
        if (e instanceof FileSystemException fs && fs.getFile() != null) {
            String file = fs.getFile();
            if (e instanceof NoSuchFileException) {
                return "no such file or directory: " + file;
            }
            if (e instanceof AccessDeniedException) {
                return "permission denied: " + file;
            }
            if (e instanceof FileAlreadyExistsException) {
                return "already exists: " + file;
            }
            if (e instanceof NotDirectoryException) {
                return "not a directory: " + file;
            }
            if (e instanceof DirectoryNotEmptyException) {
                return "directory not empty: " + file;
            }
            String reason = fs.getReason();
            return file + ": " + (reason == null ? "cannot be read or written" : lowerFirst(reason));
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? "input/output error" : message;
    }

    /**
     * A syntax error in a JSON or YAML file: {@code FILE:LINE:COLUMN: PROBLEM}, the problem as the
     * parser words it without its class names or an excerpt of the source.
     *
     * @param file the file that was parsed, or null when the text did not come from one
     */
    public static String syntax(Path file, JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        StringBuilder where = new StringBuilder(file == null ? "" : file.toString());
        if (at != null && at.getLineNr() > 0) {
            where.append(where.isEmpty() ? "line " : ":")
                    .append(at.getLineNr())
                    .append(where.isEmpty() ? ", column " : ":")
                    .append(at.getColumnNr());
        }
        String problem = e.getOriginalMessage();
        if (problem == null || problem.isBlank()) {
            problem = "not valid";
        }
        // Parsers append an excerpt of the source or a hint on further lines: keep the first.
        problem = problem.strip().lines().findFirst().orElse(problem).strip();
        return (where.isEmpty() ? "" : where + ": ") + problem;
    }

    private static String lowerFirst(String text) {
        return text.isEmpty() ? text : Character.toLowerCase(text.charAt(0)) + text.substring(1);
    }
}
