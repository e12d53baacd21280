package io.streamcell.bench.job;

import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.state.KeyState;
import io.streamcell.state.KeyStateTypeInfo;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The Flink floor: the forecast job's per-event state traffic with no math. Each event reads the
 * key's {@link KeyState} (same serializer, same recurrent size as the model it stands in for),
 * writes the features into it and back to keyed state, and emits them as the "forecast". What the
 * real operator costs above this is the model.
 */
public final class IdentityForecast extends KeyedProcessFunction<String, DecodedRecord, ForecastRecord> {
    private static final long serialVersionUID = 1L;

    private final int recurrentSize;
    private final int outputSize;
    private transient ValueState<KeyState> keyState;

    /**
     * @param recurrentSize floats of recurrent state per key (LSTM H=64: h and c, 128)
     * @param outputSize forecast values per event (the first features are echoed)
     */
    public IdentityForecast(int recurrentSize, int outputSize) {
        this.recurrentSize = recurrentSize;
        this.outputSize = outputSize;
    }

    @Override
    public void open(OpenContext openContext) {
        keyState = getRuntimeContext().getState(new ValueStateDescriptor<>("key-state", new KeyStateTypeInfo()));
    }

    @Override
    public void processElement(DecodedRecord reading, Context ctx, Collector<ForecastRecord> out) throws Exception {
        KeyState state = keyState.value();
        if (state == null) {
            state = KeyState.fresh(recurrentSize);
        }
        float[] recurrent = state.recurrent();
        System.arraycopy(reading.features, 0, recurrent, 0, Math.min(recurrent.length, reading.features.length));
        float[] forecast = java.util.Arrays.copyOf(reading.features, outputSize);
        state.setLastForecast(forecast);
        state.advance(reading.eventTime);
        keyState.update(state);
        out.collect(new ForecastRecord(reading.key, reading.eventTime, forecast, "identity", state.steps(), null));
    }
}
