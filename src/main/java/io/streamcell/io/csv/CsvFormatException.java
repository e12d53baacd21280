package io.streamcell.io.csv;

/** A CSV file that cannot be used; the message names the file, the line and the column. */
public class CsvFormatException extends RuntimeException {
    public CsvFormatException(String message) {
        super(message);
    }

    public CsvFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
