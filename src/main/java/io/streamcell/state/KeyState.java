package io.streamcell.state;

import io.streamcell.model.RecurrentModel;
import java.util.Arrays;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * Everything the forecast operator keeps for one key, mutated in place and written back to keyed
 * state after each event. Stored with {@link KeyStateSerializer}, never Kryo.
 *
 * <p>Fields:
 * <ul>
 *   <li>{@link #recurrent()}: h (and, for LSTM, c) of every layer in the flat layout of
 *       {@link RecurrentModel} ({@link RecurrentModel#stateSize()} floats, zero for a new key);
 *   <li>{@link #lastForecast()}: the forecast made after the previous event
 *       ({@link RecurrentModel#outputSize()} floats), or empty when there is none yet (new key,
 *       after a reset), so the next observation can be scored against it;
 *   <li>{@link #steps()}: events stepped since the last reset;
 *   <li>{@link #lastEventTime()}: epoch milliseconds of the last event consumed, or
 *       {@link #NO_EVENT_TIME};
 *   <li>{@link #anomalyStats()}: fixed-size per-key error statistics of the anomaly detector;
 *       empty for a new key;
 *   <li>{@link #inputStats()}: the key's online input normalisation statistics, for models that
 *       normalise per key (empty otherwise, and for a new key). Since layout 2.
 *   <li>{@link #readout()}: the key's online-adapted readout (weights and learner statistics of
 *       {@link io.streamcell.adapt.LinearReadout}; empty when the job does not adapt, and for a new
 *       key). Since layout 3.
 *   <li>{@link #forecaster()}: the per-key state of a model's forecast recipe (history, readout,
 *       calibration; {@code io.streamcell.core.Forecaster}; empty for a model without one, and for a
 *       new key). Since layout 4.
 *   <li>{@link #architecture()}: the fingerprint of the model architecture the state was made by
 *       ({@link io.streamcell.model.ModelConfig#architectureFingerprint()}), or
 *       {@link #UNKNOWN_ARCHITECTURE} for a state of an earlier layout. Since layout 4.
 * </ul>
 *
 * <p>The array accessors return the live arrays, not copies: the step kernel writes the new hidden
 * state straight into {@link #recurrent()}. Arrays passed to the constructor are taken over, not
 * copied. Equality compares floats by their raw bits (so two states are equal exactly when they
 * serialize to the same bytes; NaN payloads and the sign of zero count).
 *
 * <p>Not thread-safe; one instance belongs to one key in one operator.
 */
@TypeInfo(KeyStateTypeInfo.Factory.class)
public final class KeyState {

    /** {@link #lastEventTime()} of a state that has not consumed an event. */
    public static final long NO_EVENT_TIME = Long.MIN_VALUE;

    private static final float[] EMPTY = new float[0];
    private static final int TO_STRING_VALUES = 8;

    private float[] recurrent;
    private float[] lastForecast;
    private long steps;
    private long lastEventTime;
    private float[] anomalyStats;
    private float[] inputStats;
    private float[] readout = EMPTY;
    private float[] forecaster = EMPTY;
    private int architecture = UNKNOWN_ARCHITECTURE;

    /** {@link #architecture()} of a state written before states recorded it. */
    public static final int UNKNOWN_ARCHITECTURE = 0;

    /**
     * A state holding the given arrays (taken over, not copied).
     *
     * @throws NullPointerException if an array is null
     * @throws IllegalArgumentException if {@code steps} is negative
     */
    public KeyState(float[] recurrent, float[] lastForecast, long steps, long lastEventTime, float[] anomalyStats) {
        this(recurrent, lastForecast, steps, lastEventTime, anomalyStats, EMPTY);
    }

    /** A state holding the given arrays (taken over, not copied), input statistics included. */
    public KeyState(
            float[] recurrent,
            float[] lastForecast,
            long steps,
            long lastEventTime,
            float[] anomalyStats,
            float[] inputStats) {
        assign(recurrent, lastForecast, steps, lastEventTime, anomalyStats, inputStats);
    }

    /** A new key's state for {@code model}: zero hidden state, no forecast, no events. */
    public static KeyState fresh(RecurrentModel model) {
        KeyState state = fresh(model.stateSize());
        state.architecture = model.config().architectureFingerprint();
        return state;
    }

    /** A new key's state with {@code stateSize} zero recurrent floats, no forecast, no events. */
    public static KeyState fresh(int stateSize) {
        return new KeyState(new float[checkStateSize(stateSize)], EMPTY, 0, NO_EVENT_TIME, EMPTY, EMPTY);
    }

    /** Resets this state to {@link #fresh(RecurrentModel) fresh(model)} in place. */
    public void reset(RecurrentModel model) {
        reset(model.stateSize());
        architecture = model.config().architectureFingerprint();
    }

    /**
     * Resets this state to {@link #fresh(int) fresh(stateSize)} in place: the recurrent array is
     * zeroed (reallocated only if its length differs), the forecast and the anomaly statistics are
     * dropped, the step count and the event time cleared, the architecture unknown.
     */
    public void reset(int stateSize) {
        checkStateSize(stateSize);
        if (recurrent.length == stateSize) {
            Arrays.fill(recurrent, 0f);
        } else {
            recurrent = new float[stateSize];
        }
        lastForecast = EMPTY;
        steps = 0;
        lastEventTime = NO_EVENT_TIME;
        anomalyStats = EMPTY;
        inputStats = EMPTY;
        readout = EMPTY;
        forecaster = EMPTY;
        architecture = UNKNOWN_ARCHITECTURE;
    }

    /**
     * Whether this state can be stepped by {@code model}: its recurrent array has
     * {@link RecurrentModel#stateSize()} floats and its forecast, if any,
     * {@link RecurrentModel#outputSize()}. A state restored from a savepoint taken with a model of
     * another shape does not fit and must be {@link #reset(RecurrentModel) reset}.
     */
    public boolean fits(RecurrentModel model) {
        return recurrent.length == model.stateSize()
                && (lastForecast.length == 0 || lastForecast.length == model.outputSize());
    }

    /** A deep copy. */
    public KeyState copy() {
        KeyState copy = new KeyState(
                recurrent.clone(),
                cloneOrEmpty(lastForecast),
                steps,
                lastEventTime,
                cloneOrEmpty(anomalyStats),
                cloneOrEmpty(inputStats));
        copy.readout = cloneOrEmpty(readout);
        copy.forecaster = cloneOrEmpty(forecaster);
        copy.architecture = architecture;
        return copy;
    }

    /** Makes this state equal to {@code other}, reusing this state's arrays where lengths match. */
    void copyFrom(KeyState other) {
        recurrent = copyInto(other.recurrent, recurrent);
        lastForecast = copyInto(other.lastForecast, lastForecast);
        steps = other.steps;
        lastEventTime = other.lastEventTime;
        anomalyStats = copyInto(other.anomalyStats, anomalyStats);
        inputStats = copyInto(other.inputStats, inputStats);
        readout = copyInto(other.readout, readout);
        forecaster = copyInto(other.forecaster, forecaster);
        architecture = other.architecture;
    }

    /** Replaces every field (arrays taken over), for deserializing into a reused instance. */
    void assign(
            float[] recurrent,
            float[] lastForecast,
            long steps,
            long lastEventTime,
            float[] anomalyStats,
            float[] inputStats,
            float[] readout,
            float[] forecaster,
            int architecture) {
        assign(recurrent, lastForecast, steps, lastEventTime, anomalyStats, inputStats);
        this.readout = Objects.requireNonNull(readout, "readout");
        this.forecaster = Objects.requireNonNull(forecaster, "forecaster");
        this.architecture = architecture;
    }

    private void assign(
            float[] recurrent,
            float[] lastForecast,
            long steps,
            long lastEventTime,
            float[] anomalyStats,
            float[] inputStats) {
        this.recurrent = Objects.requireNonNull(recurrent, "recurrent");
        this.lastForecast = Objects.requireNonNull(lastForecast, "lastForecast");
        this.anomalyStats = Objects.requireNonNull(anomalyStats, "anomalyStats");
        this.inputStats = Objects.requireNonNull(inputStats, "inputStats");
        this.steps = checkSteps(steps);
        this.lastEventTime = lastEventTime;
    }

    /** Hidden (and cell) state of every layer, in {@link RecurrentModel}'s layout; live, not a copy. */
    public float[] recurrent() {
        return recurrent;
    }

    /** The forecast made after the previous event, or an empty array; live, not a copy. */
    public float[] lastForecast() {
        return lastForecast;
    }

    public boolean hasLastForecast() {
        return lastForecast.length > 0;
    }

    /**
     * Stores {@code forecast} as the last forecast, by value. When the current array has the same
     * length it is overwritten in place (no allocation per event), so read the previous forecast
     * before calling this.
     */
    public void setLastForecast(float[] forecast) {
        lastForecast = copyInto(Objects.requireNonNull(forecast, "forecast"), lastForecast);
    }

    /** Drops the last forecast (the next observation is not scored). */
    public void clearLastForecast() {
        lastForecast = EMPTY;
    }

    /** Events stepped since the last reset. */
    public long steps() {
        return steps;
    }

    /** Epoch milliseconds of the last event consumed, or {@link #NO_EVENT_TIME}. */
    public long lastEventTime() {
        return lastEventTime;
    }

    public boolean hasEventTime() {
        return lastEventTime != NO_EVENT_TIME;
    }

    /** Records one more event stepped, consumed at {@code eventTime} (epoch ms). */
    public void advance(long eventTime) {
        steps++;
        lastEventTime = eventTime;
    }

    /** Per-key error statistics of the anomaly detector (empty for now); live, not a copy. */
    public float[] anomalyStats() {
        return anomalyStats;
    }

    /** Stores {@code stats} by value, overwriting the current array in place when lengths match. */
    public void setAnomalyStats(float[] stats) {
        anomalyStats = copyInto(Objects.requireNonNull(stats, "stats"), anomalyStats);
    }

    /** The key's online input normalisation statistics (empty when the model has none); live, not a copy. */
    public float[] inputStats() {
        return inputStats;
    }

    /** Stores {@code stats} by value, overwriting the current array in place when lengths match. */
    public void setInputStats(float[] stats) {
        inputStats = copyInto(Objects.requireNonNull(stats, "stats"), inputStats);
    }

    /** The key's online-adapted readout (empty when the job does not adapt); live, not a copy. */
    public float[] readout() {
        return readout;
    }

    /** Stores {@code state} by value, overwriting the current array in place when lengths match. */
    public void setReadout(float[] state) {
        readout = copyInto(Objects.requireNonNull(state, "state"), readout);
    }

    /** The per-key state of the model's forecast recipe (empty without one); live, not a copy. */
    public float[] forecaster() {
        return forecaster;
    }

    /** Stores {@code state} by value, overwriting the current array in place when lengths match. */
    public void setForecaster(float[] state) {
        forecaster = copyInto(Objects.requireNonNull(state, "state"), forecaster);
    }

    /** This state with {@link #forecaster()} set (taken over, not copied); for building states in one expression. */
    public KeyState withForecaster(float[] state) {
        forecaster = Objects.requireNonNull(state, "state");
        return this;
    }

    /**
     * The fingerprint of the model architecture that made this state, or
     * {@link #UNKNOWN_ARCHITECTURE} for a state of an earlier release.
     */
    public int architecture() {
        return architecture;
    }

    public void setArchitecture(int value) {
        architecture = value;
    }

    /** This state with {@link #architecture()} set; for building states in one expression. */
    public KeyState withArchitecture(int value) {
        architecture = value;
        return this;
    }

    /** This state with {@link #readout()} set (taken over, not copied); for building states in one expression. */
    public KeyState withReadout(float[] state) {
        readout = Objects.requireNonNull(state, "state");
        return this;
    }

    @Override
    public boolean equals(Object other) {
        return this == other
                || other instanceof KeyState that
                        && steps == that.steps
                        && lastEventTime == that.lastEventTime
                        && sameBits(recurrent, that.recurrent)
                        && sameBits(lastForecast, that.lastForecast)
                        && sameBits(anomalyStats, that.anomalyStats)
                        && sameBits(inputStats, that.inputStats)
                        && sameBits(readout, that.readout)
                        && sameBits(forecaster, that.forecaster)
                        && architecture == that.architecture;
    }

    @Override
    public int hashCode() {
        int hash = Long.hashCode(steps);
        hash = 31 * hash + Long.hashCode(lastEventTime);
        hash = 31 * hash + bitsHash(recurrent);
        hash = 31 * hash + bitsHash(lastForecast);
        hash = 31 * hash + bitsHash(anomalyStats);
        hash = 31 * hash + bitsHash(inputStats);
        hash = 31 * hash + bitsHash(readout);
        hash = 31 * hash + bitsHash(forecaster);
        return 31 * hash + architecture;
    }

    @Override
    public String toString() {
        return "KeyState[steps=" + steps
                + ", lastEventTime=" + (hasEventTime() ? Long.toString(lastEventTime) : "none")
                + ", recurrent=" + describe(recurrent)
                + ", lastForecast=" + describe(lastForecast)
                + ", anomalyStats=" + describe(anomalyStats)
                + ", inputStats=" + describe(inputStats)
                + ", readout=" + describe(readout)
                + ", forecaster=" + describe(forecaster)
                + ", architecture=" + Integer.toHexString(architecture) + "]";
    }

    private static String describe(float[] values) {
        if (values.length <= TO_STRING_VALUES) {
            return Arrays.toString(values);
        }
        StringBuilder text = new StringBuilder().append(values.length).append(" floats [");
        for (int i = 0; i < TO_STRING_VALUES; i++) {
            text.append(values[i]).append(", ");
        }
        return text.append("…]").toString();
    }

    static boolean sameBits(float[] a, float[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                return false;
            }
        }
        return true;
    }

    private static int bitsHash(float[] values) {
        int hash = 1;
        for (float value : values) {
            hash = 31 * hash + Float.floatToRawIntBits(value);
        }
        return hash;
    }

    private static float[] copyInto(float[] source, float[] target) {
        if (source.length == 0) {
            return EMPTY;
        }
        if (target == source) {
            return target;
        }
        if (target.length != source.length) {
            return source.clone();
        }
        System.arraycopy(source, 0, target, 0, source.length);
        return target;
    }

    private static float[] cloneOrEmpty(float[] values) {
        return values.length == 0 ? EMPTY : values.clone();
    }

    private static long checkSteps(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps must not be negative: " + steps);
        }
        return steps;
    }

    private static int checkStateSize(int stateSize) {
        if (stateSize < 0 || stateSize > KeyStateSerializer.MAX_ARRAY_LENGTH) {
            throw new IllegalArgumentException(
                    "stateSize " + stateSize + " outside [0, " + KeyStateSerializer.MAX_ARRAY_LENGTH + "]");
        }
        return stateSize;
    }
}
