package io.streamcell.job;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import java.util.function.Supplier;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The forecast operator's metrics (group {@code streamcell}), with the same names in both stepping
 * modes so dashboards do not depend on the mode; the bundled mode adds {@code bundleSize}.
 */
final class ForecastMetrics {
    private static final int HISTOGRAM_WINDOW = 10_000;

    final Counter readingsIn;
    final Counter forecastsOut;
    final Counter lateReadings;
    final Counter stateResets;
    final Counter keysCreated;
    final Counter alertsOut;
    /** Model updates installed (hot-swap), on each parallel instance. */
    final Counter modelUpdatesApplied;
    /** Model updates rejected as invalid (they also go to dead letters, from one instance). */
    final Counter modelUpdatesRejected;
    /** Nanoseconds of one key's recurrent step (bundled: a kernel call's time over its keys). */
    final Histogram stepNanos;
    /** Readings per flushed bundle; null in per-event mode. */
    final Histogram bundleSize;

    /** @param modelVersion the version of the model serving now (it changes on a hot-swap) */
    ForecastMetrics(MetricGroup operatorGroup, Supplier<String> modelVersion, boolean bundled) {
        MetricGroup metrics = operatorGroup.addGroup("streamcell");
        readingsIn = metrics.counter("readingsIn");
        forecastsOut = metrics.counter("forecastsOut");
        lateReadings = metrics.counter("lateReadings");
        stateResets = metrics.counter("stateResets");
        keysCreated = metrics.counter("keysCreated");
        alertsOut = metrics.counter("alertsOut");
        modelUpdatesApplied = metrics.counter("modelUpdatesApplied");
        modelUpdatesRejected = metrics.counter("modelUpdatesRejected");
        stepNanos = metrics.histogram("stepLatencyNanos", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        bundleSize = bundled
                ? metrics.histogram("bundleSize", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW))
                : null;
        metrics.gauge("modelVersion", modelVersion::get);
    }

    /** Counts what one stepped reading produced. */
    void stepped(KeyStepper.Outcome outcome) {
        if (outcome.reset()) { // after a gap, or restored from a model of another shape (hot-swap resets count too)
            stateResets.inc();
        }
        forecastsOut.inc();
        if (outcome.alert() != null) {
            alertsOut.inc();
        }
    }
}
