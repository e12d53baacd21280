package io.streamcell.model;

/**
 * Per-key online normalisation of a model's inputs, for models that must work on any series
 * without per-series training (the zero-shot default model): each feature is standardised by the
 * key's own running mean and scale, and forecasts are mapped back with the same statistics.
 * {@code streamcell train --online-normalisation} trains the default model on inputs normalised exactly so
 * ({@code Trainer.normalisedOnline}).
 *
 * <p>Per feature i, with {@code a = 1 - 0.5^(1/halfLife)}, for each new value x:
 * <ol>
 *   <li>update: {@code w = max(1/(n+1), a); d = x - m_i; m_i += w d; v_i = (1 - w)(v_i + w d^2); n += 1}
 *       (a plain running mean and variance while the key is young, exponential after that);
 *   <li>scale: {@code s_i = max(sqrt(v_i), scaleFloor * max(|m_i|, 1))}: variation below {@code scaleFloor}
 *       of the level counts as flat, and a flat series does not divide by 0;
 *   <li>input: {@code z_i = clip((x - m_i) / s_i, -clip, clip)}, with the statistics that include x.
 * </ol>
 * A forecast {@code ẑ} of feature i in those units means {@code m_i + s_i ẑ}.
 *
 * <p>State per key: {@code [n, m_1..m_F, v_1..v_F]}, {@link #stateSize()} floats; an empty array
 * is a new key. Immutable and thread-safe.
 */
public final class OnlineNormaliser {
    private final int features;
    private final double rate;
    private final double scaleFloor;
    private final float clip;

    public OnlineNormaliser(int features, double halfLife, double scaleFloor, double clip) {
        if (features < 1 || !(halfLife > 0) || !(scaleFloor > 0) || !(clip > 0)) {
            throw new IllegalArgumentException(
                    "online normalisation needs features >= 1 and positive half_life, " + "scale_floor and clip");
        }
        this.features = features;
        this.rate = 1 - Math.pow(0.5, 1 / halfLife);
        this.scaleFloor = scaleFloor;
        this.clip = (float) clip;
    }

    public int stateSize() {
        return 1 + 2 * features;
    }

    /**
     * Learns {@code x} into the key's statistics and writes the normalised inputs to {@code z}.
     *
     * @param state the key's statistics ({@link #stateSize()} floats, zeros or empty for a new key);
     *     returned updated (a new array if it was too short)
     */
    public float[] normalise(float[] state, float[] x, float[] z) {
        float[] s = state.length >= stateSize() ? state : new float[stateSize()];
        double n = s[0];
        double w = Math.max(1 / (n + 1), rate);
        for (int i = 0; i < features; i++) {
            double m = s[1 + i];
            double v = s[1 + features + i];
            double d = x[i] - m;
            m += w * d;
            v = (1 - w) * (v + w * d * d);
            s[1 + i] = (float) m;
            s[1 + features + i] = (float) v;
            float value = (float) ((x[i] - m) / scale(m, v));
            z[i] = Math.max(-clip, Math.min(clip, value));
        }
        s[0] = (float) Math.min(n + 1, 1 << 24);
        return s;
    }

    /** {@code m_i + s_i * normalised}: a value of feature i in the key's current normalised units, in raw units. */
    public float denormalise(float[] state, int feature, float normalised) {
        double m = state[1 + feature];
        double v = state[1 + features + feature];
        return (float) (m + scale(m, v) * normalised);
    }

    /** {@code s_i}: how many raw units one normalised unit of feature i is, with the key's current statistics. */
    public double scale(float[] state, int feature) {
        return scale(state[1 + feature], state[1 + features + feature]);
    }

    private double scale(double m, double v) {
        return Math.max(Math.sqrt(v), scaleFloor * Math.max(Math.abs(m), 1));
    }
}
