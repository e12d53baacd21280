package io.streamcell.core;

import io.streamcell.state.KeyState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Readings waiting to be stepped together, in arrival order, with each key's last event time so
 * that a late reading is checked against readings not yet in state. Stepped in rounds: round r
 * holds the r-th reading of each key, so one key's readings go in order, each round seeing the
 * state the previous one wrote, while the keys of one round step at once. Not thread-safe.
 *
 * @param <K> the key
 * @param <T> what the caller keeps with each reading (to emit its outputs)
 */
public final class Bundle<K, T> {
    /** One buffered reading. */
    public record Entry<K, T>(K key, long eventTime, float[] features, T item) {}

    private final List<Entry<K, T>> entries;
    private final Map<K, Long> lastEventTime = new HashMap<>();

    public Bundle(int expectedSize) {
        this.entries = new ArrayList<>(expectedSize);
    }

    public void add(K key, long eventTime, float[] features, T item) {
        entries.add(new Entry<>(key, eventTime, features, item));
        lastEventTime.put(key, eventTime);
    }

    public int size() {
        return entries.size();
    }

    public boolean contains(K key) {
        return lastEventTime.containsKey(key);
    }

    /** The event time of the key's last reading in the bundle, or {@link KeyState#NO_EVENT_TIME}. */
    public long lastEventTime(K key) {
        Long last = lastEventTime.get(key);
        return last == null ? KeyState.NO_EVENT_TIME : last;
    }

    /**
     * Empties the bundle and returns its readings in rounds (keys in order of their first reading).
     * Emptied first, so that a failure while stepping cannot leave readings to be stepped twice.
     */
    public List<List<Entry<K, T>>> drainRounds() {
        Map<K, Integer> seen = new HashMap<>();
        List<List<Entry<K, T>>> rounds = new ArrayList<>();
        for (Entry<K, T> entry : entries) {
            int r = seen.merge(entry.key(), 1, Integer::sum) - 1;
            if (r == rounds.size()) {
                rounds.add(new ArrayList<>());
            }
            rounds.get(r).add(entry);
        }
        entries.clear();
        lastEventTime.clear();
        return rounds;
    }
}
