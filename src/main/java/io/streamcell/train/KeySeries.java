package io.streamcell.train;

import io.streamcell.io.csv.ReadingsCsvReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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
            throw new IllegalArgumentException("key '" + key + "': " + features.length + " feature rows but "
                    + targets.length + " target rows");
        }
    }

    public int length() {
        return features.length;
    }

    /**
     * Reads a readings CSV into per-key series, keys in order of first appearance, rows of a key in
     * file order. Target columns may also be features.
     *
     * @throws io.streamcell.io.csv.CsvFormatException for a missing column or a bad value
     */
    public static List<KeySeries> readCsv(Path file, List<String> features, List<String> targets) throws IOException {
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
}
