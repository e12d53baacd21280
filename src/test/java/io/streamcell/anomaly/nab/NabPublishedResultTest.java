package io.streamcell.anomaly.nab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A score published by NAB itself, reproduced without its files: the "numenta" detector on
 * {@code realAdExchange/exchange-2_cpc_results.csv} in numenta/NAB {@code results/numenta/numenta_standard_scores.csv}
 * (v1.0 results): threshold 0.542187690735, score 0.53195803375, TP 1, TN 1215, FP 3, FN 162.
 *
 * <p>The file has 1624 hourly rows from 2011-07-01 00:00:01 (243 probationary); its window runs from
 * 2011-07-11 04:00:01 to 2011-07-17 22:00:01 (rows 244..406, 163 rows). The detector's scores at or above
 * the threshold after the probationary period are transcribed from the results file: 0.544449877418
 * at 2011-07-14 13:00:01 (window row 81 of 163) and three false positives more than three window
 * widths after it (0.708393890909, 0.708393893658, 0.768694730998). Rows in between are scored below
 * the threshold (e.g. 0.506495132526); the probationary period holds scores of 1.0.
 * Expected: S(-82/163) / S(-1) - 3 x 0.11 (the result file's S(t)_standard column shows 0.86195803375 for
 * the window and -0.11 for each false positive).
 */
class NabPublishedResultTest {
    private static final String FILE = "realAdExchange/exchange-2_cpc_results.csv";

    @Test
    void reproducesNumentasPublishedScoreOnExchange2Cpc() {
        LocalDateTime t0 = LocalDateTime.of(2011, 7, 1, 0, 0, 1);
        int rows = 1624;
        List<LocalDateTime> timestamps = new ArrayList<>();
        double[] scores = new double[rows];
        for (int i = 0; i < rows; i++) {
            timestamps.add(t0.plusHours(i));
            scores[i] = 0.0301029996659;
        }
        for (int row : new int[] {2, 4, 5, 6, 8, 9, 45}) {
            scores[row] = 1.0; // probationary: ignored
        }
        scores[325] = 0.544449877418; // 2011-07-14 13:00:01, inside the window
        scores[450] = 0.506495132526; // below the threshold
        scores[1040] = 0.708393890909;
        scores[1045] = 0.708393893658;
        scores[1487] = 0.768694730998;
        assertThat(timestamps.get(244)).isEqualTo(LocalDateTime.of(2011, 7, 11, 4, 0, 1));
        assertThat(timestamps.get(325)).isEqualTo(LocalDateTime.of(2011, 7, 14, 13, 0, 1));
        assertThat(timestamps.get(406)).isEqualTo(LocalDateTime.of(2011, 7, 17, 22, 0, 1));

        Map<String, List<Window>> labels =
                Map.of(FILE, List.of(Window.of("2011-07-11 04:00:01.000000", "2011-07-17 22:00:01.000000")));
        NabScorer scorer = new NabScorer();
        NabResult result = scorer.scoreAt(
                Map.of(FILE, new ScoredSeries(timestamps, scores)), labels, Profile.STANDARD, 0.542187690735);

        assertThat(scorer.probationaryLength(rows)).isEqualTo(243);
        assertThat(result.rawScore()).isCloseTo(0.53195803375, within(1e-10));
        assertThat(result.rows())
                .extracting(ThresholdScore::tp, ThresholdScore::tn, ThresholdScore::fp, ThresholdScore::fn)
                .containsExactly(1L, 1215L, 3L, 162L);
        double[] sweep = scorer.sweepScores(new ScoredSeries(timestamps, scores), labels.get(FILE), Profile.STANDARD);
        assertThat(sweep[325]).isCloseTo(0.86195803375, within(1e-10));
        assertThat(sweep[1040]).isEqualTo(-0.11);
    }
}
