package io.streamcell.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.model.CellType;
import io.streamcell.model.RecurrentModel;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KeyStateTest {

    private static final RecurrentModel LSTM = TestStates.model(CellType.LSTM, 8, 2, 3);
    private static final RecurrentModel GRU = TestStates.model(CellType.GRU, 5, 1, 1);

    @Test
    void freshStateIsZeroWithoutForecastOrEvents() {
        KeyState state = KeyState.fresh(LSTM);

        assertThat(state.recurrent()).hasSize(LSTM.stateSize()).containsOnly(0f);
        assertThat(state.lastForecast()).isEmpty();
        assertThat(state.hasLastForecast()).isFalse();
        assertThat(state.steps()).isZero();
        assertThat(state.lastEventTime()).isEqualTo(KeyState.NO_EVENT_TIME).isEqualTo(Long.MIN_VALUE);
        assertThat(state.hasEventTime()).isFalse();
        assertThat(state.anomalyStats()).isEmpty();
        assertThat(state.fits(LSTM)).isTrue();
        assertThat(state.architecture()).isEqualTo(LSTM.config().architectureFingerprint());
        assertThat(state).isEqualTo(KeyState.fresh(LSTM.stateSize()).withArchitecture(state.architecture()));
    }

    @Test
    void advanceCountsStepsAndRemembersTheEventTime() {
        KeyState state = KeyState.fresh(GRU);
        state.advance(1_000L);
        state.advance(2_000L);

        assertThat(state.steps()).isEqualTo(2);
        assertThat(state.lastEventTime()).isEqualTo(2_000L);
        assertThat(state.hasEventTime()).isTrue();
    }

    @Test
    void resetReturnsToFreshInPlaceAndResizesForAnotherModel() {
        KeyState state = KeyState.fresh(LSTM);
        float[] recurrent = state.recurrent();
        recurrent[3] = 1.5f;
        state.setLastForecast(new float[] {1, 2, 3});
        state.setAnomalyStats(new float[] {4});
        state.advance(42L);

        state.reset(LSTM);
        assertThat(state).isEqualTo(KeyState.fresh(LSTM));
        assertThat(state.recurrent()).isSameAs(recurrent); // zeroed, not reallocated

        state.reset(GRU);
        assertThat(state).isEqualTo(KeyState.fresh(GRU));
        assertThat(state.fits(GRU)).isTrue();
        assertThat(state.fits(LSTM)).isFalse();
    }

    @Test
    void fitsChecksRecurrentAndForecastLengths() {
        KeyState state = KeyState.fresh(LSTM);
        state.setLastForecast(new float[LSTM.outputSize()]);
        assertThat(state.fits(LSTM)).isTrue();

        state.setLastForecast(new float[LSTM.outputSize() + 1]);
        assertThat(state.fits(LSTM)).isFalse();

        state.clearLastForecast();
        assertThat(state.fits(LSTM)).isTrue();
        assertThat(KeyState.fresh(LSTM.stateSize() - 1).fits(LSTM)).isFalse();
    }

    @Test
    void setLastForecastCopiesByValueAndReusesTheArray() {
        KeyState state = KeyState.fresh(GRU);
        float[] forecast = {1f};
        state.setLastForecast(forecast);
        float[] stored = state.lastForecast();
        assertThat(stored).isNotSameAs(forecast).containsExactly(1f);

        forecast[0] = 2f;
        assertThat(state.lastForecast()).containsExactly(1f);

        state.setLastForecast(forecast);
        assertThat(state.lastForecast()).isSameAs(stored).containsExactly(2f);
    }

    @Test
    void copyIsDeepAndIndependent() {
        KeyState original = TestStates.random(new SplittableRandom(1), 16, 2, 3);
        KeyState copy = original.copy();
        assertThat(copy).isEqualTo(original).hasSameHashCodeAs(original);
        assertThat(copy.recurrent()).isNotSameAs(original.recurrent());
        assertThat(copy.lastForecast()).isNotSameAs(original.lastForecast());
        assertThat(copy.anomalyStats()).isNotSameAs(original.anomalyStats());

        original.recurrent()[0] = 99f;
        original.lastForecast()[1] = 99f;
        original.anomalyStats()[2] = 99f;
        original.advance(7L);
        assertThat(copy).isNotEqualTo(original);
        assertThat(copy.recurrent()[0]).isNotEqualTo(99f);
    }

    @Test
    void equalityComparesRawFloatBits() {
        KeyState quiet = new KeyState(new float[] {Float.intBitsToFloat(0x7fc00000)}, new float[0], 0, 0, new float[0]);
        KeyState payload =
                new KeyState(new float[] {Float.intBitsToFloat(0x7fc00001)}, new float[0], 0, 0, new float[0]);
        KeyState zero = new KeyState(new float[] {0f}, new float[0], 0, 0, new float[0]);
        KeyState negativeZero = new KeyState(new float[] {-0f}, new float[0], 0, 0, new float[0]);

        assertThat(quiet).isEqualTo(quiet.copy()).isNotEqualTo(payload);
        assertThat(zero).isNotEqualTo(negativeZero);
        assertThat(zero).isNotEqualTo(null).isNotEqualTo("KeyState");
    }

    @Test
    void rejectsNullArraysAndNegativeSteps() {
        float[] none = new float[0];
        assertThatThrownBy(() -> new KeyState(null, none, 0, 0, none))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("recurrent");
        assertThatThrownBy(() -> new KeyState(none, none, -1, 0, none))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("steps");
        assertThatThrownBy(() -> KeyState.fresh(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyState.fresh(KeyStateSerializer.MAX_ARRAY_LENGTH + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringSummarisesLongArrays() {
        KeyState state = KeyState.fresh(128);
        state.setLastForecast(new float[] {1.5f});
        state.advance(1_700_000_000_000L);

        assertThat(state.toString())
                .contains(
                        "steps=1",
                        "lastEventTime=1700000000000",
                        "128 floats [0.0,",
                        "lastForecast=[1.5]",
                        "anomalyStats=[]");
        assertThat(KeyState.fresh(0).toString()).contains("lastEventTime=none");
    }
}
