package io.streamcell.core;

import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelUpdates;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Models loaded from model updates, shared by all parallel instances of the forecast operator in
 * one JVM (a TaskManager, for one job's class loader): an update is read, checked against its
 * digest and parsed once there, not once per instance, and a model of up to 1 GiB is in memory
 * once. Keyed by content (the digests of config.json and the weights), so a hit is always the
 * model the update describes; {@link RecurrentModel} is immutable, so instances can share it.
 * Holds the {@link #CAPACITY} models used last (the one serving and the one before it).
 */
final class ModelCache {
    static final int CAPACITY = 2;

    /** Loads a model on a miss. */
    @FunctionalInterface
    interface Loader {
        RecurrentModel load() throws Exception;
    }

    private static final Map<String, RecurrentModel> MODELS = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, RecurrentModel> eldest) {
            return size() > CAPACITY;
        }
    };
    private static long loads;

    private ModelCache() {}

    /**
     * The model of {@code reference}, loaded by {@code loader} unless another instance did. One
     * load at a time: instances asking for the same model while it loads wait for it.
     */
    static synchronized RecurrentModel get(ModelReference reference, Loader loader) throws Exception {
        String key = key(reference);
        RecurrentModel model = MODELS.get(key);
        if (model == null) {
            model = loader.load();
            loads++;
            MODELS.put(key, model);
        }
        return model;
    }

    /** How many models were loaded (misses), for tests. */
    static synchronized long loads() {
        return loads;
    }

    static synchronized void clear() {
        MODELS.clear();
    }

    private static String key(ModelReference reference) {
        return ModelUpdates.sha256(reference.configJson().getBytes(StandardCharsets.UTF_8)) + ":"
                + reference.weightsSha256();
    }
}
