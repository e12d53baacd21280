package io.streamcell.job;

import io.streamcell.core.Bundle;
import io.streamcell.core.EventOrdering;
import io.streamcell.core.KeyStepper;
import io.streamcell.core.KeyedStepping;
import io.streamcell.core.ModelSwitch;
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
import org.apache.flink.api.common.state.BroadcastState;
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
 * watermark passes it; a reading behind the watermark is stepped if within the allowed lateness and
 * not older than the key's last reading (counting readings still in the bundle), and is a dead
 * letter otherwise.
 *
 * <h2>Model hot-swap</h2>
 * With hot-swap the second input is the broadcast stream of model updates. Each is validated
 * ({@link ModelSwitch}); an invalid one becomes an {@code invalid_model} dead letter (from subtask 0
 * only, as every instance sees it) and the old model keeps serving. A valid one is installed after
 * the bundle was flushed with the old model, so the switch falls between two readings and every
 * output is made, and stamped, by exactly one model. Keys keep their state when the architecture is
 * the same; when it is not, each key's state is reset when its next reading comes (its state
 * records the architecture that made it; counted in {@code stateResets}), so a switch costs no scan
 * of every key. The
 * update's bytes go into broadcast state, so a restored job serves the same model from its first
 * reading.
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
    private final StepSettings settings;
    private final boolean bundled;
    private final long bundleTimeoutMillis;
    private final Duration stateTtl;

    private transient KeyedStepping<Object, Pending> stepping;
    private transient ValueState<KeyState> keyState;
    private transient MapState<Long, List<DecodedRecord>> pending;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient ForecastMetrics metrics;
    private transient Bundle<Object, Pending> bundle;
    private transient boolean timeoutScheduled;
    private transient long bundleDeadline;
    private transient ModelSwitch models;
    private transient BroadcastState<String, byte[]> currentUpdate;
    private transient KeyedStepping.KeyStore<Object> currentKeyStore;
    private transient KeyedStepping.KeyStore<Object> anyKeyStore;
    private transient KeyedStepping.Emitter<Object, Pending> emitter;

    public ForecastOperator(
            String modelLocation, JobConfig.Ordering ordering, JobConfig.State state, JobConfig.Stepping stepping) {
        this.modelLocation = modelLocation;
        this.settings = JobConfig.stepSettings(ordering, state, stepping);
        this.bundled = stepping.mode() == JobConfig.SteppingMode.BUNDLED;
        this.bundleTimeoutMillis = stepping.bundleTimeout().toMillis();
        this.stateTtl = state.ttl();
    }

    /** Per-event stepping. */
    public ForecastOperator(String modelLocation, JobConfig.Ordering ordering, JobConfig.State state) {
        this(modelLocation, ordering, state, JobConfig.Stepping.perEvent());
    }

    @Override
    public void open() throws Exception {
        super.open();
        RecurrentModel model = ModelDirectory.load(modelLocation);
        models = new ModelSwitch(model);
        // Read before anything is stepped: after a restore it holds the model of the checkpoint.
        currentUpdate = getOperatorStateBackend().getBroadcastState(ForecastStateDescriptors.CURRENT_UPDATE);
        ModelSwitch.Candidate restored = models.restored(currentUpdate.immutableEntries());
        if (restored != null) { // the keyed state was checkpointed under this model: nothing to reset
            models.install(restored);
            model = restored.model();
            LOG.info("Model {} restored from the checkpoint", model.version());
        }
        stepping = new KeyedStepping<>(model, settings);
        if (NativeMath.preloadRequested()) {
            NativeMath.ensureConfigured(); // proves ND4J loads safely on restarts, whatever the kernel
        }
        keyState = getRuntimeContext().getState(keyStateDescriptor());
        pending = getRuntimeContext().getMapState(ForecastStateDescriptors.pendingReadings());
        timers =
                getInternalTimerService(ForecastStateDescriptors.TIMER_SERVICE, VoidNamespaceSerializer.INSTANCE, this);
        metrics = new ForecastMetrics(getMetricGroup(), () -> stepping.model().version(), bundled);
        metrics.keysInState.countNowAndOnTtl(getKeyedStateBackend(), keyStateDescriptor(), getProcessingTimeService());
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
                        ForecastOutputs.DEAD_LETTERS, withTimestampOf(element, ForecastOutputs.late(reading, reason)));
                return;
            }
        }
        step(new Pending(reading, element.hasTimestamp(), element.getTimestamp()));
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
                    stepping.model().version());
            if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
                output.collect(
                        ForecastOutputs.DEAD_LETTERS,
                        withTimestampOf(element, update.asDeadLetter(e, System.currentTimeMillis())));
            }
            return;
        }
        flush(); // the readings that came before the update are the old model's
        boolean reset = models.changesArchitecture(candidate);
        String previous = stepping.model().version();
        currentUpdate.clear();
        currentUpdate.put(candidate.modelId(), candidate.bytes());
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

    /** The watermark passed {@code timer}'s time: the key's readings of that time are stepped. */
    @Override
    public void onEventTime(InternalTimer<Object, VoidNamespace> timer) throws Exception {
        long timestamp = timer.getTimestamp();
        List<DecodedRecord> due = pending.get(timestamp);
        if (due == null) {
            return;
        }
        pending.remove(timestamp);
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
