package io.streamcell.anomaly.nab;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Development tool (src/tools, built only with {@code -Ptools}): scores a NAB results directory, or
 * NAB's null / perfect detectors built on a data directory, with the three published profiles.
 *
 * <pre>
 * NabScoreTool LABELS.json results/DETECTOR      # a detector's result CSVs (NAB layout)
 * NabScoreTool LABELS.json --null DATA_DIR       # constant 0.5 on every row of every data file
 * NabScoreTool LABELS.json --perfect DATA_DIR    # 1.0 on each window's first row, 0 elsewhere
 * </pre>
 *
 * Run from the repository root:
 * <pre>
 *   mvn -B -q -Ptools test-compile exec:java -Dexec.mainClass=io.streamcell.anomaly.nab.NabScoreTool \
 *       -Dexec.args="LABELS.json --null DATA_DIR"
 * </pre>
 */
public final class NabScoreTool {
    private NabScoreTool() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2 || (args[1].startsWith("--") && args.length < 3)) {
            System.err.println("usage: NabScoreTool LABELS.json (RESULTS_DIR | --null DATA_DIR | --perfect DATA_DIR)");
            System.exit(2);
        }
        Map<String, List<Window>> labels = NabLabels.read(Path.of(args[0]));
        Map<String, ScoredSeries> corpus = switch (args[1]) {
            case "--null" -> constant(NabCorpus.readDataTimestamps(Path.of(args[2])));
            case "--perfect" -> perfect(NabCorpus.readDataTimestamps(Path.of(args[2])), labels);
            default -> NabCorpus.readResults(Path.of(args[1]));
        };
        int windows = corpus.keySet().stream()
                .mapToInt(k -> labels.getOrDefault(k, List.of()).size())
                .sum();
        long rows = corpus.values().stream().mapToLong(ScoredSeries::size).sum();
        System.out.printf("%d files, %d rows, %d windows%n", corpus.size(), rows, windows);
        NabScorer scorer = new NabScorer();
        for (Profile profile : Profile.published()) {
            long start = System.nanoTime();
            NabResult result = scorer.score(corpus, labels, profile);
            System.out.printf("%s  (%d ms)%n", result, (System.nanoTime() - start) / 1_000_000);
        }
    }

    private static Map<String, ScoredSeries> constant(Map<String, List<LocalDateTime>> data) {
        Map<String, ScoredSeries> corpus = new TreeMap<>();
        data.forEach((key, timestamps) ->
                corpus.put(key, new ScoredSeries(timestamps, new double[timestamps.size()]).withConstantScore(0.5)));
        return corpus;
    }

    private static Map<String, ScoredSeries> perfect(
            Map<String, List<LocalDateTime>> data, Map<String, List<Window>> labels) {
        Map<String, ScoredSeries> corpus = new TreeMap<>();
        data.forEach((key, timestamps) -> {
            double[] scores = new double[timestamps.size()];
            for (Window window : labels.getOrDefault(key, List.of())) {
                scores[timestamps.indexOf(window.start())] = 1.0;
            }
            corpus.put(key, new ScoredSeries(timestamps, scores));
        });
        return corpus;
    }
}
