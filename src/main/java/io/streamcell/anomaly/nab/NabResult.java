package io.streamcell.anomaly.nab;

import java.util.Map;

/**
 * A detector's NAB result for one profile.
 *
 * @param threshold        anomaly scores {@code >=} this are detections (the optimised threshold, or the
 *                         one given)
 * @param rawScore         the sum of the files' scores at {@code threshold} (NAB's "Totals" row)
 * @param nullScore        the raw score of NAB's null detector (a constant 0.5 score, optimised the same
 *                         way); in practice {@code -fnWeight x scored windows}
 * @param perfectScore     {@code tpWeight x labelled windows}: every window detected at its first row
 * @param normalizedScore  {@code 100 (raw - null) / (perfect - null)}; NaN when perfect equals null
 * @param rows             NAB's row counts at {@code threshold} (tp/fp/fn/tn are rows, not windows)
 * @param windows          labelled windows of the scored files (the ones {@code perfectScore} counts)
 * @param scoredWindows    windows with at least one row after the probationary period
 * @param windowsDetected  scored windows with at least one detection (the window's true positive)
 * @param fileScores       each file's raw score at {@code threshold}, by file key (sorted)
 */
public record NabResult(
        Profile profile,
        double threshold,
        double rawScore,
        double nullScore,
        double perfectScore,
        double normalizedScore,
        ThresholdScore rows,
        int windows,
        int scoredWindows,
        int windowsDetected,
        Map<String, Double> fileScores) {

    public NabResult {
        fileScores = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(fileScores));
    }

    /** Scored windows without any detection (each costs {@code -fnWeight}). */
    public int windowsMissed() {
        return scoredWindows - windowsDetected;
    }

    /** Detections outside every window (NAB counts each such row as a false positive). */
    public long falsePositiveRows() {
        return rows.fp();
    }

    @Override
    public String toString() {
        return String.format(
                java.util.Locale.ROOT,
                "%s: normalized %.2f (raw %.4f, null %.4f, perfect %.4f) at threshold %s; "
                        + "windows %d/%d detected, %d FP rows",
                profile.name(),
                normalizedScore,
                rawScore,
                nullScore,
                perfectScore,
                threshold,
                windowsDetected,
                scoredWindows,
                rows.fp());
    }
}
