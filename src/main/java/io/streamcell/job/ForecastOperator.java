package io.streamcell.job;

import io.streamcell.core.Bundle;
import io.streamcell.core.EventOrdering;
import io.streamcell.core.KeyStepper;
import io.streamcell.core.KeyedStepping;
import io.streamcell.core.ModelSwitch;
import io.streamcell.core.PendingLimits;
import io.streamcell.core.StepSettings;
import io.streamcell.io.avro.AnomalyAlertRecord;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.avro.ModelUpdateMessage;
import io.streamcell.io.deadletter.DeadLetterRecord;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.model.kernel.NativeMath;
import io.streamcell.state.KeyState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
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
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forecast operator: the Flink side of per-key stepping (keyed state, event-time timers,
 * outputs, metrics, hot-swap's broadcast state) around {@link KeyedStepping}, which does the work.
 * Per key, each reading is scored against the forecast made for it, the recurrent state advances
 * one step and the new forecast is emitted; alerts and late readings go to side outputs.
 *
 * <h2>Stepping</h2>
 * Per event ({@code stepping.mode: per-event}) each reading is stepped as soon as it is ready.
 * Bundled, ready readings are collected and stepped together ({@link Bundle}, one kernel call per
 * round), for throughput at the cost of up to {@code bundleTimeout} of latency. A bundle is
 * flushed when it holds {@code bundleSize} readings, {@code bundleTimeout} (processing time) after
 * its first reading, on every watermark (before the watermark is forwarded, so nothing downstream
 * sees a watermark ahead of forecasts it covers), before every checkpoint barrier
 * ({@link #prepareSnapshotPreBarrier}, so the bundle never needs to be checkpointed) and at the end
 * of input. Both modes give the same outputs and states, and share uid, state names, serializers
 * and timer service ({@link ForecastStateDescriptors}), so a savepoint of one restores into the
 * other.
 *
 * <h2>Event time</h2>
 * {@link EventOrdering} decides: a reading ahead of the watermark waits in the
 * {@code pending-readings} map state with an event-time timer, and joins the stepping when the
 * watermark passes it, unless its key already has the most readings (or bytes) allowed to wait
 * ({@link PendingLimits}, counted in {@code pending-size}): then it is a {@code buffer_full} dead
 * letter. A reading behind the watermark is stepped if within the allowed lateness and not older
 * than the key's last reading (counting readings still in the bundle), and is a dead letter
 * otherwise. A dead letter of a reading carries the reading encoded again (readings do not carry
 * their record's bytes through the job).
 *
 * <h2>Model hot-swap</h2>
 * With hot-swap the second input is the broadcast stream of model updates, which
 * {@link ModelUpdateValidator} has validated once where they are read: invalid ones never arrive. Each
 * instance loads the update again ({@link ModelSwitch}, through a cache shared by the TaskManager);
 * an update that does not load here although it did there (its file unreadable, or other, on this
 * TaskManager) fails the job rather than leave instances serving different models. A valid one is
 * installed after the bundle was flushed with the old model, so the switch falls between two
 * readings and every output is made, and stamped, by exactly one model. Keys keep their state when
 * the architecture is the same; when it is not, each key's state is reset when its next reading
 * comes (its state records the architecture that made it; counted in {@code stateResets}), so a
 * switch costs no scan of every key. The update's {@link io.streamcell.core.ModelReference} goes
 * into broadcast state and its inline weights, if any, into instance 0's union list state, so a
 * restored job serves the same model from its first reading.
 *
 * <p>The model is loaded in {@link #open} from its configured location (never captured from
 * {@code main}), so every parallel instance and every restart reads the same files.
 */
public final class ForecastOperator extends AbstractStreamOperator<ForecastRecord>
        implements OneInputStreamOperator<DecodedRecord, ForecastRecord>,
                BoundedOneInput,
                TwoInputStreamOperator<DecodedRecord, ModelUpdateMessage, ForecastRecord>,
                BoundedMultiInput,
                Triggerable<Object, VoidNamespace> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ForecastOperator.class);

    /** Alerts raised by the per-key alert policy. */
    public static final OutputTag<AnomalyAlertRecord> ALERTS = ForecastOutputs.ALERTS;

    /** Readings that could not be stepped (late ones) and rejected model updates, as dead letters. */
    public static final OutputTag<DeadLetterRecord> DEAD_LETTERS = ForecastOutputs.DEAD_LETTERS;

    private final String modelLocation;
    private final JobConfig.HotSwap hotSwap;
    private final StepSettings settings;
    private final boolean bundled;
    private final long bundleTimeoutMillis;
    private final Duration stateTtl;

    private transient KeyedStepping<Object, Pending> stepping;
    private transient ValueState<KeyState> keyState;
    private transient MapState<Long, List<DecodedRecord>> pending;
    private transient ValueState<long[]> pendingSize;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient ForecastMetrics metrics;
    private transient Bundle<Object, Pending> bundle;
    private transient boolean timeoutScheduled;
    private transient long bundleDeadline;
    private transient ModelSwitch models;
    private transient BroadcastState<String, byte[]> currentUpdate;
    private transient ListState<byte[]> inlineWeights;
    private transient KeyedStepping.KeyStore<Object> currentKeyStore;
    private transient KeyedStepping.KeyStore<Object> anyKeyStore;
    private transient KeyedStepping.Emitter<Object, Pending> emitter;

    public ForecastOperator(
            String modelLocation,
            JobConfig.Ordering ordering,
            JobConfig.State state,
            JobConfig.Stepping stepping,
            JobConfig.HotSwap hotSwap) {
        this.modelLocation = modelLocation;
        this.hotSwap = hotSwap;
        this.settings = JobConfig.stepSettings(ordering, state, stepping);
        this.bundled = stepping.mode() == JobConfig.SteppingMode.BUNDLED;
        this.bundleTimeoutMillis = stepping.bundleTimeout().toMillis();
        this.stateTtl = state.ttl();
    }

    /** With hot-swap's default limits. */
    public ForecastOperator(
            String modelLocation, JobConfig.Ordering ordering, JobConfig.State state, JobConfig.Stepping stepping) {
        this(modelLocation, ordering, state, stepping, JobConfig.HotSwap.DEFAULTS);
    }

    /** Per-event stepping. */
    public ForecastOperator(String modelLocation, JobConfig.Ordering ordering, JobConfig.State state) {
        this(modelLocation, ordering, state, JobConfig.Stepping.perEvent());
    }

    @Override
    public void open() throws Exception {
        super.open();
        RecurrentModel model = ModelDirectory.load(modelLocation);
        models = new ModelSwitch(model, hotSwap.policy());
        // Read before anything is stepped: after a restore it holds the model of the checkpoint.
        currentUpdate = getOperatorStateBackend().getBroadcastState(ForecastStateDescriptors.CURRENT_UPDATE);
        inlineWeights = getOperatorStateBackend().getUnionListState(ForecastStateDescriptors.INLINE_WEIGHTS);
        ModelSwitch.Candidate restored = models.restored(currentUpdate.immutableEntries(), inlineWeights.get());
        if (restored != null) { // the keyed state was checkpointed under this model: nothing to reset
            models.install(restored);
            keep(restored); // in this release's layout, the inline weights on instance 0 only
            model = restored.model();
            LOG.info("Model {} restored from the checkpoint", model.version());
        } else {
            inlineWeights.clear();
        }
        stepping = new KeyedStepping<>(model, settings);
        if (NativeMath.preloadRequested()) {
            NativeMath.ensureConfigured(); // proves ND4J loads safely on restarts, whatever the kernel
        }
        keyState = getRuntimeContext().getState(keyStateDescriptor());
        pending = getRuntimeContext().getMapState(ForecastStateDescriptors.pendingReadings());
        pendingSize = getRuntimeContext().getState(ForecastStateDescriptors.pendingSize());
        timers =
                getInternalTimerService(ForecastStateDescriptors.TIMER_SERVICE, VoidNamespaceSerializer.INSTANCE, this);
        metrics = new ForecastMetrics(getMetricGroup(), () -> stepping.model().version(), bundled);
        metrics.keysInState.count(getKeyedStateBackend(), keyStateDescriptor());
        bundle = new Bundle<>(Math.min(settings.bundleSize(), 4096));
        currentKeyStore = new KeyedStepping.KeyStore<>() {
            @Override
            public KeyState load(Object key, RecurrentModel model) throws Exception {
                return stateOrFresh(model);
            }

            @Override
            public void store(Object key, KeyState state) throws Exception {
                keyState.update(state);
            }
        };
        anyKeyStore = new KeyedStepping.KeyStore<>() {
            @Override
            public KeyState load(Object key, RecurrentModel model) throws Exception {
                setCurrentKey(key);
                return stateOrFresh(model);
            }

            @Override
            public void store(Object key, KeyState state) throws Exception {
                setCurrentKey(key);
                keyState.update(state);
            }
        };
        emitter = this::emit;
    }

    /** The key state's descriptor (with this job's TTL). */
    ValueStateDescriptor<KeyState> keyStateDescriptor() {
        return ForecastStateDescriptors.keyState(stateTtl);
    }

    ForecastMetrics metrics() {
        return metrics;
    }

    private KeyState stateOrFresh(RecurrentModel model) throws Exception {
        KeyState state = keyState.value();
        if (state == null) {
            state = KeyState.fresh(model);
            metrics.keyCreated();
        }
        return state;
    }

    @Override
    public void processElement(StreamRecord<DecodedRecord> element) throws Exception {
        metrics.readingsIn.inc();
        DecodedRecord reading = element.getValue();
        EventOrdering ordering = settings.ordering();
        if (ordering.eventTime()) {
            long watermark = timers.currentWatermark();
            if (ordering.waits(reading.eventTime, watermark)) { // the usual case: wait for the watermark
                long bytes = PendingLimits.readingBytes(reading.key, reading.features.length);
                long[] size = pendingSize();
                if (!ordering.admits(size[0], size[1], bytes)) {
                    metrics.bufferFullReadings.inc();
                    output.collect(
                            ForecastOutputs.DEAD_LETTERS,
                            withTimestampOf(
                                    element,
                                    ForecastOutputs.bufferFull(
                                            reading, ordering.pending().fullReason(size[0], size[1]), features())));
                    return;
                }
                size[0]++;
                size[1] += bytes;
                pendingSize.update(size);
                List<DecodedRecord> atTime = pending.get(reading.eventTime);
                if (atTime == null) {
                    atTime = new ArrayList<>(1);
                    timers.registerEventTimeTimer(VoidNamespace.INSTANCE, reading.eventTime);
                }
                atTime.add(reading);
                pending.put(reading.eventTime, atTime);
                return;
            }
            long last = lastStepped(getCurrentKey());
            if (ordering.isLate(reading.eventTime, watermark, last)) {
                metrics.lateReadings.inc();
                String reason = ordering.lateReason(reading.eventTime, watermark, last);
                output.collect(
                        ForecastOutputs.DEAD_LETTERS,
                        withTimestampOf(element, ForecastOutputs.late(reading, reason, features())));
                return;
            }
        }
        step(new Pending(reading, element.hasTimestamp(), element.getTimestamp()));
    }

    /** The names of the model's features, in the order of a reading's values. */
    private List<String> features() {
        return stepping.model().config().features();
    }

    /**
     * The current key's waiting readings and their bytes, {@code [count, bytes]}: from
     * {@code pending-size}, or counted from {@code pending-readings} when a savepoint of an earlier
     * release holds them without it.
     */
    private long[] pendingSize() throws Exception {
        long[] size = pendingSize.value();
        if (size != null) {
            return size;
        }
        size = new long[2];
        for (Map.Entry<Long, List<DecodedRecord>> atTime : pending.entries()) {
            for (DecodedRecord waiting : atTime.getValue()) {
                size[0]++;
                size[1] += PendingLimits.readingBytes(waiting.key, waiting.features.length);
            }
        }
        return size;
    }

    /** The event time of the key's last reading stepped or waiting in the bundle, or none. */
    private long lastStepped(Object key) throws Exception {
        long last = bundle.lastEventTime(key);
        if (last == KeyState.NO_EVENT_TIME) {
            KeyState state = keyState.value();
            last = state != null ? state.lastEventTime() : KeyState.NO_EVENT_TIME;
        }
        return last;
    }

    @Override
    public void processElement1(StreamRecord<DecodedRecord> element) throws Exception {
        processElement(element);
    }

    /**
     * A model update (validated where updates are read): flush the bundle with the old model, then
     * load and install the new one.
     *
     * @throws IllegalStateException if the update does not load on this TaskManager: instances that
     *     could load it would serve another model than this one
     */
    @Override
    public void processElement2(StreamRecord<ModelUpdateMessage> element) throws Exception {
        ModelUpdateMessage update = element.getValue();
        ModelSwitch.Candidate candidate;
        try {
            candidate = models.validate(update.value);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "model update " + update + " was valid where the models topic is read, but not on this"
                            + " TaskManager (" + e.getMessage() + "): every TaskManager must read an update's uri with"
                            + " the same content, or parallel instances would serve different models",
                    e);
        }
        flush(); // the readings that came before the update are the old model's
        boolean reset = models.changesArchitecture(candidate);
        String previous = stepping.model().version();
        keep(candidate);
        models.install(candidate);
        RecurrentModel model = candidate.model();
        stepping.install(model); // keys of another architecture reset on their next reading, not all now
        metrics.modelUpdatesApplied.inc();
        LOG.info(
                "Model {} replaced {}{}",
                model.version(),
                previous,
                reset ? " (new architecture: each key's state is reset when its next reading comes)" : "");
    }

    /**
     * Keeps the installed update for a restart: its reference in broadcast state, its inline weights
     * in instance 0's union list state (one copy per checkpoint; a restore hands it to every instance).
     */
    private void keep(ModelSwitch.Candidate candidate) throws Exception {
        currentUpdate.clear();
        currentUpdate.put(candidate.modelId(), candidate.reference().toBytes());
        if (candidate.inlineWeights() != null
                && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            inlineWeights.update(List.of(candidate.inlineWeights()));
        } else {
            inlineWeights.clear();
        }
    }

    /** The watermark passed {@code timer}'s time: the key's readings of that time are stepped. */
    @Override
    public void onEventTime(InternalTimer<Object, VoidNamespace> timer) throws Exception {
        long timestamp = timer.getTimestamp();
        List<DecodedRecord> due = pending.get(timestamp);
        if (due == null) {
            return;
        }
        pending.remove(timestamp);
        long[] size = pendingSize.value();
        if (size != null) { // else an earlier release's savepoint: counted from the map when needed
            size[0] -= due.size();
            for (DecodedRecord reading : due) {
                size[1] -= PendingLimits.readingBytes(reading.key, reading.features.length);
            }
            if (size[0] <= 0) {
                pendingSize.clear();
            } else {
                pendingSize.update(size);
            }
        }
        for (DecodedRecord reading : due) {
            step(new Pending(reading, true, timestamp));
        }
    }

    @Override
    public void onProcessingTime(InternalTimer<Object, VoidNamespace> timer) {
        // no keyed processing-time timers; the bundle timeout is a plain processing-time callback
    }

    /** Steps a reading of the current key now (per event) or adds it to the bundle. */
    private void step(Pending reading) throws Exception {
        Object key = getCurrentKey();
        float[] features = reading.reading().features;
        long eventTime = reading.reading().eventTime;
        if (settings.perEvent()) {
            stepping.stepOne(key, eventTime, features, reading, currentKeyStore, emitter);
            return;
        }
        bundle.add(key, eventTime, features, reading);
        if (bundle.size() >= settings.bundleSize()) {
            flush();
        } else if (bundle.size() == 1) {
            bundleDeadline = getProcessingTimeService().getCurrentProcessingTime() + bundleTimeoutMillis;
            if (!timeoutScheduled) {
                scheduleTimeout();
            }
        }
    }

    private void emit(Object key, Pending reading, KeyStepper.Outcome outcome, long stepNanos) {
        metrics.stepNanos.update(stepNanos);
        metrics.stepped(outcome);
        String version = stepping.model().version();
        output.collect(reading.record(ForecastOutputs.forecast(reading.reading(), outcome, version)));
        AnomalyAlertRecord alert = ForecastOutputs.alert(
                reading.reading(), outcome, stepping.model().config().targets(), version);
        if (alert != null) {
            output.collect(ForecastOutputs.ALERTS, reading.record(alert));
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

    /** Fires the due event-time timers (stepping or bundling), steps the bundle, then forwards the watermark. */
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
        if (stepping != null) {
            stepping.close(); // the BLAS kernel's off-heap buffers
        }
        super.close();
    }

    /** Steps every reading in the bundle. */
    private void flush() throws Exception {
        int size = bundle.size();
        if (size == 0) {
            return;
        }
        metrics.bundleSize.update(size);
        Object keyBefore = getCurrentKey();
        stepping.stepBundle(bundle, anyKeyStore, emitter);
        if (keyBefore != null) {
            setCurrentKey(keyBefore);
        }
    }

    private static <T> StreamRecord<T> withTimestampOf(StreamRecord<?> element, T value) {
        return element.hasTimestamp() ? new StreamRecord<>(value, element.getTimestamp()) : new StreamRecord<>(value);
    }

    /** A reading ready to step, with the timestamp its outputs carry. */
    private record Pending(DecodedRecord reading, boolean hasTimestamp, long timestamp) {
        <T> StreamRecord<T> record(T value) {
            return hasTimestamp ? new StreamRecord<>(value, timestamp) : new StreamRecord<>(value);
        }
    }
}
