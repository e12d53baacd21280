package io.streamcell.core;

import io.streamcell.model.RecurrentModel;
import io.streamcell.model.kernel.BatchStepKernel;
import io.streamcell.model.kernel.BundleStepKernel;
import io.streamcell.model.kernel.KeyBatchKernel;
import io.streamcell.state.KeyState;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Steps the readings of many keys with one model, one reading at a time ({@link #stepOne}) or a
 * bundle at a time ({@link #stepBundle}), wherever the keys' states live: the Flink operator keeps
 * them in keyed state, replay in a map ({@link KeyStore}). Both stepping paths give the same outputs
 * and states (bit for bit with the {@link StepSettings.Kernel#PLAIN} kernel).
 *
 * <p>Owns the serving model's {@link KeyStepper} and bundle kernel; {@link #install} switches to
 * another model between two readings. Not thread-safe: one per operator instance.
 *
 * @param <K> the key
 * @param <T> what the caller keeps with each reading to emit its outputs
 */
public final class KeyedStepping<K, T> implements AutoCloseable {

    /** Where the keys' states live. */
    public interface KeyStore<K> {
        /** The key's state, or a fresh one for {@code model} when the key has none. */
        KeyState load(K key, RecurrentModel model) throws Exception;

        /** Writes the (mutated) state back. */
        void store(K key, KeyState state) throws Exception;
    }

    /** Receives each stepped reading's outcome. */
    @FunctionalInterface
    public interface Emitter<K, T> {
        /**
         * @param stepNanos time of the recurrent step (for a bundle: its kernel call over its keys)
         */
        void emit(K key, T item, KeyStepper.Outcome outcome, long stepNanos) throws Exception;
    }

    private final StepSettings settings;
    private final Function<RecurrentModel, KeyBatchKernel> kernels;
    private final int restoredArchitecture;
    private KeyStepper stepper;
    private KeyBatchKernel kernel; // null when stepping per event

    /**
     * @param model the model serving from the start (after a restore: the one the states were
     *     checkpointed under)
     */
    public KeyedStepping(RecurrentModel model, StepSettings settings) {
        this(model, settings, m -> newKernel(m, settings));
    }

    /** With the bundle kernels made by {@code kernels} (tests watch their lifecycle). */
    KeyedStepping(RecurrentModel model, StepSettings settings, Function<RecurrentModel, KeyBatchKernel> kernels) {
        this.settings = settings;
        this.kernels = kernels;
        this.restoredArchitecture = model.config().architectureFingerprint();
        install(model);
    }

    public StepSettings settings() {
        return settings;
    }

    /** The model serving now. */
    public RecurrentModel model() {
        return stepper.model();
    }

    /**
     * Serves {@code model} from the next reading on. A key whose state another architecture made
     * is reset when its next reading comes (the state records its architecture).
     */
    public void install(RecurrentModel model) {
        stepper = new KeyStepper(model, settings.resetAfterGap(), settings.adaptation(), restoredArchitecture);
        if (kernel != null) {
            kernel.close();
        }
        kernel = settings.perEvent() ? null : kernels.apply(model);
    }

    private static KeyBatchKernel newKernel(RecurrentModel model, StepSettings settings) {
        return settings.kernel() == StepSettings.Kernel.BLAS
                ? new BatchStepKernel(model, settings.bundleSize())
                : new BundleStepKernel(model);
    }

    /** Steps one reading of {@code key}. */
    public void stepOne(K key, long eventTime, float[] features, T item, KeyStore<K> store, Emitter<K, T> out)
            throws Exception {
        KeyState state = store.load(key, stepper.model());
        long start = System.nanoTime();
        KeyStepper.Outcome outcome = stepper.step(state, eventTime, features);
        long nanos = System.nanoTime() - start;
        store.store(key, state);
        out.emit(key, item, outcome, nanos);
    }

    /** Empties {@code bundle} and steps its readings, round by round. */
    public void stepBundle(Bundle<K, T> bundle, KeyStore<K> store, Emitter<K, T> out) throws Exception {
        for (List<Bundle.Entry<K, T>> round : bundle.drainRounds()) {
            stepRound(round, store, out);
        }
    }

    /** Steps one round: at most one reading per key, all keys in one kernel call per kernel capacity. */
    private void stepRound(List<Bundle.Entry<K, T>> round, KeyStore<K> store, Emitter<K, T> out) throws Exception {
        if (kernel == null) { // per-event settings given a bundle: step in order
            for (Bundle.Entry<K, T> entry : round) {
                stepOne(entry.key(), entry.eventTime(), entry.features(), entry.item(), store, out);
            }
            return;
        }
        int n = round.size();
        RecurrentModel model = stepper.model();
        KeyState[] states = new KeyState[n];
        KeyStepper.Scored[] scored = new KeyStepper.Scored[n];
        float[][] recurrent = new float[n][];
        float[][] inputs = new float[n][];
        float[][] forecasts = new float[n][model.outputSize()];
        for (int i = 0; i < n; i++) {
            Bundle.Entry<K, T> entry = round.get(i);
            states[i] = store.load(entry.key(), model);
            scored[i] = stepper.beforeStep(states[i], entry.eventTime(), entry.features());
            recurrent[i] = states[i].recurrent(); // after a possible reset
            inputs[i] = scored[i].modelInput();
        }
        long start = System.nanoTime();
        stepInChunks(recurrent, inputs, forecasts, n);
        long perKey = (System.nanoTime() - start) / n;
        for (int i = 0; i < n; i++) {
            Bundle.Entry<K, T> entry = round.get(i);
            KeyStepper.Outcome outcome = stepper.afterStep(states[i], entry.eventTime(), forecasts[i], scored[i]);
            store.store(entry.key(), states[i]);
            out.emit(entry.key(), entry.item(), outcome, perKey);
        }
    }

    /** One kernel call per {@link KeyBatchKernel#capacity()} keys. */
    private void stepInChunks(float[][] recurrent, float[][] inputs, float[][] forecasts, int n) {
        int capacity = kernel.capacity();
        if (n <= capacity) {
            kernel.step(recurrent, inputs, forecasts, n);
            return;
        }
        for (int first = 0; first < n; first += capacity) {
            int count = Math.min(capacity, n - first);
            kernel.step(
                    Arrays.copyOfRange(recurrent, first, first + count),
                    Arrays.copyOfRange(inputs, first, first + count),
                    Arrays.copyOfRange(forecasts, first, first + count),
                    count);
        }
    }

    /** Frees the bundle kernel's native memory, if any. */
    @Override
    public void close() {
        if (kernel != null) {
            kernel.close();
            kernel = null;
        }
    }
}
