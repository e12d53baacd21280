package io.streamcell.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class OnlineNormaliserTest {
    private final OnlineNormaliser normaliser = new OnlineNormaliser(1, 500, 1e-3, 10);

    @Test
    void youngKeyUsesPlainRunningMeanAndVariance() {
        float[] state = new float[0];
        float[] z = new float[1];
        state = normaliser.normalise(state, new float[] {2f}, z);
        assertThat(z[0]).isZero(); // the first value is its own mean
        state = normaliser.normalise(state, new float[] {4f}, z);
        // n = 2: mean 3, (population) variance 1 → z = (4 - 3) / 1
        assertThat(state[1]).isEqualTo(3f);
        assertThat(state[2]).isEqualTo(1f);
        assertThat(z[0]).isEqualTo(1f);
        assertThat(normaliser.denormalise(state, 0, 1f)).isEqualTo(4f);
    }

    @Test
    void anySeriesLevelAndScaleComesOutStandardised() {
        for (double offset : new double[] {0, 1e6}) {
            for (double scale : new double[] {1e-3, 1, 1e4}) {
                Random random = new Random(1);
                float[] state = new float[0];
                float[] z = new float[1];
                double sum = 0;
                double sumSquares = 0;
                int counted = 0;
                for (int t = 0; t < 3000; t++) {
                    float x = (float) (offset + scale * random.nextGaussian());
                    state = normaliser.normalise(state, new float[] {x}, z);
                    if (t >= 1000) {
                        sum += z[0];
                        sumSquares += z[0] * z[0];
                        counted++;
                    }
                }
                double mean = sum / counted;
                double std = Math.sqrt(sumSquares / counted - mean * mean);
                assertThat(mean).as("offset %s scale %s", offset, scale).isCloseTo(0, within(0.15));
                // variation below scale_floor (0.1 %) of the level counts as flat: the floor is the scale
                double floor = 1e-3 * Math.max(offset, 1);
                double expectedStd = scale >= floor ? 1 : scale / floor;
                assertThat(std).as("offset %s scale %s", offset, scale).isCloseTo(expectedStd, within(0.15));
            }
        }
    }

    @Test
    void flatSeriesDoesNotDivideByZeroAndAStepIsClipped() {
        float[] state = new float[0];
        float[] z = new float[1];
        for (int t = 0; t < 100; t++) {
            state = normaliser.normalise(state, new float[] {5f}, z);
            assertThat(z[0]).isZero();
        }
        normaliser.normalise(state, new float[] {500f}, z);
        assertThat(z[0]).isEqualTo(10f);
    }
}
