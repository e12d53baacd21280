package io.streamcell.anomaly.nab;

import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One file of a detector's output: a timestamp and an anomaly score per row, in file order. NAB's scores
 * are in [0, 1]; any finite value is accepted.
 */
public record ScoredSeries(List<LocalDateTime> timestamps, double[] scores) {
    public ScoredSeries {
        timestamps = List.copyOf(Objects.requireNonNull(timestamps, "timestamps"));
        scores = Objects.requireNonNull(scores, "scores").clone();
        if (timestamps.size() != scores.length) {
            throw new IllegalArgumentException(
                    timestamps.size() + " timestamps but " + scores.length + " anomaly scores");
        }
        for (int i = 0; i < scores.length; i++) {
            if (!Double.isFinite(scores[i])) {
                throw new IllegalArgumentException("anomaly score of row " + i + " is " + scores[i]);
            }
        }
    }

    public int size() {
        return scores.length;
    }

    /** The score of row {@code i} (the array accessor returns a copy). */
    public double score(int i) {
        return scores[i];
    }

    @Override
    public double[] scores() {
        return scores.clone();
    }

    /** The same timestamps with every score set to {@code value} (NAB's null detector uses 0.5). */
    public ScoredSeries withConstantScore(double value) {
        double[] constant = new double[scores.length];
        Arrays.fill(constant, value);
        return new ScoredSeries(timestamps, constant);
    }

    @Override
    public String toString() {
        return "ScoredSeries[" + scores.length + " rows]";
    }
}
