package io.streamcell.model;

/**
 * A model directory, config or weights file that cannot be used. The message always names the file
 * and, where it applies, the tensor or field, and says what was expected and what was found.
 */
public class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
