package io.streamcell.train;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.streamcell.io.csv.CsvFormatException;
import io.streamcell.io.csv.ReadingsCsvReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One key's readings in time order: {@code features[t]} are the model inputs at step t,
 * {@code targets[t]} the target columns' values at step t (in original units) and {@code times[t]}
 * its event time (epoch milliseconds; null when not known).
 */
public record KeySeries(String key, double[][] features, double[][] targets, long[] times) {

    public KeySeries {
        Objects.requireNonNull(key, "key");
        if (features.length != targets.length) {
            throw new IllegalArgumentException(
                    "key '" + key + "': " + features.length + " feature rows but " + targets.length + " target rows");
        }
        if (times != null && times.length != features.length) {
            throw new IllegalArgumentException(
                    "key '" + key + "': " + features.length + " feature rows but " + times.length + " times");
        }
    }

    /** A series without event times. */
    public KeySeries(String key, double[][] features, double[][] targets) {
        this(key, features, targets, null);
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
            long[] times = new long[rows.size()];
            for (int t = 0; t < rows.size(); t++) {
                times[t] = rows.get(t).epochMillis();
                float[] values = rows.get(t).features();
                for (int i = 0; i < features.size(); i++) {
                    x[t][i] = values[i];
                }
                for (int j = 0; j < targets.size(); j++) {
                    y[t][j] = values[targetIndex[j]];
                }
            }
            series.add(new KeySeries(key, x, y, times));
        });
        return series;
    }

    /**
     * SHA-256 (hex) of training data as the trainer is given it, whatever file or code it came from:
     * the feature names, the target names, then each series in order: its key, its number of steps and
     * every step's feature then target values. A name is its UTF-8 byte count (int32) and bytes, a
     * list its size (int32) and elements, a value its IEEE 754 float64 bits, all big-endian.
     */
    public static String sha256(List<KeySeries> series, List<String> features, List<String> targets) {
        Digest digest = new Digest();
        digest.names(features);
        digest.names(targets);
        digest.putInt(series.size());
        for (KeySeries s : series) {
            digest.name(s.key());
            digest.putInt(s.length());
            for (int t = 0; t < s.length(); t++) {
                for (double v : s.features()[t]) {
                    digest.putDouble(v);
                }
                for (double v : s.targets()[t]) {
                    digest.putDouble(v);
                }
            }
        }
        return digest.hex();
    }

    /** A SHA-256 fed through a buffer, so that values need not be digested one call at a time. */
    private static final class Digest {
        private final MessageDigest sha;
        private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16);

        Digest() {
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JVM has SHA-256", e);
            }
        }

        void names(List<String> names) {
            putInt(names.size());
            names.forEach(this::name);
        }

        void name(String name) {
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            putInt(bytes.length);
            drain();
            sha.update(bytes);
        }

        void putInt(int value) {
            room(Integer.BYTES);
            buffer.putInt(value);
        }

        void putDouble(double value) {
            room(Double.BYTES);
            buffer.putDouble(value);
        }

        String hex() {
            drain();
            return HexFormat.of().formatHex(sha.digest());
        }

        private void room(int bytes) {
            if (buffer.remaining() < bytes) {
                drain();
            }
        }

        private void drain() {
            sha.update(buffer.array(), 0, buffer.position());
            buffer.clear();
        }
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
