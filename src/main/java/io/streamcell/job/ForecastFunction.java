package io.streamcell.job;

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
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forecast operator: per key, score each reading against the forecast made for it, advance the
 * recurrent state one step, emit the new forecast ({@link KeyStepper} does the work; this class is
 * the Flink wiring around it: keyed state, ordering, TTL, metrics).
 *
 * <p>Ordering: in {@link JobConfig.OrderingMode#EVENT_TIME} mode a reading waits in keyed state
 * until the watermark passes its timestamp, then readings are stepped in timestamp order (equal
 * timestamps in arrival order); a reading more than the allowed lateness behind the watermark, or
 * older than the key's last stepped reading, is a dead letter with reason {@code late}. In
 * {@link JobConfig.OrderingMode#ARRIVAL} mode readings are stepped as they come.
 *
 * <p>The model is loaded in {@link #open} from its configured location (never captured from
 * {@code main}), so every parallel instance and every restart reads the same files.
 *
 * <p>Hot-swap: the second (broadcast) input carries model updates from the models topic. Each is
 * validated ({@link ModelSwitch}); an invalid one becomes an {@code invalid_model} dead letter
 * (from subtask 0 only, as every instance sees it) and the old model keeps serving. A valid one
 * replaces the model between two records, so every forecast and alert is made, and stamped, by
 * exactly one model; keys keep their state when the architecture is the same, and are all reset
 * at the switch (counted in {@code stateResets}) when it is not. The update's bytes go into
 * broadcast state, so a restored job installs them before its first record.
 */
public class ForecastFunction
        extends KeyedBroadcastProcessFunction<String, DecodedRecord, ModelUpdateMessage, ForecastRecord> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ForecastFunction.class);

    /** Alerts raised by the per-key alert policy (both stepping modes). */
    public static final OutputTag<AnomalyAlertRecord> ALERTS = ForecastOutputs.ALERTS;

    /** Readings that could not be stepped (late ones), as dead letters (both stepping modes). */
    public static final OutputTag<DeadLetterRecord> DEAD_LETTERS = ForecastOutputs.DEAD_LETTERS;

    private final String modelLocation;
    private final JobConfig.OrderingMode ordering;
    private final long allowedLatenessMillis;
    private final Duration resetAfterGap;
    private final Duration stateTtl;
    private final io.streamcell.adapt.Adaptation adaptation;

    private transient KeyStepper stepper;
    private transient ValueState<KeyState> keyState;
    private transient MapState<Long, List<DecodedRecord>> pending;
    private transient ForecastMetrics metrics;
    private transient ModelSwitch models;
    private transient boolean restoreChecked;

    public ForecastFunction(String modelLocation, JobConfig.Ordering ordering, JobConfig.State state) {
        this.modelLocation = modelLocation;
        this.ordering = ordering.mode();
        this.allowedLatenessMillis = ordering.allowedLateness().toMillis();
        this.resetAfterGap = state.resetAfterGap();
        this.stateTtl = state.ttl();
        this.adaptation = state.adaptation();
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        RecurrentModel model = ModelDirectory.load(modelLocation);
        models = new ModelSwitch(model);
        stepper = new KeyStepper(model, resetAfterGap, adaptation);
        if (NativeMath.preloadRequested()) {
            NativeMath.ensureConfigured(); // loads ND4J's natives; the per-event kernel is plain Java
        }
        keyState = getRuntimeContext().getState(ForecastStateDescriptors.keyState(stateTtl));
        pending = getRuntimeContext().getMapState(ForecastStateDescriptors.pendingReadings());
        metrics = new ForecastMetrics(
                getRuntimeContext().getMetricGroup(), () -> stepper.model().version(), false);
    }

    /** The key state's descriptor (with this job's TTL). */
    ValueStateDescriptor<KeyState> keyStateDescriptor() {
        return ForecastStateDescriptors.keyState(stateTtl);
    }

    ForecastMetrics metrics() {
        return metrics;
    }

    @Override
    public void processBroadcastElement(ModelUpdateMessage update, Context ctx, Collector<ForecastRecord> out)
            throws Exception {
        BroadcastState<String, byte[]> current = ctx.getBroadcastState(ModelSwitch.CURRENT_UPDATE);
        installRestored(current);
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
                ctx.output(DEAD_LETTERS, update.asDeadLetter(e, System.currentTimeMillis()));
            }
            return;
        }
        boolean reset = models.changesArchitecture(candidate);
        String previous = stepper.model().version();
        current.clear();
        current.put(candidate.modelId(), candidate.bytes());
        models.install(candidate);
        stepper = new KeyStepper(candidate.model(), resetAfterGap, adaptation);
        if (reset) { // every key's hidden state belongs to the old architecture
            RecurrentModel model = candidate.model();
            ctx.applyToKeyedState(ForecastStateDescriptors.keyState(stateTtl), (key, state) -> {
                KeyState keyed = state.value();
                if (keyed != null) {
                    keyed.reset(model);
                    state.update(keyed);
                    metrics.stateResets.inc();
                }
            });
        }
        metrics.modelUpdatesApplied.inc();
        LOG.info(
                "Model {} replaced {}{}",
                candidate.model().version(),
                previous,
                reset ? " (new architecture: every key's state was reset)" : "");
    }

    /** Once, before the first record: install the model of the checkpoint this instance restored, if any. */
    private void installRestored(ReadOnlyBroadcastState<String, byte[]> current) throws Exception {
        if (restoreChecked) {
            return;
        }
        restoreChecked = true;
        ModelSwitch.Candidate candidate = models.restored(current.immutableEntries());
        if (candidate != null) { // the keyed state was checkpointed under this model: nothing to reset
            models.install(candidate);
            stepper = new KeyStepper(candidate.model(), resetAfterGap, adaptation);
            LOG.info("Model {} restored from the checkpoint", candidate.model().version());
        }
    }

    @Override
    public void processElement(DecodedRecord reading, ReadOnlyContext ctx, Collector<ForecastRecord> out)
            throws Exception {
        installRestored(ctx.getBroadcastState(ModelSwitch.CURRENT_UPDATE));
        metrics.readingsIn.inc();
        if (ordering == JobConfig.OrderingMode.ARRIVAL) {
            step(reading, ctx, out);
            return;
        }
        long watermark = ctx.timerService().currentWatermark();
        if (reading.eventTime > watermark) { // the usual case: wait for the watermark
            List<DecodedRecord> atTime = pending.get(reading.eventTime);
            if (atTime == null) {
                atTime = new ArrayList<>(1);
                ctx.timerService().registerEventTimeTimer(reading.eventTime);
            }
            atTime.add(reading);
            pending.put(reading.eventTime, atTime);
            return;
        }
        // Behind the watermark: everything earlier for this key has been stepped already, so the
        // reading can still go in order if it is within the allowed lateness and not older than
        // the key's last reading.
        KeyState state = keyState.value();
        boolean olderThanLast = state != null && state.hasEventTime() && reading.eventTime < state.lastEventTime();
        if (reading.eventTime < watermark - allowedLatenessMillis || olderThanLast) {
            metrics.lateReadings.inc();
            ctx.output(
                    DEAD_LETTERS,
                    ForecastOutputs.late(reading, watermark, olderThanLast ? state.lastEventTime() : Long.MIN_VALUE));
            return;
        }
        step(reading, ctx, out);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ForecastRecord> out) throws Exception {
        installRestored(ctx.getBroadcastState(ModelSwitch.CURRENT_UPDATE));
        List<DecodedRecord> due = pending.get(timestamp);
        if (due == null) {
            return;
        }
        pending.remove(timestamp);
        for (DecodedRecord reading : due) {
            step(reading, ctx, out);
        }
    }

    private void step(DecodedRecord reading, ReadOnlyContext ctx, Collector<ForecastRecord> out) throws Exception {
        KeyState state = keyState.value();
        if (state == null) {
            state = KeyState.fresh(stepper.model());
            metrics.keyCreated();
        }
        long start = System.nanoTime();
        KeyStepper.Outcome outcome = stepper.step(state, reading.eventTime, reading.features);
        metrics.stepNanos.update(System.nanoTime() - start);
        keyState.update(state);
        metrics.stepped(outcome);
        String version = stepper.model().version();
        out.collect(ForecastOutputs.forecast(reading, outcome, version));
        AnomalyAlertRecord alert = ForecastOutputs.alert(reading, outcome, version);
        if (alert != null) {
            ctx.output(ALERTS, alert);
        }
    }
}
