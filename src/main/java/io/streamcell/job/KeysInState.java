package io.streamcell.job;

import io.streamcell.state.KeyState;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;

/**
 * The {@code keysInState} gauge: keys holding forecast state on this parallel instance. Neither
 * state backend keeps a key count, so the keys are counted from the backend once, when the operator
 * opens (after a restore or rescale), and then every key stepped for the first time is added.
 *
 * <p>It is never counted again while the job runs: a count walks every key on the task thread,
 * which holds back checkpoint barriers for as long as it takes (minutes with millions of keys in
 * RocksDB). So keys whose state {@code state.ttl} removed stay in the gauge until the next restore,
 * and a key that comes back after its state expired is counted again: with a TTL the gauge is an
 * upper bound. On RocksDB the backend's own estimate, which it keeps as it compacts, is the number
 * to watch (the job turns on its {@code rocksdb.estimate-num-keys} metric; docs/operations.md "Metrics").
 */
final class KeysInState {
    private long counted;
    private long addedSinceCount;

    /** A key got its first state since the last count. */
    void added() {
        addedSinceCount++;
    }

    long value() {
        return counted + addedSinceCount;
    }

    /** Counts the keys in {@code backend} that hold {@code keyState}; call once, when the operator opens. */
    void count(KeyedStateBackend<?> backend, ValueStateDescriptor<KeyState> keyState) throws Exception {
        // Registering the state first: a backend lists keys only of states it knows by name.
        backend.getOrCreateKeyedState(VoidNamespaceSerializer.INSTANCE, keyState);
        try (Stream<?> keys = backend.getKeys(keyState.getName(), VoidNamespace.INSTANCE)) {
            counted = keys.count();
        }
        addedSinceCount = 0;
    }
}
