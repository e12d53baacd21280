package io.streamcell.train;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.streamcell.io.csv.CsvFormatException;
import io.streamcell.io.csv.ReadingsCsvReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One key's readings in time order: {@code features[t]} are the model inputs at step t and
 * {@code targets[t]} the target columns' values at step t (in original units).
 */
public record KeySeries(String key, double[][] features, double[][] targets) {

    public KeySeries {
        Objects.requireNonNull(key, "key");
        if (features.length != targets.length) {
            throw new IllegalArgumentException(
                    "key '" + key + "': " + features.length + " feature rows but " + targets.length + " target rows");
        }
    }

    public int length() {
        return features.length;
    }

    /**
     * Reads a readings CSV into per-key series, keys in order of first appearance, rows of a key in
     * file order. Target columns may also be features.
     *
     * @throws IllegalArgumentException naming the option and the columns when a feature or target
     *     column is not in the header
     * @throws io.streamcell.io.csv.CsvFormatException for a malformed file or a bad value
     */
    public static List<KeySeries> readCsv(Path file, List<String> features, List<String> targets) throws IOException {
        checkColumns(file, "--features", features);
        checkColumns(file, "--targets", targets);
        List<String> columns = new ArrayList<>(features);
        for (String target : targets) {
            if (!columns.contains(target)) {
                columns.add(target);
            }
        }
        int[] targetIndex = targets.stream().mapToInt(columns::indexOf).toArray();
        Map<String, List<ReadingsCsvReader.Row>> byKey = new LinkedHashMap<>();
        try (ReadingsCsvReader reader = ReadingsCsvReader.open(file, columns)) {
            for (ReadingsCsvReader.Row row = reader.next(); row != null; row = reader.next()) {
                byKey.computeIfAbsent(row.key(), k -> new ArrayList<>()).add(row);
            }
        }
        List<KeySeries> series = new ArrayList<>(byKey.size());
        if (byKey.isEmpty()) {
            throw new IllegalArgumentException(file + ": no data rows");
        }
        byKey.forEach((key, rows) -> {
            double[][] x = new double[rows.size()][features.size()];
            double[][] y = new double[rows.size()][targets.size()];
            for (int t = 0; t < rows.size(); t++) {
                float[] values = rows.get(t).features();
                for (int i = 0; i < features.size(); i++) {
                    x[t][i] = values[i];
                }
                for (int j = 0; j < targets.size(); j++) {
                    y[t][j] = values[targetIndex[j]];
                }
            }
            series.add(new KeySeries(key, x, y));
        });
        return series;
    }

    private static void checkColumns(Path file, String option, List<String> names) throws IOException {
        if (names.isEmpty()) {
            throw new IllegalArgumentException(option + " names no column");
        }
        List<String> header;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line = reader.readLine();
            if (line == null) {
                throw new CsvFormatException(file + ": empty file (a header row is required)");
            }
            if (line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            String[] cells;
            try (MappingIterator<String[]> rows = new CsvMapper()
                    .readerForArrayOf(String.class)
                    .with(CsvParser.Feature.WRAP_AS_ARRAY)
                    .readValues(line)) {
                cells = rows.hasNextValue() ? rows.nextValue() : new String[0];
            }
            header = Arrays.stream(cells).map(String::trim).toList();
        }
        List<String> missing =
                names.stream().filter(name -> !header.contains(name)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(
                    file + ": " + option + " column(s) " + missing + " not in the header " + header);
        }
    }
}
