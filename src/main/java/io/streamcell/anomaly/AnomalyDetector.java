package io.streamcell.anomaly;

import java.util.Arrays;

/**
 * A key's anomaly detection: a {@link ChannelDetector} per target, the key's score their maximum,
 * then the {@link AlertPolicy}'s decision on that score, over one per-key {@code float[]} laid out
 * {@code [target 0's detector | target 1's | … | policy state]} ({@link #stateSize()} floats). An
 * array of another length (a new key, or the statistics of an earlier release's scorer, which
 * cannot be carried over) starts from fresh statistics. Immutable and thread-safe.
 */
public final class AnomalyDetector {
    private final ChannelDetector channels;
    private final AlertPolicy policy;
    private final int targets;

    public AnomalyDetector(int targets, ChannelDetector.Settings detection, AlertPolicy.Settings alerting) {
        if (targets < 1) {
            throw new IllegalArgumentException("targets must be >= 1");
        }
        this.channels = new ChannelDetector(detection);
        this.policy = new AlertPolicy(alerting);
        this.targets = targets;
    }

    public int stateSize() {
        return targets * channels.stateSize() + AlertPolicy.STATE_SIZE;
    }

    /** Floats of one target's detector state, its transition table included. */
    public int stateSizePerTarget() {
        return channels.stateSize();
    }

    /**
     * One observation's anomaly score: the target whose detector scored highest, and what it saw.
     *
     * @param anomalyScore in [0, 1]: the level where it rises above the key's recent peak, else 0
     * @param level the largest channel likelihood of that target, in [0, 1] (log-scaled tail)
     * @param target index of the target, or -1 when no target has a level yet
     * @param detail that target's channels
     */
    public record Score(float anomalyScore, float level, int target, ChannelDetector.Result detail) {
        /** {@code 1 − tail} of the level. */
        public double likelihood() {
            return ChannelDetector.likelihoodOf(level);
        }

        /** The channel behind the level, or null. */
        public ChannelDetector.Channel channel() {
            return detail == null ? null : detail.channel();
        }
    }

    /** The updated per-key state, the score, and the alert severity (null: no alert). */
    public record Detection(float[] state, Score score, AlertPolicy.Severity alert) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Detection that
                    && Arrays.equals(state, that.state)
                    && score.equals(that.score)
                    && alert == that.alert;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(state) * 31 + score.hashCode();
        }

        @Override
        public String toString() {
            return "Detection[" + score + ", alert=" + alert + "]";
        }
    }

    /** A new key's state. */
    public float[] initialState() {
        float[] s = new float[stateSize()];
        float[] one = channels.initialState();
        for (int j = 0; j < targets; j++) {
            System.arraycopy(one, 0, s, j * one.length, one.length);
        }
        return s;
    }

    /**
     * Scores one observation (each target's observed value against the forecast made for it) and
     * learns from it.
     *
     * @param expected per target the forecast made for this observation; NaN where there is none
     */
    public Detection detect(float[] state, float[] observed, float[] expected) {
        float[] s = state.length == stateSize() ? state : initialState();
        int per = channels.stateSize();
        ChannelDetector.Result best = null;
        int bestTarget = -1;
        for (int j = 0; j < targets; j++) {
            ChannelDetector.Result r = channels.step(s, j * per, observed[j], expected[j]);
            if (best == null || r.score() > best.score() || (r.score() == best.score() && r.level() > best.level())) {
                best = r;
                bestTarget = j;
            }
        }
        Score score = new Score((float) best.score(), (float) best.level(), bestTarget, best);
        AlertPolicy.Severity alert = policy.apply(score.anomalyScore(), s, targets * per);
        return new Detection(s, score, alert);
    }
}
