package io.streamcell.job;

import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.avro.ModelUpdateMessage;
import java.util.List;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;

/**
 * The operator that runs {@link ForecastFunction} (what {@code BroadcastConnectedStream.process}
 * would make), plus what a function cannot reach: the keyed backend, to count the keys in state
 * after a restore for the {@code keysInState} gauge.
 */
public final class PerEventForecastOperator
        extends CoBroadcastWithKeyedOperator<String, DecodedRecord, ModelUpdateMessage, ForecastRecord> {
    private static final long serialVersionUID = 1L;

    public PerEventForecastOperator(ForecastFunction function) {
        super(function, List.of(ModelSwitch.CURRENT_UPDATE));
    }

    @Override
    public void open() throws Exception {
        super.open(); // opens the function, which registers the metrics
        ForecastFunction function = (ForecastFunction) userFunction;
        function.metrics()
                .keysInState
                .countNowAndOnTtl(getKeyedStateBackend(), function.keyStateDescriptor(), getProcessingTimeService());
    }
}
