package io.streamcell.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.kernel.StepKernel;
import io.streamcell.state.KeyState;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyStepperTest {
    // temperature is both the first feature and the target of this model
    private final GoldenFixtures.Case fixture = GoldenFixtures.load("lstm_1layer_in8_h16");
    private final RecurrentModel model = fixture.model();
    private final List<Row> rows =
            fixture.readings().stream().filter(r -> r.key().equals("sensor-a")).toList();

    KeyStepperTest() throws IOException {}

    @Test
    void firstEventHasNoScoreThenErrorsAreObservedMinusPreviousForecast() {
        KeyStepper stepper = new KeyStepper(model, null);
        KeyState state = KeyState.fresh(model);

        KeyStepper.Outcome first =
                stepper.step(state, rows.get(0).epochMillis(), rows.get(0).features());
        KeyStepper.Outcome second =
                stepper.step(state, rows.get(1).epochMillis(), rows.get(1).features());

        assertThat(first.errors()).isNull();
        assertThat(first.step()).isEqualTo(1);
        assertThat(second.errors()).containsExactly(rows.get(1).features()[0] - first.forecast()[0]);
        assertThat(second.step()).isEqualTo(2);
        assertThat(state.lastForecast()).containsExactly(second.forecast());
        assertThat(state.lastEventTime()).isEqualTo(rows.get(1).epochMillis());
    }

    @Test
    void gapLongerThanConfiguredStartsAFreshState() {
        KeyStepper stepper = new KeyStepper(model, Duration.ofHours(1));
        KeyState state = KeyState.fresh(model);
        stepper.step(state, 0, rows.get(0).features());
        stepper.step(state, 1000, rows.get(1).features());

        KeyStepper.Outcome afterGap = stepper.step(
                state, 1000 + Duration.ofHours(1).toMillis() + 1, rows.get(2).features());

        KeyState fresh = KeyState.fresh(model);
        KeyStepper.Outcome fromScratch =
                new KeyStepper(model, null).step(fresh, 0, rows.get(2).features());
        assertThat(afterGap.reset()).isTrue();
        assertThat(afterGap.errors()).isNull();
        assertThat(afterGap.step()).isEqualTo(1);
        assertThat(afterGap.forecast()).containsExactly(fromScratch.forecast());
        assertThat(state.recurrent()).containsExactly(fresh.recurrent());
    }

    @Test
    void gapExactlyAtTheLimitKeepsTheState() {
        KeyStepper stepper = new KeyStepper(model, Duration.ofSeconds(10));
        KeyState state = KeyState.fresh(model);
        stepper.step(state, 0, rows.get(0).features());

        KeyStepper.Outcome next = stepper.step(state, 10_000, rows.get(1).features());

        assertThat(next.reset()).isFalse();
        assertThat(next.step()).isEqualTo(2);
    }

    @Test
    void stateOfAnotherShapeIsReset() {
        KeyStepper stepper = new KeyStepper(model, null);
        KeyState foreign = KeyState.fresh(model.stateSize() + 2);

        KeyStepper.Outcome outcome = stepper.step(foreign, 5, rows.get(0).features());

        assertThat(outcome.reset()).isTrue();
        assertThat(foreign.recurrent()).hasSize(model.stateSize());
    }

    @Test
    void splitStepEqualsWholeStep() {
        KeyStepper stepper = new KeyStepper(model, null);
        KeyState whole = KeyState.fresh(model);
        KeyState split = KeyState.fresh(model);
        for (Row row : rows.subList(0, 50)) {
            KeyStepper.Outcome expected = stepper.step(whole, row.epochMillis(), row.features());
            KeyStepper.Scored scored = stepper.beforeStep(split, row.epochMillis(), row.features());
            float[] forecast = new float[model.outputSize()];
            new StepKernel(model).step(split.recurrent(), row.features(), forecast);
            KeyStepper.Outcome actual = stepper.afterStep(split, row.epochMillis(), forecast, scored);
            assertThat(actual.forecast()).containsExactly(expected.forecast());
            assertThat(actual.errors()).isEqualTo(expected.errors());
        }
        assertThat(split).isEqualTo(whole);
    }
}
