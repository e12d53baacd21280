package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.avro.SensorReading;
import io.streamcell.core.PendingLimits;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.io.deadletter.DeadLetterRecord;
import io.streamcell.model.CellType;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.ModelVariants;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.replay.ReplayEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The forecast operator in Flink's keyed operator harness: state, ordering, timers, TTL, snapshots. */
class ForecastOperatorPerEventTest {
    private static final String CASE = "lstm_1layer_in8_h16";
    private final GoldenFixtures.Case fixture = GoldenFixtures.load(CASE);
    private final String model = fixture.modelDirectory().toString();
    private final List<ForecastHarness> harnesses = new ArrayList<>();

    ForecastOperatorPerEventTest() throws IOException {}

    @AfterEach
    void closeHarnesses() throws Exception {
        for (var harness : harnesses) {
            harness.close();
        }
    }

    private ForecastHarness harness(
            JobConfig.OrderingMode mode, Duration lateness, Duration ttl, Duration gap, OperatorSubtaskState restore)
            throws Exception {
        ForecastOperator function = new ForecastOperator(
                model,
                new JobConfig.Ordering(mode, Duration.ofSeconds(5), lateness, Duration.ofSeconds(30)),
                new JobConfig.State(ttl, gap, JobConfig.StateBackend.HASHMAP));
        var harness = ForecastHarness.perEvent(function, restore);
        harnesses.add(harness);
        return harness;
    }

    private ForecastHarness arrivalHarness() throws Exception {
        return harness(JobConfig.OrderingMode.ARRIVAL, Duration.ZERO, null, null, null);
    }

    /** A reading as the decoder makes it: where it came from, not its record's bytes. */
    private static DecodedRecord reading(Row row, long offset) {
        return DecodedRecord.reading(
                        row.key(), row.epochMillis(), row.features().clone())
                .withSource("readings", 0, offset, row.epochMillis());
    }

    private ForecastHarness eventTimeHarness(int maxBufferedReadings, long maxBufferedBytes) throws Exception {
        ForecastOperator function = new ForecastOperator(
                model,
                new JobConfig.Ordering(
                        JobConfig.OrderingMode.EVENT_TIME,
                        Duration.ofSeconds(5),
                        Duration.ZERO,
                        Duration.ofSeconds(30),
                        Duration.ofMinutes(5),
                        maxBufferedReadings,
                        maxBufferedBytes),
                new JobConfig.State(null, null, JobConfig.StateBackend.HASHMAP));
        var harness = ForecastHarness.perEvent(function, null);
        harnesses.add(harness);
        return harness;
    }

    /** The reading a dead letter carries, decoded. */
    private static SensorReading carried(DeadLetterRecord deadLetter) throws IOException {
        return SensorReading.getDecoder().decode(deadLetter.value);
    }

    /** The replay engine's forecasts (the offline path) for the same rows, in order. */
    private List<float[]> replay(List<Row> rows) throws IOException {
        List<float[]> forecasts = new ArrayList<>();
        try (ReplayEngine engine = new ReplayEngine(fixture.model(), 1)) {
            for (Row row : rows) {
                engine.accept(row, (r, outcome) -> forecasts.add(outcome.forecast()));
            }
        }
        return forecasts;
    }

    private static void assertBitwiseEqual(List<ForecastRecord> actual, List<float[]> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i).values).as("forecast %d", i).containsExactly(expected.get(i));
        }
    }

    @Test
    void arrivalOrderGivesExactlyTheReplayForecasts() throws Exception {
        var harness = arrivalHarness();
        List<Row> rows = fixture.readings();
        for (int i = 0; i < rows.size(); i++) {
            harness.processElement(
                    new StreamRecord<>(reading(rows.get(i), i), rows.get(i).epochMillis()));
        }

        List<ForecastRecord> output = harness.extractOutputValues();

        assertBitwiseEqual(output, replay(rows));
        assertThat(output.get(0).modelVersion).isEqualTo(fixture.model().version());
        long stepsOfLastKey = rows.stream()
                .filter(r -> r.key().equals(rows.get(rows.size() - 1).key()))
                .count();
        assertThat(output.get(output.size() - 1).step).isEqualTo(stepsOfLastKey);
    }

    @Test
    void eventTimeModeStepsEachKeyInTimestampOrder() throws Exception {
        var harness = harness(JobConfig.OrderingMode.EVENT_TIME, Duration.ZERO, null, null, null);
        List<Row> rows = new ArrayList<>(fixture.readings().subList(0, 400));
        List<Row> shuffled = new ArrayList<>(rows);
        Collections.shuffle(shuffled, new Random(7)); // arbitrarily out of order, watermark only at the end

        for (int i = 0; i < shuffled.size(); i++) {
            harness.processElement(new StreamRecord<>(
                    reading(shuffled.get(i), i), shuffled.get(i).epochMillis()));
        }
        assertThat(harness.extractOutputValues())
                .as("nothing before the watermark")
                .isEmpty();
        harness.processWatermark(new Watermark(Long.MAX_VALUE));

        List<ForecastRecord> output = new ArrayList<>(harness.extractOutputValues());
        output.sort(Comparator.comparingLong((ForecastRecord f) -> f.eventTime));
        rows.sort(Comparator.comparingLong(Row::epochMillis));
        assertBitwiseEqual(output, replay(rows));
        assertThat(harness.numEventTimeTimers()).as("timers left").isZero();
    }

    @Test
    void readingsBehindTheWatermarkBeyondTheLatenessAreDeadLetters() throws Exception {
        var harness = harness(JobConfig.OrderingMode.EVENT_TIME, Duration.ofSeconds(10), null, null, null);
        List<Row> rows = fixture.readings().stream()
                .filter(r -> r.key().equals("sensor-a"))
                .toList();
        Row first = rows.get(0);
        Row second = rows.get(1);
        Row third = rows.get(2);
        harness.processElement(new StreamRecord<>(reading(second, 1), second.epochMillis()));
        harness.processWatermark(new Watermark(second.epochMillis()));

        // older than the key's last stepped reading: cannot be stepped in order
        harness.processElement(new StreamRecord<>(reading(first, 0), first.epochMillis()));
        // far behind the watermark
        harness.processWatermark(new Watermark(third.epochMillis() + 60_000));
        harness.processElement(new StreamRecord<>(reading(third, 2), third.epochMillis()));

        List<DeadLetterRecord> late = new ArrayList<>();
        harness.getSideOutput(ForecastOperator.DEAD_LETTERS).forEach(r -> late.add(r.getValue()));
        assertThat(late).extracting(d -> d.reason).containsExactly("late", "late");
        assertThat(late).extracting(d -> d.offset).containsExactly(0L, 2L);
        assertThat(late.get(0).errorMessage).contains("older than the key's last stepped reading");
        assertThat(late.get(1).errorMessage).contains("behind the watermark");
        // the reading encoded again: readings do not carry their record's bytes through the job
        SensorReading carried = carried(late.get(1));
        assertThat(carried.getKey()).isEqualTo("sensor-a");
        assertThat(carried.getEventTime().toEpochMilli()).isEqualTo(third.epochMillis());
        List<String> features = fixture.model().config().features();
        for (int i = 0; i < features.size(); i++) {
            assertThat(carried.getValues().get(features.get(i)).floatValue())
                    .as(features.get(i))
                    .isEqualTo(third.features()[i]);
        }
        assertThat(late.get(1).key).isEqualTo("sensor-a".getBytes(StandardCharsets.UTF_8));
        assertThat(harness.extractOutputValues()).hasSize(1);
    }

    @Test
    void aReadingWhoseKeyHasTheMostReadingsWaitingIsADeadLetterBufferFull() throws Exception {
        var harness = eventTimeHarness(3, PendingLimits.DEFAULTS.maxBytes());
        List<Row> a = fixture.readings().stream()
                .filter(r -> r.key().equals("sensor-a"))
                .toList();
        List<Row> b = fixture.readings().stream()
                .filter(r -> r.key().equals("sensor-b"))
                .toList();
        for (int i = 0; i < 5; i++) { // the watermark holds back: sensor-a's readings all wait
            harness.processElement(
                    new StreamRecord<>(reading(a.get(i), i), a.get(i).epochMillis()));
        }
        harness.processElement(
                new StreamRecord<>(reading(b.get(0), 10), b.get(0).epochMillis()));

        List<DeadLetterRecord> full = new ArrayList<>();
        harness.getSideOutput(ForecastOperator.DEAD_LETTERS).forEach(r -> full.add(r.getValue()));
        assertThat(full).extracting(d -> d.reason).containsExactly("buffer_full", "buffer_full");
        assertThat(full).extracting(d -> d.offset).containsExactly(3L, 4L);
        assertThat(full.get(0).errorMessage)
                .contains("already has 3 readings")
                .contains("ordering.max-buffered-readings 3");
        assertThat(carried(full.get(1)).getEventTime().toEpochMilli())
                .isEqualTo(a.get(4).epochMillis());
        assertThat(harness.extractOutputValues()).isEmpty();

        // the watermark releases what waits; the key has room again
        harness.processWatermark(new Watermark(a.get(2).epochMillis()));
        for (int i = 5; i < 8; i++) {
            harness.processElement(
                    new StreamRecord<>(reading(a.get(i), i), a.get(i).epochMillis()));
        }
        harness.processWatermark(new Watermark(Long.MAX_VALUE));
        assertThat(harness.extractOutputValues())
                .extracting(f -> f.key + "@" + f.eventTime)
                .containsExactlyInAnyOrder(
                        "sensor-a@" + a.get(0).epochMillis(),
                        "sensor-a@" + a.get(1).epochMillis(),
                        "sensor-a@" + a.get(2).epochMillis(),
                        "sensor-a@" + a.get(5).epochMillis(),
                        "sensor-a@" + a.get(6).epochMillis(),
                        "sensor-a@" + a.get(7).epochMillis(),
                        "sensor-b@" + b.get(0).epochMillis());
        assertThat(harness.getSideOutput(ForecastOperator.DEAD_LETTERS)).hasSize(2);
        assertThat(harness.numKeyedStateEntries())
                .as("nothing waits, and the per-key counts are gone: key-state of two keys only")
                .isEqualTo(2);
    }

    @Test
    void theBufferIsBoundedInBytesToo() throws Exception {
        List<Row> a = fixture.readings().stream()
                .filter(r -> r.key().equals("sensor-a"))
                .toList();
        long oneReading = PendingLimits.readingBytes("sensor-a", a.get(0).features().length);
        var harness = eventTimeHarness(1000, 2 * oneReading + oneReading / 2);
        for (int i = 0; i < 4; i++) {
            harness.processElement(
                    new StreamRecord<>(reading(a.get(i), i), a.get(i).epochMillis()));
        }

        assertThat(harness.getSideOutput(ForecastOperator.DEAD_LETTERS))
                .extracting(r -> r.getValue().reason + "@" + r.getValue().offset)
                .containsExactly("buffer_full@2", "buffer_full@3");
    }

    @Test
    void readingWithinTheAllowedLatenessIsStillStepped() throws Exception {
        var harness = harness(JobConfig.OrderingMode.EVENT_TIME, Duration.ofMinutes(5), null, null, null);
        Row row = fixture.readings().get(0);
        harness.processWatermark(new Watermark(row.epochMillis() + 60_000));

        harness.processElement(new StreamRecord<>(reading(row, 0), row.epochMillis()));

        assertThat(harness.extractOutputValues()).hasSize(1);
        assertThat(harness.getSideOutput(ForecastOperator.DEAD_LETTERS)).isNull();
    }

    @Test
    void restoredFromASnapshotContinuesExactlyAsWithoutIt() throws Exception {
        List<Row> rows = fixture.readings();
        int cut = 1013;
        var first = harness(JobConfig.OrderingMode.EVENT_TIME, Duration.ZERO, null, null, null);
        for (int i = 0; i < cut; i++) {
            first.processElement(
                    new StreamRecord<>(reading(rows.get(i), i), rows.get(i).epochMillis()));
        }
        // the watermark releases some readings; the rest stay pending in state across the snapshot
        first.processWatermark(new Watermark(rows.get(cut - 40).epochMillis()));
        List<ForecastRecord> output = new ArrayList<>(first.extractOutputValues());
        OperatorSubtaskState snapshot = first.snapshot(1L, 1L);
        first.close();
        harnesses.remove(first);

        var restored = harness(JobConfig.OrderingMode.EVENT_TIME, Duration.ZERO, null, null, snapshot);
        for (int i = cut; i < rows.size(); i++) {
            restored.processElement(
                    new StreamRecord<>(reading(rows.get(i), i), rows.get(i).epochMillis()));
        }
        restored.processWatermark(new Watermark(Long.MAX_VALUE));
        output.addAll(restored.extractOutputValues());

        assertBitwiseEqual(output, replay(rows));
    }

    @Test
    void silentKeysLoseTheirStateAfterTheTtl() throws Exception {
        var harness = harness(JobConfig.OrderingMode.ARRIVAL, Duration.ZERO, Duration.ofMinutes(1), null, null);
        List<Row> rows = fixture.readings().stream()
                .filter(r -> r.key().equals("sensor-b"))
                .toList();
        harness.setStateTtlProcessingTime(0);
        harness.processElement(
                new StreamRecord<>(reading(rows.get(0), 0), rows.get(0).epochMillis()));
        harness.processElement(
                new StreamRecord<>(reading(rows.get(1), 1), rows.get(1).epochMillis()));

        harness.setStateTtlProcessingTime(Duration.ofMinutes(2).toMillis());
        harness.processElement(
                new StreamRecord<>(reading(rows.get(2), 2), rows.get(2).epochMillis()));

        assertThat(harness.extractOutputValues()).extracting(f -> f.step).containsExactly(1L, 2L, 1L);
    }

    @Test
    void keysInStateIsCountedFromTheBackendOnRestoreOnlyAndNoKeyScanRunsWhileTheJobRuns() throws Exception {
        List<Row> rows = fixture.readings().subList(0, 300);
        long keys = rows.stream().map(Row::key).distinct().count();
        JobConfig.Ordering arrival = new JobConfig.Ordering(
                JobConfig.OrderingMode.ARRIVAL, Duration.ofSeconds(5), Duration.ZERO, Duration.ofSeconds(30));
        JobConfig.State withTtl = new JobConfig.State(Duration.ofMinutes(1), null, JobConfig.StateBackend.HASHMAP);
        ForecastOperator first = new ForecastOperator(model, arrival, withTtl);
        var harness = ForecastHarness.perEvent(first, null);
        harnesses.add(harness);
        harness.setStateTtlProcessingTime(0);
        for (int i = 0; i < rows.size(); i++) {
            harness.processElement(
                    new StreamRecord<>(reading(rows.get(i), i), rows.get(i).epochMillis()));
        }
        assertThat(first.metrics().keysInState.value()).isEqualTo(keys);
        OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);

        ForecastOperator restored = new ForecastOperator(model, arrival, withTtl);
        var after = ForecastHarness.perEvent(restored, snapshot);
        harnesses.add(after);
        assertThat(restored.metrics().keysInState.value())
                .as("counted before any reading")
                .isEqualTo(keys);

        // Every key goes silent past the TTL, then one key reads every 30 s for half an hour.
        Row live = rows.get(0);
        for (int i = 0; i < 60; i++) {
            long now = Duration.ofMinutes(2).toMillis()
                    + i * Duration.ofSeconds(30).toMillis();
            after.setStateTtlProcessingTime(now);
            after.setProcessingTime(now);
            after.processElement(new StreamRecord<>(reading(live, 1000 + i), live.epochMillis() + i));
        }
        assertThat(after.getProcessingTimeService().getNumActiveTimers())
                .as("no periodic work on the task thread (a key count walks every key)")
                .isZero();
        assertThat(restored.metrics().keysInState.value())
                .as("the count at the restore plus keys created since (the live key's state expired once):"
                        + " an upper bound with a TTL")
                .isEqualTo(keys + 1);
    }

    @Test
    void aRestoreWithAnotherModelOfTheSameStateSizeStartsEveryKeyAfresh(@TempDir Path other) throws Exception {
        // An LSTM of 1 x 16 and a GRU of 2 x 16 both keep 32 floats per key: only the architecture
        // recorded in the state tells the LSTM's h and c from the GRU's two layers.
        RecurrentModel gru = ModelVariants.rearchitected(fixture.model(), CellType.GRU, 16, 2, "gru-2x16");
        assertThat(gru.stateSize()).isEqualTo(fixture.model().stateSize());
        ModelDirectory.write(gru, other);
        List<Row> rows = fixture.readings();
        int half = rows.size() / 2;
        JobConfig.Ordering arrival = new JobConfig.Ordering(
                JobConfig.OrderingMode.ARRIVAL, Duration.ofSeconds(5), Duration.ZERO, Duration.ofSeconds(30));
        JobConfig.State state = new JobConfig.State(null, null, JobConfig.StateBackend.HASHMAP);
        var before = ForecastHarness.perEvent(new ForecastOperator(model, arrival, state), null);
        harnesses.add(before);
        for (int i = 0; i < half; i++) {
            before.processElement(
                    new StreamRecord<>(reading(rows.get(i), i), rows.get(i).epochMillis()));
        }
        OperatorSubtaskState snapshot = before.snapshot(1L, 1L);

        var after = ForecastHarness.perEvent(new ForecastOperator(other.toString(), arrival, state), snapshot);
        harnesses.add(after);
        List<Row> rest = rows.subList(half, rows.size());
        for (int i = 0; i < rest.size(); i++) {
            after.processElement(new StreamRecord<>(
                    reading(rest.get(i), half + i), rest.get(i).epochMillis()));
        }

        List<float[]> fresh = new ArrayList<>();
        try (ReplayEngine engine = new ReplayEngine(gru, 1)) {
            for (Row row : rest) {
                engine.accept(row, (r, outcome) -> fresh.add(outcome.forecast()));
            }
        }
        List<ForecastRecord> output = after.extractOutputValues();
        assertBitwiseEqual(output, fresh);
        Map<String, Long> firstStep = new HashMap<>();
        output.forEach(f -> firstStep.putIfAbsent(f.key, f.step));
        assertThat(firstStep.values())
                .as("each key's first step after the restore")
                .containsOnly(1L);
    }

    @Test
    void aLongGapStartsTheKeyAfresh() throws Exception {
        var harness = harness(JobConfig.OrderingMode.ARRIVAL, Duration.ZERO, null, Duration.ofHours(1), null);
        Row row = fixture.readings().get(0);
        DecodedRecord early = reading(row, 0);
        DecodedRecord later = reading(row, 1);
        later.eventTime = early.eventTime + Duration.ofHours(2).toMillis();

        harness.processElement(new StreamRecord<>(early, early.eventTime));
        harness.processElement(new StreamRecord<>(later, later.eventTime));

        List<ForecastRecord> output = harness.extractOutputValues();
        assertThat(output).extracting(f -> f.step).containsExactly(1L, 1L);
        assertThat(output.get(1).values).containsExactly(output.get(0).values); // same input from a fresh state
    }
}
