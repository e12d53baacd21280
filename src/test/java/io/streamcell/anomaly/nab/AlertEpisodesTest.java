package io.streamcell.anomaly.nab;

import static io.streamcell.anomaly.nab.Corpora.series;
import static io.streamcell.anomaly.nab.Corpora.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.groups.Tuple.tuple;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Files of 100 rows 5 minutes apart: rows 0..14 are probationary. */
class AlertEpisodesTest {
    private static final int ROWS = 100;

    private static final Map<String, List<Window>> LABELS = Map.of(
            "a.csv", List.of(window(20, 24), window(40, 41)),
            "b.csv", List.of(window(50, 54)),
            "c.csv", List.of());

    @Test
    void countsEpisodesWindowsAndDelaysByHand() {
        // a: row 5 probationary; episode 18..20 enters the first window (true positive, delay 0);
        //    episode 22 (true positive, same window); episode 30..31 false alarm; second window missed.
        // b: episode 14..16 straddles the probationary period: only 15..16 count (false alarm);
        //    episode 53 (true positive, delay 3 rows = 15 min); episode 57 false alarm.
        // c: episode 60 false alarm.
        Map<String, ScoredSeries> corpus = Map.of(
                "a.csv", series(ROWS, 5, 1, 18, 1, 19, 1, 20, 1, 22, 1, 30, 1, 31, 1),
                "b.csv", series(ROWS, 14, 1, 15, 1, 16, 1, 53, 1, 57, 1),
                "c.csv", series(ROWS, 60, 1));
        AlertEpisodes.Metrics m = AlertEpisodes.evaluate(corpus, LABELS, 0.5);

        assertThat(m.episodes()).isEqualTo(7);
        assertThat(m.truePositiveEpisodes()).isEqualTo(3);
        assertThat(m.falseAlarmEpisodes()).isEqualTo(4);
        assertThat(m.scoredWindows()).isEqualTo(3);
        assertThat(m.detectedWindows()).isEqualTo(2);
        assertThat(m.precision()).isCloseTo(3.0 / 7, within(1e-12));
        assertThat(m.recall()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(m.f1()).isCloseTo(12.0 / 23, within(1e-12));
        assertThat(m.delays())
                .extracting(AlertEpisodes.Delay::file, AlertEpisodes.Delay::rows)
                .containsExactly(tuple("a.csv", 0L), tuple("b.csv", 3L));
        assertThat(m.meanDelayRows()).isEqualTo(1.5);
        assertThat(m.meanDelay()).isEqualTo(Duration.ofSeconds(450));
    }

    @Test
    void noAlertsLeavePrecisionUndefinedAndRecallZero() {
        Map<String, ScoredSeries> corpus = Map.of("a.csv", series(ROWS), "b.csv", series(ROWS), "c.csv", series(ROWS));
        AlertEpisodes.Metrics m = AlertEpisodes.evaluate(corpus, LABELS, 0.5);
        assertThat(m.episodes()).isZero();
        assertThat(m.precision()).isNaN();
        assertThat(m.recall()).isEqualTo(0.0);
        assertThat(m.f1()).isNaN();
        assertThat(m.meanDelayRows()).isNaN();
        assertThat(m.meanDelay()).isNull();
    }

    @Test
    void windowsInsideTheProbationaryPeriodAreNotScored() {
        AlertEpisodes.Metrics m = AlertEpisodes.evaluate(
                Map.of("f.csv", series(ROWS, 6, 1.0)), Map.of("f.csv", List.of(window(5, 8))), 0.5);
        assertThat(m.scoredWindows()).isZero();
        assertThat(m.episodes()).isZero();
        assertThat(m.recall()).isNaN();
    }
}
