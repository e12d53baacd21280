package io.streamcell.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.adapt.Adaptation;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.state.KeyState;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The divergence a user met with the zero-shot model and RLS adaptation on ETTh2's LULL column,
 * reproduced on a synthetic series: months of a quiet sensor (the readout's inputs barely move),
 * then a level shift of 50 standard deviations. The readout's covariance had wound up in the
 * directions the quiet months did not excite, and the shift's first errors swung the forecasts to
 * hundreds of standard deviations on either side. No forecast may now go beyond 10 of the key's
 * running standard deviations from its last value.
 */
class LevelShiftDivergenceTest {
    @Test
    void rlsAdaptationDoesNotDivergeOnALevelShiftAfterAQuietPeriod() throws IOException {
        RecurrentModel model = ModelDirectory.load(ModelDirectory.ZERO_SHOT_MODEL);
        KeyStepper stepper = new KeyStepper(model, null, Adaptation.parse("rls"));
        KeyState state = KeyState.fresh(model);
        SplittableRandom random = new SplittableRandom(11);
        double mean = 0;
        double variance = 0;
        double worst = 0;
        for (int t = 0; t < 16_000; t++) {
            double value = (t < 14_000 ? 0 : -50) + 0.2 * random.nextGaussian() + Math.sin(t / 30.0) * 0.05;
            float x = (float) value;
            float forecast = stepper.step(state, 1_700_000_000_000L + t * 3_600_000L, new float[] {x})
                    .forecast()[0];
            double w = Math.max(1.0 / (t + 1), 1 - Math.pow(0.5, 1 / 500.0));
            double d = x - mean;
            mean += w * d;
            variance = (1 - w) * (variance + w * d * d);
            assertThat(forecast).as("row %d", t).isFinite();
            worst = Math.max(worst, Math.abs(forecast - x) / Math.sqrt(variance + 1e-12));
        }
        assertThat(worst)
                .as("largest distance of a forecast from the last value, in running standard deviations")
                .isLessThanOrEqualTo(10);
    }
}
