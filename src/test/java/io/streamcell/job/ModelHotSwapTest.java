package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.core.KeyStepper;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.avro.ModelUpdateDecoder;
import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.io.deadletter.DeadLetterRecord;
import io.streamcell.model.CellType;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.ModelVariants;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.TestModels;
import io.streamcell.model.io.ModelUpdates;
import io.streamcell.state.KeyState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Model hot-swap in both stepping modes: an update switches the model at a record boundary, keys
 * keep or reset their state by architecture, invalid updates are dead letters, and the current
 * model survives a snapshot. The reference is {@link KeyStepper} stepping the same readings with
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
        String model = fixture.modelDirectory().toString();
        JobConfig.Ordering ordering = new JobConfig.Ordering(
                JobConfig.OrderingMode.ARRIVAL, Duration.ofSeconds(5), Duration.ZERO, Duration.ofSeconds(30));
        JobConfig.State state = new JobConfig.State(null, null, JobConfig.StateBackend.HASHMAP);
        ForecastHarness harness = mode == Mode.PER_EVENT
                ? ForecastHarness.perEvent(new ForecastOperator(model, ordering, state), restore)
                : ForecastHarness.bundled(
                        new ForecastOperator(
                                model,
                                ordering,
                                state,
                                new JobConfig.Stepping(JobConfig.SteppingMode.BUNDLED, 16, Duration.ofMinutes(1))),
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
                            .withSource(
                                    "readings",
                                    0,
                                    i,
                                    row.epochMillis(),
                                    row.key().getBytes(StandardCharsets.UTF_8),
                                    new byte[] {1}),
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
    void invalidUpdatesAreDeadLettersAndTheOldModelKeepsServing(Mode mode) throws Exception {
        ModelConfig c = modelA.config();
        List<String> otherFeatures = new ArrayList<>(c.features());
        otherFeatures.set(0, "humidity_elsewhere");
        RecurrentModel incompatible = TestModels.withFixedWeights(
                c.toBuilder().features(otherFeatures).version("D").build(), "D");
        byte[] garbage = "not a model".getBytes(StandardCharsets.UTF_8);
        ForecastHarness harness = harness(mode, null);
        feed(harness, 0, SWITCH_AT);
        harness.processModelUpdate(garbage, 7);
        harness.processModelUpdate(update(incompatible), 8);
        feed(harness, SWITCH_AT, rows.size());

        List<ForecastRecord> output = finish(harness);

        assertThat(byKey(output)).isEqualTo(replay(modelA, modelA, SWITCH_AT, false));
        List<DeadLetterRecord> deadLetters = new ArrayList<>();
        harness.getSideOutput(ForecastOutputs.DEAD_LETTERS).forEach(r -> deadLetters.add(r.getValue()));
        assertThat(deadLetters).extracting(d -> d.reason).containsExactly("invalid_model", "invalid_model");
        assertThat(deadLetters).extracting(d -> d.offset).containsExactly(7L, 8L);
        assertThat(deadLetters.get(0).value).isEqualTo(garbage);
        assertThat(deadLetters.get(0).errorMessage).contains("single-object");
        assertThat(deadLetters.get(1).errorMessage).contains("features");
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
