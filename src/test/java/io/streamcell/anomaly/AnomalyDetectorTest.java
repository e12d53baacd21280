package io.streamcell.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AnomalyDetectorTest {
    private final AnomalyDetector detector = new AnomalyDetector(1, AnomalyScorer.DEFAULTS, AlertPolicy.DEFAULTS);
    private final AnomalyScorer scorer = new AnomalyScorer(1, AnomalyScorer.DEFAULTS);

    private float[] trained() {
        Random random = new Random(4);
        float[] state = new float[0];
        for (int i = 0; i < 500; i++) {
            state = detector.detect(state, new float[] {(float) random.nextGaussian()})
                    .state();
        }
        return state;
    }

    @Test
    void aStateOfThePreviousLayoutKeepsItsStatisticsAndPolicyWithAPeakOfZero() {
        float[] current = trained(); // [scorer: count, s², mean, variance, short, level, peak | policy: 2]
        assertThat(current).hasSize(detector.stateSize()).hasSize(9);
        current[6] = 0f; // the peak the previous layout did not keep
        current[7] = 1f; // an open warning episode
        current[8] = 3f; // three quiet steps
        float[] previous = new float[8]; // the same key saved by an earlier release: no peak
        System.arraycopy(current, 0, previous, 0, 6);
        System.arraycopy(current, 7, previous, 6, 2);

        AnomalyDetector.Detection fromPrevious = detector.detect(previous, new float[] {0.5f});
        AnomalyDetector.Detection fromCurrent = detector.detect(current.clone(), new float[] {0.5f});

        assertThat(fromPrevious).isEqualTo(fromCurrent);
        assertThat(fromPrevious.state()[0]).as("learned steps kept").isEqualTo(current[0] + 1);
        assertThat(fromPrevious.state()[7]).as("the episode kept").isEqualTo(1f);
    }

    @Test
    void aStateOfAnotherSizeStartsOver() {
        AnomalyDetector.Detection detection = detector.detect(new float[5], new float[] {0.5f});

        assertThat(detection.state()).hasSize(detector.stateSize());
        assertThat(detection.state()[0]).as("the first learned step").isEqualTo(1f);
        assertThat(scorer.stateSize() + AlertPolicy.STATE_SIZE).isEqualTo(detector.stateSize());
    }
}
