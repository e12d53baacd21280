package io.streamcell.replay;

import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.job.KeyStepper;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.kernel.BatchStepKernel;
import io.streamcell.state.KeyState;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replays readings through a model, key by key in arrival order, one step per reading, with the
 * forecast operator's own per-key logic ({@link KeyStepper}, {@link KeyState}), and hands each
 * reading's outcome to a sink in input order. Keeps per-key state in memory.
 *
 * <p>With the batched kernel, consecutive readings of distinct keys are collected into a bundle of
 * up to {@code batchSize} and stepped together; a key seen again closes the bundle first, so each
 * key still advances one reading at a time and in order. Not thread-safe.
 */
public final class ReplayEngine implements AutoCloseable {

    /** Receives outcomes in input order. */
    @FunctionalInterface
    public interface OutcomeSink {
        void accept(Row row, KeyStepper.Outcome outcome) throws IOException;
    }

    private final RecurrentModel model;
    private final KeyStepper stepper;
    private final BatchStepKernel batchKernel;
    private final Map<String, KeyState> states = new HashMap<>();
    private final List<Row> bundle = new ArrayList<>();
    private final Set<String> bundleKeys = new HashSet<>();
    private final KeyStepper.Scored[] bundleScores;
    private final float[][] bundleRecurrent;
    private final float[][] bundleFeatures;
    private final float[][] bundleForecasts;
    private long steps;

    /** @param batchSize 1 for the per-event kernel, more for the batched kernel */
    public ReplayEngine(RecurrentModel model, int batchSize) {
        this(model, batchSize, null);
    }

    /** @param resetAfterGap as the job's {@code state.reset-after-gap}; null never resets */
    public ReplayEngine(RecurrentModel model, int batchSize, Duration resetAfterGap) {
        this(model, batchSize, resetAfterGap, null);
    }

    /** @param adaptation as the job's {@code adaptation.*} options; null does not adapt */
    public ReplayEngine(
            RecurrentModel model, int batchSize, Duration resetAfterGap, io.streamcell.adapt.Adaptation adaptation) {
        this.model = model;
        this.stepper = new KeyStepper(model, resetAfterGap, adaptation);
        if (batchSize > 1) {
            this.batchKernel = new BatchStepKernel(model, batchSize);
            this.bundleScores = new KeyStepper.Scored[batchSize];
            this.bundleRecurrent = new float[batchSize][];
            this.bundleFeatures = new float[batchSize][];
            this.bundleForecasts = new float[batchSize][];
        } else {
            this.batchKernel = null;
            this.bundleScores = null;
            this.bundleRecurrent = null;
            this.bundleFeatures = null;
            this.bundleForecasts = null;
        }
    }

    public void accept(Row row, OutcomeSink sink) throws IOException {
        if (batchKernel == null) {
            KeyStepper.Outcome outcome = stepper.step(stateOf(row.key()), row.epochMillis(), row.features());
            steps++;
            sink.accept(row, outcome);
            return;
        }
        if (bundleKeys.contains(row.key()) || bundle.size() == batchKernel.capacity()) {
            flush(sink);
        }
        bundle.add(row);
        bundleKeys.add(row.key());
    }

    /** Steps whatever the current bundle holds; call at the end of input. */
    public void flush(OutcomeSink sink) throws IOException {
        if (batchKernel == null || bundle.isEmpty()) {
            return;
        }
        int count = bundle.size();
        for (int b = 0; b < count; b++) {
            Row row = bundle.get(b);
            KeyState state = stateOf(row.key());
            bundleScores[b] = stepper.beforeStep(state, row.epochMillis(), row.features());
            bundleRecurrent[b] = state.recurrent();
            bundleFeatures[b] = bundleScores[b].modelInput();
            bundleForecasts[b] = new float[model.outputSize()];
        }
        batchKernel.step(bundleRecurrent, bundleFeatures, bundleForecasts, count);
        for (int b = 0; b < count; b++) {
            Row row = bundle.get(b);
            KeyStepper.Outcome outcome =
                    stepper.afterStep(stateOf(row.key()), row.epochMillis(), bundleForecasts[b], bundleScores[b]);
            steps++;
            sink.accept(row, outcome);
        }
        bundle.clear();
        bundleKeys.clear();
    }

    private KeyState stateOf(String key) {
        return states.computeIfAbsent(key, k -> KeyState.fresh(model));
    }

    /** The current state of {@code key} (live, not a copy), or null if never seen. */
    public KeyState state(String key) {
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
