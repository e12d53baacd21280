package io.streamcell.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AnomalyDetectorTest {
    private static final int ROWS = 2_000;

    /** A daily cycle (288 rows a day) the forecast follows to within its noise. */
    private static double value(int t, SplittableRandom random) {
        return 10 * Math.sin(2 * Math.PI * t / 288) + 0.1 * random.nextGaussian();
    }

    @Test
    void learnsQuietlyThenScoresASpikeOnceByTheModelError() {
        AnomalyDetector detector = new AnomalyDetector(1, ChannelDetector.DEFAULTS, AlertPolicy.DEFAULTS);
        SplittableRandom random = new SplittableRandom(3);
        float[] state = new float[0];
        double highestBefore = 0;
        for (int t = 0; t < ROWS; t++) {
            double x = value(t, random);
            double forecast = 10 * Math.sin(2 * Math.PI * t / 288);
            AnomalyDetector.Detection d =
                    detector.detect(state, new float[] {(float) x}, new float[] {(float) forecast});
            state = d.state();
            if (t < 100) {
                assertThat(d.score().anomalyScore())
                        .as("row %d, still learning", t)
                        .isZero();
            }
            if (t >= 2 * 288) { // after two days (a cycle's first day keeps widening the range)
                highestBefore = Math.max(highestBefore, d.score().anomalyScore());
            }
        }
        assertThat(state).hasSize(detector.stateSize());
        AnomalyDetector.Detection spike = detector.detect(state, new float[] {2.0f}, new float[] {0f});
        assertThat(spike.score().anomalyScore()).isGreaterThan(0.9f).isGreaterThan((float) highestBefore);
        assertThat(spike.score().channel()).isEqualTo(ChannelDetector.Channel.MODEL_ERROR);
        assertThat(spike.score().detail().normalisedError()).isGreaterThan(5);
        assertThat(spike.alert()).isEqualTo(AlertPolicy.Severity.CRITICAL);
        AnomalyDetector.Detection next = detector.detect(spike.state(), new float[] {2.1f}, new float[] {0f});
        assertThat(next.score().anomalyScore())
                .as("the same episode scores once")
                .isZero();
    }

    @Test
    void aValueBeyondTheKeysRangeScoresOneByTheRangeRule() {
        AnomalyDetector detector = new AnomalyDetector(1, ChannelDetector.DEFAULTS, AlertPolicy.DEFAULTS);
        SplittableRandom random = new SplittableRandom(5);
        float[] state = new float[0];
        for (int t = 0; t < ROWS; t++) {
            float x = (float) value(t, random);
            state = detector.detect(state, new float[] {x}, new float[] {Float.NaN})
                    .state();
        }
        AnomalyDetector.Detection high = detector.detect(state, new float[] {25f}, new float[] {Float.NaN});
        assertThat(high.score().anomalyScore()).isEqualTo(1f);
        assertThat(high.score().channel()).isEqualTo(ChannelDetector.Channel.RANGE);
    }

    @Test
    void theKeysScoreIsItsMostAnomalousTarget() {
        AnomalyDetector detector = new AnomalyDetector(3, ChannelDetector.DEFAULTS, AlertPolicy.DEFAULTS);
        SplittableRandom random = new SplittableRandom(7);
        float[] state = new float[0];
        for (int t = 0; t < ROWS; t++) {
            float[] x = {(float) value(t, random), (float) value(t + 40, random), (float) value(t + 80, random)};
            float[] f = {
                (float) (10 * Math.sin(2 * Math.PI * t / 288)),
                (float) (10 * Math.sin(2 * Math.PI * (t + 40) / 288)),
                (float) (10 * Math.sin(2 * Math.PI * (t + 80) / 288))
            };
            state = detector.detect(state, x, f).state();
        }
        AnomalyDetector.Detection d = detector.detect(state, new float[] {0f, 9f, 0f}, new float[] {0f, 0f, 0f});
        assertThat(d.score().target()).isEqualTo(1);
        assertThat(d.score().anomalyScore()).isGreaterThan(0.9f);
        assertThat(state).hasSize(3 * detector.stateSizePerTarget() + AlertPolicy.STATE_SIZE);
    }

    @Test
    void aStateOfAnotherSizeStartsAfresh() {
        AnomalyDetector detector = new AnomalyDetector(1, ChannelDetector.DEFAULTS, AlertPolicy.DEFAULTS);
        float[] earlierRelease = new float[9]; // the statistics of the scorer before the channel detector
        AnomalyDetector.Detection d = detector.detect(earlierRelease, new float[] {0.5f}, new float[] {0.4f});
        assertThat(d.state()).hasSize(detector.stateSize());
        assertThat(d.state())
                .isEqualTo(detector.detect(new float[0], new float[] {0.5f}, new float[] {0.4f})
                        .state());
    }
}
