package io.streamcell.anomaly;

import java.util.Locale;

/**
 * Decides which anomaly scores become alerts, per key: severity levels by score, one alert per
 * anomalous episode (plus one more if the episode escalates), and an episode that ends only after
 * the score has stayed low for a while, so a flapping score does not page anyone twice.
 *
 * <p>Per-key state: two floats, {@code [episode severity (0 = none), quiet steps]}, kept by the
 * caller (see {@link #STATE_SIZE}). Immutable and thread-safe.
 */
public final class AlertPolicy {
    /** Floats of per-key policy state. */
    public static final int STATE_SIZE = 2;

    public enum Severity {
        WARNING,
        CRITICAL;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param warning score at or above which an episode starts with severity warning
     * @param critical score at or above which severity is critical
     * @param reset score below which a step counts as quiet
     * @param quietSteps consecutive quiet steps that end an episode
     */
    public record Settings(float warning, float critical, float reset, int quietSteps) {
        public Settings {
            if (!(0 < reset && reset <= warning && warning <= critical && critical <= 1) || quietSteps < 1) {
                throw new IllegalArgumentException("alert thresholds must satisfy 0 < reset <= warning <= critical <= 1"
                        + " and quietSteps >= 1: " + this);
            }
        }
    }

    public static final Settings DEFAULTS = new Settings(0.5f, 0.8f, 0.3f, 10);

    private final Settings settings;

    public AlertPolicy(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Applies one step's score to the key's policy state ({@link #STATE_SIZE} floats at
     * {@code offset} of {@code state}, zeros for a new key) and returns the severity to alert
     * with, or null for no alert.
     */
    public Severity apply(float score, float[] state, int offset) {
        int episode = (int) state[offset];
        Severity level = score >= settings.critical()
                ? Severity.CRITICAL
                : score >= settings.warning() ? Severity.WARNING : null;
        if (level != null) {
            state[offset + 1] = 0;
            int rank = level.ordinal() + 1;
            if (rank > episode) { // a new episode, or one that got worse
                state[offset] = rank;
                return level;
            }
            return null;
        }
        if (episode > 0) {
            if (score < settings.reset()) {
                state[offset + 1] += 1;
                if (state[offset + 1] >= settings.quietSteps()) {
                    state[offset] = 0;
                    state[offset + 1] = 0;
                }
            } else {
                state[offset + 1] = 0;
            }
        }
        return null;
    }
}
