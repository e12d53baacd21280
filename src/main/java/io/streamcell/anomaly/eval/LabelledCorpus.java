package io.streamcell.anomaly.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A seeded synthetic corpus in NAB's layout, for evaluating detectors without NAB's data:
 * {@code OUT/data/synthetic/series_NNN.csv} ({@code timestamp,value}, timestamps
 * {@code yyyy-MM-dd HH:mm:ss} 5 minutes apart) and {@code OUT/labels/combined_windows.json}.
 *
 * <p>Each series is a level, a daily cycle (288 rows), AR(1) noise, and 1 to 3 injected anomalies after
 * NAB's probationary period: a one-row spike or a lasting level shift of 6 to 10 noise deviations. Each
 * anomaly gets NAB's window: {@code floor(0.1 n / k)} rows for a file of {@code n} rows with {@code k}
 * anomalies, centred on the anomaly (Lavin &amp; Ahmad 2015). The same options give the same files.
 */
public final class LabelledCorpus {
    public static final String CATEGORY = "synthetic";
    static final int STEPS_PER_DAY = 288;
    static final LocalDateTime START = LocalDateTime.of(2014, 1, 1, 0, 0);
    private static final DateTimeFormatter DATA_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
    private static final DateTimeFormatter LABEL_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS", Locale.ROOT);

    /** One injected anomaly: its row, kind ({@code spike} or {@code shift}) and labelled window rows. */
    public record Anomaly(int row, String kind, int windowStart, int windowEnd) {}

    /** One generated file. */
    public record File(String key, Path path, int rows, List<Anomaly> anomalies) {}

    private LabelledCorpus() {}

    /** Writes {@code files} series of {@code length} rows under {@code out}; returns them in order. */
    public static List<File> write(Path out, int files, int length, long seed) throws IOException {
        if (files < 1) {
            throw new IllegalArgumentException("--files must be >= 1, got " + files);
        }
        if (length < 200) {
            throw new IllegalArgumentException("--length must be >= 200 rows (room for the probationary "
                    + "period and the windows), got " + length);
        }
        SplittableRandom root = new SplittableRandom(seed);
        List<File> written = new ArrayList<>();
        ObjectNode labels = new ObjectMapper().createObjectNode();
        Path dataDir = out.resolve("data").resolve(CATEGORY);
        Files.createDirectories(dataDir);
        for (int f = 0; f < files; f++) {
            SplittableRandom random = root.split();
            String name = String.format(Locale.ROOT, "series_%03d.csv", f + 1);
            Path path = dataDir.resolve(name);
            List<Anomaly> anomalies = writeSeries(path, length, random);
            String key = CATEGORY + "/" + name;
            ArrayNode windows = labels.putArray(key);
            for (Anomaly a : anomalies) {
                windows.addArray()
                        .add(LABEL_TIME.format(at(a.windowStart())))
                        .add(LABEL_TIME.format(at(a.windowEnd())));
            }
            written.add(new File(key, path, length, anomalies));
        }
        Path labelsFile = out.resolve("labels").resolve("combined_windows.json");
        Files.createDirectories(labelsFile.getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(labelsFile.toFile(), labels);
        return written;
    }

    public static Path labelsFile(Path out) {
        return out.resolve("labels").resolve("combined_windows.json");
    }

    public static Path dataDir(Path out) {
        return out.resolve("data");
    }

    static LocalDateTime at(int row) {
        return START.plusMinutes(5L * row);
    }

    private static List<Anomaly> writeSeries(Path path, int n, SplittableRandom random) throws IOException {
        int k = 1 + random.nextInt(3);
        int window = (int) Math.floor(0.1 * n / k);
        int half = window / 2;
        int first = (int) Math.ceil(Math.min(Math.floor(0.15 * n), 750.0)) + half + 1;
        int last = n - (window - half) - 1;
        int segment = (last - first) / k;
        List<Anomaly> anomalies = new ArrayList<>();
        for (int a = 0; a < k; a++) {
            int lo = first + a * segment;
            int room = Math.max(1, segment - window);
            int row = lo + random.nextInt(room);
            String kind = random.nextBoolean() ? "spike" : "shift";
            anomalies.add(new Anomaly(row, kind, row - half, row - half + window - 1));
        }

        double level = 10 + 90 * random.nextDouble();
        double amplitude = level * (0.05 + 0.15 * random.nextDouble());
        double sigma = level * (0.005 + 0.01 * random.nextDouble());
        double phi = 0.5 + 0.4 * random.nextDouble();
        double phase = 2 * Math.PI * random.nextDouble();
        double innovation = sigma * Math.sqrt(1 - phi * phi);
        double noise = 0;
        double shift = 0;
        int next = 0;
        try (Writer writer = Files.newBufferedWriter(path, StandardCharsets.UTF_8)) {
            writer.write("timestamp,value\n");
            for (int i = 0; i < n; i++) {
                noise = phi * noise + innovation * random.nextGaussian();
                double spike = 0;
                if (next < anomalies.size() && anomalies.get(next).row() == i) {
                    double size = (6 + 4 * random.nextDouble()) * sigma * (random.nextBoolean() ? 1 : -1);
                    if (anomalies.get(next).kind().equals("spike")) {
                        spike = size;
                    } else {
                        shift += size;
                    }
                    next++;
                }
                double value =
                        level + amplitude * Math.sin(2 * Math.PI * i / STEPS_PER_DAY + phase) + noise + shift + spike;
                writer.write(DATA_TIME.format(at(i)));
                writer.write(',');
                writer.write(String.format(Locale.ROOT, "%.4f", value));
                writer.write('\n');
            }
        }
        return anomalies;
    }
}
