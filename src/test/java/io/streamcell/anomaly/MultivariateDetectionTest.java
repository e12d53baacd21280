package io.streamcell.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.core.KeyStepper;
import io.streamcell.demo.InjectedAnomaly;
import io.streamcell.demo.SensorReading;
import io.streamcell.demo.SensorSimulator;
import io.streamcell.model.RecurrentModel;
import io.streamcell.state.KeyState;
import io.streamcell.train.ForecastTrainer;
import io.streamcell.train.KeySeries;
import io.streamcell.train.TrainingListener;
import io.streamcell.train.TrainingOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Detection on a generated multivariate corpus: simulated sensors with two targets (temperature and
 * humidity) and faults injected into the temperature only. A model with both targets runs a detector
 * per target; the key's score is the highest, so the faults are found and attributed to the
 * temperature, and the quiet rows stay quiet.
 */
class MultivariateDetectionTest {
    private static final int KEYS = 20;
    private static final int STEPS = 2_400;
    private static final int WARM_UP = 900; // the detector learns for 750 rows

    private static Map<String, List<SensorReading>> simulate(double anomalyRate, long seed) {
        SensorSimulator simulator = SensorSimulator.builder()
                .seed(seed)
                .keyCount(KEYS)
                .anomalyRate(anomalyRate)
                .build();
        Map<String, List<SensorReading>> byKey = new HashMap<>();
        for (int i = 0; i < KEYS * STEPS; i++) {
            SensorReading r = simulator.next();
            byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
        }
        return byKey;
    }

    private static RecurrentModel trainedOnCleanReadings() {
        List<KeySeries> series = new ArrayList<>();
        simulate(0, 7).forEach((key, readings) -> {
            double[][] x = new double[readings.size()][];
            long[] times = new long[readings.size()];
            for (int t = 0; t < readings.size(); t++) {
                x[t] = new double[] {
                    readings.get(t).temperature(), readings.get(t).humidity()
                };
                times[t] = readings.get(t).epochMillis();
            }
            series.add(new KeySeries(key, x, x, times));
        });
        List<String> columns = List.of("temperature", "humidity");
        TrainingOptions options = TrainingOptions.defaults()
                .hidden(4)
                .epochs(2)
                .validationFraction(0.1)
                .version("multivariate-test");
        return ForecastTrainer.train(
                        series, columns, columns, options, ForecastTrainer.Recipe.DEFAULT, TrainingListener.NONE)
                .model();
    }

    @Test
    void faultsInOneTargetAreFoundAndAttributedToItWhileQuietRowsStayQuiet() {
        RecurrentModel model = trainedOnCleanReadings();
        KeyStepper stepper = new KeyStepper(model, null, null);
        int faults = 0;
        int found = 0;
        int foundOnTemperature = 0;
        int quietRows = 0;
        int falseAlarms = 0;
        for (List<SensorReading> readings : simulate(0.001, 11).values()) {
            KeyState state = KeyState.fresh(model);
            InjectedAnomaly previous = InjectedAnomaly.NONE;
            int faultStart = -1;
            boolean faultFound = false;
            for (int t = 0; t < readings.size(); t++) {
                SensorReading r = readings.get(t);
                KeyStepper.Outcome outcome = stepper.step(
                        state, r.epochMillis(), new float[] {(float) r.temperature(), (float) r.humidity()});
                float score = outcome.score() == null ? 0f : outcome.score().anomalyScore();
                boolean anomalous = r.anomaly() != InjectedAnomaly.NONE;
                if (anomalous && previous == InjectedAnomaly.NONE && t >= WARM_UP) {
                    faultStart = t;
                    faultFound = false;
                    faults++;
                }
                if (faultStart >= 0 && t <= faultStart + 2 && !faultFound && score >= 0.5) {
                    faultFound = true;
                    found++;
                    if (outcome.score().target() == 0) {
                        foundOnTemperature++;
                    }
                }
                if (!anomalous && previous == InjectedAnomaly.NONE && t >= WARM_UP) {
                    quietRows++;
                    if (score >= 0.5) {
                        falseAlarms++;
                    }
                }
                previous = r.anomaly();
            }
        }
        assertThat(faults).as("faults injected after the warm-up").isGreaterThan(20);
        assertThat((double) found / faults)
                .as("faults found within their first three rows")
                .isGreaterThan(0.7);
        assertThat(foundOnTemperature)
                .as("found on the temperature, where they were injected")
                .isEqualTo(found);
        assertThat((double) falseAlarms / quietRows)
                .as("quiet rows scoring 0.5 or more")
                .isLessThan(0.01);
    }
}
