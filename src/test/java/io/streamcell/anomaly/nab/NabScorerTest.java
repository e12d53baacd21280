package io.streamcell.anomaly.nab;

import static io.streamcell.anomaly.nab.Corpora.s;
import static io.streamcell.anomaly.nab.Corpora.series;
import static io.streamcell.anomaly.nab.Corpora.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The crafted corpus: three files of 100 rows, so rows 0..14 are probationary (floor(0.15 * 100)).
 * <ul>
 *   <li>{@code a/a.csv}: windows rows 20..24 (5 rows) and 40..41 (2 rows);
 *   <li>{@code b/b.csv}: window rows 50..54 (5 rows);
 *   <li>{@code c/c.csv}: no window.
 * </ul>
 * S(x) = tanh(-2.5x) is NAB's scaled sigmoid; a window row i of a window of w rows ending at r is worth
 * A_TP S(-(r - i + 1)/w) / S(-1); a row i after a window of w rows ending at r costs A_FP S((i - r)/(w - 1));
 * a row before the first window costs A_FP.
 */
class NabScorerTest {
    private static final Offset<Double> EPS = within(1e-12);
    private static final int ROWS = 100;

    private final NabScorer scorer = new NabScorer();

    private static Map<String, List<Window>> labels() {
        Map<String, List<Window>> labels = new TreeMap<>();
        labels.put("a/a.csv", List.of(window(20, 24), window(40, 41)));
        labels.put("b/b.csv", List.of(window(50, 54)));
        labels.put("c/c.csv", List.of());
        return labels;
    }

    /**
     * a: row 5 (probationary, ignored); row 18 FP before any window (-0.11); row 20 TP at the start of
     * the first window (+1); row 22 a second detection in that window (no effect); row 25 FP just after
     * it (0.11 S(1/4)); the second window missed (-1).
     * b: row 2 (probationary, ignored); row 54 TP at the window's last row (S(-1/5) / S(-1)); row 57 FP
     * three rows after it (0.11 S(3/4)).
     * c: row 10 (probationary, ignored); row 60 FP with no window in the file (-0.11).
     */
    private static Map<String, ScoredSeries> detector() {
        Map<String, ScoredSeries> corpus = new TreeMap<>();
        corpus.put("a/a.csv", series(ROWS, 5, 1.0, 18, 0.9, 20, 0.9, 22, 0.9, 25, 0.9));
        corpus.put("b/b.csv", series(ROWS, 2, 1.0, 54, 0.7, 57, 0.7));
        corpus.put("c/c.csv", series(ROWS, 10, 1.0, 60, 0.6));
        return corpus;
    }

    static List<Profile> profiles() {
        return Profile.published();
    }

    @Test
    void publishedProfilesHaveNabWeights() {
        assertThat(Profile.STANDARD).isEqualTo(new Profile("standard", 1.0, 0.11, 1.0, 1.0));
        assertThat(Profile.REWARD_LOW_FP).isEqualTo(new Profile("reward_low_FP_rate", 1.0, 0.22, 1.0, 1.0));
        assertThat(Profile.REWARD_LOW_FN).isEqualTo(new Profile("reward_low_FN_rate", 1.0, 0.11, 2.0, 1.0));
    }

    @Test
    void scaledSigmoidMatchesTheDocumentedPoints() {
        assertThat(NabScorer.scaledSigmoid(-1.0)).isCloseTo(0.98661, within(1e-5));
        assertThat(NabScorer.scaledSigmoid(-0.5)).isCloseTo(0.84828, within(1e-5));
        assertThat(NabScorer.scaledSigmoid(0.0)).isEqualTo(0.0);
        assertThat(NabScorer.scaledSigmoid(1.0)).isCloseTo(-0.98661, within(1e-5));
        assertThat(NabScorer.scaledSigmoid(3.0)).isCloseTo(s(3.0), EPS).isGreaterThan(-1.0);
        assertThat(NabScorer.scaledSigmoid(3.0000001)).isEqualTo(-1.0);
    }

    @Test
    void probationaryPeriodIsFifteenPercentCappedAt750Rows() {
        assertThat(scorer.probationaryLength(7)).isEqualTo(1); // floor(1.05)
        assertThat(scorer.probationaryLength(20)).isEqualTo(3);
        assertThat(scorer.probationaryLength(100)).isEqualTo(15);
        assertThat(scorer.probationaryLength(4999)).isEqualTo(749); // floor(749.85)
        assertThat(scorer.probationaryLength(5000)).isEqualTo(750);
        assertThat(scorer.probationaryLength(22695)).isEqualTo(750);
    }

    @Test
    void sweepScoresFollowTheWindowsOfAFile() {
        double[] sweep = scorer.sweepScores(series(ROWS), labels().get("a/a.csv"), Profile.STANDARD);
        double maxTp = s(-1);
        assertThat(sweep[0]).isCloseTo(-0.11, EPS); // before any window
        assertThat(sweep[19]).isCloseTo(-0.11, EPS);
        assertThat(sweep[20]).isCloseTo(1.0, EPS); // window start: exactly A_TP
        assertThat(sweep[22]).isCloseTo(s(-3.0 / 5) / maxTp, EPS);
        assertThat(sweep[24]).isCloseTo(s(-1.0 / 5) / maxTp, EPS); // last row: never 0
        assertThat(sweep[25]).isCloseTo(0.11 * s(1.0 / 4), EPS); // (25 - 24) / (5 - 1)
        assertThat(sweep[28]).isCloseTo(0.11 * s(1.0), EPS);
        assertThat(sweep[36]).isCloseTo(0.11 * s(3.0), EPS); // 12/4 = 3: still the sigmoid
        assertThat(sweep[37]).isCloseTo(-0.11, EPS); // beyond 3: -A_FP
        assertThat(sweep[40]).isCloseTo(1.0, EPS);
        assertThat(sweep[41]).isCloseTo(s(-1.0 / 2) / maxTp, EPS);
        assertThat(sweep[42]).isCloseTo(0.11 * s(1.0), EPS); // (42 - 41) / (2 - 1)
        assertThat(sweep[44]).isCloseTo(0.11 * s(3.0), EPS); // 3/1 = 3
        assertThat(sweep[45]).isCloseTo(-0.11, EPS);
    }

    @Test
    void scoresTheCraftedDetectorByHand() {
        NabResult result = scorer.scoreAt(detector(), labels(), Profile.STANDARD, 0.5);

        double a = -0.11 + 1.0 + 0.11 * s(0.25) - 1.0;
        double b = s(-0.2) / s(-1) + 0.11 * s(0.75);
        double c = -0.11;
        assertThat(result.fileScores().get("a/a.csv")).isCloseTo(a, EPS);
        assertThat(result.fileScores().get("b/b.csv")).isCloseTo(b, EPS);
        assertThat(result.fileScores().get("c/c.csv")).isCloseTo(c, EPS);
        assertThat(result.rawScore()).isCloseTo(a + b + c, EPS);
        // Null: the three windows missed; perfect: each detected at its first row.
        assertThat(result.nullScore()).isCloseTo(-3.0, EPS);
        assertThat(result.perfectScore()).isEqualTo(3.0);
        assertThat(result.normalizedScore()).isCloseTo(100 * (a + b + c + 3) / 6, EPS);
        // Rows: 3 x 85 scored; detected in windows 20, 22, 54; outside 18, 25, 57, 60; 9 window rows missed.
        assertThat(result.rows()).isEqualTo(new ThresholdScore(0.5, result.rawScore(), 3, 239, 4, 9));
        assertThat(result.windows()).isEqualTo(3);
        assertThat(result.scoredWindows()).isEqualTo(3);
        assertThat(result.windowsDetected()).isEqualTo(2);
        assertThat(result.windowsMissed()).isEqualTo(1);
    }

    @Test
    void profilesWeighFalsePositivesAndMissesDifferently() {
        // The same detections as scoresTheCraftedDetectorByHand: 2 windows detected, 1 missed, 4 FPs.
        double fp = -0.11 + 0.11 * s(0.25) + 0.11 * s(0.75) - 0.11; // at A_FP = 0.11
        double tp = 1.0 + s(-0.2) / s(-1);

        NabResult lowFp = scorer.scoreAt(detector(), labels(), Profile.REWARD_LOW_FP, 0.5);
        assertThat(lowFp.rawScore()).isCloseTo(tp + 2 * fp - 1.0, EPS);
        assertThat(lowFp.normalizedScore()).isCloseTo(100 * (tp + 2 * fp - 1.0 + 3) / 6, EPS);

        NabResult lowFn = scorer.scoreAt(detector(), labels(), Profile.REWARD_LOW_FN, 0.5);
        assertThat(lowFn.rawScore()).isCloseTo(tp + fp - 2.0, EPS);
        assertThat(lowFn.nullScore()).isCloseTo(-6.0, EPS);
        assertThat(lowFn.normalizedScore()).isCloseTo(100 * (tp + fp - 2.0 + 6) / 9, EPS);
    }

    @Test
    void onlyTheEarliestDetectionInAWindowCounts() {
        Map<String, List<Window>> labels = Map.of("f.csv", List.of(window(50, 59)));
        // detections at rows 52, 55 and 58 of a 10-row window: worth S(-8/10) / S(-1), the earliest
        NabResult result =
                scorer.scoreAt(Map.of("f.csv", series(ROWS, 58, 1.0, 52, 1.0, 55, 1.0)), labels, Profile.STANDARD, 1.0);
        assertThat(result.rawScore()).isCloseTo(s(-0.8) / s(-1), EPS);
        assertThat(result.rows().tp()).isEqualTo(3);
    }

    @Test
    void probationaryRowsAndWindowsAreNotScored() {
        // A window inside the probationary period (rows 0..14) is neither detected nor missed, but
        // still counts toward the perfect score, as in NAB (which counts every labelled window).
        Map<String, List<Window>> labels = Map.of("f.csv", List.of(window(5, 8)));
        NabResult result =
                scorer.scoreAt(Map.of("f.csv", series(ROWS, 3, 1.0, 6, 1.0, 14, 1.0)), labels, Profile.STANDARD, 0.5);
        assertThat(result.rawScore()).isEqualTo(0.0);
        assertThat(result.rows()).isEqualTo(new ThresholdScore(0.5, 0.0, 0, 85, 0, 0));
        assertThat(result.windows()).isEqualTo(1);
        assertThat(result.scoredWindows()).isZero();
        assertThat(result.nullScore()).isEqualTo(0.0);
        assertThat(result.perfectScore()).isEqualTo(1.0);
    }

    @Test
    void windowStraddlingTheProbationaryPeriodIsScoredOnItsLaterRows() {
        // window rows 10..19: rows 10..14 are probationary; a detection at row 15 is worth S(-5/10) / S(-1)
        Map<String, List<Window>> labels = Map.of("f.csv", List.of(window(10, 19)));
        NabResult early = scorer.scoreAt(Map.of("f.csv", series(ROWS, 12, 1.0)), labels, Profile.STANDARD, 1.0);
        assertThat(early.rawScore()).isCloseTo(-1.0, EPS);
        NabResult later = scorer.scoreAt(Map.of("f.csv", series(ROWS, 15, 1.0)), labels, Profile.STANDARD, 1.0);
        assertThat(later.rawScore()).isCloseTo(s(-0.5) / s(-1), EPS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profiles")
    void nullAndNeverDetectingDetectorsNormaliseToZero(Profile profile) {
        Map<String, ScoredSeries> constant = new TreeMap<>();
        Map<String, ScoredSeries> silent = new TreeMap<>();
        detector().forEach((key, series) -> {
            constant.put(key, series.withConstantScore(0.5));
            silent.put(key, series.withConstantScore(0.0));
        });
        NabResult nullResult = scorer.score(constant, labels(), profile);
        assertThat(nullResult.normalizedScore()).isCloseTo(0.0, EPS);
        assertThat(nullResult.threshold()).isEqualTo(1.1);
        assertThat(nullResult.rawScore()).isCloseTo(-3 * profile.fnWeight(), EPS);
        assertThat(scorer.score(silent, labels(), profile).normalizedScore()).isCloseTo(0.0, EPS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("profiles")
    void perfectDetectorNormalisesToHundred(Profile profile) {
        Map<String, ScoredSeries> perfect = new TreeMap<>();
        perfect.put("a/a.csv", series(ROWS, 20, 1.0, 40, 1.0));
        perfect.put("b/b.csv", series(ROWS, 50, 1.0));
        perfect.put("c/c.csv", series(ROWS));
        NabResult result = scorer.score(perfect, labels(), profile);
        assertThat(result.threshold()).isEqualTo(1.0);
        assertThat(result.rawScore()).isCloseTo(3 * profile.tpWeight(), EPS);
        assertThat(result.normalizedScore()).isCloseTo(100.0, EPS);
        assertThat(result.rows().fp()).isZero();
    }

    @Test
    void optimiserSweepsEveryDistinctScoreAndPicksTheBest() {
        // a/a.csv only: row 25 = 0.9 (FP after the first window), row 20 = 0.8 (TP, first window start),
        // row 40 = 0.6 (TP, second window start), row 60 = 0.3 (FP 19 rows after a 2-row window: -0.11).
        Map<String, ScoredSeries> corpus = Map.of("a/a.csv", series(ROWS, 25, 0.9, 20, 0.8, 40, 0.6, 60, 0.3));
        Map<String, List<Window>> labels = Map.of("a/a.csv", labels().get("a/a.csv"));
        double fp25 = 0.11 * s(0.25);

        List<ThresholdScore> sweep = scorer.thresholdScores(corpus, labels, Profile.STANDARD);
        assertThat(sweep).extracting(ThresholdScore::threshold).containsExactly(1.1, 0.9, 0.8, 0.6, 0.3, 0.0);
        assertThat(sweep.get(0).score()).isCloseTo(-2.0, EPS);
        assertThat(sweep.get(1).score()).isCloseTo(-2.0 + fp25, EPS);
        assertThat(sweep.get(2).score()).isCloseTo(fp25, EPS);
        assertThat(sweep.get(3).score()).isCloseTo(2.0 + fp25, EPS);
        assertThat(sweep.get(4).score()).isCloseTo(2.0 + fp25 - 0.11, EPS);
        assertThat(sweep.get(5).score()).isLessThan(sweep.get(4).score());
        assertThat(sweep.get(3))
                .extracting(ThresholdScore::tp, ThresholdScore::fp)
                .containsExactly(2L, 1L);

        NabResult best = scorer.score(corpus, labels, Profile.STANDARD);
        assertThat(best.threshold()).isEqualTo(0.6);
        assertThat(best.rawScore()).isCloseTo(2.0 + fp25, EPS);
        assertThat(best.windowsDetected()).isEqualTo(2);
    }

    @Test
    void optimiserUsesOneThresholdForTheWholeCorpus() {
        // File x needs threshold 0.4 to catch its window, file y has an FP at 0.45 just before its own
        // detection at 0.5: one threshold must serve both. At 0.5: y's window + x's miss = 0;
        // at 0.4: both windows, one FP before any window (-0.11) = 1.89.
        Map<String, List<Window>> labels = Map.of("x.csv", List.of(window(50, 54)), "y.csv", List.of(window(50, 54)));
        Map<String, ScoredSeries> corpus = Map.of(
                "x.csv", series(ROWS, 50, 0.4),
                "y.csv", series(ROWS, 30, 0.45, 50, 0.5));
        NabResult best = scorer.score(corpus, labels, Profile.STANDARD);
        assertThat(best.threshold()).isEqualTo(0.4);
        assertThat(best.rawScore()).isCloseTo(1.89, EPS);
        // with false positives costing 2.5 each the FP outweighs x's window (2): 0.5 is better
        Profile costly = new Profile("costly_fp", 1.0, 2.5, 1.0, 1.0);
        assertThat(scorer.score(corpus, labels, costly).threshold()).isEqualTo(0.5);
    }

    @Test
    void tiesGoToTheHighestThreshold() {
        // With A_FP = 0 the FP at 0.3 changes nothing: 0.6 and 0.3 (and 0.0) score the same.
        Profile freeFp = new Profile("free_fp", 1.0, 0.0, 1.0, 1.0);
        Map<String, ScoredSeries> corpus = Map.of("a/a.csv", series(ROWS, 20, 0.8, 40, 0.6, 60, 0.3));
        Map<String, List<Window>> labels = Map.of("a/a.csv", labels().get("a/a.csv"));
        assertThat(scorer.score(corpus, labels, freeFp).threshold()).isEqualTo(0.6);
    }

    @Test
    void afterAOneRowWindowFalsePositivesCostTheFullWeight() {
        // (i - r) / (w - 1) divides by zero after a one-row window (Python raises); here: -A_FP.
        Map<String, List<Window>> labels = Map.of("f.csv", List.of(window(50, 50)));
        NabResult result =
                scorer.scoreAt(Map.of("f.csv", series(ROWS, 50, 1.0, 51, 1.0)), labels, Profile.STANDARD, 1.0);
        assertThat(result.rawScore()).isCloseTo(1.0 - 0.11, EPS);
    }

    @Test
    void optimisedScoreEqualsTheSumOfFileScoresAtTheChosenThreshold() {
        for (Profile profile : Profile.published()) {
            List<ThresholdScore> sweep = scorer.thresholdScores(detector(), labels(), profile);
            NabResult result = scorer.score(detector(), labels(), profile);
            double best =
                    sweep.stream().mapToDouble(ThresholdScore::score).max().orElseThrow();
            assertThat(result.rawScore()).isCloseTo(best, EPS);
            assertThat(result.fileScores().values().stream()
                            .mapToDouble(Double::doubleValue)
                            .sum())
                    .isCloseTo(result.rawScore(), EPS);
            for (ThresholdScore s : sweep) {
                NabResult at = scorer.scoreAt(detector(), labels(), profile, s.threshold());
                assertThat(at.rawScore()).isCloseTo(s.score(), EPS);
                assertThat(at.rows())
                        .extracting(ThresholdScore::tp, ThresholdScore::tn, ThresholdScore::fp, ThresholdScore::fn)
                        .containsExactly(s.tp(), s.tn(), s.fp(), s.fn());
            }
        }
    }

    @Test
    void rejectsWindowsThatAreNotRowsOfTheFile() {
        Map<String, List<Window>> labels =
                Map.of("f.csv", List.of(new Window(Corpora.at(20).plusMinutes(1), Corpora.at(30))));
        assertThatThrownBy(() -> scorer.score(Map.of("f.csv", series(ROWS)), labels, Profile.STANDARD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("f.csv")
                .hasMessageContaining("is not a timestamp of the file");
    }

    @Test
    void rejectsFilesWithoutLabels() {
        assertThatThrownBy(() -> scorer.score(Map.of("f.csv", series(ROWS)), Map.of(), Profile.STANDARD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no labelled windows for 'f.csv'");
    }
}
