package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.anomaly.AlertPolicy;
import io.streamcell.anomaly.AnomalyDetector;
import io.streamcell.anomaly.ChannelDetector;
import io.streamcell.core.KeyStepper;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The operator metrics by name, as Flink's reporters see them (group path joined by dots). */
class ForecastMetricsTest {
    /** Records every metric under its full group path. */
    private static final class RecordingGroup extends UnregisteredMetricsGroup {
        private final String prefix;
        private final Map<String, Metric> metrics;

        RecordingGroup(String prefix, Map<String, Metric> metrics) {
            this.prefix = prefix;
            this.metrics = metrics;
        }

        @Override
        public Counter counter(String name) {
            SimpleCounter counter = new SimpleCounter();
            metrics.put(prefix + name, counter);
            return counter;
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            metrics.put(prefix + name, gauge);
            return gauge;
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new RecordingGroup(prefix + name + ".", metrics);
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new RecordingGroup(prefix + key + "=" + value + ".", metrics);
        }
    }

    private static KeyStepper.Outcome outcome(float[] errors, AlertPolicy.Severity alert) {
        AnomalyDetector.Score score = errors == null
                ? null
                : new AnomalyDetector.Score(
                        0.5f,
                        0.5f,
                        0,
                        new ChannelDetector.Result(0.5, 0.5, ChannelDetector.Channel.MODEL_ERROR, 0.5, 0, 0, 3));
        return new KeyStepper.Outcome(new float[] {1}, errors, 1, false, score, alert, null, null);
    }

    @Test
    void alertsBySeverityOnlineErrorAndTheServingModelVersion() {
        Map<String, Metric> metrics = new TreeMap<>();
        AtomicReference<String> version = new AtomicReference<>("v1");
        ForecastMetrics forecastMetrics = new ForecastMetrics(new RecordingGroup("", metrics), version::get, false);

        forecastMetrics.stepped(outcome(null, null)); // a key's first reading: nothing to score
        assertThat(((Gauge<?>) metrics.get("streamcell.onlineError")).getValue())
                .isEqualTo(Double.NaN);
        forecastMetrics.stepped(outcome(new float[] {2f, -4f}, AlertPolicy.Severity.WARNING));
        forecastMetrics.stepped(outcome(new float[] {0f, 0f}, AlertPolicy.Severity.CRITICAL));
        forecastMetrics.stepped(outcome(new float[] {1f, 1f}, AlertPolicy.Severity.CRITICAL));

        assertThat(((Counter) metrics.get("streamcell.alerts.warning")).getCount())
                .isEqualTo(1);
        assertThat(((Counter) metrics.get("streamcell.alerts.critical")).getCount())
                .isEqualTo(2);
        assertThat(((Counter) metrics.get("streamcell.alertsOut")).getCount()).isEqualTo(3);
        assertThat(((Counter) metrics.get("streamcell.forecastsOut")).getCount())
                .isEqualTo(4);
        // mean |error| over targets, 3 then 0 then 1, weighted 1e-3 after the first
        double expected = 3;
        expected += 1e-3 * (0 - expected);
        expected += 1e-3 * (1 - expected);
        assertThat((Double) ((Gauge<?>) metrics.get("streamcell.onlineError")).getValue())
                .isCloseTo(expected, Offset.offset(1e-12));

        Gauge<?> v1 = (Gauge<?>) metrics.get("streamcell.model_version=v1.modelInfo");
        assertThat(v1.getValue()).isEqualTo(1);
        version.set("v2"); // a hot-swap
        forecastMetrics.stepped(outcome(null, null));
        Gauge<?> v2 = (Gauge<?>) metrics.get("streamcell.model_version=v2.modelInfo");
        assertThat(v2.getValue()).isEqualTo(1);
        assertThat(v1.getValue()).isEqualTo(0);
    }
}
