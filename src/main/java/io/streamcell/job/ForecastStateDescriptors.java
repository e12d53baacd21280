package io.streamcell.job;

import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.state.KeyState;
import io.streamcell.state.KeyStateTypeInfo;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The forecast operator's keyed state, in one place for both stepping modes: the per-event
 * {@link ForecastFunction} and the {@link BundledForecastOperator} must declare the same names,
 * serializers and TTL (and the same timer service) so that a savepoint of one restores into the
 * other under the operator uid {@link #OPERATOR_UID}.
 */
final class ForecastStateDescriptors {
    /** The forecast operator's uid in the job graph, whichever stepping mode runs it. */
    static final String OPERATOR_UID = "recurrent-forecast";

    /** The timer service of the event-time readings (the name {@code KeyedProcessOperator} uses). */
    static final String TIMER_SERVICE = "user-timers";

    private ForecastStateDescriptors() {}

    /** The key's recurrent state, scores and readout; {@code ttl} null keeps it forever. */
    static ValueStateDescriptor<KeyState> keyState(Duration ttl) {
        ValueStateDescriptor<KeyState> descriptor = new ValueStateDescriptor<>("key-state", new KeyStateTypeInfo());
        if (ttl != null) {
            descriptor.enableTimeToLive(StateTtlConfig.newBuilder(ttl)
                    .updateTtlOnCreateAndWrite()
                    .neverReturnExpired()
                    .build());
        }
        return descriptor;
    }

    /** Event-time mode: readings waiting for the watermark, by event time, in arrival order. */
    static MapStateDescriptor<Long, List<DecodedRecord>> pendingReadings() {
        return new MapStateDescriptor<>(
                "pending-readings", Types.LONG, Types.LIST(TypeInformation.of(DecodedRecord.class)));
    }
}
