package io.streamcell.replay;

import io.streamcell.adapt.Adaptation;
import io.streamcell.core.Bundle;
import io.streamcell.core.EventOrdering;
import io.streamcell.core.KeyStepper;
import io.streamcell.core.KeyedStepping;
import io.streamcell.core.PendingLimits;
import io.streamcell.core.StepSettings;
import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.RecurrentModel;
import io.streamcell.state.KeyState;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Replays readings through a model as the forecast job steps them, with the job's own per-key code
 * ({@link KeyedStepping}) and {@link StepSettings}: event-time ordering against a watermark
 * simulated the way the job's watermark strategy computes it, gap resets, online adaptation, and
 * per-event or bundled stepping with the job's kernels. Per-key state lives in memory. Outcomes
 * reach the sink in input order (a late reading, which the job would dead-letter, as
 * {@link OutcomeSink#late}; one its key had no room to wait for, as {@link OutcomeSink#bufferFull},
 * under the job's {@link io.streamcell.core.PendingLimits}); call {@link #finish} at the end of
 * input. Not thread-safe.
 *
 * <p>Where the job's watermark comes periodically, replay's moves after every reading: a reading
 * the job would still have stepped because its watermark lagged can be late here, never the other
 * way round. Readings in order, or out of order by less than the out-of-orderness bound, give the
 * job's numbers exactly (with the plain kernel).
 */
public final class ReplayEngine implements AutoCloseable {

    /** Receives outcomes in input order. */
    @FunctionalInterface
    public interface OutcomeSink {
        void accept(Row row, KeyStepper.Outcome outcome) throws IOException;

        /** A reading the job would not step: it came too late for its key's event-time order. */
        default void late(Row row, String reason) throws IOException {}

        /**
         * A reading the job would not step: it had to wait for the watermark, and its key's waiting
         * readings were at their bound ({@code buffer_full} in the job).
         */
        default void bufferFull(Row row, String reason) throws IOException {}
    }

    private final KeyedStepping<String, Slot> stepping;
    private final StepSettings settings;
    private final Map<String, KeyState> states = new HashMap<>();
    private final KeyedStepping.KeyStore<String> store = new KeyedStepping.KeyStore<>() {
        @Override
        public KeyState load(String key, RecurrentModel model) {
            return states.computeIfAbsent(key, k -> KeyState.fresh(model));
        }

        @Override
        public void store(String key, KeyState state) {}
    };
    private final Bundle<String, Slot> bundle;
    /** Event-time mode: readings waiting for the watermark, by event time then arrival. */
    private final PriorityQueue<Slot> waiting = new PriorityQueue<>();
    /** Per key with readings in {@link #waiting}: how many, and their bytes ({@link PendingLimits#readingBytes}). */
    private final Map<String, long[]> waitingPerKey = new HashMap<>();
    /** Rows accepted but not yet handed to the sink, from sequence {@link #nextOut} on. */
    private final ArrayDeque<Slot> unwritten = new ArrayDeque<>();

    private long nextSequence;
    private long nextOut;
    private long maxEventTime = Long.MIN_VALUE;
    private long watermark = Long.MIN_VALUE;
    private long steps;
    private long late;
    private long bufferFull;
    private OutcomeSink sink;

    public ReplayEngine(RecurrentModel model, StepSettings settings) {
        this.settings = settings;
        this.stepping = new KeyedStepping<>(model, settings);
        this.bundle = new Bundle<>(Math.min(settings.bundleSize(), 4096));
    }

    /** @param batchSize 1 for the per-event kernel, more for bundles stepped with the BLAS kernel */
    public ReplayEngine(RecurrentModel model, int batchSize) {
        this(model, batchSize, null);
    }

    /** @param resetAfterGap as the job's {@code state.reset-after-gap}; null never resets */
    public ReplayEngine(RecurrentModel model, int batchSize, Duration resetAfterGap) {
        this(model, batchSize, resetAfterGap, null);
    }

    /** @param adaptation as the job's {@code adaptation.*} options; null does not adapt */
    public ReplayEngine(RecurrentModel model, int batchSize, Duration resetAfterGap, Adaptation adaptation) {
        this(
                model,
                StepSettings.DEFAULTS
                        .withResetAfterGap(resetAfterGap)
                        .withAdaptation(adaptation)
                        .withBundles(StepSettings.Kernel.BLAS, batchSize));
    }

    /** Takes the next row of the input; its outcome reaches {@code sink} once it is stepped. */
    public void accept(Row row, OutcomeSink sink) throws IOException {
        this.sink = sink;
        Slot slot = new Slot(row, nextSequence++);
        unwritten.add(slot);
        EventOrdering ordering = settings.ordering();
        long eventTime = row.epochMillis();
        if (ordering.waits(eventTime, watermark)) {
            long[] keyWaiting = waitingPerKey.computeIfAbsent(row.key(), k -> new long[2]);
            long bytes = PendingLimits.readingBytes(row.key(), row.features().length);
            if (ordering.admits(keyWaiting[0], keyWaiting[1], bytes)) {
                keyWaiting[0]++;
                keyWaiting[1] += bytes;
                waiting.add(slot);
            } else {
                slot.full = ordering.pending().fullReason(keyWaiting[0], keyWaiting[1]);
                bufferFull++;
            }
        } else {
            long last = lastStepped(row.key());
            if (ordering.isLate(eventTime, watermark, last)) {
                slot.late = ordering.lateReason(eventTime, watermark, last);
                late++;
            } else {
                step(slot);
            }
        }
        if (ordering.eventTime()) {
            maxEventTime = Math.max(maxEventTime, eventTime);
            advanceWatermark(ordering.watermarkAfter(maxEventTime));
        }
        write();
    }

    /** The end of input: every waiting reading is stepped (the watermark goes to the end of time). */
    public void finish(OutcomeSink sink) throws IOException {
        this.sink = sink;
        advanceWatermark(Long.MAX_VALUE);
        flush();
        write();
    }

    /** Same as {@link #finish}. */
    public void flush(OutcomeSink sink) throws IOException {
        finish(sink);
    }

    private long lastStepped(String key) {
        long last = bundle.lastEventTime(key);
        if (last != KeyState.NO_EVENT_TIME) {
            return last;
        }
        KeyState state = states.get(key);
        return state == null ? KeyState.NO_EVENT_TIME : state.lastEventTime();
    }

    private void advanceWatermark(long mark) throws IOException {
        if (mark <= watermark) {
            return;
        }
        watermark = mark;
        while (!waiting.isEmpty() && waiting.peek().row.epochMillis() <= watermark) {
            Slot slot = waiting.poll();
            long[] keyWaiting = waitingPerKey.get(slot.row.key());
            if (--keyWaiting[0] == 0) {
                waitingPerKey.remove(slot.row.key());
            } else {
                keyWaiting[1] -= PendingLimits.readingBytes(slot.row.key(), slot.row.features().length);
            }
            step(slot);
        }
        flush(); // the job flushes its bundle on every watermark
    }

    private void step(Slot slot) throws IOException {
        Row row = slot.row;
        try {
            if (settings.perEvent()) {
                stepping.stepOne(row.key(), row.epochMillis(), row.features(), slot, store, this::stepped);
                return;
            }
            bundle.add(row.key(), row.epochMillis(), row.features(), slot);
            if (bundle.size() >= settings.bundleSize()) {
                flush();
            }
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) { // the in-memory store throws nothing else
            throw new IllegalStateException(e);
        }
    }

    private void flush() throws IOException {
        if (bundle.size() == 0) {
            return;
        }
        try {
            stepping.stepBundle(bundle, store, this::stepped);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void stepped(String key, Slot slot, KeyStepper.Outcome outcome, long stepNanos) {
        slot.outcome = outcome;
        steps++;
    }

    /** Hands the finished prefix of the input to the sink, in input order. */
    private void write() throws IOException {
        while (!unwritten.isEmpty() && unwritten.peek().done()) {
            Slot slot = unwritten.poll();
            if (slot.late != null) {
                sink.late(slot.row, slot.late);
            } else if (slot.full != null) {
                sink.bufferFull(slot.row, slot.full);
            } else {
                sink.accept(slot.row, slot.outcome);
            }
        }
    }

    /** The current state of {@code key} (live, not a copy), or null if never seen. */
    public KeyState state(String key) {
        return states.get(key);
    }

    public int keyCount() {
        return states.size();
    }

    /** Readings stepped so far. */
    public long steps() {
        return steps;
    }

    /** Readings that came too late to be stepped. */
    public long late() {
        return late;
    }

    /** Readings not stepped because their key had no room left to wait for the watermark. */
    public long bufferFull() {
        return bufferFull;
    }

    @Override
    public void close() {
        stepping.close();
    }

    /** One input row until it is written: its outcome, or why it was not stepped. */
    private static final class Slot implements Comparable<Slot> {
        final Row row;
        final long sequence;
        KeyStepper.Outcome outcome;
        String late;
        String full;

        Slot(Row row, long sequence) {
            this.row = row;
            this.sequence = sequence;
        }

        boolean done() {
            return outcome != null || late != null || full != null;
        }

        /** Waiting order: event time, then arrival. */
        @Override
        public int compareTo(Slot other) {
            int byTime = Long.compare(row.epochMillis(), other.row.epochMillis());
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }
}
