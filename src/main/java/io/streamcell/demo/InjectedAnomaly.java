package io.streamcell.demo;

/**
 * Ground truth of a simulated reading: whether the simulator tampered with its temperature, and how.
 * Not a model feature: it is there to score anomaly detection against.
 */
public enum InjectedAnomaly {
    /** A normal reading. */
    NONE("none"),
    /** One reading off by 5–10 noise standard deviations, the next one normal again. */
    SPIKE("spike"),
    /** One of 20–60 consecutive readings offset by the same 5–10 noise standard deviations. */
    SHIFT("shift");

    private final String label;

    InjectedAnomaly(String label) {
        this.label = label;
    }

    /** The name used in CSV files: {@code none}, {@code spike} or {@code shift}. */
    public String label() {
        return label;
    }

    public boolean isAnomalous() {
        return this != NONE;
    }
}
