package io.streamcell.anomaly.nab;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The Numenta Anomaly Benchmark scoring algorithm (Lavin &amp; Ahmad 2015; numenta/NAB v1.1
 * {@code nab/sweeper.py}, {@code nab/optimizer.py}, {@code nab/runner.py}).
 *
 * <p>Each row of a file gets a <em>sweep score</em>, the value of detecting it:
 * <ul>
 *   <li>inside a window of {@code w} rows ending at row {@code r}: {@code A_TP * S(-(r - i + 1) / w) / S(-1)},
 *       so the window's first row is worth exactly {@code A_TP} and its last {@code A_TP * S(-1/w) / S(-1)};
 *   <li>outside every window, after a window of {@code w} rows ending at row {@code r}:
 *       {@code A_FP * S((i - r) / (w - 1))};
 *   <li>before the file's first window: {@code -A_FP};
 * </ul>
 * with the scaled sigmoid {@code S(x) = 2 / (1 + e^(5x)) - 1} ({@code -1} for {@code x > 3}).
 * The first {@code min(floor(0.15 n), 0.15 * 5000)} rows of a file of {@code n} rows are probationary:
 * never scored, never counted (a window lying entirely inside them is not scored either).
 *
 * <p>At a threshold {@code t}, rows with {@code anomaly score >= t} are detections. A file's score is
 * the sum of its detected rows' sweep scores outside windows (every false positive counts) plus, for
 * each scored window, the sweep score of its earliest detected row (only the first detection counts),
 * or {@code -A_FN} if none. The corpus score is the sum over files; the optimiser picks the single
 * threshold, among the corpus's anomaly scores, that maximises it (ties: the highest threshold). The
 * normalised score is {@code 100 (raw - null) / (perfect - null)}, with the null detector (constant
 * score 0.5, optimised alike) and the perfect detector ({@code A_TP} per labelled window).
 *
 * <p>Differences from the Python code, none of which arise on NAB's own corpus: window limits that are
 * not timestamps of the file, unsorted or overlapping windows are errors here (NAB silently skips or
 * fails); after a one-row window the next rows' position is {@code +inf} (score {@code -A_FP}) where
 * Python divides by zero; scores above 1.1 keep a distinct "no detection" threshold above them.
 *
 * <p>{@code
 * NabResult r = new NabScorer().score(corpus, NabLabels.read(windowsJson), Profile.STANDARD);
 * }
 */
public final class NabScorer {
    /** NAB's probationary fraction of each file. */
    public static final double DEFAULT_PROBATION_PERCENT = 0.15;
    /** NAB's null detector outputs this score on every row. */
    public static final double NULL_DETECTOR_SCORE = 0.5;
    /** NAB's starting threshold, above every score in [0, 1]: no detections. */
    static final double NO_DETECTION_THRESHOLD = 1.1;

    private static final double MAX_TP = scaledSigmoid(-1.0);

    private final double probationPercent;

    public NabScorer() {
        this(DEFAULT_PROBATION_PERCENT);
    }

    public NabScorer(double probationPercent) {
        if (!(probationPercent >= 0 && probationPercent < 1)) {
            throw new IllegalArgumentException("probationPercent must be in [0, 1), got " + probationPercent);
        }
        this.probationPercent = probationPercent;
    }

    /** {@code 2 sigmoid(-5x) - 1}, or {@code -1} for {@code x > 3} (NAB's {@code scaledSigmoid}). */
    public static double scaledSigmoid(double relativePosition) {
        if (relativePosition > 3.0) {
            return -1.0;
        }
        return 2.0 * sigmoid(-5.0 * relativePosition) - 1.0;
    }

    private static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    /**
     * The number of leading rows that are not scored: rows {@code i >= min(floor(p n), p * 5000)} are
     * scored (750 rows at most with NAB's p = 0.15).
     */
    public int probationaryLength(int rows) {
        return (int) Math.ceil(probationLimit(rows));
    }

    private double probationLimit(int rows) {
        return Math.min(Math.floor(probationPercent * rows), probationPercent * 5000);
    }

    /** Every row's sweep score (NAB's per-row {@code S(t)} column), probationary rows included. */
    public double[] sweepScores(ScoredSeries series, List<Window> windows, Profile profile) {
        return sweep("series", series, windows, profile).sweep.clone();
    }

    /** The optimal threshold for {@code profile} and the corpus's score there. */
    public NabResult score(Map<String, ScoredSeries> corpus, Map<String, List<Window>> labels, Profile profile) {
        List<ThresholdScore> sweep = thresholdScores(corpus, labels, profile);
        return scoreAt(corpus, labels, profile, best(sweep).threshold());
    }

    /** {@link #score} for each profile, in the given order. */
    public Map<Profile, NabResult> score(
            Map<String, ScoredSeries> corpus, Map<String, List<Window>> labels, List<Profile> profiles) {
        Map<Profile, NabResult> results = new LinkedHashMap<>();
        for (Profile profile : profiles) {
            results.put(profile, score(corpus, labels, profile));
        }
        return results;
    }

    /** The corpus scored at a given threshold (NAB's {@code scoreCorpus}). */
    public NabResult scoreAt(
            Map<String, ScoredSeries> corpus, Map<String, List<Window>> labels, Profile profile, double threshold) {
        List<SweptFile> files = sweepAll(corpus, labels, profile);
        Map<String, Double> fileScores = new LinkedHashMap<>();
        double raw = 0;
        long tp = 0, tn = 0, fp = 0, fn = 0;
        int windows = 0, scored = 0, detected = 0;
        for (SweptFile file : files) {
            double[] windowPart = new double[file.left.length];
            boolean[] windowScored = new boolean[file.left.length];
            boolean[] windowDetected = new boolean[file.left.length];
            Arrays.fill(windowPart, -profile.fnWeight());
            double fpPart = 0;
            for (int i = 0; i < file.size(); i++) {
                if (!file.scorable[i]) {
                    continue;
                }
                int w = file.window[i];
                boolean detection = file.score[i] >= threshold;
                if (w >= 0) {
                    windowScored[w] = true;
                    if (detection) {
                        tp++;
                        windowDetected[w] = true;
                        windowPart[w] = Math.max(windowPart[w], file.sweep[i]);
                    } else {
                        fn++;
                    }
                } else if (detection) {
                    fp++;
                    fpPart += file.sweep[i];
                } else {
                    tn++;
                }
            }
            double fileScore = fpPart;
            for (int w = 0; w < windowPart.length; w++) {
                windows++;
                if (windowScored[w]) {
                    scored++;
                    fileScore += windowPart[w];
                    if (windowDetected[w]) {
                        detected++;
                    }
                }
            }
            fileScores.put(file.key, fileScore);
            raw += fileScore;
        }
        double nullScore = nullScore(corpus, labels, profile);
        double perfect = profile.tpWeight() * windows;
        double normalized = perfect == nullScore ? Double.NaN : 100.0 * (raw - nullScore) / (perfect - nullScore);
        return new NabResult(
                profile,
                threshold,
                raw,
                nullScore,
                perfect,
                normalized,
                new ThresholdScore(threshold, raw, tp, tn, fp, fn),
                windows,
                scored,
                detected,
                fileScores);
    }

    /** The raw score of NAB's null detector (a constant {@value #NULL_DETECTOR_SCORE}) at its optimal threshold. */
    public double nullScore(Map<String, ScoredSeries> corpus, Map<String, List<Window>> labels, Profile profile) {
        Map<String, ScoredSeries> constant = new TreeMap<>();
        corpus.forEach((key, series) -> constant.put(key, series.withConstantScore(NULL_DETECTOR_SCORE)));
        return best(thresholdScores(constant, labels, profile)).score();
    }

    /**
     * The corpus score at every distinct anomaly score, from the highest threshold (no detections) down
     * (NAB's {@code calcScoreByThreshold} over all files' rows together).
     */
    public List<ThresholdScore> thresholdScores(
            Map<String, ScoredSeries> corpus, Map<String, List<Window>> labels, Profile profile) {
        List<SweptFile> files = sweepAll(corpus, labels, profile);
        int count = 0;
        int windowCount = 0;
        for (SweptFile file : files) {
            for (boolean s : file.scorable) {
                count += s ? 1 : 0;
            }
            windowCount += file.left.length;
        }
        double[] score = new double[count];
        double[] sweep = new double[count];
        int[] window = new int[count];
        boolean[] windowScored = new boolean[windowCount];
        int n = 0;
        int windowOffset = 0;
        for (SweptFile file : files) {
            for (int i = 0; i < file.size(); i++) {
                if (file.scorable[i]) {
                    score[n] = file.score[i];
                    sweep[n] = file.sweep[i];
                    window[n] = file.window[i] < 0 ? -1 : windowOffset + file.window[i];
                    if (window[n] >= 0) {
                        windowScored[window[n]] = true;
                    }
                    n++;
                }
            }
            windowOffset += file.left.length;
        }
        double[] windowPart = new double[windowCount];
        for (int w = 0; w < windowCount; w++) {
            windowPart[w] = windowScored[w] ? -profile.fnWeight() : 0.0;
        }

        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a])); // stable, like Python's sorted

        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (int w : window) {
            if (w >= 0) {
                fn++;
            } else {
                tn++;
            }
        }
        double fpPart = 0;
        double threshold = count > 0 && score[order[0]] > NO_DETECTION_THRESHOLD
                ? Math.nextUp(score[order[0]])
                : NO_DETECTION_THRESHOLD;
        List<ThresholdScore> result = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            int p = order[k];
            if (score[p] != threshold) {
                result.add(new ThresholdScore(threshold, total(fpPart, windowPart), tp, tn, fp, fn));
                threshold = score[p];
            }
            if (window[p] >= 0) {
                tp++;
                fn--;
                windowPart[window[p]] = Math.max(windowPart[window[p]], sweep[p]);
            } else {
                fp++;
                tn--;
                fpPart += sweep[p];
            }
        }
        result.add(new ThresholdScore(threshold, total(fpPart, windowPart), tp, tn, fp, fn));
        return result;
    }

    /** The highest score; among equal scores the highest threshold (the first in the list). */
    static ThresholdScore best(List<ThresholdScore> scores) {
        ThresholdScore best = scores.get(0);
        for (ThresholdScore s : scores) {
            if (s.score() > best.score()) {
                best = s;
            }
        }
        return best;
    }

    private static double total(double fpPart, double[] windowPart) {
        double sum = fpPart;
        for (double part : windowPart) {
            sum += part;
        }
        return sum;
    }

    private List<SweptFile> sweepAll(
            Map<String, ScoredSeries> corpus, Map<String, List<Window>> labels, Profile profile) {
        Objects.requireNonNull(profile, "profile");
        List<SweptFile> files = new ArrayList<>();
        for (Map.Entry<String, ScoredSeries> entry : new TreeMap<>(corpus).entrySet()) {
            List<Window> windows = labels.get(entry.getKey());
            if (windows == null) {
                throw new IllegalArgumentException("no labelled windows for '" + entry.getKey()
                        + "' (the labels must have an entry, possibly empty, for every scored file)");
            }
            files.add(sweep(entry.getKey(), entry.getValue(), windows, profile));
        }
        return files;
    }

    private SweptFile sweep(String key, ScoredSeries series, List<Window> windows, Profile profile) {
        int n = series.size();
        int[][] rows = windowRows(key, series.timestamps(), windows);
        int[] left = rows[0];
        int[] right = rows[1];

        double probation = probationLimit(n);
        double[] sweep = new double[n];
        int[] inWindow = new int[n];
        boolean[] scorable = new boolean[n];
        int current = -1;
        int next = 0;
        int previousRight = -1;
        double previousWidth = 0;
        for (int i = 0; i < n; i++) {
            if (current < 0 && next < left.length && i == left[next]) {
                current = next++;
            }
            if (current >= 0) {
                double width = right[current] - left[current] + 1;
                double position = -(right[current] - i + 1) / width;
                sweep[i] = scaledSigmoid(position) * profile.tpWeight() / MAX_TP;
            } else if (previousRight < 0) {
                sweep[i] = -1.0 * profile.fpWeight();
            } else {
                double position = Math.abs(previousRight - i) / (previousWidth - 1);
                sweep[i] = scaledSigmoid(position) * profile.fpWeight();
            }
            inWindow[i] = current;
            scorable[i] = i >= probation;
            if (current >= 0 && i == right[current]) {
                previousRight = i;
                previousWidth = right[current] - left[current] + 1;
                current = -1;
            }
        }
        return new SweptFile(key, series.scores(), sweep, inWindow, scorable, left);
    }

    /**
     * The first and last row of each window ({@code [0]} and {@code [1]}), windows sorted by start; limits
     * must be timestamps of the file (their first occurrence counts) and windows must not overlap.
     */
    static int[][] windowRows(String key, List<LocalDateTime> timestamps, List<Window> windows) {
        Map<LocalDateTime, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < timestamps.size(); i++) {
            firstIndex.putIfAbsent(timestamps.get(i), i);
        }
        List<Window> sorted = new ArrayList<>(windows);
        sorted.sort((a, b) -> a.start().compareTo(b.start()));
        int[] left = new int[sorted.size()];
        int[] right = new int[sorted.size()];
        for (int w = 0; w < sorted.size(); w++) {
            Window window = sorted.get(w);
            Integer start = firstIndex.get(window.start());
            Integer end = firstIndex.get(window.end());
            if (start == null || end == null) {
                throw new IllegalArgumentException("window " + window + " of '" + key + "': its "
                        + (start == null ? "start " + window.start() : "end " + window.end())
                        + " is not a timestamp of the file");
            }
            if (end < start || (w > 0 && start <= right[w - 1])) {
                throw new IllegalArgumentException("window " + window + " of '" + key
                        + "' overlaps the previous window or runs backwards in the file");
            }
            left[w] = start;
            right[w] = end;
        }
        return new int[][] {left, right};
    }

    private record SweptFile(String key, double[] score, double[] sweep, int[] window, boolean[] scorable, int[] left) {
        int size() {
            return score.length;
        }
    }
}
