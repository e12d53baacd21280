package io.streamcell.anomaly.nab;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

/** Crafted NAB files for the tests: rows 5 minutes apart from 2014-04-01 00:00, windows by row index. */
final class Corpora {
    static final LocalDateTime T0 = LocalDateTime.of(2014, 4, 1, 0, 0);

    private Corpora() {}

    static List<LocalDateTime> timestamps(int rows) {
        List<LocalDateTime> timestamps = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            timestamps.add(at(i));
        }
        return timestamps;
    }

    static LocalDateTime at(int row) {
        return T0.plusMinutes(5L * row);
    }

    /** The window covering rows {@code first..last} (both inclusive). */
    static Window window(int first, int last) {
        return new Window(at(first), at(last));
    }

    /** A series of {@code rows} rows scoring 0 except {@code scores[k]} at row {@code rowsAndScores[2k]}. */
    static ScoredSeries series(int rows, double... rowsAndScores) {
        double[] scores = new double[rows];
        for (int k = 0; k < rowsAndScores.length; k += 2) {
            scores[(int) rowsAndScores[k]] = rowsAndScores[k + 1];
        }
        return new ScoredSeries(timestamps(rows), scores);
    }

    /**
     * NAB's scaled sigmoid written independently of the implementation:
     * {@code 2 / (1 + e^(5x)) - 1 = tanh(-2.5 x)}.
     */
    static double s(double x) {
        return x > 3 ? -1.0 : Math.tanh(-2.5 * x);
    }
}
