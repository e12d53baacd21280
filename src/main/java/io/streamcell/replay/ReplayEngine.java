package io.streamcell.replay;

import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.kernel.BatchStepKernel;
import io.streamcell.model.kernel.StepKernel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replays readings through a model, key by key in arrival order, one step per reading, and hands
 * each reading's forecast to a sink in input order. Keeps per-key state in memory.
 *
 * <p>With the batched kernel, consecutive readings of distinct keys are collected into a bundle of
 * up to {@code batchSize} and stepped together; a key seen again closes the bundle first, so each
 * key still advances one reading at a time and in order. Not thread-safe.
 */
public final class ReplayEngine implements AutoCloseable {

    /** Receives forecasts in input order. */
    @FunctionalInterface
    public interface ForecastSink {
        void accept(Row row, float[] forecast) throws IOException;
    }

    private final RecurrentModel model;
    private final StepKernel stepKernel;
    private final BatchStepKernel batchKernel;
    private final Map<String, float[]> states = new HashMap<>();
    private final List<Row> bundle = new ArrayList<>();
    private final Set<String> bundleKeys = new HashSet<>();
    private final float[][] bundleStates;
    private final float[][] bundleFeatures;
    private final float[][] bundleForecasts;
    private long steps;

    /** @param batchSize 0 or 1 for the per-event kernel, more for the batched kernel */
    public ReplayEngine(RecurrentModel model, int batchSize) {
        this.model = model;
        if (batchSize > 1) {
            this.stepKernel = null;
            this.batchKernel = new BatchStepKernel(model, batchSize);
            this.bundleStates = new float[batchSize][];
            this.bundleFeatures = new float[batchSize][];
            this.bundleForecasts = new float[batchSize][];
        } else {
            this.stepKernel = new StepKernel(model);
            this.batchKernel = null;
            this.bundleStates = null;
            this.bundleFeatures = null;
            this.bundleForecasts = null;
        }
    }

    public void accept(Row row, ForecastSink sink) throws IOException {
        if (batchKernel == null) {
            float[] forecast = new float[model.outputSize()];
            stepKernel.step(stateOf(row.key()), row.features(), forecast);
            steps++;
            sink.accept(row, forecast);
            return;
        }
        if (bundleKeys.contains(row.key()) || bundle.size() == batchKernel.capacity()) {
            flush(sink);
        }
        bundle.add(row);
        bundleKeys.add(row.key());
    }

    /** Steps whatever the current bundle holds; call at the end of input. */
    public void flush(ForecastSink sink) throws IOException {
        if (batchKernel == null || bundle.isEmpty()) {
            return;
        }
        int count = bundle.size();
        for (int b = 0; b < count; b++) {
            Row row = bundle.get(b);
            bundleStates[b] = stateOf(row.key());
            bundleFeatures[b] = row.features();
            bundleForecasts[b] = new float[model.outputSize()];
        }
        batchKernel.step(bundleStates, bundleFeatures, bundleForecasts, count);
        steps += count;
        for (int b = 0; b < count; b++) {
            sink.accept(bundle.get(b), bundleForecasts[b]);
        }
        bundle.clear();
        bundleKeys.clear();
    }

    private float[] stateOf(String key) {
        return states.computeIfAbsent(key, k -> model.newState());
    }

    /** The current state of {@code key} (live, not a copy), or null if never seen. */
    public float[] state(String key) {
        return states.get(key);
    }

    public int keyCount() {
        return states.size();
    }

    public long steps() {
        return steps;
    }

    @Override
    public void close() {
        if (batchKernel != null) {
            batchKernel.close();
        }
    }
}
