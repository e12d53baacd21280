package io.streamcell.job;

import io.streamcell.state.KeyState;
import java.time.Duration;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;

/**
 * The {@code keysInState} gauge: keys holding forecast state on this parallel instance. Neither
 * state backend keeps a key count, so the keys are counted from the backend when the operator opens
 * (after a restore or rescale) and then every key stepped for the first time is added. Keys only
 * leave state through {@code state.ttl}; with a TTL the backend is counted again every
 * {@link #RECOUNT_INTERVAL}, so expired keys leave the gauge once Flink's TTL cleanup has removed
 * them (incrementally on the heap backend, at compaction on RocksDB).
 */
final class KeysInState {
    /** How often keys are counted again when a TTL can remove them; a count walks every key. */
    static final Duration RECOUNT_INTERVAL = Duration.ofMinutes(1);

    private long counted;
    private long addedSinceCount;

    /** A key got its first state since the last count. */
    void added() {
        addedSinceCount++;
    }

    long value() {
        return counted + addedSinceCount;
    }

    /** Counts the keys in {@code backend} that hold {@code keyState}; call from the task thread. */
    void count(KeyedStateBackend<?> backend, ValueStateDescriptor<KeyState> keyState) throws Exception {
        // Registering the state first: a backend lists keys only of states it knows by name.
        backend.getOrCreateKeyedState(VoidNamespaceSerializer.INSTANCE, keyState);
        try (Stream<?> keys = backend.getKeys(keyState.getName(), VoidNamespace.INSTANCE)) {
            counted = keys.count();
        }
        addedSinceCount = 0;
    }

    /**
     * Counts now and, if {@code keyState} has a TTL, again every {@link #RECOUNT_INTERVAL} of
     * processing time (the callbacks run in the task thread, between records).
     */
    void countNowAndOnTtl(
            KeyedStateBackend<?> backend, ValueStateDescriptor<KeyState> keyState, ProcessingTimeService time)
            throws Exception {
        count(backend, keyState);
        if (keyState.getTtlConfig().isEnabled()) {
            long interval = RECOUNT_INTERVAL.toMillis();
            time.scheduleWithFixedDelay(timestamp -> count(backend, keyState), interval, interval);
        }
    }
}
