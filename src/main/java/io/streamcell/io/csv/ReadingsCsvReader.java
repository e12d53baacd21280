package io.streamcell.io.csv;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Streams the rows of a readings CSV (docs/model-format.md "Readings CSV"): a header row, a
 * {@code timestamp} column, an optional {@code key} column (without it the whole file is one key,
 * {@code ""}), and one column per requested feature, found by name; other columns are ignored.
 * Every problem with the content, including a row the CSV parser cannot read and bytes that are
 * not UTF-8, is a {@link CsvFormatException} naming the file, the line and (where it applies) the
 * column; an {@code IOException} means the file itself could not be read.
 */
public final class ReadingsCsvReader implements Closeable {
    public static final String KEY_COLUMN = "key";
    public static final String TIMESTAMP_COLUMN = "timestamp";
    private static final int MAX_COLUMNS_SHOWN = 20;

    /** One data row. {@code features} follow the order of the requested feature names. */
    public record Row(long line, String key, String timestampText, long epochMillis, float[] features) {}

    private final String source;
    private final MappingIterator<String[]> rows;
    private final int keyColumn;
    private final int timestampColumn;
    private final int[] featureColumns;
    private final List<String> featureNames;
    private final int headerWidth;

    private ReadingsCsvReader(
            String source, MappingIterator<String[]> rows, String[] header, List<String> featureNames) {
        this.source = source;
        this.rows = rows;
        this.featureNames = List.copyOf(featureNames);
        this.headerWidth = header.length;
        List<String> columns = new ArrayList<>();
        for (String column : header) {
            columns.add(column.trim());
        }
        this.keyColumn = columns.indexOf(KEY_COLUMN);
        this.timestampColumn = columns.indexOf(TIMESTAMP_COLUMN);
        if (timestampColumn < 0) {
            throw new CsvFormatException(
                    source + ": no '" + TIMESTAMP_COLUMN + "' column in the header " + headerText(columns));
        }
        this.featureColumns = new int[featureNames.size()];
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < featureColumns.length; i++) {
            featureColumns[i] = columns.indexOf(featureNames.get(i));
            if (featureColumns[i] < 0) {
                missing.add(featureNames.get(i));
            }
        }
        if (!missing.isEmpty()) {
            throw new CsvFormatException(source + ": the model's feature column(s) " + missing
                    + " are missing from the header " + headerText(columns));
        }
    }

    /** Opens {@code file} and reads its header. */
    public static ReadingsCsvReader open(Path file, List<String> featureNames) throws IOException {
        Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        try {
            return open(reader, file.toString(), featureNames);
        } catch (IOException | RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    public static ReadingsCsvReader open(Reader reader, String source, List<String> featureNames) throws IOException {
        CsvMapper mapper = new CsvMapper();
        MappingIterator<String[]> rows;
        try { // reads the first buffer already
            rows = mapper.readerForArrayOf(String.class)
                    .with(CsvParser.Feature.WRAP_AS_ARRAY)
                    .with(CsvParser.Feature.SKIP_EMPTY_LINES)
                    .readValues(reader);
        } catch (JsonProcessingException | CharacterCodingException e) {
            throw unreadable(source, "the header", 1, e);
        }
        String[] header;
        try {
            if (!rows.hasNextValue()) {
                throw new CsvFormatException(source + ": empty file (a header row is required)");
            }
            header = rows.nextValue();
        } catch (CsvFormatException e) {
            rows.close();
            throw e;
        } catch (JsonProcessingException | CharacterCodingException | RuntimeException e) {
            rows.close();
            throw unreadable(source, "the header", currentLine(rows), e);
        }
        if (header.length > 0 && header[0].startsWith("\uFEFF")) { // a BOM left by spreadsheet tools
            header[0] = header[0].substring(1);
        }
        return new ReadingsCsvReader(source, rows, header, featureNames);
    }

    public boolean hasKeyColumn() {
        return keyColumn >= 0;
    }

    public List<String> featureNames() {
        return featureNames;
    }

    /** The next row, or null at the end of the file. */
    public Row next() throws IOException {
        String[] cells;
        long line;
        try {
            if (!rows.hasNextValue()) {
                return null;
            }
            cells = rows.nextValue();
            line = lineOfLastRow();
        } catch (JsonProcessingException | CharacterCodingException | RuntimeException e) {
            throw unreadable(source, "a row", currentLine(rows), e);
        }
        if (cells.length != headerWidth) {
            throw new CsvFormatException(
                    source + ":" + line + ": " + cells.length + " columns, the header has " + headerWidth);
        }
        String key = keyColumn >= 0 ? cells[keyColumn] : "";
        String timestampText = cells[timestampColumn];
        long millis;
        try {
            millis = Timestamps.parseEpochMillis(timestampText);
        } catch (IllegalArgumentException e) {
            throw new CsvFormatException(
                    source + ":" + line + ": column '" + TIMESTAMP_COLUMN + "': " + e.getMessage());
        }
        float[] features = new float[featureColumns.length];
        for (int i = 0; i < features.length; i++) {
            String text = cells[featureColumns[i]].trim();
            float value;
            try {
                value = Float.parseFloat(text);
            } catch (NumberFormatException e) {
                throw new CsvFormatException(source + ":" + line + ": column '" + featureNames.get(i) + "': '"
                        + Timestamps.abbreviate(text) + "' is not a number");
            }
            if (!Float.isFinite(value)) {
                throw new CsvFormatException(source + ":" + line + ": column '" + featureNames.get(i) + "': "
                        + Timestamps.abbreviate(text) + " is not a finite float32 value");
            }
            features[i] = value;
        }
        return new Row(line, key, timestampText, millis, features);
    }

    /**
     * The line the row just read ended on: where the parser found the row's end (its END_ARRAY token).
     * Not the parser's current position, which may already be past the next line's leading blanks.
     */
    private long lineOfLastRow() {
        var end = rows.getParser().currentTokenLocation();
        if (end != null && end.getLineNr() > 0) {
            return end.getLineNr();
        }
        var location = rows.getCurrentLocation();
        return location.getColumnNr() <= 1 ? location.getLineNr() - 1 : location.getLineNr();
    }

    private static long currentLine(MappingIterator<String[]> rows) {
        return rows.getCurrentLocation() == null
                ? -1
                : rows.getCurrentLocation().getLineNr();
    }

    /**
     * A parse error (an unclosed quote, bytes that are not UTF-8) as our exception: Jackson's own
     * exceptions are IOExceptions that callers would take for a failed read.
     */
    private static CsvFormatException unreadable(String source, String what, long line, Exception e) {
        String reason = e instanceof JsonProcessingException json
                ? json.getOriginalMessage()
                : e instanceof CharacterCodingException ? "not UTF-8 text (" + e + ")" : e.getMessage();
        if (reason != null && reason.length() > 300) {
            reason = reason.substring(0, 297) + "...";
        }
        return new CsvFormatException(source + ": unreadable CSV, " + what + " near line " + line + ": " + reason, e);
    }

    @Override
    public void close() throws IOException {
        rows.close();
    }

    /** The header for a message: at most 20 columns, each abbreviated, so a binary first line stays readable. */
    private static String headerText(List<String> columns) {
        List<String> shown = new ArrayList<>();
        for (String column : columns.subList(0, Math.min(columns.size(), MAX_COLUMNS_SHOWN))) {
            shown.add(Timestamps.abbreviate(column));
        }
        return shown + (columns.size() > MAX_COLUMNS_SHOWN ? " (" + columns.size() + " columns)" : "");
    }

    @Override
    public String toString() {
        return "ReadingsCsvReader[" + source + ", features " + Arrays.toString(featureColumns) + "]";
    }
}
