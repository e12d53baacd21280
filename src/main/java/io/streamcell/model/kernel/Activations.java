package io.streamcell.model.kernel;

/**
 * The gate nonlinearities in float, over whole arrays, in loops HotSpot's C2 auto-vectorises.
 *
 * <h2>Why not {@code Math.exp}</h2>
 * A sigmoid or tanh through {@code Math.exp} in double costs ~4 ns per element on the development
 * machine, and {@code Math.tanh} ~25 ns (not an intrinsic in JDK 17); an LSTM step needs five
 * nonlinearities per hidden unit, so they were most of a step's cost. Here both functions come from
 * one float {@code expm1} with Cody–Waite range reduction and the Cephes {@code expf} polynomial:
 * <pre>
 *   n = round(a / ln 2),  r = a − n·ln 2  (|r| ≤ ln2/2; ln 2 split into an exact high part and a low part)
 *   q = expm1(r) = r·(1 + r·P(r)),  s = 2^n  (exponent bits built directly)
 *   sigmoid(x) = 1 / (1 + s·(1 + q))                  a = −x clamped to [−20, 88.5]
 *   tanh(x)    = sign(x) · (−u) / (u + 2)             a = −2|x| clamped to [−20, 0],
 *                with u = expm1(a) = s·q − (1 − s)
 * </pre>
 * {@code −expm1(−2|x|) / (expm1(−2|x|) + 2)} is {@code tanh|x|} without the cancellation near 0
 * of {@code 1 − 2/(e^{2x} + 1)}, and makes {@code tanh} exactly odd. The clamps only cut where the
 * float result is already saturated ({@code sigmoid(x) = 1} for {@code x ≥ 17.4},
 * {@code tanh(x) = ±1} for {@code |x| ≥ 9.1}); below {@code x = −88.37}, {@code s} is
 * {@code +Inf} and {@code sigmoid} returns 0 where the exact value is a subnormal under 4e−39.
 *
 * <h2>Accuracy</h2>
 * Against the double-precision functions over a dense sweep of [−100, 100], samples of every
 * float exponent down to subnormals, and random bit patterns ({@code ActivationsTest}): maximum
 * relative error 1.5e−7 for {@code sigmoid} and 1.7e−7 for {@code tanh} (1–2 ulp) wherever the
 * exact value is a normal float. {@code tanh(±0) = ±0}, {@code tanh(−x) = −tanh(x)}; NaN gives
 * NaN; {@code sigmoid(−Inf) = 0}, {@code sigmoid(+Inf) = 1}, {@code tanh(±Inf) = ±1}.
 *
 * <h2>Vectorisation</h2>
 * Each array function runs three loops over {@code [from, to)}: (1) the float arithmetic up to
 * {@code q} and the rounded {@code a/ln 2} (only float add/mul/min/max/abs: vectorised), (2) the
 * exponent bits ({@code Float.floatToRawIntBits}/{@code intBitsToFloat}, which C2 in JDK 17 leaves
 * scalar, so they get a cheap loop of their own, ~0.13 ns per element), (3) the division into the
 * result (vectorised). All arrays in a loop are indexed by the bare loop variable, the only form
 * C2 in JDK 17 vectorises (so the scratch ranges match the value range). Measured over long
 * arrays: 0.52 ns per sigmoid and 0.73 ns per tanh. The scalar {@link #sigmoid(float)} and
 * {@link #tanh(float)} (~4.7 ns, for tests and one-off values, not hot paths) evaluate the same
 * float operations in the same order and return bit-identical results: Java float arithmetic is
 * exactly rounded whether C2 vectorises it or not (it never fuses a multiply and an add).
 */
public final class Activations {
    private Activations() {}

    static final float LOG2E = 1.44269504088896341f;
    // -ln 2 = NEG_LN2_HI + NEG_LN2_LO, both negative so that r keeps the sign of a zero a
    // (a + -0 = a). NEG_LN2_HI = -2839/4096 has 12 significant bits: n * NEG_LN2_HI is exact for
    // |n| < 2^12, and a + n * NEG_LN2_HI is exact by Sterbenz's lemma.
    static final float NEG_LN2_HI = -0.693115234375f;
    static final float NEG_LN2_LO = (float) (-Math.log(2.0) + 0.693115234375);
    // a * LOG2E + ROUND rounds to an integer (ulp 1 in [2^23, 2^24)) whose low bits are n + 127, the
    // biased exponent of 2^n; subtracting ROUND again gives n exactly as a float.
    static final float ROUND = 0x1.8p23f + 127f;
    // Cephes expf: e^r = 1 + r + r^2 (P0 + P1 r + P2 r^2 + P3 r^3 + P4 r^4 + P5 r^5), |r| <= ln2/2.
    static final float P0 = 5.0000001201e-1f;
    static final float P1 = 1.6666665459e-1f;
    static final float P2 = 4.1665795894e-2f;
    static final float P3 = 8.3334519073e-3f;
    static final float P4 = 1.3981999507e-3f;
    static final float P5 = 1.9875691500e-4f;

    static final float SIGMOID_SCALE = -1f;
    static final float SIGMOID_LO = -20f; // e^-20 < half an ulp of 1: sigmoid(20) == 1
    static final float SIGMOID_HI = 88.5f; // n = 128 here: s = +Inf, sigmoid = 0
    static final float TANH_SCALE = -2f; // tanh works on a = -2|x| <= 0
    static final float TANH_LO = -20f; // tanh(±10) == ±1 in float

    /** The logistic function {@code 1 / (1 + e^-x)}. */
    public static float sigmoid(float x) {
        float a = clamp(SIGMOID_SCALE * x, SIGMOID_LO, SIGMOID_HI);
        float t = a * LOG2E + ROUND;
        float q = expm1Reduced(a, t - ROUND);
        float s = pow2(t);
        return 1f / (1f + s * (1f + q));
    }

    /** The hyperbolic tangent. */
    public static float tanh(float x) {
        float a = Math.max(TANH_SCALE * Math.abs(x), TANH_LO);
        float t = a * LOG2E + ROUND;
        float q = expm1Reduced(a, t - ROUND);
        float s = signedPow2(t, x);
        float abs = Math.abs(s);
        float u = abs * q - (1f - abs);
        return (-u * s) / ((u + 2f) * abs);
    }

    /**
     * {@code v[from .. to) = sigmoid(v[from .. to))} in place, using {@code scratch[from .. to)}
     * (overwritten; no allocation here). The scratch range matches the value range because C2 only
     * vectorises loops whose arrays share the bare loop index.
     */
    public static void sigmoid(float[] v, int from, int to, float[] scratch) {
        for (int i = from; i < to; i++) { // loop 1, vectorised: q in v, a·log2(e) + ROUND in scratch
            float a = Math.min(Math.max(SIGMOID_SCALE * v[i], SIGMOID_LO), SIGMOID_HI);
            float t = a * LOG2E + ROUND;
            float k = t - ROUND;
            float r = (a + k * NEG_LN2_HI) + k * NEG_LN2_LO;
            v[i] = r * (1f + r * (((((P5 * r + P4) * r + P3) * r + P2) * r + P1) * r + P0));
            scratch[i] = t;
        }
        for (int i = from; i < to; i++) { // loop 2, scalar: 2^n
            scratch[i] = pow2(scratch[i]);
        }
        for (int i = from; i < to; i++) { // loop 3, vectorised
            v[i] = 1f / (1f + scratch[i] * (1f + v[i]));
        }
    }

    /**
     * {@code v[from .. to) = tanh(v[from .. to))} in place, using {@code scratch[from .. to)} and
     * {@code scratch2[from .. to)} (overwritten; no allocation here).
     */
    public static void tanh(float[] v, int from, int to, float[] scratch, float[] scratch2) {
        // Odd by construction: expm1(-2|x|), and the sign of x carried on 2^n through loop 2.
        for (int i = from; i < to; i++) { // loop 1, vectorised: q in scratch2, a·log2(e) + ROUND in scratch
            float a = Math.max(TANH_SCALE * Math.abs(v[i]), TANH_LO);
            float t = a * LOG2E + ROUND;
            float k = t - ROUND;
            float r = (a + k * NEG_LN2_HI) + k * NEG_LN2_LO;
            scratch2[i] = r * (1f + r * (((((P5 * r + P4) * r + P3) * r + P2) * r + P1) * r + P0));
            scratch[i] = t;
        }
        for (int i = from; i < to; i++) { // loop 2, scalar: ±2^n with the sign of x
            scratch[i] = signedPow2(scratch[i], v[i]);
        }
        for (int i = from; i < to; i++) { // loop 3, vectorised
            float s = scratch[i];
            float abs = Math.abs(s);
            float u = abs * scratch2[i] - (1f - abs);
            v[i] = (-u * s) / ((u + 2f) * abs);
        }
    }

    private static float clamp(float a, float lo, float hi) {
        return Math.min(Math.max(a, lo), hi);
    }

    private static float expm1Reduced(float a, float k) {
        float r = (a + k * NEG_LN2_HI) + k * NEG_LN2_LO;
        return r * (1f + r * (((((P5 * r + P4) * r + P3) * r + P2) * r + P1) * r + P0));
    }

    private static float pow2(float t) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(t) << 23);
    }

    /** {@code ±2^n} from {@code t}'s low bits, with the sign of {@code x}. */
    private static float signedPow2(float t, float x) {
        return Float.intBitsToFloat((Float.floatToRawIntBits(t) << 23) | (Float.floatToRawIntBits(x) & 0x80000000));
    }
}
