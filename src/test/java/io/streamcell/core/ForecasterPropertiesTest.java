package io.streamcell.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.adapt.Adaptation;
import io.streamcell.model.CellType;
import io.streamcell.model.ForecastSpec;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.TestModels;
import io.streamcell.state.KeyState;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What no series may make a key's forecasts do, whatever the readout learns: become non-finite,
 * leave the envelope of the key's running spread, or stay far worse than the last value after a
 * level shift. A zero-shot style model (online units, readout from zero weights, network weights
 * fixed and meaningless), adaptation on and off, on hostile series.
 */
class ForecasterPropertiesTest {
    private static final int ROWS = 6_000;
    private static final int CHANGE = 3_000;
    private static final long HOUR = 3_600_000L;
    private static final long START = 1_704_067_200_000L; // 2024-01-01

    static RecurrentModel model() {
        ForecastSpec spec = ForecastSpec.defaults(ForecastSpec.Units.online(1e-3), new int[] {1, 2, 3}, 0);
        ModelConfig config = ModelConfig.builder()
                .cell(CellType.GRU)
                .hiddenSize(4)
                .features(List.of("value"))
                .targets(List.of("value"))
                .forecast(spec)
                .version("zero-shot-like")
                .build();
        return TestModels.withFixedWeights(config, "forecaster properties");
    }

    static Stream<Arguments> series() {
        SplittableRandom noise = new SplittableRandom(7);
        double[] gaussian = new double[ROWS];
        for (int t = 0; t < ROWS; t++) {
            gaussian[t] = noise.nextGaussian();
        }
        double[] walk = new double[ROWS];
        for (int t = 1; t < ROWS; t++) {
            walk[t] = walk[t - 1] + gaussian[t];
        }
        return Stream.of(
                Arguments.of("level shift of +50 std", (IntToDoubleFunction) t -> gaussian[t] + (t >= CHANGE ? 50 : 0)),
                Arguments.of("level shift of -50 std for 500 rows", (IntToDoubleFunction)
                        t -> gaussian[t] + (t >= CHANGE && t < CHANGE + 500 ? -50 : 0)),
                Arguments.of("30-std spikes", (IntToDoubleFunction) t -> gaussian[t] + (t % 97 == 0 ? 30 : 0)),
                Arguments.of("constant", (IntToDoubleFunction) t -> 3.5),
                Arguments.of("near 1e9", (IntToDoubleFunction) t -> 1e9 + 1e3 * gaussian[t]),
                Arguments.of("near 1e-9", (IntToDoubleFunction) t -> 1e-9 * gaussian[t]),
                Arguments.of("sign flip", (IntToDoubleFunction) t -> (t >= CHANGE ? -10 : 10) + gaussian[t]),
                Arguments.of("daily cycle", (IntToDoubleFunction)
                        t -> 5 * Math.sin(2 * Math.PI * t / 24) + 0.3 * gaussian[t]),
                Arguments.of("random walk", (IntToDoubleFunction) t -> walk[t]));
    }

    /** One key through {@link KeyStepper}, with a 30-day gap at row 4,500: each row's forecast. */
    private static float[] run(RecurrentModel model, boolean adapt, IntToDoubleFunction series) {
        KeyStepper stepper = new KeyStepper(model, null, adapt ? null : Adaptation.OFF);
        KeyState state = KeyState.fresh(model);
        float[] forecasts = new float[ROWS];
        for (int t = 0; t < ROWS; t++) {
            long time = START + t * HOUR + (t >= 4_500 ? 30 * 24 * HOUR : 0);
            forecasts[t] = stepper.step(state, time, new float[] {(float) series.applyAsDouble(t)})
                    .forecast()[0];
        }
        return forecasts;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("series")
    void forecastsStayFiniteAndWithinFiveRunningStandardDeviationsOfTheLastValue(
            String name, IntToDoubleFunction series) {
        RecurrentModel model = model();
        for (boolean adapt : new boolean[] {false, true}) {
            float[] forecasts = run(model, adapt, series);
            double mean = 0;
            double variance = 0;
            double rate = 1 - Math.pow(0.5, 1 / model.config().forecast().scaleHalfLife());
            for (int t = 0; t < ROWS; t++) {
                float x = (float) series.applyAsDouble(t); // what the key saw (float32)
                double w = Math.max(1.0 / (t + 1), rate);
                double d = x - mean;
                mean += w * d;
                variance = (1 - w) * (variance + w * d * d);
                assertThat(forecasts[t])
                        .as("%s, adapt %s, row %d", name, adapt, t)
                        .isFinite();
                double bound = 5 * Math.sqrt(variance) * 1.001 + Math.ulp(x) * 4;
                assertThat(Math.abs((double) forecasts[t] - x))
                        .as("%s, adapt %s, row %d: distance from the last value", name, adapt, t)
                        .isLessThanOrEqualTo(bound);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("series")
    void afterTheChangeTheErrorReturnsWithinTwiceTheLastValuesInABoundedNumberOfRows(
            String name, IntToDoubleFunction series) {
        RecurrentModel model = model();
        for (boolean adapt : new boolean[] {false, true}) {
            float[] forecasts = run(model, adapt, series);
            int window = 48;
            int recovered = -1;
            for (int end = CHANGE + window; end < ROWS; end++) {
                double model2 = 0;
                double naive2 = 0;
                for (int t = end - window; t < end; t++) {
                    double next = (float) series.applyAsDouble(t + 1);
                    model2 += Math.pow(forecasts[t] - next, 2);
                    naive2 += Math.pow((float) series.applyAsDouble(t) - next, 2);
                }
                if (model2 <= 2 * naive2) {
                    recovered = end - CHANGE;
                    break;
                }
            }
            assertThat(recovered)
                    .as(
                            "%s, adapt %s: rows after the change until the 48-row MSE is within 2x the last value's",
                            name, adapt)
                    .isBetween(0, 300);
        }
    }
}
