package io.streamcell.anomaly;

import java.util.Arrays;

/**
 * A key's anomaly detection: the {@link AnomalyScorer}'s score, then the {@link AlertPolicy}'s
 * decision, over one per-key {@code float[]} laid out {@code [scorer state | policy state]}
 * ({@link #stateSize()} floats; an empty array is a new key). A state of an earlier release, whose
 * scorer part was {@link AnomalyScorer#previousStateSize()} floats, is read with
 * {@link AnomalyScorer#fromPreviousLayout} (its statistics and policy state kept). Immutable and
 * thread-safe.
 */
public final class AnomalyDetector {
    private final AnomalyScorer scorer;
    private final AlertPolicy policy;

    public AnomalyDetector(int targets, AnomalyScorer.Settings scoring, AlertPolicy.Settings alerting) {
        this.scorer = new AnomalyScorer(targets, scoring);
        this.policy = new AlertPolicy(alerting);
    }

    public int stateSize() {
        return scorer.stateSize() + AlertPolicy.STATE_SIZE;
    }

    /** The updated per-key state, the score, and the alert severity (null: no alert). */
    public record Detection(float[] state, AnomalyScorer.Score score, AlertPolicy.Severity alert) {
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

    private int previousStateSize() {
        return scorer.previousStateSize() + AlertPolicy.STATE_SIZE;
    }

    /** A state saved before the scorer kept a peak (savepoints of earlier releases), in this layout. */
    private float[] fromPreviousLayout(float[] previous) {
        float[] s = Arrays.copyOf(scorer.fromPreviousLayout(previous), stateSize());
        System.arraycopy(previous, scorer.previousStateSize(), s, scorer.stateSize(), AlertPolicy.STATE_SIZE);
        return s;
    }

    /** Scores one observation's errors (observed − forecast per target) and learns from them. */
    public Detection detect(float[] state, float[] errors) {
        float[] s = state.length == stateSize()
                ? state
                : state.length == previousStateSize() ? fromPreviousLayout(state) : new float[stateSize()];
        AnomalyScorer.Score score = scorer.score(s, errors).score();
        AlertPolicy.Severity alert = policy.apply(score.level(), s, scorer.stateSize());
        return new Detection(s, score, alert);
    }
}
