package io.streamcell.anomaly.nab;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads NAB's CSV layouts: data files {@code data/<category>/<name>.csv} ({@code timestamp,value}) and a
 * detector's result files {@code results/<detector>/<category>/<detector>_<name>.csv}
 * ({@code timestamp,value,anomaly_score,label,...}). File keys are {@code <category>/<name>.csv}, as in
 * the labels.
 */
public final class NabCorpus {
    private NabCorpus() {}

    /**
     * A detector's result files, keyed like the labels. {@code detectorDir} is
     * {@code results/<detector>}; its name is the file-name prefix to strip. Summary files at its top
     * level ({@code <detector>_<profile>_scores.csv}) are ignored, as NAB does.
     */
    public static Map<String, ScoredSeries> readResults(Path detectorDir) throws IOException {
        String prefix = detectorDir.getFileName() + "_";
        Map<String, ScoredSeries> corpus = new TreeMap<>();
        try (Stream<Path> files = Files.walk(detectorDir)) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                Path relative = detectorDir.relativize(file);
                String name = file.getFileName().toString();
                if (relative.getNameCount() != 2 || !name.endsWith(".csv") || !Files.isRegularFile(file)) {
                    continue;
                }
                String dataName = name.startsWith(prefix) ? name.substring(prefix.length()) : name;
                corpus.put(relative.getName(0) + "/" + dataName, readResultFile(file));
            }
        }
        return corpus;
    }

    /** One result file: its {@code timestamp} and {@code anomaly_score} columns. */
    public static ScoredSeries readResultFile(Path file) throws IOException {
        Table table = read(file, "anomaly_score");
        return new ScoredSeries(table.timestamps, table.values);
    }

    /** One data file's timestamps (to align a detector's output with NAB's labels). */
    public static List<LocalDateTime> readTimestamps(Path dataFile) throws IOException {
        return read(dataFile, null).timestamps;
    }

    /** Every data file under {@code dataDir} ({@code data/}) with its timestamps, keyed like the labels. */
    public static Map<String, List<LocalDateTime>> readDataTimestamps(Path dataDir) throws IOException {
        Map<String, List<LocalDateTime>> corpus = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                Path relative = dataDir.relativize(file);
                if (relative.getNameCount() == 2 && file.toString().endsWith(".csv") && Files.isRegularFile(file)) {
                    corpus.put(relative.getName(0) + "/" + relative.getName(1), readTimestamps(file));
                }
            }
        }
        return corpus;
    }

    private record Table(List<LocalDateTime> timestamps, double[] values) {}

    private static Table read(Path file, String valueColumn) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = reader.readLine();
            if (header == null) {
                throw new IOException(file + ": empty file, expected a header row");
            }
            List<String> columns =
                    Arrays.stream(header.split(",", -1)).map(String::strip).toList();
            int timestampColumn = columns.indexOf("timestamp");
            int column = valueColumn == null ? -1 : columns.indexOf(valueColumn);
            if (timestampColumn < 0 || (valueColumn != null && column < 0)) {
                throw new IOException(file + ": no '" + (timestampColumn < 0 ? "timestamp" : valueColumn)
                        + "' column in header " + columns);
            }
            List<LocalDateTime> timestamps = new ArrayList<>();
            double[] values = new double[1024];
            int lineNumber = 1;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",", -1);
                try {
                    timestamps.add(NabTimestamps.parse(cells[timestampColumn]));
                    if (column >= 0) {
                        if (timestamps.size() > values.length) {
                            values = Arrays.copyOf(values, values.length * 2);
                        }
                        values[timestamps.size() - 1] = Double.parseDouble(cells[column].strip());
                    }
                } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
                    throw new IOException(file + " line " + lineNumber + ": " + e.getMessage(), e);
                }
            }
            return new Table(timestamps, Arrays.copyOf(values, column >= 0 ? timestamps.size() : 0));
        }
    }
}
