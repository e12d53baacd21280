package io.streamcell.job;

import io.streamcell.adapt.Adaptation;
import io.streamcell.io.avro.AnomalyAlertRecord;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.avro.ModelUpdateMessage;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.model.kernel.BatchStepKernel;
import io.streamcell.model.kernel.BundleStepKernel;
import io.streamcell.model.kernel.KeyBatchKernel;
import io.streamcell.model.kernel.NativeMath;
import io.streamcell.state.KeyState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forecast operator in bundled stepping mode: the same job as {@link ForecastFunction} (same
 * {@link KeyStepper}, keyed state, timers, outputs and metrics, bit for bit the same forecasts and
 * state per key), but readings are collected into a bundle and all keys of a bundle are stepped
 * with one {@link BundleStepKernel} call, for throughput at the cost of up to
 * {@code bundleTimeout} of latency.
 *
 * <h2>Bundles</h2>
 * Readings ready to step are kept in memory in arrival order. A bundle is flushed when it holds
 * {@code bundleSize} readings, {@code bundleTimeout} (processing time) after its first reading,
 * on every watermark (before the watermark is forwarded, so nothing downstream sees a watermark
 * ahead of forecasts it covers), before every checkpoint barrier ({@link #prepareSnapshotPreBarrier},
 * so the buffer never needs to be checkpointed) and at the end of input. A flush steps in rounds:
 * round r takes the r-th reading of every key in the bundle, so several readings of one key are
 * stepped in order, each round seeing the state the previous one wrote. Per round, each key's state
 * is read with {@code setCurrentKey} on the keyed backend (as Flink's mini-batch operators do),
 * reset and scored ({@link KeyStepper#beforeStep}), all keys step in one kernel call, then each key
 * finishes ({@link KeyStepper#afterStep}), writes its state back and emits.
 *
 * <h2>Event time</h2>
 * As in {@link ForecastFunction}: a reading ahead of the watermark waits in the
 * {@code pending-readings} map state with an event-time timer (same timer service), and when the
 * watermark passes it joins the bundle, which is flushed before the watermark goes on. A reading
 * behind the watermark is stepped (bundled) if within the allowed lateness and not older than the
 * key's last reading, counting readings still in the bundle; otherwise it is a dead letter.
 *
 * <p>Savepoints are interchangeable with per-event mode: same uid, state names, serializers and
 * timer service ({@link ForecastStateDescriptors}).
 *
 * <h2>Model hot-swap</h2>
 * Without hot-swap the operator has one input. With it, it is a two-input operator whose second
 * input is the broadcast stream of model updates (the first is the keyed readings); an update is
 * validated as in {@link ForecastFunction}, and a valid one is installed only after the bundle was
 * flushed with the old model, so that the switch falls on a record boundary: every reading that
 * arrived before the update is stepped by the old model, every one after by the new. The current
 * update's bytes are kept in the same broadcast state as per-event mode's ({@link ModelSwitch}).
 */
public final class BundledForecastOperator extends AbstractStreamOperator<ForecastRecord>
        implements OneInputStreamOperator<DecodedRecord, ForecastRecord>,
                BoundedOneInput,
                TwoInputStreamOperator<DecodedRecord, ModelUpdateMessage, ForecastRecord>,
                BoundedMultiInput,
                Triggerable<Object, VoidNamespace> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BundledForecastOperator.class);

    private final String modelLocation;
    private final JobConfig.OrderingMode ordering;
    private final long allowedLatenessMillis;
    private final Duration resetAfterGap;
    private final Duration stateTtl;
    private final Adaptation adaptation;
    private final int bundleSize;
    private final long bundleTimeoutMillis;

    private transient KeyStepper stepper;
    private final JobConfig.BundleKernel kernelKind;
    private transient KeyBatchKernel kernel;
    private transient ValueState<KeyState> keyState;
    private transient MapState<Long, List<DecodedRecord>> pending;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient ForecastMetrics metrics;
    private transient Bundle bundle;
    private transient boolean timeoutScheduled;
    private transient long bundleDeadline;
    private transient ModelSwitch models;
    private transient BroadcastState<String, byte[]> currentUpdate;

    public BundledForecastOperator(
            String modelLocation, JobConfig.Ordering ordering, JobConfig.State state, JobConfig.Stepping stepping) {
        this.modelLocation = modelLocation;
        this.ordering = ordering.mode();
        this.allowedLatenessMillis = ordering.allowedLateness().toMillis();
        this.resetAfterGap = state.resetAfterGap();
        this.stateTtl = state.ttl();
        this.adaptation = state.adaptation();
        this.bundleSize = stepping.bundleSize();
        this.kernelKind = stepping.kernel();
        this.bundleTimeoutMillis = stepping.bundleTimeout().toMillis();
    }

    @Override
    public void open() throws Exception {
        super.open();
        RecurrentModel model = ModelDirectory.load(modelLocation);
        models = new ModelSwitch(model);
        // Read before anything is stepped: after a restore it holds the model of the checkpoint.
        currentUpdate = getOperatorStateBackend().getBroadcastState(ModelSwitch.CURRENT_UPDATE);
        ModelSwitch.Candidate restored = models.restored(currentUpdate.immutableEntries());
        if (restored != null) { // the keyed state was checkpointed under this model: nothing to reset
            models.install(restored);
            model = restored.model();
            LOG.info("Model {} restored from the checkpoint", model.version());
        }
        stepper = new KeyStepper(model, resetAfterGap, adaptation);
        if (NativeMath.preloadRequested()) {
            NativeMath.ensureConfigured(); // as the per-event operator does: proves ND4J loads safely on restarts
        }
        kernel = newKernel(model);
        keyState = getRuntimeContext().getState(ForecastStateDescriptors.keyState(stateTtl));
        pending = getRuntimeContext().getMapState(ForecastStateDescriptors.pendingReadings());
        timers =
                getInternalTimerService(ForecastStateDescriptors.TIMER_SERVICE, VoidNamespaceSerializer.INSTANCE, this);
        metrics = new ForecastMetrics(getMetricGroup(), () -> stepper.model().version(), true);
        metrics.keysInState.countNowAndOnTtl(
                getKeyedStateBackend(), ForecastStateDescriptors.keyState(stateTtl), getProcessingTimeService());
        bundle = new Bundle(Math.min(bundleSize, 4096));
    }

    ForecastMetrics metrics() {
        return metrics;
    }

    /** The configured bundle kernel for {@code model} (at open and after a hot-swap). */
    private KeyBatchKernel newKernel(RecurrentModel model) {
        return kernelKind == JobConfig.BundleKernel.BLAS
                ? new BatchStepKernel(model, bundleSize)
                : new BundleStepKernel(model);
    }

    @Override
    public void processElement(StreamRecord<DecodedRecord> element) throws Exception {
        metrics.readingsIn.inc();
        DecodedRecord reading = element.getValue();
        Object key = getCurrentKey();
        if (ordering == JobConfig.OrderingMode.ARRIVAL) {
            add(key, reading, element);
            return;
        }
        long watermark = timers.currentWatermark();
        if (reading.eventTime > watermark) { // the usual case: wait for the watermark
            List<DecodedRecord> atTime = pending.get(reading.eventTime);
            if (atTime == null) {
                atTime = new ArrayList<>(1);
                timers.registerEventTimeTimer(VoidNamespace.INSTANCE, reading.eventTime);
            }
            atTime.add(reading);
            pending.put(reading.eventTime, atTime);
            return;
        }
        // Behind the watermark: in order if within the allowed lateness and not older than the
        // key's last reading, which may still be in the bundle rather than in state.
        long last = bundle.lastEventTime(key);
        if (last == Long.MIN_VALUE) {
            KeyState state = keyState.value();
            last = state != null && state.hasEventTime() ? state.lastEventTime() : Long.MIN_VALUE;
        }
        boolean olderThanLast = last != Long.MIN_VALUE && reading.eventTime < last;
        if (reading.eventTime < watermark - allowedLatenessMillis || olderThanLast) {
            metrics.lateReadings.inc();
            output.collect(
                    ForecastOutputs.DEAD_LETTERS,
                    withTimestampOf(
                            element, ForecastOutputs.late(reading, watermark, olderThanLast ? last : Long.MIN_VALUE)));
            return;
        }
        add(key, reading, element);
    }

    @Override
    public void processElement1(StreamRecord<DecodedRecord> element) throws Exception {
        processElement(element);
    }

    /** A model update: flush the bundle with the old model, then validate and install the new one. */
    @Override
    public void processElement2(StreamRecord<ModelUpdateMessage> element) throws Exception {
        ModelUpdateMessage update = element.getValue();
        ModelSwitch.Candidate candidate;
        try {
            candidate = models.validate(update.value);
        } catch (Exception e) {
            metrics.modelUpdatesRejected.inc();
            LOG.warn(
                    "Rejected model update {}: {}; model {} keeps serving",
                    update,
                    e.getMessage(),
                    stepper.model().version());
            if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
                output.collect(
                        ForecastOutputs.DEAD_LETTERS,
                        withTimestampOf(element, update.asDeadLetter(e, System.currentTimeMillis())));
            }
            return;
        }
        flush(); // the readings that came before the update are the old model's
        boolean reset = models.changesArchitecture(candidate);
        String previous = stepper.model().version();
        currentUpdate.clear();
        currentUpdate.put(candidate.modelId(), candidate.bytes());
        models.install(candidate);
        RecurrentModel model = candidate.model();
        stepper = new KeyStepper(model, resetAfterGap, adaptation);
        kernel = newKernel(model);
        if (reset) { // every key's hidden state belongs to the old architecture
            Object keyBefore = getCurrentKey();
            getKeyedStateBackend()
                    .applyToAllKeys(
                            VoidNamespace.INSTANCE,
                            VoidNamespaceSerializer.INSTANCE,
                            ForecastStateDescriptors.keyState(stateTtl),
                            (key, state) -> {
                                KeyState keyed = state.value();
                                if (keyed != null) {
                                    keyed.reset(model);
                                    state.update(keyed);
                                    metrics.stateResets.inc();
                                }
                            });
            if (keyBefore != null) {
                setCurrentKey(keyBefore);
            }
        }
        metrics.modelUpdatesApplied.inc();
        LOG.info(
                "Model {} replaced {}{}",
                model.version(),
                previous,
                reset ? " (new architecture: every key's state was reset)" : "");
    }

    /** The watermark passed {@code timer}'s time: the key's readings of that time join the bundle. */
    @Override
    public void onEventTime(InternalTimer<Object, VoidNamespace> timer) throws Exception {
        long timestamp = timer.getTimestamp();
        List<DecodedRecord> due = pending.get(timestamp);
        if (due == null) {
            return;
        }
        pending.remove(timestamp);
        for (DecodedRecord reading : due) {
            bundle.add(timer.getKey(), reading, true, timestamp);
            if (bundle.size() >= bundleSize) {
                flush();
            }
        }
    }

    @Override
    public void onProcessingTime(InternalTimer<Object, VoidNamespace> timer) {
        // no keyed processing-time timers; the bundle timeout is a plain processing-time callback
    }

    private void add(Object key, DecodedRecord reading, StreamRecord<DecodedRecord> element) throws Exception {
        bundle.add(key, reading, element.hasTimestamp(), element.getTimestamp());
        if (bundle.size() >= bundleSize) {
            flush();
        } else if (bundle.size() == 1) {
            bundleDeadline = getProcessingTimeService().getCurrentProcessingTime() + bundleTimeoutMillis;
            if (!timeoutScheduled) {
                scheduleTimeout();
            }
        }
    }

    private void scheduleTimeout() {
        timeoutScheduled = true;
        getProcessingTimeService().registerTimer(bundleDeadline, this::onBundleTimeout);
    }

    /** A deadline passed: flush the bundle if it is the one the deadline was set for, else wait for its own. */
    private void onBundleTimeout(long time) throws Exception {
        timeoutScheduled = false;
        if (bundle.size() == 0) {
            return;
        }
        if (time >= bundleDeadline) {
            flush();
        } else {
            scheduleTimeout();
        }
    }

    /** Fires the due event-time timers (filling the bundle), steps the bundle, then forwards the watermark. */
    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (timeServiceManager != null) {
            timeServiceManager.advanceWatermark(mark);
        }
        flush();
        output.emitWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush(); // outputs before the barrier; nothing in memory to checkpoint
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        if (bundle.size() > 0) {
            throw new IllegalStateException(bundle.size() + " readings still in the bundle at a snapshot: the "
                    + "bundle is flushed in prepareSnapshotPreBarrier, which must run first");
        }
        super.snapshotState(context);
    }

    @Override
    public void endInput() throws Exception {
        flush();
    }

    /** With hot-swap: the end of the readings (input 1) flushes; the end of the updates changes nothing. */
    @Override
    public void endInput(int inputId) throws Exception {
        if (inputId == 1) {
            flush();
        }
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        if (kernel != null) {
            kernel.close(); // the BLAS kernel's off-heap buffers
        }
        super.close();
    }

    /** One kernel call per {@link KeyBatchKernel#capacity()} keys of a round. */
    private void stepInChunks(float[][] recurrent, float[][] inputs, float[][] forecasts, int n) {
        int capacity = kernel.capacity();
        if (n <= capacity) {
            kernel.step(recurrent, inputs, forecasts, n);
            return;
        }
        for (int first = 0; first < n; first += capacity) {
            int count = Math.min(capacity, n - first);
            kernel.step(
                    java.util.Arrays.copyOfRange(recurrent, first, first + count),
                    java.util.Arrays.copyOfRange(inputs, first, first + count),
                    java.util.Arrays.copyOfRange(forecasts, first, first + count),
                    count);
        }
    }

    /** Steps every reading in the bundle, in rounds of at most one reading per key. */
    private void flush() throws Exception {
        int size = bundle.size();
        if (size == 0) {
            return;
        }
        metrics.bundleSize.update(size);
        Object keyBefore = getCurrentKey();
        List<List<Bundle.Entry>> rounds = bundle.rounds();
        bundle.clear(); // before stepping: a failure must not leave readings to be stepped twice
        for (List<Bundle.Entry> round : rounds) {
            stepRound(round);
        }
        if (keyBefore != null) {
            setCurrentKey(keyBefore);
        }
    }

    private void stepRound(List<Bundle.Entry> round) throws Exception {
        int n = round.size();
        KeyState[] states = new KeyState[n];
        KeyStepper.Scored[] scored = new KeyStepper.Scored[n];
        float[][] recurrent = new float[n][];
        float[][] inputs = new float[n][];
        float[][] forecasts = new float[n][stepper.model().outputSize()];
        for (int i = 0; i < n; i++) {
            Bundle.Entry entry = round.get(i);
            setCurrentKey(entry.key());
            KeyState state = keyState.value();
            if (state == null) {
                state = KeyState.fresh(stepper.model());
                metrics.keyCreated();
            }
            states[i] = state;
            scored[i] = stepper.beforeStep(state, entry.reading().eventTime, entry.reading().features);
            recurrent[i] = state.recurrent(); // after a possible reset
            inputs[i] = scored[i].modelInput();
        }
        long start = System.nanoTime();
        stepInChunks(recurrent, inputs, forecasts, n);
        long perKey = (System.nanoTime() - start) / n;
        String version = stepper.model().version();
        for (int i = 0; i < n; i++) {
            Bundle.Entry entry = round.get(i);
            setCurrentKey(entry.key());
            KeyStepper.Outcome outcome =
                    stepper.afterStep(states[i], entry.reading().eventTime, forecasts[i], scored[i]);
            metrics.stepNanos.update(perKey);
            keyState.update(states[i]);
            metrics.stepped(outcome);
            output.collect(entry.record(ForecastOutputs.forecast(entry.reading(), outcome, version)));
            AnomalyAlertRecord alert = ForecastOutputs.alert(entry.reading(), outcome, version);
            if (alert != null) {
                output.collect(ForecastOutputs.ALERTS, entry.record(alert));
            }
        }
    }

    private static <T> StreamRecord<T> withTimestampOf(StreamRecord<?> element, T value) {
        return element.hasTimestamp() ? new StreamRecord<>(value, element.getTimestamp()) : new StreamRecord<>(value);
    }

    /**
     * Readings waiting to be stepped, in arrival order, with each key's last event time so that a
     * late reading is checked against readings not yet in state.
     */
    private static final class Bundle {
        /** One buffered reading and the timestamp its outputs carry. */
        record Entry(Object key, DecodedRecord reading, boolean hasTimestamp, long timestamp) {
            <T> StreamRecord<T> record(T value) {
                return hasTimestamp ? new StreamRecord<>(value, timestamp) : new StreamRecord<>(value);
            }
        }

        private final List<Entry> entries;
        private final Map<Object, Long> lastEventTime = new HashMap<>();

        Bundle(int expected) {
            this.entries = new ArrayList<>(expected);
        }

        void add(Object key, DecodedRecord reading, boolean hasTimestamp, long timestamp) {
            entries.add(new Entry(key, reading, hasTimestamp, timestamp));
            lastEventTime.put(key, reading.eventTime);
        }

        int size() {
            return entries.size();
        }

        /** The event time of the key's last reading in the bundle, or {@code Long.MIN_VALUE}. */
        long lastEventTime(Object key) {
            Long last = lastEventTime.get(key);
            return last == null ? Long.MIN_VALUE : last;
        }

        /** Round r holds the r-th reading of each key, keys in order of their first reading. */
        List<List<Entry>> rounds() {
            Map<Object, Integer> seen = new HashMap<>();
            List<List<Entry>> rounds = new ArrayList<>();
            for (Entry entry : entries) {
                int r = seen.merge(entry.key(), 1, Integer::sum) - 1;
                if (r == rounds.size()) {
                    rounds.add(new ArrayList<>());
                }
                rounds.get(r).add(entry);
            }
            return rounds;
        }

        void clear() {
            entries.clear();
            lastEventTime.clear();
        }
    }
}
