package io.streamcell.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AnomalyScorerTest {
    private final AnomalyScorer scorer = new AnomalyScorer(1, AnomalyScorer.DEFAULTS);

    private float[] feedNormal(
            AnomalyScorer s, float[] state, Random random, int steps, int targets, double[] maxScore) {
        for (int i = 0; i < steps; i++) {
            float[] errors = new float[targets];
            for (int j = 0; j < targets; j++) {
                errors[j] = (float) random.nextGaussian();
            }
            AnomalyScorer.Result result = s.score(state, errors);
            state = result.state();
            maxScore[0] = Math.max(maxScore[0], result.score().level());
        }
        return state;
    }

    @Test
    void newKeyStartsWithEmptyStatsAndScoresZeroDuringWarmUp() {
        float[] state = new float[0];
        for (int i = 0; i < AnomalyScorer.DEFAULTS.warmup(); i++) {
            AnomalyScorer.Result result = scorer.score(state, new float[] {i % 2 == 0 ? 100f : -0.1f});
            state = result.state();
            assertThat(result.score().anomalyScore()).isZero();
            assertThat(result.score().likelihood()).isEqualTo(0.5);
        }
        assertThat(state).hasSize(scorer.stateSize()).hasSize(7);
    }

    @Test
    void firstErrorSetsTheScaleSecondIsNormalisedByIt() {
        float[] state = scorer.score(new float[0], new float[] {2f}).state();
        assertThat(state[1]).isEqualTo(4f); // scale² = first squared error

        AnomalyScorer.Result second = scorer.score(state, new float[] {4f});

        assertThat(second.score().normalisedError()).isEqualTo(2.0); // |4| / sqrt(4)
        // a young key's scale is the plain mean of its squared errors: (4 + 16) / 2
        assertThat(second.state()[1]).isEqualTo(10f);
    }

    @Test
    void ordinaryErrorsScoreLowAndASustainedShiftScoresHigh() {
        Random random = new Random(11);
        double[] normalMax = {0};
        float[] state = feedNormal(scorer, new float[0], random, 3000, 1, normalMax);
        float scaleBefore = state[1];

        double shiftScore = 0;
        for (int i = 0; i < 5; i++) {
            AnomalyScorer.Result result = scorer.score(state, new float[] {5f + (float) random.nextGaussian() * 0.1f});
            state = result.state();
            shiftScore = result.score().level();
        }

        assertThat(normalMax[0]).as("max level over 3000 ordinary steps").isLessThan(0.35);
        assertThat(shiftScore)
                .as("level after five 5-sigma errors")
                .isGreaterThan(0.5)
                .isGreaterThan(normalMax[0]);
        assertThat(state[1]).as("the scale did not learn from the anomaly").isEqualTo(scaleBefore);
    }

    @Test
    void scoresStayInTheUnitInterval() {
        Random random = new Random(5);
        float[] state = new float[0];
        for (int i = 0; i < 5000; i++) {
            float error = (float) (random.nextGaussian() * (i % 500 < 10 ? 1000 : 1));
            AnomalyScorer.Result result = scorer.score(state, new float[] {error});
            state = result.state();
            assertThat(result.score().anomalyScore()).isBetween(0f, 1f);
            assertThat(result.score().level()).isBetween(0f, 1f);
            assertThat(result.score().likelihood()).isBetween(0.0, 1.0);
        }
    }

    @Test
    void multivariateErrorsAreCombinedAsTheRmsOfNormalisedErrors() {
        AnomalyScorer four = new AnomalyScorer(4, AnomalyScorer.DEFAULTS);
        float[] state =
                four.score(new float[0], new float[] {1f, 10f, 100f, 0.5f}).state(); // scales 1, 10, 100, 0.5

        AnomalyScorer.Score score =
                four.score(state, new float[] {3f, 10f, -100f, 0.5f}).score();

        // normalised errors 3, 1, -1, 1 → sqrt((9 + 1 + 1 + 1) / 4) = sqrt(3)
        assertThat(score.normalisedError()).isCloseTo(Math.sqrt(3), within(1e-6));
    }

    @Test
    void sameInputsGiveTheSameScores() {
        float[] a = new float[0];
        float[] b = new float[0];
        Random r1 = new Random(3);
        Random r2 = new Random(3);
        for (int i = 0; i < 500; i++) {
            AnomalyScorer.Result x = scorer.score(a, new float[] {(float) r1.nextGaussian()});
            AnomalyScorer.Result y = scorer.score(b, new float[] {(float) r2.nextGaussian()});
            assertThat(x).isEqualTo(y);
            a = x.state();
            b = y.state();
        }
    }

    @Test
    void theScoreIsTheRiseOfTheLevelBeyondTheDecayedPeakOfRecentRises() {
        Random random = new Random(21);
        float[] state = feedNormal(scorer, new float[0], random, 3000, 1, new double[1]);
        double decay = Math.pow(0.5, 1 / AnomalyScorer.DEFAULTS.peakHalfLife());
        float level = state[5]; // [count, s², mean, variance, short, level, peak]
        float peak = state[6];
        for (int i = 0; i < 6; i++) {
            AnomalyScorer.Result result = scorer.score(state, new float[] {6f});
            state = result.state();
            float rise = Math.max(0f, result.score().level() - level);
            float decayedPeak = (float) (peak * decay);
            assertThat(result.score().anomalyScore()).isEqualTo(Math.max(0f, rise - decayedPeak));
            assertThat(state[6]).isEqualTo(Math.max(rise, decayedPeak));
            level = result.score().level();
            peak = state[6];
        }
        assertThat(level).as("the level stays up while the errors do").isGreaterThan(0.5f);
    }

    /** A key's state with a known peak and level, and the given errors scored on it. */
    private static final class Spikes {
        final AnomalyScorer scorer;
        float[] state;

        Spikes(double peakHalfLife) {
            AnomalyScorer.Settings d = AnomalyScorer.DEFAULTS;
            scorer = new AnomalyScorer(
                    1,
                    new AnomalyScorer.Settings(
                            d.warmup(),
                            d.scaleHalfLife(),
                            d.longHalfLife(),
                            d.shortHalfLife(),
                            d.learnCutoff(),
                            d.maxRaw(),
                            peakHalfLife));
            state = new float[0];
            Random random = new Random(8);
            for (int i = 0; i < 2000; i++) {
                state = scorer.score(state, new float[] {(float) random.nextGaussian() * 0.1f})
                        .state();
            }
        }

        float score(float error) {
            AnomalyScorer.Result result = scorer.score(state, new float[] {error});
            state = result.state();
            return result.score().anomalyScore();
        }

        /** The highest score of a one-row spike followed by {@code quiet} ordinary rows. */
        float spike(int quiet) {
            float best = score(3f);
            for (int i = 0; i < quiet; i++) {
                best = Math.max(best, score(0.05f));
            }
            return best;
        }
    }

    @Test
    void aSpikeScoresOnceAndTheSameSpikeRightAfterItScoresLess() {
        Spikes spikes = new Spikes(AnomalyScorer.DEFAULTS.peakHalfLife());
        float first = spikes.spike(5);
        float second = spikes.spike(5);

        assertThat(first).as("a 30-sigma spike").isGreaterThan(0.1f);
        // the recent errors are still up, so the second spike lifts the level higher than the first
        // did; it scores only the part of its rise beyond the first one's (decayed) rise
        assertThat(second).as("the same spike 6 rows later").isLessThan(first / 2);
        Spikes plainRise = new Spikes(0);
        // the same key's first spike, now without the small peak its ordinary rows had left
        assertThat(plainRise.spike(5)).isGreaterThanOrEqualTo(first);
        assertThat(plainRise.spike(5))
                .as("without the peak, the second spike scores its whole rise")
                .isGreaterThan(first)
                .isGreaterThan(second + first / 2);
    }

    @Test
    void aSpikeLongAfterAnotherScoresAgain() {
        Spikes spikes = new Spikes(AnomalyScorer.DEFAULTS.peakHalfLife());
        float first = spikes.spike(20 * (int) AnomalyScorer.DEFAULTS.peakHalfLife());

        assertThat(spikes.spike(0)).as("twenty half-lives later").isGreaterThan(0.9f * first);
    }

    @Test
    void halfLifeZeroScoresThePlainRiseOfTheLevel() {
        Spikes spikes = new Spikes(0);
        for (int i = 0; i < 20; i++) {
            float before = spikes.state[5];
            AnomalyScorer.Result result = spikes.scorer.score(spikes.state, new float[] {i % 4 == 0 ? 3f : 0.05f});
            spikes.state = result.state();
            assertThat(result.score().anomalyScore())
                    .isEqualTo(Math.max(0f, result.score().level() - before));
        }
    }

    @Test
    void theStateKeepsItsSizeAndAStateOfThePreviousLayoutKeepsItsStatistics() {
        Spikes spikes = new Spikes(AnomalyScorer.DEFAULTS.peakHalfLife());
        spikes.spike(3);
        assertThat(spikes.state).hasSize(spikes.scorer.stateSize()).hasSize(7);

        float[] previous = Arrays.copyOf(spikes.state, spikes.scorer.previousStateSize());
        float[] restored = spikes.scorer.fromPreviousLayout(previous);

        assertThat(restored).hasSize(7).startsWith(previous);
        assertThat(restored[6])
                .as("the peak, which the previous layout did not keep")
                .isZero();
    }

    @Test
    void normalTailMatchesKnownValues() {
        assertThat(NormalTail.upper(0)).isCloseTo(0.5, within(1e-7));
        assertThat(NormalTail.upper(1.96)).isCloseTo(0.0249979, within(1e-6));
        assertThat(NormalTail.upper(-1.96)).isCloseTo(0.9750021, within(1e-6));
        assertThat(NormalTail.upper(6) / 9.865876e-10).isCloseTo(1.0, within(1e-5));
    }
}
