package io.streamcell.adapt;

import java.io.Serializable;
import java.util.Locale;

/**
 * How a job adapts each key online: which {@link LinearReadout} learns a per-key correction on top
 * of the shared model, and its settings. Serializable: it travels inside the Flink operator.
 *
 * @param method the learner
 * @param forgetting RLS forgetting factor λ (memory of about {@code 1/(1-λ)} events)
 * @param initialVariance RLS prior variance δ ({@code P = δI} for a new key)
 * @param stepSize NLMS step size μ in (0, 2)
 * @param processNoise RLS process noise q (see {@link RecursiveLeastSquares})
 */
public record Adaptation(Method method, double forgetting, double initialVariance, double stepSize, double processNoise)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Method {
        /** No online adaptation, whatever the model says. */
        OFF,
        RLS,
        NLMS
    }

    public static final double DEFAULT_FORGETTING = 0.999;
    public static final double DEFAULT_INITIAL_VARIANCE = 1.0;
    public static final double DEFAULT_STEP_SIZE = 0.05;
    /** On a recurrent model's hidden state: see {@code OnlineAdaptationTest} for the series it was checked on. */
    public static final double DEFAULT_PROCESS_NOISE = 1e-3;

    /**
     * Adaptation turned off whatever the model says. (Null stands for "as the model says": a model
     * with a forecast recipe adapts its readout unless it says otherwise; any other model does not.)
     */
    public static final Adaptation OFF = new Adaptation(
            Method.OFF, DEFAULT_FORGETTING, DEFAULT_INITIAL_VARIANCE, DEFAULT_STEP_SIZE, DEFAULT_PROCESS_NOISE);

    public Adaptation {
        readout(method, forgetting, initialVariance, stepSize, processNoise, 1, 1); // validates the settings
    }

    /** {@code model} (null), {@code off}, {@code rls} or {@code nlms}, with the default settings. */
    public static Adaptation parse(String mode) {
        return switch (mode.trim().toLowerCase(Locale.ROOT)) {
            case "model" -> null;
            case "off", "none" -> OFF;
            case "rls" ->
                new Adaptation(
                        Method.RLS,
                        DEFAULT_FORGETTING,
                        DEFAULT_INITIAL_VARIANCE,
                        DEFAULT_STEP_SIZE,
                        DEFAULT_PROCESS_NOISE);
            case "nlms" ->
                new Adaptation(
                        Method.NLMS,
                        DEFAULT_FORGETTING,
                        DEFAULT_INITIAL_VARIANCE,
                        DEFAULT_STEP_SIZE,
                        DEFAULT_PROCESS_NOISE);
            default ->
                throw new IllegalArgumentException("adaptation must be model, off, rls or nlms, got '" + mode + "'");
        };
    }

    public Adaptation withForgetting(double value) {
        return new Adaptation(method, value, initialVariance, stepSize, processNoise);
    }

    public Adaptation withStepSize(double value) {
        return new Adaptation(method, forgetting, initialVariance, value, processNoise);
    }

    /** Whether this turns online learning off. */
    public boolean off() {
        return method == Method.OFF;
    }

    /** A readout of this kind with {@code inputs} inputs and {@code outputs} outputs; null when {@link #off()}. */
    public LinearReadout readout(int inputs, int outputs) {
        return readout(method, forgetting, initialVariance, stepSize, processNoise, inputs, outputs);
    }

    private static LinearReadout readout(
            Method method,
            double forgetting,
            double initialVariance,
            double stepSize,
            double processNoise,
            int inputs,
            int outputs) {
        return switch (method) {
            case OFF -> null;
            case RLS -> new RecursiveLeastSquares(inputs, outputs, forgetting, initialVariance, processNoise);
            case NLMS -> new NormalisedLms(inputs, outputs, stepSize);
        };
    }
}
