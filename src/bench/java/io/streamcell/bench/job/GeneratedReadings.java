package io.streamcell.bench.job;

import io.streamcell.io.avro.DecodedRecord;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * Readings for the job benchmarks: event {@code i} belongs to key {@code i mod keys} (round robin,
 * so every key sees its events in order and the working set is all keys), with {@code features}
 * deterministic values in about [-1, 1]. The event time is either the index (throughput runs) or
 * {@link System#nanoTime()} at generation (latency runs: the sink subtracts it from its own clock;
 * the MiniCluster runs in one JVM, so the clocks agree).
 */
public final class GeneratedReadings implements GeneratorFunction<Long, DecodedRecord> {
    private static final long serialVersionUID = 1L;

    private final int keys;
    private final int features;
    private final boolean nanoTimeStamps;
    private transient String[] keyNames;

    public GeneratedReadings(int keys, int features, boolean nanoTimeStamps) {
        this.keys = keys;
        this.features = features;
        this.nanoTimeStamps = nanoTimeStamps;
    }

    @Override
    public DecodedRecord map(Long index) {
        if (keyNames == null) {
            keyNames = new String[keys];
            for (int k = 0; k < keys; k++) {
                keyNames[k] = "sensor-" + k;
            }
        }
        long i = index;
        float[] values = new float[features];
        long mix = i * 0x9E3779B97F4A7C15L;
        for (int f = 0; f < features; f++) {
            mix ^= mix >>> 29;
            mix *= 0xBF58476D1CE4E5B9L;
            // a slow per-key wave plus hash noise: forecastable enough to score, cheap to make
            values[f] =
                    (float) (0.8 * Math.sin((i / keys) * 0.05 + f) + 0.2 * ((mix >>> 40) / (double) (1L << 24) - 0.5));
        }
        long eventTime = nanoTimeStamps ? System.nanoTime() : i / keys;
        return DecodedRecord.reading(keyNames[(int) (i % keys)], eventTime, values);
    }
}
