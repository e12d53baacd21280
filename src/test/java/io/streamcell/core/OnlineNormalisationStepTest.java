package io.streamcell.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.OnlineNormaliser;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.TestModels;
import io.streamcell.model.kernel.StepKernel;
import io.streamcell.replay.ReplayEngine;
import io.streamcell.state.KeyState;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A model with per-key online normalisation steps on standardised inputs and forecasts in raw units. */
class OnlineNormalisationStepTest {
    private static final ModelConfig.OnlineNormalisation SETTINGS = new ModelConfig.OnlineNormalisation(500, 1e-3, 10);

    private static RecurrentModel model() {
        ModelConfig config = ModelConfig.builder()
                .cell(CellType.LSTM)
                .hiddenSize(4)
                .features(List.of("value"))
                .targets(List.of("value"))
                .horizon(2)
                .version("zero-shot-test")
                .onlineNormalisation(SETTINGS)
                .build();
        return TestModels.withFixedWeights(config, "test");
    }

    private static float[] series(int length, double level, double scale, long seed) {
        Random random = new Random(seed);
        float[] values = new float[length];
        for (int t = 0; t < length; t++) {
            values[t] = (float) (level + scale * (Math.sin(t / 10.0) + 0.1 * random.nextGaussian()));
        }
        return values;
    }

    @Test
    void forecastsAreTheKernelsOutputInTheKeysOwnUnits() {
        RecurrentModel model = model();
        KeyStepper stepper = new KeyStepper(model, null);
        StepKernel kernel = new StepKernel(model);
        OnlineNormaliser normaliser = SETTINGS.normaliser(1);
        KeyState state = KeyState.fresh(model);
        float[] recurrent = model.newState();
        float[] stats = new float[0];
        float[] z = new float[1];
        float[] raw = new float[2];
        for (float value : series(300, 1e4, 50, 1)) {
            KeyStepper.Outcome outcome = stepper.step(state, 0, new float[] {value});

            stats = normaliser.normalise(stats, new float[] {value}, z);
            kernel.step(recurrent, z, raw);
            for (int o = 0; o < raw.length; o++) {
                assertThat(outcome.forecast()[o]).isEqualTo(normaliser.denormalise(stats, 0, raw[o]));
            }
        }
        assertThat(state.inputStats()).containsExactly(stats);
        assertThat(state.lastForecast()[0]).isCloseTo(1e4f, within(1000f)); // in the series' units
    }

    @Test
    void batchedReplayMatchesPerEventReplay() throws Exception {
        RecurrentModel model = model();
        List<Row> rows = new ArrayList<>();
        float[] a = series(200, 1e4, 50, 2);
        float[] b = series(200, -3, 0.01, 3);
        for (int t = 0; t < 200; t++) {
            rows.add(new Row(t, "a", "", t * 1000L, new float[] {a[t]}));
            rows.add(new Row(t, "b", "", t * 1000L, new float[] {b[t]}));
        }
        List<float[]> perEvent = new ArrayList<>();
        List<float[]> batched = new ArrayList<>();
        try (ReplayEngine one = new ReplayEngine(model, 1);
                ReplayEngine many = new ReplayEngine(model, 8)) {
            for (Row row : rows) {
                one.accept(row, (r, outcome) -> perEvent.add(outcome.forecast()));
                many.accept(row, (r, outcome) -> batched.add(outcome.forecast()));
            }
            many.flush((r, outcome) -> batched.add(outcome.forecast()));
        }
        assertThat(batched).hasSameSizeAs(perEvent);
        for (int i = 0; i < perEvent.size(); i++) {
            for (int o = 0; o < 2; o++) {
                float expected = perEvent.get(i)[o];
                assertThat(batched.get(i)[o]).isCloseTo(expected, within(1e-4f * Math.max(1f, Math.abs(expected))));
            }
        }
    }

    @Test
    void configRoundTripsAndNeedsTargetsAmongFeatures() throws Exception {
        ModelConfig config = model().config();
        ObjectMapper json = new ObjectMapper();
        assertThat(ModelConfig.fromJson(config.toJson(json), "test").onlineNormalisation())
                .isEqualTo(SETTINGS);

        assertThatThrownBy(() -> ModelConfig.builder()
                        .cell(CellType.GRU)
                        .gruReset(GruReset.AFTER)
                        .hiddenSize(4)
                        .features(List.of("value"))
                        .targets(List.of("other"))
                        .version("v")
                        .onlineNormalisation(SETTINGS)
                        .build())
                .hasMessageContaining("online_normalisation needs every target among the features");
    }
}
