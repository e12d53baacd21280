package io.streamcell.job;

import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.state.KeyState;
import io.streamcell.state.KeyStateTypeInfo;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The forecast operator's state in one place: names, serializers, TTL and timer service are part of
 * every savepoint (under the operator uid {@link #OPERATOR_UID}), so they never change. The timer
 * service and broadcast state names are those of Flink's keyed broadcast operator, which ran the
 * per-event mode in earlier releases.
 */
final class ForecastStateDescriptors {
    /** The forecast operator's uid in the job graph, whichever stepping mode runs it. */
    static final String OPERATOR_UID = "recurrent-forecast";

    /** The timer service of the event-time readings (the name {@code KeyedProcessOperator} uses). */
    static final String TIMER_SERVICE = "user-timers";

    /**
     * Broadcast state: the installed model update by model id (one entry), as a
     * {@link io.streamcell.core.ModelReference} (earlier releases kept the whole update's bytes);
     * empty while the configured model serves ({@link io.streamcell.core.ModelSwitch}).
     */
    static final MapStateDescriptor<String, byte[]> CURRENT_UPDATE = new MapStateDescriptor<>(
            "model-updates", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    /**
     * Union list state: the installed update's inline weights, kept by parallel instance 0 only, so a
     * checkpoint holds them once (broadcast state would hold one copy per instance); on a restore
     * every instance receives them. Empty for an update by uri.
     */
    static final ListStateDescriptor<byte[]> INLINE_WEIGHTS =
            new ListStateDescriptor<>("model-update-weights", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

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

    /**
     * Event-time mode: how many readings the key has in {@link #pendingReadings} and their bytes
     * ({@link io.streamcell.core.PendingLimits#readingBytes}), {@code [count, bytes]}; absent when none,
     * and in savepoints of releases before the bound (then counted from the map when needed).
     */
    static ValueStateDescriptor<long[]> pendingSize() {
        return new ValueStateDescriptor<>("pending-size", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    /** Event-time mode: readings waiting for the watermark, by event time, in arrival order. */
    static MapStateDescriptor<Long, List<DecodedRecord>> pendingReadings() {
        return new MapStateDescriptor<>(
                "pending-readings", Types.LONG, Types.LIST(TypeInformation.of(DecodedRecord.class)));
    }
}
