package io.streamcell.model.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/** The float sigmoid/tanh against double-precision references; no timing here. */
class ActivationsTest {
    /** Relative error bound where the exact result is a normal float (about 8 ulp; measured ~3). */
    private static final double MAX_RELATIVE = 1e-6;

    private static double sigmoidExact(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    /** Dense sweep of [-100, 100], every power-of-two scale down to subnormals, and random floats. */
    private static float[] sweep() {
        int dense = 200 * 4096 + 1;
        float[] xs = new float[dense + 2 * 150 * 64 + 20000];
        int i = 0;
        for (int k = 0; k < dense; k++) {
            xs[i++] = -100f + k / 4096f;
        }
        SplittableRandom random = new SplittableRandom(1);
        for (int e = -149; e <= 0; e++) {
            for (int m = 0; m < 64; m++) {
                float x = (float) (Math.scalb(1.0 + random.nextDouble(), e));
                xs[i++] = x;
                xs[i++] = -x;
            }
        }
        for (int k = 0; k < 20000; k++) {
            xs[i++] = Float.intBitsToFloat(random.nextInt()); // any float, NaNs and infinities included
        }
        return Arrays.copyOf(xs, i);
    }

    private static double maxRelativeError(float[] xs, IntToDoubleFunction actual, DoubleUnaryOperator exact) {
        double worst = 0;
        for (int i = 0; i < xs.length; i++) {
            float x = xs[i];
            if (Float.isNaN(x)) {
                continue;
            }
            double want = exact.applyAsDouble(x);
            double got = actual.applyAsDouble(i);
            if (Math.abs(want) < Float.MIN_NORMAL) {
                // subnormal or zero result: only the absolute error can be small
                assertThat(Math.abs(got - want))
                        .as("x = %s (%s)", x, Float.floatToRawIntBits(x))
                        .isLessThanOrEqualTo((double) Float.MIN_NORMAL);
                continue;
            }
            double error = Math.abs(got - want) / Math.abs(want);
            assertThat(error).as("x = %s: got %s, exact %s", x, got, want).isLessThanOrEqualTo(MAX_RELATIVE);
            worst = Math.max(worst, error);
        }
        return worst;
    }

    @Test
    void sigmoidIsAccurateEverywhere() {
        float[] xs = sweep();
        double worst = maxRelativeError(xs, i -> Activations.sigmoid(xs[i]), ActivationsTest::sigmoidExact);
        System.out.println("sigmoid max relative error " + worst);
    }

    @Test
    void tanhIsAccurateEverywhere() {
        float[] xs = sweep();
        double worst = maxRelativeError(xs, i -> Activations.tanh(xs[i]), Math::tanh);
        System.out.println("tanh max relative error " + worst);
    }

    @Test
    void arrayFormsAreBitIdenticalToScalarForms() {
        float[] xs = sweep();
        // odd lengths, so vectorised main loops and scalar pre/post loops both run
        for (int n : new int[] {1, 7, 64, 257, xs.length}) {
            float[] s = Arrays.copyOf(xs, n);
            float[] t = Arrays.copyOf(xs, n);
            float[] scratch = new float[n];
            float[] scratch2 = new float[n];
            Activations.sigmoid(s, 0, n, scratch);
            Activations.tanh(t, 0, n, scratch, scratch2);
            for (int i = 0; i < n; i++) {
                assertThat(Float.floatToRawIntBits(s[i]))
                        .as("sigmoid x = %s", xs[i])
                        .isEqualTo(Float.floatToRawIntBits(Activations.sigmoid(xs[i])));
                assertThat(Float.floatToRawIntBits(t[i]))
                        .as("tanh x = %s", xs[i])
                        .isEqualTo(Float.floatToRawIntBits(Activations.tanh(xs[i])));
            }
        }
    }

    @Test
    void arrayFormsTouchOnlyTheirRange() {
        float[] v = {1f, 2f, 3f, 4f, 5f};
        Activations.sigmoid(v, 1, 3, new float[5]);
        assertThat(v[0]).isEqualTo(1f);
        assertThat(v[1]).isEqualTo(Activations.sigmoid(2f));
        assertThat(v[2]).isEqualTo(Activations.sigmoid(3f));
        assertThat(v[3]).isEqualTo(4f);
        Activations.tanh(v, 3, 5, new float[5], new float[5]);
        assertThat(v[2]).isEqualTo(Activations.sigmoid(3f));
        assertThat(v[3]).isEqualTo(Activations.tanh(4f));
        assertThat(v[4]).isEqualTo(Activations.tanh(5f));
    }

    @Test
    void specialValues() {
        assertThat(Activations.sigmoid(0f)).isEqualTo(0.5f);
        assertThat(Activations.sigmoid(-0f)).isEqualTo(0.5f);
        assertThat(Activations.sigmoid(Float.POSITIVE_INFINITY)).isEqualTo(1f);
        assertThat(Activations.sigmoid(Float.NEGATIVE_INFINITY)).isEqualTo(0f);
        assertThat(Activations.sigmoid(Float.MAX_VALUE)).isEqualTo(1f);
        assertThat(Activations.sigmoid(-Float.MAX_VALUE)).isEqualTo(0f);
        assertThat(Activations.sigmoid(Float.NaN)).isNaN();
        assertThat(Activations.sigmoid(30f)).isEqualTo(1f);

        assertThat(Float.floatToRawIntBits(Activations.tanh(0f))).isEqualTo(Float.floatToRawIntBits(0f));
        assertThat(Float.floatToRawIntBits(Activations.tanh(-0f))).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(Activations.tanh(Float.POSITIVE_INFINITY)).isEqualTo(1f);
        assertThat(Activations.tanh(Float.NEGATIVE_INFINITY)).isEqualTo(-1f);
        assertThat(Activations.tanh(Float.MAX_VALUE)).isEqualTo(1f);
        assertThat(Activations.tanh(-Float.MAX_VALUE)).isEqualTo(-1f);
        assertThat(Activations.tanh(Float.NaN)).isNaN();
        assertThat(Activations.tanh(Float.MIN_VALUE)).isEqualTo(Float.MIN_VALUE);
        assertThat(Activations.tanh(-Float.MIN_VALUE)).isEqualTo(-Float.MIN_VALUE);
        assertThat(Activations.tanh(1e-20f)).isEqualTo(1e-20f);
    }

    @Test
    void saturatesExactlyWhereFloatDoes() {
        for (float x = 9.1f; x < 200f; x += 0.37f) {
            assertThat(Activations.tanh(x)).isEqualTo(1f);
            assertThat(Activations.tanh(-x)).isEqualTo(-1f);
        }
        for (float x = 17.4f; x < 200f; x += 0.37f) {
            assertThat(Activations.sigmoid(x)).isEqualTo(1f);
        }
        for (float x = 88.4f; x < 200f; x += 0.37f) {
            assertThat(Activations.sigmoid(-x)).isEqualTo(0f);
        }
    }

    @Test
    void isMonotonicBoundedAndTanhIsOdd() {
        float previousS = 0f;
        float previousT = -1f;
        for (float x = -30f; x <= 30f; x += 1f / 512) {
            float s = Activations.sigmoid(x);
            float t = Activations.tanh(x);
            assertThat(s).as("sigmoid(%s)", x).isGreaterThanOrEqualTo(previousS).isBetween(0f, 1f);
            assertThat(t).as("tanh(%s)", x).isGreaterThanOrEqualTo(previousT).isBetween(-1f, 1f);
            assertThat(Activations.tanh(-x)).as("tanh(-%s)", x).isEqualTo(-t);
            previousS = s;
            previousT = t;
        }
    }
}
