package io.streamcell.anomaly.nab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Episode-level alert metrics next to the NAB score: what an operator sees is a run of alerts, not
 * single rows.
 *
 * <ul>
 *   <li>An <em>alert episode</em> is a maximal run of consecutive scored rows with
 *       {@code anomaly score >= threshold} (rows in NAB's probationary period are not scored, as in
 *       {@link NabScorer}).
 *   <li>An episode is a true positive if any of its rows lies in a labelled window; otherwise a false
 *       alarm. Precision = true-positive episodes / episodes.
 *   <li>A window is detected if any of its scored rows alerts. Recall = detected windows / scored
 *       windows (windows with at least one scored row). F1 = 2PR / (P + R).
 *   <li>Detection delay of a detected window: from its first row to its first alerting row, in rows and
 *       in time. NAB windows are centred on the labelled anomaly, so a delay from the window start
 *       includes the window's lead; pass windows starting at the anomaly points to measure from them.
 * </ul>
 * Undefined ratios (no episodes, no scored windows) are NaN.
 */
public final class AlertEpisodes {
    private AlertEpisodes() {}

    /** The metrics, summed over files. {@code delays} has one entry per detected window. */
    public record Metrics(
            double threshold,
            int episodes,
            int truePositiveEpisodes,
            int scoredWindows,
            int detectedWindows,
            List<Delay> delays) {

        public Metrics {
            delays = List.copyOf(delays);
        }

        public int falseAlarmEpisodes() {
            return episodes - truePositiveEpisodes;
        }

        public double precision() {
            return episodes == 0 ? Double.NaN : (double) truePositiveEpisodes / episodes;
        }

        public double recall() {
            return scoredWindows == 0 ? Double.NaN : (double) detectedWindows / scoredWindows;
        }

        public double f1() {
            double p = precision();
            double r = recall();
            if (Double.isNaN(p) || Double.isNaN(r)) {
                return Double.NaN;
            }
            return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
        }

        /** Mean detection delay in rows over detected windows (NaN if none). */
        public double meanDelayRows() {
            return delays.stream().mapToLong(Delay::rows).average().orElse(Double.NaN);
        }

        /** Mean detection delay in time over detected windows ({@code null} if none). */
        public Duration meanDelay() {
            if (delays.isEmpty()) {
                return null;
            }
            Duration total = Duration.ZERO;
            for (Delay delay : delays) {
                total = total.plus(delay.time());
            }
            return total.dividedBy(delays.size());
        }
    }

    /** The delay of one detected window of file {@code file}. */
    public record Delay(String file, Window window, long rows, Duration time) {}

    /** The metrics with NAB's probationary period (15% of each file, at most 750 rows). */
    public static Metrics evaluate(
            Map<String, ScoredSeries> corpus, Map<String, List<Window>> labels, double threshold) {
        return evaluate(corpus, labels, threshold, new NabScorer());
    }

    /** The metrics with {@code scorer}'s probationary period. */
    public static Metrics evaluate(
            Map<String, ScoredSeries> corpus, Map<String, List<Window>> labels, double threshold, NabScorer scorer) {
        Objects.requireNonNull(scorer, "scorer");
        int episodes = 0, truePositives = 0, scoredWindows = 0, detectedWindows = 0;
        List<Delay> delays = new ArrayList<>();
        for (Map.Entry<String, ScoredSeries> entry : new TreeMap<>(corpus).entrySet()) {
            String key = entry.getKey();
            ScoredSeries series = entry.getValue();
            List<Window> windows = labels.get(key);
            if (windows == null) {
                throw new IllegalArgumentException("no labelled windows for '" + key
                        + "' (the labels must have an entry, possibly empty, for every scored file)");
            }
            List<Window> sorted = new ArrayList<>(windows);
            sorted.sort((a, b) -> a.start().compareTo(b.start()));
            int[][] rows = NabScorer.windowRows(key, series.timestamps(), sorted);
            int[] left = rows[0];
            int[] right = rows[1];
            int n = series.size();
            int first = scorer.probationaryLength(n);
            int[] window = new int[n];
            Arrays.fill(window, -1);
            for (int w = 0; w < left.length; w++) {
                for (int i = left[w]; i <= right[w]; i++) {
                    window[i] = w;
                }
            }

            boolean inEpisode = false;
            boolean episodeHitsWindow = false;
            for (int i = first; i < n; i++) {
                boolean alert = series.score(i) >= threshold;
                if (alert) {
                    if (!inEpisode) {
                        inEpisode = true;
                        episodeHitsWindow = false;
                        episodes++;
                    }
                    if (window[i] >= 0 && !episodeHitsWindow) {
                        episodeHitsWindow = true;
                        truePositives++;
                    }
                } else {
                    inEpisode = false;
                }
            }

            for (int w = 0; w < left.length; w++) {
                if (right[w] < first) {
                    continue;
                }
                scoredWindows++;
                for (int i = Math.max(left[w], first); i <= right[w]; i++) {
                    if (series.score(i) >= threshold) {
                        detectedWindows++;
                        delays.add(new Delay(
                                key,
                                sorted.get(w),
                                i - left[w],
                                Duration.between(
                                        series.timestamps().get(left[w]),
                                        series.timestamps().get(i))));
                        break;
                    }
                }
            }
        }
        return new Metrics(threshold, episodes, truePositives, scoredWindows, detectedWindows, delays);
    }
}
