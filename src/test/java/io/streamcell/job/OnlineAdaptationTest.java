package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.adapt.Adaptation;
import io.streamcell.core.KeyStepper;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.replay.ReplayEngine;
import io.streamcell.state.KeyState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/** Per-key online adaptation (the {@code adaptation.*} options): learning, state, determinism, snapshots. */
class OnlineAdaptationTest {
    private static final Adaptation RLS = Adaptation.parse("rls");
    private static final Adaptation NLMS = Adaptation.parse("nlms");

    private final GoldenFixtures.Case fixture = GoldenFixtures.load("lstm_1layer_in8_h16");
    private final RecurrentModel model = fixture.model();

    OnlineAdaptationTest() throws IOException {}

    /** Mean squared one-step error of one key over its second half. */
    private double secondHalfMse(RecurrentModel model, List<Row> rows, Adaptation adaptation, KeyState state) {
        KeyStepper stepper = new KeyStepper(model, null, adaptation);
        double sum = 0;
        int count = 0;
        for (int t = 0; t < rows.size(); t++) {
            KeyStepper.Outcome outcome =
                    stepper.step(state, rows.get(t).epochMillis(), rows.get(t).features());
            if (t >= rows.size() / 2 && outcome.errors() != null) {
                for (float e : outcome.errors()) {
                    sum += e * e;
                    count++;
                }
            }
        }
        return sum / count;
    }

    @Test
    void aKeysReadoutLearnsToCorrectTheSharedModel() {
        // The fixture model has random weights: its forecasts are poor, and a per-key linear
        // correction on its hidden state has much to learn.
        List<Row> rows = fixture.readings().stream()
                .filter(r -> r.key().equals("sensor-a"))
                .toList();
        double shared = secondHalfMse(model, rows, null, KeyState.fresh(model));
        KeyState rlsState = KeyState.fresh(model);
        double rls = secondHalfMse(model, rows, RLS, rlsState);
        double nlms = secondHalfMse(model, rows, NLMS, KeyState.fresh(model));

        assertThat(rls).isLessThan(0.5 * shared);
        assertThat(nlms).isLessThan(shared);
        int hidden = model.config().hiddenSize();
        assertThat(rlsState.readout()).hasSize((hidden + 1) + (hidden + 1) * (hidden + 2) / 2);
    }

    @Test
    void adaptsInTheKeysNormalisedUnitsWithTheZeroShotModel() throws Exception {
        RecurrentModel zeroShot = ModelDirectory.load(ModelDirectory.ZERO_SHOT_MODEL);
        // a series the default model forecasts with a steady lag: a fast ramp with a daily wave
        List<Row> rows = new ArrayList<>();
        for (int t = 0; t < 3000; t++) {
            float value = 100 + 0.5f * t + 20 * (float) Math.sin(2 * Math.PI * t / 24);
            rows.add(new Row(t + 2, "k", Long.toString(60_000L * t), 60_000L * t, new float[] {value}));
        }
        double shared = secondHalfMse(zeroShot, rows, Adaptation.OFF, KeyState.fresh(zeroShot));
        double adapted = secondHalfMse(zeroShot, rows, RLS, KeyState.fresh(zeroShot));
        assertThat(adapted).isLessThan(0.7 * shared);
    }

    @Test
    void withoutAdaptationTheStateHasNoReadoutAndForecastsAreUnchanged() {
        List<Row> rows = fixture.readings().stream()
                .filter(r -> r.key().equals("sensor-b"))
                .toList();
        KeyState plain = KeyState.fresh(model);
        KeyState off = KeyState.fresh(model);
        KeyStepper withoutArgument = new KeyStepper(model, null);
        KeyStepper explicitOff = new KeyStepper(model, null, Adaptation.parse("off"));
        for (Row row : rows) {
            assertThat(explicitOff.step(off, row.epochMillis(), row.features()).forecast())
                    .containsExactly(withoutArgument
                            .step(plain, row.epochMillis(), row.features())
                            .forecast());
        }
        assertThat(off.readout()).isEmpty();
    }

    @Test
    void aResetDropsTheReadout() {
        List<Row> rows = fixture.readings().stream()
                .filter(r -> r.key().equals("sensor-a"))
                .toList();
        KeyStepper stepper = new KeyStepper(model, Duration.ofHours(1), RLS);
        KeyState state = KeyState.fresh(model);
        for (int t = 0; t < 50; t++) {
            stepper.step(state, 1000L * t, rows.get(t).features());
        }
        assertThat(state.readout()).isNotEmpty();
        KeyStepper.Outcome afterGap = stepper.step(
                state, 1000L * 50 + Duration.ofHours(2).toMillis(), rows.get(50).features());
        assertThat(afterGap.reset()).isTrue();
        // a fresh readout (zero weights) until the next observation is learned
        KeyState fresh = KeyState.fresh(model);
        KeyStepper.Outcome fromScratch =
                new KeyStepper(model, null, RLS).step(fresh, 0, rows.get(50).features());
        assertThat(afterGap.forecast()).containsExactly(fromScratch.forecast());
        assertThat(state.readout()).containsExactly(fresh.readout());
    }

    // --- the Flink operator -------------------------------------------------------------------

    private ForecastHarness harness(OperatorSubtaskState restore) throws Exception {
        ForecastOperator function = new ForecastOperator(
                fixture.modelDirectory().toString(),
                new JobConfig.Ordering(
                        JobConfig.OrderingMode.ARRIVAL, Duration.ofSeconds(5), Duration.ZERO, Duration.ofSeconds(30)),
                new JobConfig.State(null, null, JobConfig.StateBackend.HASHMAP, RLS));
        return ForecastHarness.perEvent(function, restore);
    }

    private static StreamRecord<DecodedRecord> record(Row row, long offset) {
        return new StreamRecord<>(
                DecodedRecord.reading(
                                row.key(), row.epochMillis(), row.features().clone())
                        .withSource(
                                "readings",
                                0,
                                offset,
                                row.epochMillis(),
                                row.key().getBytes(StandardCharsets.UTF_8),
                                new byte[] {1}),
                row.epochMillis());
    }

    @Test
    void theJobAdaptsExactlyAsReplayDoesAcrossASnapshotAndRestore() throws Exception {
        List<Row> rows = fixture.readings();
        List<float[]> expected = new ArrayList<>();
        try (ReplayEngine engine = new ReplayEngine(fixture.model(), 1, null, RLS)) {
            for (Row row : rows) {
                engine.accept(row, (r, outcome) -> expected.add(outcome.forecast()));
            }
        }

        int cut = rows.size() / 2 + 7;
        List<ForecastRecord> output = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (var first = harness(null)) {
            for (int i = 0; i < cut; i++) {
                first.processElement(record(rows.get(i), i));
            }
            output.addAll(first.extractOutputValues());
            snapshot = first.snapshot(1L, 1L);
        }
        try (var restored = harness(snapshot)) {
            for (int i = cut; i < rows.size(); i++) {
                restored.processElement(record(rows.get(i), i));
            }
            output.addAll(restored.extractOutputValues());
        }

        assertThat(output).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(output.get(i).values).as("forecast %d", i).containsExactly(expected.get(i));
        }
        // and adaptation changed the forecasts: they are not the shared model's
        List<float[]> shared = new ArrayList<>();
        try (ReplayEngine engine = new ReplayEngine(fixture.model(), 1)) {
            for (Row row : rows) {
                engine.accept(row, (r, outcome) -> shared.add(outcome.forecast()));
            }
        }
        assertThat(output.get(output.size() - 1).values).isNotEqualTo(shared.get(shared.size() - 1));
    }
}
