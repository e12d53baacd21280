package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.core.KeyStepper;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.avro.ModelUpdateDecoder;
import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.CellType;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.ModelVariants;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.model.io.ModelUpdates;
import io.streamcell.state.KeyState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateObject;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Model hot-swap in both stepping modes: an update switches the model at a record boundary, keys
 * keep or reset their state by architecture, an update that does not load on one TaskManager fails
 * it, and the current model survives a snapshot (its inline weights in one instance's state only). The reference is {@link KeyStepper} stepping the same readings with
 * the switch at the same record.
 */
class ModelHotSwapTest {
    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
    private static final int SWITCH_AT = 700;

    private final GoldenFixtures.Case fixture = GoldenFixtures.load("lstm_1layer_in8_h16");
    private final RecurrentModel modelA = fixture.model();
    private final RecurrentModel modelB = ModelVariants.retrained(modelA, "B");
    private final RecurrentModel modelC = ModelVariants.rearchitected(modelA, CellType.GRU, 12, 2, "C");
    private final List<Row> rows = fixture.readings();
    private final List<ForecastHarness> harnesses = new ArrayList<>();

    @TempDir
    Path updates;

    enum Mode {
        PER_EVENT,
        BUNDLED
    }

    ModelHotSwapTest() throws Exception {}

    @AfterEach
    void close() throws Exception {
        for (ForecastHarness harness : harnesses) {
            harness.close();
        }
    }

    private ForecastHarness harness(Mode mode, OperatorSubtaskState restore) throws Exception {
        return harness(mode, restore, JobConfig.HotSwap.DEFAULTS);
    }

    private ForecastHarness harness(Mode mode, OperatorSubtaskState restore, JobConfig.HotSwap hotSwap)
            throws Exception {
        String model = fixture.modelDirectory().toString();
        JobConfig.Ordering ordering = new JobConfig.Ordering(
                JobConfig.OrderingMode.ARRIVAL, Duration.ofSeconds(5), Duration.ZERO, Duration.ofSeconds(30));
        JobConfig.State state = new JobConfig.State(null, null, JobConfig.StateBackend.HASHMAP);
        ForecastHarness harness = mode == Mode.PER_EVENT
                ? ForecastHarness.perEvent(
                        new ForecastOperator(model, ordering, state, JobConfig.Stepping.perEvent(), hotSwap), restore)
                : ForecastHarness.bundled(
                        new ForecastOperator(
                                model,
                                ordering,
                                state,
                                new JobConfig.Stepping(JobConfig.SteppingMode.BUNDLED, 16, Duration.ofMinutes(1)),
                                hotSwap),
                        restore);
        harnesses.add(harness);
        return harness;
    }

    private void feed(ForecastHarness harness, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            Row row = rows.get(i);
            harness.processElement(new StreamRecord<>(
                    DecodedRecord.reading(
                                    row.key(), row.epochMillis(), row.features().clone())
                            .withSource("readings", 0, i, row.epochMillis()),
                    row.epochMillis()));
        }
    }

    @Test
    void aSnapshotOfTheOneInputOperatorRestoresIntoTheHotSwapOperatorWhichThenSwaps() throws Exception {
        // what a job without hot-swap (or before it existed) checkpoints: a one-input keyed operator
        var oneInput = new KeyedOneInputStreamOperatorTestHarness<>(
                new ForecastOperator(
                        fixture.modelDirectory().toString(),
                        new JobConfig.Ordering(
                                JobConfig.OrderingMode.ARRIVAL,
                                Duration.ofSeconds(5),
                                Duration.ZERO,
                                Duration.ofSeconds(30)),
                        new JobConfig.State(null, null, JobConfig.StateBackend.HASHMAP),
                        new JobConfig.Stepping(JobConfig.SteppingMode.BUNDLED, 16, Duration.ofMinutes(1))),
                (DecodedRecord r) -> r.key,
                Types.STRING,
                128,
                1,
                0);
        oneInput.open();
        for (int i = 0; i < 500; i++) {
            Row row = rows.get(i);
            oneInput.processElement(new StreamRecord<>(
                    DecodedRecord.reading(
                            row.key(), row.epochMillis(), row.features().clone()),
                    row.epochMillis()));
        }
        oneInput.prepareSnapshotPreBarrier(1L);
        List<ForecastRecord> output = new ArrayList<>(oneInput.extractOutputValues());
        OperatorSubtaskState snapshot = oneInput.snapshot(1L, 1L);
        oneInput.close();

        ForecastHarness restored = harness(Mode.PER_EVENT, snapshot);
        feed(restored, 500, SWITCH_AT);
        restored.processModelUpdate(update(modelB), 0);
        feed(restored, SWITCH_AT, rows.size());
        output.addAll(finish(restored));

        assertThat(byKey(output)).isEqualTo(replay(modelA, modelB, SWITCH_AT, false));
    }

    private static byte[] update(RecurrentModel model) {
        return ModelUpdateDecoder.encode(ModelUpdates.inline("sensors", model, NOW));
    }

    /** Per key, in order: "version:step:values" of the outputs. */
    private static Map<String, List<String>> byKey(List<ForecastRecord> forecasts) {
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        for (ForecastRecord f : forecasts) {
            byKey.computeIfAbsent(f.key, k -> new ArrayList<>()).add(describe(f.modelVersion, f.step, f.values));
        }
        return byKey;
    }

    private static String describe(String version, long step, float[] values) {
        StringBuilder s = new StringBuilder(version).append(':').append(step);
        for (float v : values) {
            s.append(':').append(Float.floatToIntBits(v));
        }
        return s.toString();
    }

    /** The KeyStepper replay: {@code before} up to row {@code switchAt}, {@code after} from it (resetting every key if asked). */
    private Map<String, List<String>> replay(
            RecurrentModel before, RecurrentModel after, int switchAt, boolean resetAtSwitch) {
        KeyStepper first = new KeyStepper(before, null);
        KeyStepper second = new KeyStepper(after, null);
        Map<String, KeyState> states = new HashMap<>();
        List<ForecastRecord> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            if (i == switchAt && resetAtSwitch) {
                states.values().forEach(s -> s.reset(after));
            }
            KeyStepper stepper = i < switchAt ? first : second;
            Row row = rows.get(i);
            KeyState state = states.computeIfAbsent(row.key(), k -> KeyState.fresh(stepper.model()));
            KeyStepper.Outcome outcome = stepper.step(state, row.epochMillis(), row.features());
            out.add(new ForecastRecord(
                    row.key(),
                    row.epochMillis(),
                    outcome.forecast().clone(),
                    stepper.model().version(),
                    outcome.step(),
                    null));
        }
        return byKey(out);
    }

    private static List<ForecastRecord> finish(ForecastHarness harness) throws Exception {
        harness.endInput();
        return harness.extractOutputValues();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void sameArchitectureSwitchesAtTheRecordAndKeepsEveryKeysState(Mode mode) throws Exception {
        ForecastHarness harness = harness(mode, null);
        feed(harness, 0, SWITCH_AT);
        harness.processModelUpdate(update(modelB), 0);
        feed(harness, SWITCH_AT, rows.size());

        List<ForecastRecord> output = finish(harness);

        assertThat(output).hasSize(rows.size());
        assertThat(byKey(output)).isEqualTo(replay(modelA, modelB, SWITCH_AT, false));
        assertThat(output.stream().filter(f -> f.modelVersion.equals("B"))).hasSize(rows.size() - SWITCH_AT);
        assertThat(harness.getSideOutput(ForecastOutputs.DEAD_LETTERS)).isNull();
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void newArchitectureResetsEveryKeyAtTheSwitch(Mode mode) throws Exception {
        ForecastHarness harness = harness(mode, null);
        feed(harness, 0, SWITCH_AT);
        harness.processModelUpdate(update(modelC), 0);
        feed(harness, SWITCH_AT, rows.size());

        List<ForecastRecord> output = finish(harness);

        assertThat(byKey(output)).isEqualTo(replay(modelA, modelC, SWITCH_AT, true));
        // the first forecast of each key after the switch is its first step with the new model
        Map<String, Long> firstAfter = new HashMap<>();
        output.stream().filter(f -> f.modelVersion.equals("C")).forEach(f -> firstAfter.putIfAbsent(f.key, f.step));
        assertThat(firstAfter.values()).isNotEmpty().allMatch(step -> step == 1L);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void anUpdateThatDoesNotLoadHereFailsTheOperatorRatherThanServeAnotherModelThanItsPeers(Mode mode)
            throws Exception {
        // Valid where the models topic is read (the validator passed it on), but this TaskManager
        // finds another file at the uri: serving on with model A while other instances serve B
        // would split the job between two models. (A model of its own: one another test loaded
        // would come from the TaskManager's cache, the file unread.)
        RecurrentModel modelE = ModelVariants.retrained(modelA, "E-" + mode);
        ModelDirectory.write(modelE, updates);
        Path weights = updates.resolve(ModelDirectory.WEIGHTS_FILE);
        byte[] update = ModelUpdateDecoder.encode(ModelUpdates.byReference(
                "sensors", modelE.config(), weights.toUri().toString(), weights, NOW));
        byte[] other = Files.readAllBytes(weights);
        other[other.length - 1] ^= 1;
        Files.write(weights, other);
        ForecastHarness harness = harness(mode, null, JobConfig.HotSwap.DEFAULTS.withUpdateDirectory(updates));
        feed(harness, 0, SWITCH_AT);

        assertThatThrownBy(() -> harness.processModelUpdate(update, 9))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("was valid where the models topic is read, but not on this TaskManager")
                .hasMessageContaining("differs from the update's sha256");
        assertThat(harness.extractOutputValues()).allMatch(f -> f.modelVersion.equals(modelA.version()));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void anUpdateByUriWithinTheUpdateDirectoriesSwitchesTheModel(Mode mode) throws Exception {
        ModelDirectory.write(modelB, updates);
        Path weights = updates.resolve(ModelDirectory.WEIGHTS_FILE);
        byte[] update = ModelUpdateDecoder.encode(ModelUpdates.byReference(
                "sensors", modelB.config(), weights.toUri().toString(), weights, NOW));
        ForecastHarness harness = harness(mode, null, JobConfig.HotSwap.DEFAULTS.withUpdateDirectory(updates));
        feed(harness, 0, SWITCH_AT);
        harness.processModelUpdate(update, 0);
        feed(harness, SWITCH_AT, rows.size());

        assertThat(byKey(finish(harness))).isEqualTo(replay(modelA, modelB, SWITCH_AT, false));
    }

    @Test
    void inlineWeightsAreCheckpointedOnceNotByEveryInstanceAndRestoreAtAnyParallelism() throws Exception {
        // a model with about a megabyte of weights, so that a copy of them shows in a state's size
        RecurrentModel large = ModelVariants.rearchitected(modelA, CellType.LSTM, 160, 2, "L");
        byte[] update = update(large);
        int weightBytes = ModelUpdateDecoder.decode(update).getWeights().remaining();
        assertThat(weightBytes).isGreaterThan(1 << 20);
        JobConfig.Ordering ordering = new JobConfig.Ordering(
                JobConfig.OrderingMode.ARRIVAL, Duration.ofSeconds(5), Duration.ZERO, Duration.ofSeconds(30));
        JobConfig.State state = new JobConfig.State(null, null, JobConfig.StateBackend.HASHMAP);
        String model = fixture.modelDirectory().toString();
        JobConfig.HotSwap largeInline = new JobConfig.HotSwap(4 << 20, List.of());
        List<OperatorSubtaskState> snapshots = new ArrayList<>();
        for (int subtask = 0; subtask < 3; subtask++) {
            ForecastHarness instance = ForecastHarness.perEvent(
                    new ForecastOperator(model, ordering, state, JobConfig.Stepping.perEvent(), largeInline),
                    null,
                    3,
                    subtask);
            harnesses.add(instance);
            instance.processModelUpdate(update, 0);
            snapshots.add(instance.snapshot(1L, 1L));
        }

        long[] operatorStateBytes = snapshots.stream()
                .mapToLong(s -> s.getManagedOperatorState().stream()
                        .mapToLong(StateObject::getStateSize)
                        .sum())
                .toArray();
        assertThat(operatorStateBytes[0]).as("instance 0: the weights").isGreaterThan(weightBytes);
        assertThat(operatorStateBytes[1]).as("instance 1: a reference").isLessThan(64 * 1024);
        assertThat(operatorStateBytes[2]).as("instance 2: a reference").isLessThan(64 * 1024);

        OperatorSubtaskState all =
                AbstractStreamOperatorTestHarness.repackageState(snapshots.toArray(new OperatorSubtaskState[0]));
        for (int parallelism : new int[] {1, 2}) {
            for (int subtask = 0; subtask < parallelism; subtask++) {
                OperatorSubtaskState mine =
                        AbstractStreamOperatorTestHarness.repartitionOperatorState(all, 128, 3, parallelism, subtask);
                ForecastHarness restored = ForecastHarness.perEvent(
                        new ForecastOperator(model, ordering, state, JobConfig.Stepping.perEvent()),
                        mine,
                        parallelism,
                        subtask);
                harnesses.add(restored);
                int mineFirst = 0;
                while (KeyGroupRangeAssignment.assignKeyToParallelOperator(
                                rows.get(mineFirst).key(), 128, parallelism)
                        != subtask) {
                    mineFirst++;
                }
                feed(restored, mineFirst, mineFirst + 1);
                assertThat(restored.extractOutputValues())
                        .as("instance %d of %d serves the checkpointed model", subtask, parallelism)
                        .extracting(f -> f.modelVersion)
                        .containsOnly("L");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aRestoredOperatorServesTheCheckpointedModel(Mode mode) throws Exception {
        ForecastHarness first = harness(mode, null);
        feed(first, 0, SWITCH_AT);
        first.processModelUpdate(update(modelB), 0);
        feed(first, SWITCH_AT, 1000);
        first.prepareSnapshotPreBarrier(1L);
        List<ForecastRecord> output = new ArrayList<>(first.extractOutputValues());
        OperatorSubtaskState snapshot = first.snapshot(1L, 1L);

        // opened with model A's directory, as a restarted job is; the checkpoint says B
        ForecastHarness restored = harness(mode, snapshot);
        feed(restored, 1000, rows.size());
        output.addAll(finish(restored));

        assertThat(output).hasSize(rows.size());
        assertThat(byKey(output)).isEqualTo(replay(modelA, modelB, SWITCH_AT, false));
    }
}
