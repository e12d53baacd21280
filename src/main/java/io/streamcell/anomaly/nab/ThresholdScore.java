package io.streamcell.anomaly.nab;

/**
 * The NAB score of a whole corpus when every scored row with {@code anomaly score >= threshold} is a
 * detection, with NAB's row counts: {@code tp} detected rows inside windows, {@code fp} detected rows
 * outside, {@code fn} undetected rows inside, {@code tn} undetected rows outside (probationary rows are
 * not counted).
 */
public record ThresholdScore(double threshold, double score, long tp, long tn, long fp, long fn) {
    public long total() {
        return tp + tn + fp + fn;
    }
}
