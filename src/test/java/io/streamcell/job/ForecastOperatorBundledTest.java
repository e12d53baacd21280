package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.adapt.Adaptation;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.state.KeyState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The forecast operator bundled against per event, both in Flink's keyed
 * harness on the same seeded random interleavings of many keys: per key, the same forecasts,
 * alerts and dead letters (bit for bit, same timestamps, same order) and the same final state,
 * also across snapshots taken with readings still in the bundle and across a switch of mode.
 */
class ForecastOperatorBundledTest {
    private static final int KEYS = 40;
    private final List<ForecastHarness> harnesses = new ArrayList<>();

    @AfterEach
    void closeHarnesses() throws Exception {
        for (var harness : harnesses) {
            harness.close();
        }
    }

    /** One run's settings: the model, ordering, adaptation and bundle size. */
    private record Setup(
            String model, JobConfig.OrderingMode ordering, Duration lateness, Adaptation adaptation, int bundleSize) {
        JobConfig.Ordering orderingConfig() {
            return new JobConfig.Ordering(ordering, Duration.ofSeconds(5), lateness, Duration.ofSeconds(30));
        }

        JobConfig.State stateConfig() {
            return new JobConfig.State(null, Duration.ofHours(1), JobConfig.StateBackend.HASHMAP, adaptation);
        }

        JobConfig.Stepping stepping() {
            return new JobConfig.Stepping(JobConfig.SteppingMode.BUNDLED, bundleSize, Duration.ofMillis(100));
        }
    }

    private static String fixtureModel(String name) {
        try {
            return GoldenFixtures.load(name).modelDirectory().toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private ForecastHarness perEvent(Setup setup, OperatorSubtaskState restore) throws Exception {
        return track(ForecastHarness.perEvent(
                new ForecastOperator(setup.model(), setup.orderingConfig(), setup.stateConfig()), restore));
    }

    private ForecastHarness bundled(Setup setup, OperatorSubtaskState restore) throws Exception {
        return track(ForecastHarness.bundled(
                new ForecastOperator(setup.model(), setup.orderingConfig(), setup.stateConfig(), setup.stepping()),
                restore));
    }

    private ForecastHarness track(ForecastHarness harness) {
        harnesses.add(harness);
        return harness;
    }

    /** An input element or a watermark. */
    private record Event(DecodedRecord reading, long watermark) {}

    /**
     * Seeded readings of {@link #KEYS} keys interleaved at random, some keys much busier than
     * others (so a bundle often holds several readings of one key); smooth signals with rare
     * spikes (alerts) and, for event time, timestamps out of order, watermarks and late readings.
     */
    private static List<Event> events(RecurrentModel model, int count, boolean eventTime, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int features = model.inputSize();
        int[] seen = new int[KEYS];
        int[] episode = new int[KEYS];
        double[] base = new double[KEYS];
        for (int k = 0; k < KEYS; k++) {
            base[k] = random.nextDouble(-5, 20);
        }
        List<Event> events = new ArrayList<>();
        long clock = 1_000_000L;
        long maxTime = Long.MIN_VALUE;
        for (int i = 0; i < count; i++) {
            int k = random.nextBoolean() ? random.nextInt(3) : random.nextInt(KEYS); // three busy keys
            clock += 50 + random.nextInt(100);
            long time = clock;
            if (eventTime && random.nextInt(5) == 0) {
                time -= random.nextInt(8_000); // out of order, now and then later than the watermark allows
            }
            seen[k]++;
            if (seen[k] > 250 && random.nextInt(80) == 0) { // after the scorer's warm-up: an anomalous episode
                episode[k] = 10;
            }
            boolean spike = episode[k]-- > 0;
            float[] values = new float[features];
            for (int f = 0; f < features; f++) {
                double wave = Math.sin(seen[k] / 10.0 + f + k);
                values[f] = (float) (base[k]
                        + 3 * wave
                        + random.nextGaussian() * 0.2
                        + (spike ? 30 + 20 * random.nextDouble() : 0));
            }
            String key = "key-" + k;
            DecodedRecord reading = DecodedRecord.reading(key, time, values)
                    .withSource("readings", 0, i, time, key.getBytes(StandardCharsets.UTF_8), new byte[] {(byte) i});
            events.add(new Event(reading, 0));
            maxTime = Math.max(maxTime, time);
            if (eventTime && random.nextInt(20) == 0) {
                events.add(new Event(null, maxTime - 5_000));
            }
        }
        return events;
    }

    private static void feed(ForecastHarness harness, List<Event> events) throws Exception {
        for (Event event : events) {
            if (event.reading() == null) {
                harness.processWatermark(new Watermark(event.watermark()));
            } else {
                harness.processElement(new StreamRecord<>(copy(event.reading()), event.reading().eventTime));
            }
        }
    }

    private static DecodedRecord copy(DecodedRecord reading) {
        return DecodedRecord.reading(reading.key, reading.eventTime, reading.features.clone())
                .withSource(
                        reading.sourceTopic,
                        reading.partition,
                        reading.offset,
                        reading.kafkaTimestamp,
                        reading.originalKey,
                        reading.originalValue);
    }

    /** Everything one run produced, per key, in order, as comparable text. */
    private record Outputs(
            Map<String, List<String>> forecasts,
            Map<String, List<String>> alerts,
            Map<String, List<String>> deadLetters,
            Map<String, KeyState> states) {
        int forecastCount() {
            return forecasts.values().stream().mapToInt(List::size).sum();
        }

        Outputs plus(Outputs later) {
            return new Outputs(
                    merge(forecasts, later.forecasts),
                    merge(alerts, later.alerts),
                    merge(deadLetters, later.deadLetters),
                    later.states);
        }

        private static Map<String, List<String>> merge(Map<String, List<String>> a, Map<String, List<String>> b) {
            Map<String, List<String>> merged = new TreeMap<>();
            a.forEach(
                    (k, v) -> merged.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
            b.forEach(
                    (k, v) -> merged.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
            return merged;
        }
    }

    private static Outputs outputs(ForecastHarness h) throws Exception {
        Map<String, List<String>> forecasts = new TreeMap<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r) {
                ForecastRecord f = (ForecastRecord) r.getValue();
                forecasts.computeIfAbsent(f.key, k -> new ArrayList<>()).add(r.getTimestamp() + " " + f);
            }
        }
        Map<String, List<String>> alerts = new TreeMap<>();
        var alertQueue = h.getSideOutput(ForecastOperator.ALERTS);
        if (alertQueue != null) {
            alertQueue.forEach(r -> alerts.computeIfAbsent(r.getValue().key, k -> new ArrayList<>())
                    .add(r.getTimestamp() + " " + r.getValue()));
        }
        Map<String, List<String>> deadLetters = new TreeMap<>();
        var deadQueue = h.getSideOutput(ForecastOperator.DEAD_LETTERS);
        if (deadQueue != null) { // detectedAt is wall-clock time, left out
            deadQueue.forEach(r -> deadLetters
                    .computeIfAbsent(new String(r.getValue().key, StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(r.getTimestamp() + " " + r.getValue().offset + " " + r.getValue().reason + " "
                            + r.getValue().errorMessage));
        }
        return new Outputs(forecasts, alerts, deadLetters, states(h));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, KeyState> states(ForecastHarness h) throws Exception {
        KeyedStateBackend<String> backend = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        List<String> keys =
                backend.getKeys("key-state", VoidNamespace.INSTANCE).sorted().toList();
        Map<String, KeyState> states = new TreeMap<>();
        for (String key : keys) {
            backend.setCurrentKey(key);
            ValueState<KeyState> state = backend.getPartitionedState(
                    VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, ForecastStateDescriptors.keyState(null));
            states.put(key, state.value().copy());
        }
        return states;
    }

    private static void assertSame(Outputs actual, Outputs expected) {
        assertThat(actual.forecasts()).isEqualTo(expected.forecasts());
        assertThat(actual.alerts()).isEqualTo(expected.alerts());
        assertThat(actual.deadLetters()).isEqualTo(expected.deadLetters());
        assertThat(actual.states()).isEqualTo(expected.states());
    }

    static Stream<Arguments> setups() {
        List<Arguments> setups = new ArrayList<>();
        String lstm = "lstm_2layer_in3_h32_2targets_horizon3";
        String gruAfter = "gru_after_2layer_in3_h16_f16";
        String gruBefore = "gru_before_2layer_in3_h20_2targets_horizon2";
        for (String model : List.of(lstm, gruAfter, gruBefore)) {
            setups.add(Arguments.of(model, JobConfig.OrderingMode.ARRIVAL, null, 64));
        }
        setups.add(Arguments.of(lstm, JobConfig.OrderingMode.ARRIVAL, "rls", 37));
        setups.add(Arguments.of(gruAfter, JobConfig.OrderingMode.ARRIVAL, "nlms", 512));
        setups.add(Arguments.of(lstm, JobConfig.OrderingMode.EVENT_TIME, null, 64));
        setups.add(Arguments.of(gruBefore, JobConfig.OrderingMode.EVENT_TIME, "rls", 5));
        setups.add(Arguments.of(gruAfter, JobConfig.OrderingMode.ARRIVAL, null, 1));
        setups.add(Arguments.of(ModelDirectory.ZERO_SHOT_MODEL, JobConfig.OrderingMode.EVENT_TIME, "nlms", 200));
        return setups.stream();
    }

    private static Setup setup(String model, JobConfig.OrderingMode ordering, String adaptation, int bundleSize) {
        String location = model.startsWith("classpath:") ? model : fixtureModel(model);
        return new Setup(
                location,
                ordering,
                Duration.ofSeconds(3),
                adaptation == null ? null : Adaptation.parse(adaptation),
                bundleSize);
    }

    private static RecurrentModel load(Setup setup) throws IOException {
        return ModelDirectory.load(setup.model());
    }

    @ParameterizedTest(name = "{0} {1} adaptation {2} bundle {3}")
    @MethodSource("setups")
    void sameOutputsAndStateAsPerEventStepping(
            String model, JobConfig.OrderingMode ordering, String adaptation, int bundleSize) throws Exception {
        Setup setup = setup(model, ordering, adaptation, bundleSize);
        List<Event> events = events(load(setup), 3_000, ordering == JobConfig.OrderingMode.EVENT_TIME, 42);

        var perEvent = perEvent(setup, null);
        feed(perEvent, events);
        perEvent.processWatermark(new Watermark(Long.MAX_VALUE));
        var bundled = bundled(setup, null);
        feed(bundled, events);
        bundled.processWatermark(new Watermark(Long.MAX_VALUE));
        bundled.endInput();

        Outputs expected = outputs(perEvent);
        assertThat(expected.forecastCount()).isGreaterThan(2_000);
        if (!model.startsWith("gru_after")) { // that random-weight model forecasts too poorly for spikes to stand out
            assertThat(expected.alerts())
                    .as("the anomalous episodes raise alerts")
                    .isNotEmpty();
        }
        if (ordering == JobConfig.OrderingMode.EVENT_TIME) {
            assertThat(expected.deadLetters()).as("some readings are late").isNotEmpty();
        }
        assertSame(outputs(bundled), expected);
    }

    @ParameterizedTest(name = "{0} {1} adaptation {2} bundle {3}")
    @MethodSource("setups")
    void aSnapshotInTheMiddleOfABundleRestoresToTheSameResults(
            String model, JobConfig.OrderingMode ordering, String adaptation, int bundleSize) throws Exception {
        Setup setup = setup(model, ordering, adaptation, Math.max(bundleSize, 2));
        List<Event> events = events(load(setup), 2_000, ordering == JobConfig.OrderingMode.EVENT_TIME, 7);
        int cut = 1_001;

        var perEvent = perEvent(setup, null);
        feed(perEvent, events);
        perEvent.processWatermark(new Watermark(Long.MAX_VALUE));
        Outputs expected = outputs(perEvent);

        var first = bundled(setup, null);
        feed(first, events.subList(0, cut));
        int before = outputs(first).forecastCount();
        if (ordering == JobConfig.OrderingMode.ARRIVAL) {
            assertThat(before).as("readings still in the bundle").isLessThan(cut);
        }
        first.prepareSnapshotPreBarrier(1L);
        OperatorSubtaskState snapshot = first.snapshot(1L, 1L);
        Outputs beforeRestore = outputs(first);
        if (ordering == JobConfig.OrderingMode.ARRIVAL) {
            assertThat(beforeRestore.forecastCount())
                    .as("flushed before the barrier")
                    .isEqualTo(cut);
        }

        var restored = bundled(setup, snapshot);
        feed(restored, events.subList(cut, events.size()));
        restored.processWatermark(new Watermark(Long.MAX_VALUE));
        restored.endInput();

        assertSame(beforeRestore.plus(outputs(restored)), expected);
    }

    /** Savepoints are interchangeable: per-event → bundled and bundled → per-event, pending readings included. */
    @Test
    void aSnapshotOfEitherModeRestoresIntoTheOther() throws Exception {
        for (JobConfig.OrderingMode ordering : JobConfig.OrderingMode.values()) {
            Setup setup = setup("gru_before_2layer_in3_h20_2targets_horizon2", ordering, "rls", 50);
            List<Event> events = events(load(setup), 2_000, ordering == JobConfig.OrderingMode.EVENT_TIME, 3);
            int cut = 977;
            var reference = perEvent(setup, null);
            feed(reference, events);
            reference.processWatermark(new Watermark(Long.MAX_VALUE));
            Outputs expected = outputs(reference);

            var perEventFirst = perEvent(setup, null);
            feed(perEventFirst, events.subList(0, cut));
            OperatorSubtaskState fromPerEvent = perEventFirst.snapshot(1L, 1L);
            var bundledSecond = bundled(setup, fromPerEvent);
            feed(bundledSecond, events.subList(cut, events.size()));
            bundledSecond.processWatermark(new Watermark(Long.MAX_VALUE));
            bundledSecond.endInput();
            assertSame(outputs(perEventFirst).plus(outputs(bundledSecond)), expected);

            var bundledFirst = bundled(setup, null);
            feed(bundledFirst, events.subList(0, cut));
            bundledFirst.prepareSnapshotPreBarrier(1L);
            OperatorSubtaskState fromBundled = bundledFirst.snapshot(1L, 1L);
            var perEventSecond = perEvent(setup, fromBundled);
            feed(perEventSecond, events.subList(cut, events.size()));
            perEventSecond.processWatermark(new Watermark(Long.MAX_VALUE));
            assertSame(outputs(bundledFirst).plus(outputs(perEventSecond)), expected);
        }
    }

    @Test
    void keysInStateCountsTheKeysABundledInstanceRestores() throws Exception {
        Setup setup = arrival(16);
        List<Event> events = events(load(setup), 500, false, 5);
        long keys = events.stream()
                .filter(e -> e.reading() != null)
                .map(e -> e.reading().key)
                .distinct()
                .count();
        ForecastOperator first =
                new ForecastOperator(setup.model(), setup.orderingConfig(), setup.stateConfig(), setup.stepping());
        var harness = track(ForecastHarness.bundled(first, null));
        feed(harness, events);
        harness.prepareSnapshotPreBarrier(1L);
        assertThat(first.metrics().keysInState.value()).isEqualTo(keys);
        OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);

        ForecastOperator restored =
                new ForecastOperator(setup.model(), setup.orderingConfig(), setup.stateConfig(), setup.stepping());
        track(ForecastHarness.bundled(restored, snapshot));
        assertThat(restored.metrics().keysInState.value()).isEqualTo(keys);
    }

    private Setup arrival(int bundleSize) {
        return setup("gru_after_2layer_in3_h16_f16", JobConfig.OrderingMode.ARRIVAL, null, bundleSize);
    }

    private static StreamRecord<DecodedRecord> element(Event event) {
        return new StreamRecord<>(copy(event.reading()), event.reading().eventTime);
    }

    @Test
    void aFullBundleIsSteppedAtOnce() throws Exception {
        Setup setup = arrival(3);
        List<Event> events = events(load(setup), 7, false, 1);
        var harness = bundled(setup, null);
        harness.processElement(element(events.get(0)));
        harness.processElement(element(events.get(1)));
        assertThat(harness.extractOutputValues()).isEmpty();
        harness.processElement(element(events.get(2)));
        assertThat(harness.extractOutputValues()).hasSize(3);
    }

    @Test
    void aBundleIsSteppedAtTheTimeoutAfterItsFirstReading() throws Exception {
        Setup setup = arrival(100);
        List<Event> events = events(load(setup), 5, false, 1);
        var harness = bundled(setup, null);
        harness.setProcessingTime(1_000);
        harness.processElement(element(events.get(0)));
        harness.setProcessingTime(1_060);
        harness.processElement(element(events.get(1)));
        harness.setProcessingTime(1_099);
        assertThat(harness.extractOutputValues()).isEmpty();
        harness.setProcessingTime(1_100);
        assertThat(harness.extractOutputValues()).hasSize(2);

        harness.processElement(element(events.get(2))); // a new bundle, with its own deadline
        harness.setProcessingTime(1_150);
        assertThat(harness.extractOutputValues()).hasSize(2);
        harness.setProcessingTime(1_200);
        assertThat(harness.extractOutputValues()).hasSize(3);
    }

    @Test
    void theBundleIsSteppedBeforeAWatermarkGoesOn() throws Exception {
        Setup setup = arrival(100);
        List<Event> events = events(load(setup), 5, false, 1);
        var harness = bundled(setup, null);
        harness.processElement(element(events.get(0)));
        harness.processElement(element(events.get(1)));
        harness.processWatermark(new Watermark(5));

        List<Object> output = new ArrayList<>(harness.getOutput());
        assertThat(output).hasSize(3);
        assertThat(output.get(2)).isEqualTo(new Watermark(5));
    }

    @Test
    void theEndOfInputStepsTheBundle() throws Exception {
        Setup setup = arrival(100);
        List<Event> events = events(load(setup), 5, false, 1);
        var harness = bundled(setup, null);
        for (Event event : events) {
            harness.processElement(element(event));
        }
        assertThat(harness.extractOutputValues()).isEmpty();
        harness.endInput();
        assertThat(harness.extractOutputValues()).hasSize(5);
    }

    @Test
    void aSnapshotNeverHoldsBufferedReadings() throws Exception {
        Setup setup = arrival(100);
        var harness = bundled(setup, null);
        harness.processElement(element(events(load(setup), 1, false, 1).get(0)));
        assertThatThrownBy(() -> harness.snapshot(1L, 1L)).hasStackTraceContaining("prepareSnapshotPreBarrier");
    }

    /**
     * The opt-in BLAS kernel ({@code stepping.kernel: blas}) sums in OpenBLAS's order, so it matches
     * per-event stepping to float rounding rather than bit for bit: same forecasts per key (steps,
     * times, versions), values within 1e-4 relative over thousands of steps.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "lstm_1layer_in8_h16",
                "gru_after_1layer_in8_h16",
                "gru_before_1layer_in8_h16",
                "lstm_2layer_in3_h32_2targets_horizon3"
            })
    void theBlasKernelGivesThePerEventForecastsUpToFloatRounding(String model) throws Exception {
        Setup setup = setup(model, JobConfig.OrderingMode.ARRIVAL, "off", 64);
        List<Event> events = events(load(setup), 3_000, false, 11);
        var perEvent = perEvent(setup, null);
        feed(perEvent, events);
        var blas = track(ForecastHarness.bundled(
                new ForecastOperator(
                        setup.model(),
                        setup.orderingConfig(),
                        setup.stateConfig(),
                        new JobConfig.Stepping(
                                JobConfig.SteppingMode.BUNDLED,
                                64,
                                Duration.ofMillis(100),
                                JobConfig.BundleKernel.BLAS)),
                null));
        feed(blas, events);
        blas.endInput();

        Map<String, List<ForecastRecord>> expected = forecastRecords(perEvent);
        Map<String, List<ForecastRecord>> actual = forecastRecords(blas);
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        expected.forEach((key, records) -> {
            List<ForecastRecord> got = actual.get(key);
            assertThat(got).as(key).hasSameSizeAs(records);
            for (int i = 0; i < records.size(); i++) {
                ForecastRecord e = records.get(i);
                ForecastRecord a = got.get(i);
                assertThat(a.step).isEqualTo(e.step);
                assertThat(a.eventTime).isEqualTo(e.eventTime);
                assertThat(a.modelVersion).isEqualTo(e.modelVersion);
                for (int v = 0; v < e.values.length; v++) {
                    assertThat(a.values[v])
                            .as("%s forecast %d value %d", key, i, v)
                            .isCloseTo(e.values[v], Offset.offset(1e-4f * Math.max(1f, Math.abs(e.values[v]))));
                }
            }
        });
    }

    private static Map<String, List<ForecastRecord>> forecastRecords(ForecastHarness h) {
        Map<String, List<ForecastRecord>> byKey = new TreeMap<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof ForecastRecord f) {
                byKey.computeIfAbsent(f.key, k -> new ArrayList<>()).add(f);
            }
        }
        return byKey;
    }
}
