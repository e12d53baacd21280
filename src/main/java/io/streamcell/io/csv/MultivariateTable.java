package io.streamcell.io.csv;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A CSV of one multivariate series, rows in time order: a time column (named date, time,
 * timestamp or datetime, or else the one column whose values are not all numbers; parsed by
 * {@link Timestamps}) and any number of numeric columns, all
 * of which the online protocol treats as features and targets.
 *
 * @param columns names of the numeric columns, in file order
 * @param times epoch milliseconds per row, or null when the file has no time column
 * @param values {@code values[row][column]}
 */
public record MultivariateTable(List<String> columns, long[] times, double[][] values) {
    /** Column names that mark the time column even when its values are numbers (epoch milliseconds). */
    private static final java.util.Set<String> TIME_NAMES = java.util.Set.of("date", "time", "timestamp", "datetime");

    public int rows() {
        return values.length;
    }

    /**
     * @throws CsvFormatException naming the file and line for a ragged row, a non-finite or missing
     *     number, an unparseable time, or a file without numeric columns
     */
    public static MultivariateTable read(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(reader, file.toString());
        }
    }

    public static MultivariateTable read(Reader reader, String source) throws IOException {
        List<String[]> rows = new ArrayList<>();
        String[] header;
        try (MappingIterator<String[]> it = new CsvMapper()
                .readerForArrayOf(String.class)
                .with(CsvParser.Feature.WRAP_AS_ARRAY)
                .with(CsvParser.Feature.SKIP_EMPTY_LINES)
                .readValues(reader)) {
            if (!it.hasNextValue()) {
                throw new CsvFormatException(source + ": empty file (a header row is required)");
            }
            header = it.nextValue();
            if (header.length > 0 && header[0].startsWith("\uFEFF")) {
                header[0] = header[0].substring(1);
            }
            while (it.hasNextValue()) {
                String[] cells = it.nextValue();
                if (cells.length != header.length) {
                    throw new CsvFormatException(source + ":" + (rows.size() + 2) + ": " + cells.length
                            + " columns, the header has " + header.length);
                }
                rows.add(cells);
            }
        } catch (RuntimeException e) {
            if (e instanceof CsvFormatException) {
                throw e;
            }
            throw new CsvFormatException(source + ": unreadable CSV: " + e.getMessage(), e);
        }
        if (rows.isEmpty()) {
            throw new CsvFormatException(source + ": no data rows");
        }
        int timeColumn = -1;
        List<Integer> numeric = new ArrayList<>();
        for (int c = 0; c < header.length; c++) {
            boolean namedAsTime = TIME_NAMES.contains(header[c].trim().toLowerCase(java.util.Locale.ROOT));
            if (!namedAsTime && allNumbers(rows, c)) {
                numeric.add(c);
            } else if (timeColumn < 0) {
                timeColumn = c;
            } else {
                throw new CsvFormatException(source + ": columns '" + header[timeColumn].trim() + "' and '"
                        + header[c].trim() + "' are not numeric; only one (the time column) may be");
            }
        }
        if (numeric.isEmpty()) {
            throw new CsvFormatException(source + ": no numeric columns");
        }
        long[] times = timeColumn < 0 ? null : new long[rows.size()];
        double[][] values = new double[rows.size()][numeric.size()];
        for (int r = 0; r < rows.size(); r++) {
            String[] cells = rows.get(r);
            if (times != null) {
                try {
                    times[r] = Timestamps.parseEpochMillis(cells[timeColumn]);
                } catch (IllegalArgumentException e) {
                    throw new CsvFormatException(source + ":" + (r + 2) + ": " + e.getMessage(), e);
                }
            }
            for (int i = 0; i < numeric.size(); i++) {
                values[r][i] = Double.parseDouble(cells[numeric.get(i)].trim());
            }
        }
        List<String> names = numeric.stream().map(c -> header[c].trim()).toList();
        return new MultivariateTable(names, times, values);
    }

    private static boolean allNumbers(List<String[]> rows, int column) {
        for (String[] row : rows) {
            String cell = row[column].trim();
            if (cell.isEmpty()) {
                return false;
            }
            try {
                if (!Double.isFinite(Double.parseDouble(cell))) {
                    return false;
                }
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }
}
