package io.streamcell.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SensorSimulatorTest {

    @Test
    void sameSeedAndKeysGiveTheSameStream() {
        List<SensorReading> first =
                take(builder(7, 25).shuffleWithinRound(true).anomalyRate(0.01).build(), 20_000);
        List<SensorReading> second =
                take(builder(7, 25).shuffleWithinRound(true).anomalyRate(0.01).build(), 20_000);

        assertThat(first).isEqualTo(second);
    }

    @Test
    void anotherSeedGivesAnotherStream() {
        List<SensorReading> first = take(builder(7, 5).build(), 100);
        List<SensorReading> second = take(builder(8, 5).build(), 100);

        for (int i = 0; i < first.size(); i++) {
            assertThat(second.get(i).key()).isEqualTo(first.get(i).key());
            assertThat(second.get(i).temperature()).isNotEqualTo(first.get(i).temperature());
        }
    }

    @Test
    void keysAreNumberedFromOne() {
        assertThat(SensorSimulator.keyNames(3)).containsExactly("sensor-0001", "sensor-0002", "sensor-0003");
        assertThat(SensorSimulator.keyNames(10_000)).endsWith("sensor-9999", "sensor-10000");
        assertThat(builder(1, 2).build().keys()).containsExactly("sensor-0001", "sensor-0002");
    }

    @Test
    void everyRoundAdvancesEveryKeyOneStepOnItsOwnFiveMinuteClock() {
        Instant start = Instant.parse("2025-03-01T12:00:00Z");
        SensorSimulator simulator = builder(3, 10).start(start).build();

        for (long round = 0; round < 50; round++) {
            List<String> keysOfRound = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                SensorReading reading = simulator.next();
                keysOfRound.add(reading.key());
                assertThat(reading.step()).isEqualTo(round);
                assertThat(reading.eventTime()).isEqualTo(start.plusSeconds(300 * round));
            }
            assertThat(keysOfRound).isEqualTo(SensorSimulator.keyNames(10));
        }
        assertThat(simulator.readings()).isEqualTo(500);
    }

    @Test
    void shuffledRoundsChangeTheOrderButNotTheSeries() {
        SensorSimulator plain = builder(11, 20).anomalyRate(0.01).build();
        SensorSimulator shuffled =
                builder(11, 20).anomalyRate(0.01).shuffleWithinRound(true).build();
        Map<String, List<SensorReading>> plainSeries = new HashMap<>();
        Map<String, List<SensorReading>> shuffledSeries = new HashMap<>();
        Set<List<String>> roundOrders = new HashSet<>();

        for (int round = 0; round < 300; round++) {
            List<String> order = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                SensorReading a = plain.next();
                SensorReading b = shuffled.next();
                plainSeries.computeIfAbsent(a.key(), k -> new ArrayList<>()).add(a);
                shuffledSeries.computeIfAbsent(b.key(), k -> new ArrayList<>()).add(b);
                order.add(b.key());
                assertThat(b.step()).isEqualTo(round);
            }
            assertThat(order).containsExactlyInAnyOrderElementsOf(SensorSimulator.keyNames(20));
            roundOrders.add(order);
        }

        assertThat(shuffledSeries).isEqualTo(plainSeries);
        assertThat(roundOrders).hasSizeGreaterThan(250);
    }

    @Test
    void aKeysSeriesDoesNotDependOnTheOtherKeys() {
        SensorSimulator many = builder(5, 3).build();
        SensorSimulator alone =
                SensorSimulator.builder().seed(5).keys(List.of("sensor-0002")).build();

        for (int step = 0; step < 1000; step++) {
            many.next();
            SensorReading fromMany = many.next();
            many.next();
            assertThat(alone.next()).isEqualTo(fromMany);
        }
    }

    @Test
    void theCleanSignalDoesNotDependOnTheAnomalyRate() {
        SensorSimulator clean = builder(9, 10).anomalyRate(0).build();
        SensorSimulator faulty = builder(9, 10).anomalyRate(0.02).build();
        int anomalous = 0;

        for (int i = 0; i < 50_000; i++) {
            SensorReading expected = clean.next();
            SensorReading actual = faulty.next();
            assertThat(expected.anomaly()).isEqualTo(InjectedAnomaly.NONE);
            assertThat(actual.humidity()).isEqualTo(expected.humidity()); // faults hit the temperature only
            if (actual.anomaly() == InjectedAnomaly.NONE) {
                assertThat(actual).isEqualTo(expected);
            } else {
                anomalous++;
            }
        }
        assertThat(anomalous).isPositive();
    }

    @Test
    void anomaliesStartAtTheConfiguredRateWithTheDocumentedSizeAndLength() {
        double rate = 0.002;
        int keys = 200;
        int steps = 5000;
        SensorSimulator clean = builder(21, keys).anomalyRate(0).build();
        SensorSimulator faulty = builder(21, keys).anomalyRate(rate).build();
        Map<String, Double> previousShiftOffset = new HashMap<>(); // absent when the previous reading was no shift
        Map<String, Integer> runningShiftLength = new HashMap<>();
        List<Integer> shiftLengths = new ArrayList<>();
        int spikes = 0;
        int shiftContinuations = 0;

        for (long i = 0; i < (long) keys * steps; i++) {
            SensorReading expected = clean.next();
            SensorReading actual = faulty.next();
            String key = actual.key();
            double offset = actual.temperature() - expected.temperature();
            double noiseSd = faulty.profile(key).totalNoiseSd();
            Double previousOffset = previousShiftOffset.remove(key);
            boolean continuesShift = actual.anomaly() == InjectedAnomaly.SHIFT
                    && previousOffset != null
                    && Math.abs(offset - previousOffset) < 1e-9;
            int runLength = runningShiftLength.getOrDefault(key, 0);
            if (!continuesShift && runLength > 0) {
                shiftLengths.add(runLength);
                runLength = 0;
            }
            switch (actual.anomaly()) {
                case NONE -> assertThat(offset).isZero();
                case SPIKE -> {
                    spikes++;
                    assertThat(Math.abs(offset)).isBetween(5 * noiseSd - 1e-9, 10 * noiseSd + 1e-9);
                }
                case SHIFT -> {
                    assertThat(Math.abs(offset)).isBetween(5 * noiseSd - 1e-9, 10 * noiseSd + 1e-9);
                    previousShiftOffset.put(key, offset);
                    runLength++;
                    if (continuesShift) {
                        shiftContinuations++;
                    }
                }
            }
            runningShiftLength.put(key, runLength);
        }

        int unfinishedShifts =
                (int) runningShiftLength.values().stream().filter(n -> n > 0).count();
        int starts = spikes + shiftLengths.size() + unfinishedShifts;
        double expectedStarts = rate * ((long) keys * steps - shiftContinuations); // no anomaly starts inside a shift
        assertThat((double) starts).isCloseTo(expectedStarts, within(0.1 * expectedStarts));
        assertThat((double) spikes / starts).isCloseTo(0.5, within(0.05));
        assertThat(shiftLengths).allSatisfy(length -> assertThat(length).isBetween(20, 60));
        assertThat(shiftLengths.stream().mapToInt(Integer::intValue).average().orElseThrow())
                .isCloseTo(40, within(3.0));
    }

    @Test
    void profilesStayWithinTheirDocumentedRanges() {
        SensorSimulator simulator = builder(13, 2000).build();

        for (String key : simulator.keys()) {
            SensorProfile p = simulator.profile(key);
            assertThat(p.baseTemperature()).isBetween(5.0, 30.0);
            assertThat(p.dailyAmplitude()).isBetween(1.0, 8.0);
            assertThat(p.halfDayAmplitude() / p.dailyAmplitude()).isBetween(0.1, 0.3);
            assertThat(p.dailyPhase()).isBetween(0.0, 2 * Math.PI);
            assertThat(p.halfDayPhase()).isBetween(0.0, 2 * Math.PI);
            assertThat(p.driftStepSd()).isBetween(0.002, 0.02);
            assertThat(p.noisePhi()).isBetween(0.7, 0.9);
            assertThat(p.noiseSd()).isBetween(0.05, 0.5);
            assertThat(p.baseHumidity()).isBetween(35.0, 75.0);
            assertThat(p.humidityCoupling()).isBetween(1.3, 1.7);
            assertThat(p.humidityNoiseSd()).isBetween(0.3, 1.5);
            assertThat(p.readingNoiseSd()).isBetween(0.05, 0.3);
        }
        double meanBase = simulator.keys().stream()
                .mapToDouble(k -> simulator.profile(k).baseTemperature())
                .average()
                .orElseThrow();
        assertThat(meanBase).isCloseTo(17.5, within(0.5));
    }

    @Test
    void readingsFollowTheirSensorsProfileAndDailyCycle() {
        int keys = 50;
        int steps = 3 * SensorSimulator.STEPS_PER_DAY;
        SensorSimulator simulator = builder(17, keys).anomalyRate(0).build();
        double[][] temperature = new double[keys][steps];
        double[][] humidity = new double[keys][steps];
        for (int step = 0; step < steps; step++) {
            for (int k = 0; k < keys; k++) {
                SensorReading reading = simulator.next();
                temperature[k][step] = reading.temperature();
                humidity[k][step] = reading.humidity();
            }
        }

        double correlationSum = 0;
        for (int k = 0; k < keys; k++) {
            SensorProfile p = simulator.profile(simulator.keys().get(k));
            double bound = p.dailyAmplitude()
                    + p.halfDayAmplitude()
                    + SensorProfile.DRIFT_LIMIT
                    + 5 * p.noiseSd()
                    + 5 * p.readingNoiseSd();
            for (int step = 0; step < steps; step++) {
                assertThat(temperature[k][step]).isBetween(p.baseTemperature() - bound, p.baseTemperature() + bound);
                assertThat(humidity[k][step]).isBetween(0.0, 100.0);
            }
            // a day later the cycle is back: only drift and noise differ; half a day later it is not
            double dayApart = meanAbsoluteDifference(temperature[k], SensorSimulator.STEPS_PER_DAY);
            double halfDayApart = meanAbsoluteDifference(temperature[k], SensorSimulator.STEPS_PER_DAY / 2);
            if (p.dailyAmplitude() > 3) {
                assertThat(dayApart).isLessThan(0.5 * halfDayApart);
            }
            double correlation = correlation(temperature[k], humidity[k]);
            assertThat(correlation).as("humidity falls as temperature rises").isNegative();
            correlationSum += correlation;
        }
        assertThat(correlationSum / keys).isLessThan(-0.7);
    }

    @Test
    void withoutTheCyclesWhatRemainsIsABoundedDriftPlusAr1NoisePlusReadNoise() {
        int keys = 5;
        int steps = 60 * SensorSimulator.STEPS_PER_DAY;
        SensorSimulator simulator = builder(19, keys).anomalyRate(0).build();
        double[][] residual = new double[keys][steps];
        for (int step = 0; step < steps; step++) {
            double angle = 2 * Math.PI * (step % SensorSimulator.STEPS_PER_DAY) / SensorSimulator.STEPS_PER_DAY;
            for (int k = 0; k < keys; k++) {
                SensorReading reading = simulator.next();
                SensorProfile p = simulator.profile(reading.key());
                residual[k][step] = reading.temperature()
                        - p.baseTemperature()
                        - p.dailyAmplitude() * Math.sin(angle + p.dailyPhase())
                        - p.halfDayAmplitude() * Math.sin(2 * angle + p.halfDayPhase());
            }
        }

        for (int k = 0; k < keys; k++) {
            SensorProfile p = simulator.profile(simulator.keys().get(k));
            double bound = SensorProfile.DRIFT_LIMIT + 6 * p.noiseSd() + 6 * p.readingNoiseSd();
            assertThat(Arrays.stream(residual[k]).map(Math::abs).max().orElseThrow())
                    .isLessThan(bound);
            // residual r = drift + e + w; its differences are white drift steps, e_{t+1} - e_t and
            // w_{t+1} - w_t, whose lag-1 correlation is -((1 - rho)^2 sigma^2 + sigma_w^2) /
            // (2 (1 - rho) sigma^2 + sigma_drift^2 + 2 sigma_w^2) (-0.5 for white noise alone)
            double[] change = new double[steps - 1];
            for (int t = 0; t < change.length; t++) {
                change[t] = residual[k][t + 1] - residual[k][t];
            }
            double rho = p.noisePhi();
            double sigma2 = p.noiseSd() * p.noiseSd();
            double read2 = p.readingNoiseSd() * p.readingNoiseSd();
            double drift2 = p.driftStepSd() * p.driftStepSd();
            double expected = -((1 - rho) * (1 - rho) * sigma2 + read2) / (2 * (1 - rho) * sigma2 + drift2 + 2 * read2);
            double actual =
                    correlation(Arrays.copyOf(change, change.length - 1), Arrays.copyOfRange(change, 1, change.length));
            assertThat(actual)
                    .as("lag-1 correlation of the residual's changes, rho %s", rho)
                    .isCloseTo(expected, within(0.04));
            assertThat(standardDeviation(change))
                    .isCloseTo(Math.sqrt(2 * (1 - rho) * sigma2 + drift2 + 2 * read2), withinPercentage(5));
        }
    }

    @Test
    void invalidSettingsAreRejectedWithTheReason() {
        assertThatThrownBy(() -> SensorSimulator.builder().anomalyRate(1.5).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 1]");
        assertThatThrownBy(
                        () -> SensorSimulator.builder().anomalyRate(Double.NaN).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("anomaly rate");
        assertThatThrownBy(() -> SensorSimulator.builder().keyCount(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(">= 1");
        assertThatThrownBy(() ->
                        SensorSimulator.builder().keys(List.of("a", "b", "a")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'a' appears twice");
        assertThatThrownBy(() -> SensorSimulator.builder().keys(List.of()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one key");
        assertThatThrownBy(() -> builder(1, 2).build().profile("sensor-0003"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sensor-0003");
    }

    private static SensorSimulator.Builder builder(long seed, int keys) {
        return SensorSimulator.builder().seed(seed).keyCount(keys);
    }

    private static List<SensorReading> take(SensorSimulator simulator, int count) {
        List<SensorReading> readings = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            readings.add(simulator.next());
        }
        return readings;
    }

    private static double meanAbsoluteDifference(double[] series, int lag) {
        double sum = 0;
        for (int t = lag; t < series.length; t++) {
            sum += Math.abs(series[t] - series[t - lag]);
        }
        return sum / (series.length - lag);
    }

    private static double standardDeviation(double[] values) {
        double mean = Arrays.stream(values).average().orElseThrow();
        return Math.sqrt(Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / values.length);
    }

    private static double correlation(double[] a, double[] b) {
        double meanA = Arrays.stream(a).average().orElseThrow();
        double meanB = Arrays.stream(b).average().orElseThrow();
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (a[i] - meanA) * (b[i] - meanB);
            aa += (a[i] - meanA) * (a[i] - meanA);
            bb += (b[i] - meanB) * (b[i] - meanB);
        }
        return ab / Math.sqrt(aa * bb);
    }
}
