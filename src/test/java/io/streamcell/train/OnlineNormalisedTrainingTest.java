package io.streamcell.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.streamcell.core.KeyStepper;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.OnlineNormaliser;
import io.streamcell.model.RecurrentModel;
import io.streamcell.state.KeyState;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Training behind per-key online normalisation, as the zero-shot default model is trained. */
class OnlineNormalisedTrainingTest {
    private static final List<String> VALUE = List.of("value");
    private static final ModelConfig.OnlineNormalisation SETTINGS = new ModelConfig.OnlineNormalisation(200, 1e-3, 10);

    @Test
    void theJobReproducesTheTrainersForecastsDeNormalisedPerKey() {
        // series at wildly different scales: the point of normalising per key
        List<KeySeries> series = new ArrayList<>();
        double[] scales = {1e-3, 1, 5e4};
        for (int k = 0; k < scales.length; k++) {
            double[][] x = new double[600][1];
            for (int t = 0; t < x.length; t++) {
                x[t][0] = scales[k] * (10 + Math.sin(2 * Math.PI * t / (30 + 7 * k)) + 0.01 * Math.cos(t * 1.7));
            }
            series.add(new KeySeries("k" + k, x, x));
        }
        TrainingResult result = Trainer.train(
                series, VALUE, VALUE, TrainerTest.small().onlineNormalisation(SETTINGS), TrainingListener.NONE);
        RecurrentModel model = result.model(null);
        assertThat(model.config().onlineNormalisation()).isEqualTo(SETTINGS);
        assertThat(result.metrics().model().mse())
                .isLessThan(result.metrics().naive().mse());

        OnlineNormaliser normaliser = SETTINGS.normaliser(1);
        for (TrainingResult.KeyForecasts forecasts : result.validation()) {
            KeySeries s = series.get(Integer.parseInt(forecasts.key().substring(1)));
            KeyStepper stepper = new KeyStepper(model, null);
            KeyState state = KeyState.fresh(model);
            for (int t = 0; t < s.length(); t++) {
                float[] forecast = stepper.step(state, t, new float[] {(float) s.features()[t][0]})
                        .forecast();
                int r = t - forecasts.firstStep();
                if (r >= 0 && r < forecasts.forecasts().length) {
                    // the trainer forecasts in the key's normalised units; the job de-normalises with its statistics
                    double expected = normaliser.denormalise(
                            state.inputStats(), 0, (float) forecasts.forecasts()[r][0]);
                    double scale = normaliser.scale(state.inputStats(), 0);
                    assertThat((double) forecast[0])
                            .as("key %s step %d", forecasts.key(), t)
                            .isCloseTo(expected, within(1e-4 * scale + 1e-6 * Math.abs(expected)));
                }
            }
        }
    }

    @Test
    void targetsAreTheNextValueInTheUnitsOfThePreviousStatistics() {
        double[][] x = {{1}, {3}, {2}, {10}};
        List<KeySeries> out = Trainer.normalisedOnline(List.of(new KeySeries("k", x, x)), VALUE, VALUE, SETTINGS);
        OnlineNormaliser normaliser = SETTINGS.normaliser(1);
        float[] stats = new float[normaliser.stateSize()];
        float[] z = new float[1];
        for (int t = 0; t < x.length; t++) {
            if (t > 0) {
                double m = normaliser.denormalise(stats, 0, 0f);
                assertThat(out.get(0).targets()[t][0])
                        .isCloseTo(
                                Math.max(-10, Math.min(10, (x[t][0] - m) / normaliser.scale(stats, 0))), within(1e-9));
            }
            stats = normaliser.normalise(stats, new float[] {(float) x[t][0]}, z);
            assertThat(out.get(0).features()[t][0]).isEqualTo(z[0]);
        }
        assertThatThrownBy(() -> Trainer.normalisedOnline(
                        List.of(new KeySeries("k", x, x)), List.of("a"), List.of("b"), SETTINGS))
                .hasMessageContaining("every target must be a feature");
    }

    @Test
    void syntheticSignalsCoverEveryFamilyAndAreReproducible() {
        List<SyntheticSignals.Series> a = SyntheticSignals.generate(40, 300, 5);
        List<SyntheticSignals.Series> b = SyntheticSignals.generate(40, 300, 5);
        Set<SyntheticSignals.Family> seen = EnumSet.noneOf(SyntheticSignals.Family.class);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).values()).containsExactly(b.get(i).values());
            assertThat(a.get(i).values()).hasSize(300);
            seen.add(a.get(i).family());
        }
        assertThat(seen).containsExactlyInAnyOrder(SyntheticSignals.Family.values());
        assertThat(SyntheticSignals.generate(40, 300, 6).get(0).values())
                .isNotEqualTo(a.get(0).values());
        // counts are non-negative integers
        a.stream().filter(s -> s.family() == SyntheticSignals.Family.COUNTS).forEach(s -> {
            for (double v : s.values()) {
                assertThat(v).isGreaterThanOrEqualTo(0).isEqualTo(Math.rint(v));
            }
        });
    }
}
