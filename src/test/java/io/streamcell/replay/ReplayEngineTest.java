package io.streamcell.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.adapt.Adaptation;
import io.streamcell.core.EventOrdering;
import io.streamcell.core.KeyStepper;
import io.streamcell.core.PendingLimits;
import io.streamcell.core.StepSettings;
import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.RecurrentModel;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplayEngineTest {
    private static final String CASE = "gru_before_2layer_in3_h20_2targets_horizon2";
    private static final EventOrdering EVENT_TIME = new EventOrdering(true, Duration.ofSeconds(5), Duration.ZERO);

    private final GoldenFixtures.Case fixture = GoldenFixtures.load(CASE);
    private final RecurrentModel model = fixture.model();
    private final List<Row> readings = fixture.readings().subList(0, 400);

    ReplayEngineTest() throws IOException {}

    /** What the engine handed to its sink, in order: "key@time forecast..." or "key@time late". */
    private static List<String> replay(RecurrentModel model, StepSettings settings, List<Row> rows) throws IOException {
        List<String> out = new ArrayList<>();
        try (ReplayEngine engine = new ReplayEngine(model, settings)) {
            ReplayEngine.OutcomeSink sink = new ReplayEngine.OutcomeSink() {
                @Override
                public void accept(Row row, KeyStepper.Outcome outcome) {
                    StringBuilder text = new StringBuilder(row.key() + "@" + row.epochMillis());
                    for (float value : outcome.forecast()) {
                        text.append(' ').append(Float.floatToRawIntBits(value));
                    }
                    out.add(text.toString());
                }

                @Override
                public void late(Row row, String reason) {
                    out.add(row.key() + "@" + row.epochMillis() + " late");
                }

                @Override
                public void bufferFull(Row row, String reason) {
                    out.add(row.key() + "@" + row.epochMillis() + " buffer_full");
                }
            };
            for (Row row : rows) {
                engine.accept(row, sink);
            }
            engine.finish(sink);
        }
        return out;
    }

    private static Row at(Row row, long time) {
        return new Row(row.line(), row.key(), Long.toString(time), time, row.features());
    }

    @Test
    void eventTimeStepsEachKeyInTimeOrderAndWritesInInputOrder() throws IOException {
        List<Row> shuffled = new ArrayList<>(readings);
        // within a key: swap readings 10 and 11 of every key (one to two seconds apart)
        Map<String, List<Integer>> positions = new HashMap<>();
        for (int i = 0; i < shuffled.size(); i++) {
            positions
                    .computeIfAbsent(shuffled.get(i).key(), k -> new ArrayList<>())
                    .add(i);
        }
        for (List<Integer> p : positions.values()) {
            Row first = shuffled.get(p.get(10));
            shuffled.set(p.get(10), shuffled.get(p.get(11)));
            shuffled.set(p.get(11), first);
        }
        StepSettings eventTime =
                StepSettings.DEFAULTS.withOrdering(new EventOrdering(true, Duration.ofMinutes(1), Duration.ZERO));

        List<String> out = replay(model, eventTime, shuffled);
        List<String> inOrder = replay(model, StepSettings.DEFAULTS, readings);

        assertThat(out).hasSize(shuffled.size()).noneMatch(line -> line.endsWith(" late"));
        for (int i = 0; i < shuffled.size(); i++) { // input order: row i's line is row i's
            assertThat(out.get(i))
                    .startsWith(shuffled.get(i).key() + "@" + shuffled.get(i).epochMillis() + " ");
        }
        assertThat(out).containsExactlyInAnyOrderElementsOf(inOrder);
        assertThat(replay(model, StepSettings.DEFAULTS, shuffled))
                .as("arrival order steps the swapped readings as they come")
                .isNotEqualTo(out);
    }

    @Test
    void aReadingBehindTheWatermarkOrOlderThanItsKeysLastIsLate() throws IOException {
        List<Row> rows = new ArrayList<>(readings.subList(0, 100));
        Row first = rows.get(0);
        long newest = rows.stream().mapToLong(Row::epochMillis).max().orElseThrow();
        rows.add(at(first, newest - 60_000)); // a minute behind the newest reading: behind the watermark
        rows.addAll(readings.subList(100, 120));

        List<String> out = replay(model, StepSettings.DEFAULTS.withOrdering(EVENT_TIME), rows);

        assertThat(out).hasSize(rows.size());
        assertThat(out.get(100)).isEqualTo(first.key() + "@" + (newest - 60_000) + " late");
        assertThat(out.stream().filter(line -> line.endsWith(" late"))).hasSize(1);
        assertThat(replay(model, StepSettings.DEFAULTS, rows))
                .as("arrival order takes every reading")
                .noneMatch(line -> line.endsWith(" late"));
    }

    @Test
    void aReadingWhoseKeyHasTheMostReadingsWaitingIsTurnedAwayAsTheJobDoes() throws IOException {
        // An out-of-orderness of a minute: every key's readings of the last minute wait.
        EventOrdering bounded =
                new EventOrdering(true, Duration.ofMinutes(1), Duration.ZERO, new PendingLimits(20, 1 << 20));
        List<Row> rows = readings.subList(0, 200);

        List<String> out = replay(model, StepSettings.DEFAULTS.withOrdering(bounded), rows);
        List<String> unbounded = replay(
                model,
                StepSettings.DEFAULTS.withOrdering(new EventOrdering(true, Duration.ofMinutes(1), Duration.ZERO)),
                rows);

        assertThat(out).hasSize(rows.size());
        assertThat(unbounded).noneMatch(line -> line.endsWith(" buffer_full"));
        List<String> full =
                out.stream().filter(line -> line.endsWith(" buffer_full")).toList();
        assertThat(full).isNotEmpty();
        for (int i = 0; i < rows.size(); i++) { // still in input order
            assertThat(out.get(i))
                    .startsWith(rows.get(i).key() + "@" + rows.get(i).epochMillis() + " ");
        }
        try (ReplayEngine engine = new ReplayEngine(model, StepSettings.DEFAULTS.withOrdering(bounded))) {
            for (Row row : rows) {
                engine.accept(row, (r, outcome) -> {});
            }
            engine.finish((r, outcome) -> {});
            assertThat(engine.bufferFull()).isEqualTo(full.size());
            assertThat(engine.steps()).isEqualTo(rows.size() - full.size());
        }
    }

    @Test
    void bundledPlainSteppingGivesPerEventNumbersBitForBit() throws IOException {
        StepSettings perEvent = StepSettings.DEFAULTS
                .withOrdering(EVENT_TIME)
                .withResetAfterGap(Duration.ofSeconds(3))
                .withAdaptation(Adaptation.parse("rls"));
        for (int size : new int[] {2, 7, 64, 1000}) {
            assertThat(replay(model, perEvent.withBundles(StepSettings.Kernel.PLAIN, size), readings))
                    .as("bundles of %d", size)
                    .isEqualTo(replay(model, perEvent, readings));
        }
    }

    @Test
    void aGapLongerThanTheResetStartsTheKeyAfresh() throws IOException {
        String key = readings.get(0).key();
        List<Row> rows = new ArrayList<>();
        for (Row row : readings) {
            rows.add(
                    row.epochMillis() >= readings.get(200).epochMillis()
                            ? at(row, row.epochMillis() + 3_600_000)
                            : row);
        }
        StepSettings withReset = StepSettings.DEFAULTS.withResetAfterGap(Duration.ofMinutes(10));
        List<Long> steps = new ArrayList<>();
        try (ReplayEngine engine = new ReplayEngine(model, withReset)) {
            for (Row row : rows) {
                engine.accept(row, (r, outcome) -> {
                    if (r.key().equals(key)) {
                        steps.add(outcome.step());
                    }
                });
            }
            engine.finish((r, outcome) -> {});
        }
        int firstAfter = (int) rows.stream()
                .filter(r -> r.key().equals(key))
                .takeWhile(r -> r.epochMillis() < readings.get(200).epochMillis() + 3_600_000)
                .count();
        assertThat(steps.get(firstAfter)).as("the first step after the pause").isEqualTo(1);
        assertThat(steps.get(firstAfter - 1)).isEqualTo(firstAfter);
    }

    @Test
    void outcomesOfBundledReplayComeInInputOrder() throws IOException {
        List<String> bundled =
                replay(model, StepSettings.DEFAULTS.withBundles(StepSettings.Kernel.PLAIN, 16), readings);
        List<String> keysAndTimes = bundled.stream()
                .map(line -> line.substring(0, line.indexOf(' ')))
                .toList();
        assertThat(keysAndTimes)
                .containsExactlyElementsOf(readings.stream()
                        .map(r -> r.key() + "@" + r.epochMillis())
                        .toList());
        assertThat(readings).isSortedAccordingTo(Comparator.comparingLong(Row::epochMillis));
    }
}
