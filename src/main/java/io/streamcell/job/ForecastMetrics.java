package io.streamcell.job;

import io.streamcell.anomaly.AlertPolicy;
import io.streamcell.core.KeyStepper;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
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
    /** Readings turned away because their key had the most readings allowed waiting for the watermark. */
    final Counter bufferFullReadings;

    final Counter stateResets;
    final Counter keysCreated;
    /** The {@code keysInState} gauge's count; the operator counts the backend's keys into it. */
    final KeysInState keysInState = new KeysInState();

    final Counter alertsOut;
    /** Model updates installed (hot-swap), on each parallel instance. */
    final Counter modelUpdatesApplied;
    /** Nanoseconds of one key's recurrent step (bundled: a kernel call's time over its keys). */
    final Histogram stepNanos;
    /** Readings per flushed bundle; null in per-event mode. */
    final Histogram bundleSize;
    /** Alerts by {@link AlertPolicy.Severity} ordinal: {@code alerts_warning}, {@code alerts_critical}. */
    private final Counter[] alertsBySeverity;
    /** Weight of the newest scored reading in {@link #onlineError}: about the last 1,000 readings. */
    private static final double ERROR_WEIGHT = 1e-3;
    /**
     * Exponentially weighted mean absolute forecast error (targets' units, horizon step 1); NaN before
     * any. Written per event by the task thread, read now and then by the reporter: not volatile, as a
     * slightly stale value is fine there and a fence per event is not.
     */
    private double onlineError = Double.NaN;

    private final MetricGroup group;
    private final Supplier<String> modelVersion;
    private final Set<String> infoVersions = new HashSet<>();
    private String lastVersion;

    /** @param modelVersion the version of the model serving now (it changes on a hot-swap) */
    ForecastMetrics(MetricGroup operatorGroup, Supplier<String> modelVersion, boolean bundled) {
        MetricGroup metrics = operatorGroup.addGroup("streamcell");
        readingsIn = metrics.counter("readingsIn");
        forecastsOut = metrics.counter("forecastsOut");
        lateReadings = metrics.counter("lateReadings");
        bufferFullReadings = metrics.counter("bufferFullReadings");
        stateResets = metrics.counter("stateResets");
        keysCreated = metrics.counter("keysCreated");
        metrics.gauge("keysInState", keysInState::value);
        alertsOut = metrics.counter("alertsOut");
        modelUpdatesApplied = metrics.counter("modelUpdatesApplied");
        stepNanos = metrics.histogram("stepLatencyNanos", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        bundleSize =
                bundled ? metrics.histogram("bundleSize", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW)) : null;
        metrics.gauge("modelVersion", modelVersion::get);
        MetricGroup alerts = metrics.addGroup("alerts");
        alertsBySeverity = new Counter[AlertPolicy.Severity.values().length];
        for (AlertPolicy.Severity severity : AlertPolicy.Severity.values()) {
            alertsBySeverity[severity.ordinal()] = alerts.counter(severity.label());
        }
        metrics.gauge("onlineError", () -> onlineError);
        this.group = metrics;
        this.modelVersion = modelVersion;
        registerModelInfo();
    }

    /**
     * {@code modelInfo}: 1 under the label {@code model_version} of the model serving now, 0 under
     * versions served before (Prometheus cannot take a string value; this is its "info" idiom).
     */
    private void registerModelInfo() {
        String version = modelVersion.get();
        lastVersion = version;
        if (version != null && infoVersions.add(version)) {
            group.addGroup("model_version", version)
                    .gauge("modelInfo", () -> version.equals(modelVersion.get()) ? 1 : 0);
        }
    }

    /** A key got its first state (or its state had expired). */
    void keyCreated() {
        keysCreated.inc();
        keysInState.added();
    }

    /** Counts what one stepped reading produced. */
    void stepped(KeyStepper.Outcome outcome) {
        if (outcome.reset()) { // after a gap, or restored from a model of another shape (hot-swap resets count too)
            stateResets.inc();
        }
        forecastsOut.inc();
        if (outcome.alert() != null) {
            alertsOut.inc();
            alertsBySeverity[outcome.alert().ordinal()].inc();
        }
        float[] errors = outcome.errors();
        if (errors != null && errors.length > 0) {
            double sum = 0;
            for (float error : errors) {
                sum += Math.abs(error);
            }
            double mean = sum / errors.length;
            double previous = onlineError;
            onlineError = Double.isNaN(previous) ? mean : previous + ERROR_WEIGHT * (mean - previous);
        }
        if (modelVersion.get() != lastVersion) { // a hot-swap installed another model
            registerModelInfo();
        }
    }
}
