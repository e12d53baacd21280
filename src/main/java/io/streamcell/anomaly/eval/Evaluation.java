package io.streamcell.anomaly.eval;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.streamcell.anomaly.AlertPolicy;
import io.streamcell.anomaly.AnomalyDetector;
import io.streamcell.anomaly.nab.AlertEpisodes;
import io.streamcell.anomaly.nab.NabLabels;
import io.streamcell.anomaly.nab.NabResult;
import io.streamcell.anomaly.nab.NabScorer;
import io.streamcell.anomaly.nab.NabTimestamps;
import io.streamcell.anomaly.nab.Profile;
import io.streamcell.anomaly.nab.ScoredSeries;
import io.streamcell.anomaly.nab.Window;
import io.streamcell.core.KeyStepper;
import io.streamcell.core.StepSettings;
import io.streamcell.files.AtomicFiles;
import io.streamcell.io.csv.ReadingsCsvReader;
import io.streamcell.model.RecurrentModel;
import io.streamcell.replay.ReplayEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code streamcell evaluate}: a model replayed over a corpus in NAB's layout, scored like NAB.
 *
 * <p>Every data file {@code DATA/<category>/<name>.csv} ({@code timestamp,value}) is one key, replayed
 * with the per-event kernel (the forecast job's own per-key code, {@link ReplayEngine}). Each file gives
 * a NAB result file {@code RESULTS/<category>/[<detector>_]<name>.csv} with exactly
 * {@code timestamp,value,anomaly_score,label} (one row per data row, same order, timestamp text as read;
 * label 1 inside a labelled window). The anomaly scores are scored with {@link NabScorer} for the three
 * published profiles (each with its own optimised threshold); the job's actual alerts
 * ({@code outcome.alert() != null}) are scored as {@link AlertEpisodes}.
 *
 * <p>{@code
 * Evaluation.Result r = Evaluation.run(model, dataDir, labelsJson, resultsDir, null);
 * }
 */
public final class Evaluation {
    /** The only feature and target a model must have: the {@code value} column of NAB's files. */
    public static final String VALUE = "value";

    public static final String RESULT_HEADER = "timestamp,value,anomaly_score,label";
    public static final String SUMMARY_FILE = "summary.json";

    private Evaluation() {}

    /**
     * One replayed file: its rows, what the model made of them (forecast, {@code anomaly_score}, which
     * the alert policy works on, the detector's level, alert), and its labelled windows.
     */
    public record Series(
            String key,
            List<String> timestampText,
            List<LocalDateTime> timestamps,
            List<String> valueText,
            float[] values,
            float[] forecasts,
            double[] scores,
            double[] levels,
            boolean[] alerts,
            boolean[] labels,
            List<Window> windows) {

        public int size() {
            return values.length;
        }

        public ScoredSeries scored() {
            return new ScoredSeries(timestamps, scores);
        }

        /**
         * The job's alert episodes as a 0/1 score (an episode is a run of 1s): each alert row, and the
         * rows between an alert and its escalation (the alert policy's second alert of one episode), so
         * that an escalation does not count as a second episode.
         */
        public ScoredSeries alerted() {
            boolean[] rows = episodeRows(scores, alerts, AlertPolicy.DEFAULTS);
            double[] flags = new double[rows.length];
            for (int i = 0; i < flags.length; i++) {
                flags[i] = rows[i] ? 1.0 : 0.0;
            }
            return new ScoredSeries(timestamps, flags);
        }
    }

    /** The evaluation: per-file series, NAB results per profile, and alert-episode metrics. */
    public record Result(
            String detector,
            String model,
            List<Series> series,
            Map<Profile, NabResult> nab,
            AlertEpisodes.Metrics episodes,
            long rows) {

        public Result {
            series = List.copyOf(series);
            nab = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(nab));
        }
    }

    /** Replays per event, writes the result files and {@code summary.json}, and scores. */
    public static Result run(RecurrentModel model, Path dataDir, Path labelsJson, Path resultsDir, String detector)
            throws IOException {
        return run(model, dataDir, labelsJson, resultsDir, detector, StepSettings.DEFAULTS);
    }

    /** Replays stepping as {@code settings} say (a job's), writes the result files and {@code summary.json}, and scores. */
    public static Result run(
            RecurrentModel model,
            Path dataDir,
            Path labelsJson,
            Path resultsDir,
            String detector,
            StepSettings settings)
            throws IOException {
        checkModel(model);
        Map<String, List<Window>> labels = NabLabels.read(labelsJson);
        Map<String, Path> files = dataFiles(dataDir);
        if (files.isEmpty()) {
            throw new IllegalArgumentException(dataDir + ": no data files <category>/<name>.csv");
        }
        List<String> unlabelled =
                files.keySet().stream().filter(key -> !labels.containsKey(key)).toList();
        if (!unlabelled.isEmpty()) {
            throw new IllegalArgumentException(labelsJson + ": no labelled windows for " + unlabelled
                    + " (every data file needs an entry, possibly empty)");
        }
        List<Series> series = new ArrayList<>();
        long rows = 0;
        for (Map.Entry<String, Path> file : files.entrySet()) {
            Series s = replay(model, settings, file.getKey(), file.getValue(), labels.get(file.getKey()));
            writeResultFile(s, resultFile(resultsDir, file.getKey(), detector));
            series.add(s);
            rows += s.size();
        }
        Result result = score(detector, model.version(), series, labels);
        writeSummary(result, resultsDir.resolve(SUMMARY_FILE));
        return result;
    }

    /** NAB scores for the three profiles and the alert episodes of already replayed series. */
    public static Result score(String detector, String model, List<Series> series, Map<String, List<Window>> labels) {
        Map<String, ScoredSeries> scored = new TreeMap<>();
        Map<String, ScoredSeries> alerted = new TreeMap<>();
        long rows = 0;
        for (Series s : series) {
            scored.put(s.key(), s.scored());
            alerted.put(s.key(), s.alerted());
            rows += s.size();
        }
        Map<Profile, NabResult> nab = new NabScorer().score(scored, labels, Profile.published());
        AlertEpisodes.Metrics episodes = AlertEpisodes.evaluate(alerted, labels, 1.0);
        return new Result(detector, model, series, nab, episodes, rows);
    }

    /**
     * Alert rows, with the gap between two alerts filled when they belong to one policy episode: no run
     * of {@code quietSteps} scores below {@code reset} lies between them (the policy's episode end; the
     * policy works on {@code anomaly_score}).
     */
    static boolean[] episodeRows(double[] scores, boolean[] alerts, AlertPolicy.Settings policy) {
        boolean[] rows = alerts.clone();
        int previous = -1;
        int quiet = 0;
        for (int i = 0; i < alerts.length; i++) {
            if (alerts[i]) {
                if (previous >= 0) {
                    for (int j = previous + 1; j < i; j++) {
                        rows[j] = true;
                    }
                }
                previous = i;
                quiet = 0;
            } else if (previous >= 0) {
                quiet = (float) scores[i] < policy.reset() ? quiet + 1 : 0;
                if (quiet >= policy.quietSteps()) {
                    previous = -1; // the episode ended: the next alert starts a new one
                }
            }
        }
        return rows;
    }

    static void checkModel(RecurrentModel model) {
        List<String> features = model.config().features();
        List<String> targets = model.config().targets();
        if (!features.equals(List.of(VALUE)) || !targets.equals(List.of(VALUE))) {
            throw new IllegalArgumentException("evaluate needs a model with the single feature and target '" + VALUE
                    + "' (NAB's timestamp,value files); " + model.version() + " has features " + features
                    + " and targets " + targets
                    + " (train one with: streamcell train --features value --targets value)");
        }
    }

    /** Data files under {@code dataDir} keyed {@code <category>/<name>.csv}, sorted. */
    static Map<String, Path> dataFiles(Path dataDir) throws IOException {
        if (!Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException(dataDir + ": not a directory");
        }
        Map<String, Path> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dataDir)) {
            for (Path file : (Iterable<Path>) walk.sorted()::iterator) {
                Path relative = dataDir.relativize(file);
                if (relative.getNameCount() == 2 && file.toString().endsWith(".csv") && Files.isRegularFile(file)) {
                    files.put(relative.getName(0) + "/" + relative.getName(1), file);
                }
            }
        }
        return files;
    }

    static Path resultFile(Path resultsDir, String key, String detector) {
        int slash = key.indexOf('/');
        String name = key.substring(slash + 1);
        return resultsDir.resolve(key.substring(0, slash)).resolve(detector == null ? name : detector + "_" + name);
    }

    /** One file through a fresh engine: the whole file is one key. */
    static Series replay(RecurrentModel model, StepSettings settings, String key, Path file, List<Window> windows)
            throws IOException {
        List<String> texts = new ArrayList<>();
        List<LocalDateTime> times = new ArrayList<>();
        FloatList values = new FloatList();
        FloatList forecasts = new FloatList();
        List<Double> scores = new ArrayList<>();
        List<Double> levels = new ArrayList<>();
        List<Boolean> alerts = new ArrayList<>();
        try (ReplayEngine engine = new ReplayEngine(model, settings);
                ReadingsCsvReader reader = ReadingsCsvReader.open(file, List.of(VALUE))) {
            if (reader.hasKeyColumn()) {
                throw new IllegalArgumentException(file + ": has a 'key' column; NAB files are one series each");
            }
            ReplayEngine.OutcomeSink sink = new ReplayEngine.OutcomeSink() {
                @Override
                public void accept(ReadingsCsvReader.Row row, KeyStepper.Outcome outcome) {
                    add(row, outcome.forecast()[0], outcome.score(), outcome.alert() != null);
                }

                /** A NAB file has a row for every reading: one the job would not step scores 0. */
                @Override
                public void late(ReadingsCsvReader.Row row, String reason) {
                    add(row, Float.NaN, null, false);
                }

                private void add(
                        ReadingsCsvReader.Row row, float forecast, AnomalyDetector.Score score, boolean alert) {
                    texts.add(row.timestampText());
                    try {
                        times.add(NabTimestamps.parse(row.timestampText()));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(file + ":" + row.line() + ": " + e.getMessage(), e);
                    }
                    values.add(row.features()[0]);
                    forecasts.add(forecast);
                    scores.add(score == null ? 0.0 : (double) score.anomalyScore());
                    levels.add(score == null ? 0.0 : (double) score.level());
                    alerts.add(alert);
                }
            };
            for (ReadingsCsvReader.Row row = reader.next(); row != null; row = reader.next()) {
                engine.accept(row, sink);
            }
            engine.finish(sink);
        }
        int n = texts.size();
        List<String> valueTexts = valueTexts(file); // after the reader has validated the file
        if (valueTexts.size() != n) { // cannot happen: both read the file with the same CSV parser settings
            throw new IllegalStateException(file + ": read " + n + " rows but " + valueTexts.size() + " value cells");
        }
        double[] s = new double[n];
        double[] l = new double[n];
        boolean[] a = new boolean[n];
        boolean[] labels = new boolean[n];
        for (int i = 0; i < n; i++) {
            s[i] = scores.get(i);
            l[i] = levels.get(i);
            a[i] = alerts.get(i);
            LocalDateTime t = times.get(i);
            for (Window w : windows) {
                if (!t.isBefore(w.start()) && !t.isAfter(w.end())) {
                    labels[i] = true;
                    break;
                }
            }
        }
        return new Series(
                key,
                texts,
                times,
                valueTexts,
                values.toArray(),
                forecasts.toArray(),
                s,
                l,
                a,
                labels,
                List.copyOf(windows));
    }

    /** The {@code value} cells as written in the file (the result files repeat them unchanged). */
    private static List<String> valueTexts(Path file) throws IOException {
        List<String> texts = new ArrayList<>();
        try (MappingIterator<String[]> rows = new CsvMapper()
                .readerForArrayOf(String.class)
                .with(CsvParser.Feature.WRAP_AS_ARRAY)
                .with(CsvParser.Feature.SKIP_EMPTY_LINES)
                .readValues(file.toFile())) {
            if (!rows.hasNextValue()) {
                return texts;
            }
            String[] header = rows.nextValue();
            int column = -1;
            for (int i = 0; i < header.length; i++) {
                String name = header[i].strip();
                if (name.startsWith("\uFEFF")) {
                    name = name.substring(1);
                }
                if (name.equals(VALUE)) {
                    column = i;
                }
            }
            while (rows.hasNextValue()) {
                String[] cells = rows.nextValue();
                texts.add(column >= 0 && column < cells.length ? cells[column].strip() : "");
            }
        }
        return texts;
    }

    /** {@code timestamp,value,anomaly_score,label}, written to a temporary file and moved into place. */
    static void writeResultFile(Series s, Path target) throws IOException {
        AtomicFiles.writeText(target, writer -> {
            writer.write(RESULT_HEADER);
            writer.write('\n');
            for (int i = 0; i < s.size(); i++) {
                writer.write(s.timestampText().get(i));
                writer.write(',');
                writer.write(s.valueText().get(i));
                writer.write(',');
                writer.write(Double.toString(s.scores()[i]));
                writer.write(',');
                writer.write(s.labels()[i] ? '1' : '0');
                writer.write('\n');
            }
        });
    }

    /** The summary as JSON: per profile the threshold, scores and counts; the alert episodes. */
    public static ObjectNode summaryJson(Result result) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        if (result.detector() != null) {
            root.put("detector", result.detector());
        }
        root.put("model", result.model());
        root.put("files", result.series().size());
        root.put("rows", result.rows());
        ObjectNode profiles = root.putObject("profiles");
        for (NabResult r : result.nab().values()) {
            ObjectNode p = profiles.putObject(r.profile().name());
            p.put("threshold", r.threshold());
            p.put("normalized_score", r.normalizedScore());
            p.put("raw_score", r.rawScore());
            p.put("null_score", r.nullScore());
            p.put("perfect_score", r.perfectScore());
            p.put("tp", r.rows().tp());
            p.put("fp", r.rows().fp());
            p.put("fn", r.rows().fn());
            p.put("tn", r.rows().tn());
            p.put("windows", r.windows());
            p.put("scored_windows", r.scoredWindows());
            p.put("windows_detected", r.windowsDetected());
            ObjectNode files = p.putObject("file_scores");
            r.fileScores().forEach(files::put);
        }
        AlertEpisodes.Metrics e = result.episodes();
        ObjectNode alerts = root.putObject("alert_episodes");
        alerts.put("episodes", e.episodes());
        alerts.put("true_positive_episodes", e.truePositiveEpisodes());
        alerts.put("false_alarm_episodes", e.falseAlarmEpisodes());
        alerts.put("scored_windows", e.scoredWindows());
        alerts.put("detected_windows", e.detectedWindows());
        putNumber(alerts, "precision", e.precision());
        putNumber(alerts, "recall", e.recall());
        putNumber(alerts, "f1", e.f1());
        putNumber(alerts, "mean_delay_rows", e.meanDelayRows());
        if (e.meanDelay() == null) {
            alerts.putNull("mean_delay_seconds");
        } else {
            alerts.put("mean_delay_seconds", e.meanDelay().toSeconds());
        }
        ArrayNode delays = alerts.putArray("delays");
        for (AlertEpisodes.Delay d : e.delays()) {
            ObjectNode node = delays.addObject();
            node.put("file", d.file());
            node.put("window_start", d.window().start().toString());
            node.put("rows", d.rows());
            node.put("seconds", d.time().toSeconds());
        }
        return root;
    }

    /** NaN (an undefined ratio) is written as null: JSON has no NaN. */
    private static void putNumber(ObjectNode node, String field, double value) {
        if (Double.isFinite(value)) {
            node.put(field, value);
        } else {
            node.putNull(field);
        }
    }

    static void writeSummary(Result result, Path file) throws IOException {
        ObjectNode summary = summaryJson(result);
        AtomicFiles.writeFile(
                file,
                out -> new ObjectMapper()
                        .enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValue(out, summary));
    }

    /** A plain-text table: per profile threshold, normalised score and row counts; then the alert episodes. */
    public static String summaryTable(Result result) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT, "%d files, %d rows, model %s%n", result.series().size(), result.rows(), result.model()));
        out.append(String.format(
                Locale.ROOT,
                "%-20s %10s %10s %8s %8s %8s %9s%n",
                "profile",
                "threshold",
                "score",
                "TP",
                "FP",
                "FN",
                "windows"));
        for (NabResult r : result.nab().values()) {
            out.append(String.format(
                    Locale.ROOT,
                    "%-20s %10.4f %10.2f %8d %8d %8d %4d/%-4d%n",
                    r.profile().name(),
                    r.threshold(),
                    r.normalizedScore(),
                    r.rows().tp(),
                    r.rows().fp(),
                    r.rows().fn(),
                    r.windowsDetected(),
                    r.scoredWindows()));
        }
        AlertEpisodes.Metrics e = result.episodes();
        out.append(String.format(
                Locale.ROOT,
                "alert episodes: %d (%d true, %d false); windows detected %d/%d; precision %.3f recall %.3f F1 %.3f;"
                        + " mean delay %.1f rows%n",
                e.episodes(),
                e.truePositiveEpisodes(),
                e.falseAlarmEpisodes(),
                e.detectedWindows(),
                e.scoredWindows(),
                e.precision(),
                e.recall(),
                e.f1(),
                e.meanDelayRows()));
        return out.toString();
    }

    /** A growable float array. */
    private static final class FloatList {
        private float[] data = new float[1024];
        private int size;

        void add(float value) {
            if (size == data.length) {
                data = java.util.Arrays.copyOf(data, size * 2);
            }
            data[size++] = value;
        }

        float[] toArray() {
            return java.util.Arrays.copyOf(data, size);
        }
    }
}
