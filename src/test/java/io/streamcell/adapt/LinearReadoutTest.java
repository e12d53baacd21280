package io.streamcell.adapt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LinearReadoutTest {

    @Test
    void rlsWithoutForgettingIsRidgeRegressionInClosedForm() {
        int inputs = 4;
        int outputs = 2;
        double delta = 10;
        SplittableRandom random = new SplittableRandom(3);
        int n = 50;
        double[][] phi = new double[n][inputs];
        double[][] y = new double[n][outputs];
        RecursiveLeastSquares rls = new RecursiveLeastSquares(inputs, outputs, 1.0, delta);
        float[] state = rls.initialState();
        double[] prediction = new double[outputs];
        double[] error = new double[outputs];
        for (int t = 0; t < n; t++) {
            for (int d = 0; d < inputs; d++) {
                phi[t][d] = random.nextGaussian();
            }
            for (int k = 0; k < outputs; k++) {
                y[t][k] = random.nextGaussian();
            }
            rls.predict(state, phi[t], prediction);
            for (int k = 0; k < outputs; k++) {
                error[k] = y[t][k] - prediction[k];
            }
            rls.learn(state, phi[t], error);
        }
        // W = (ΦᵀΦ + I/δ)⁻¹ ΦᵀY
        double[][] a = new double[inputs][inputs + outputs];
        for (int i = 0; i < inputs; i++) {
            a[i][i] = 1 / delta;
            for (int t = 0; t < n; t++) {
                for (int j = 0; j < inputs; j++) {
                    a[i][j] += phi[t][i] * phi[t][j];
                }
                for (int k = 0; k < outputs; k++) {
                    a[i][inputs + k] += phi[t][i] * y[t][k];
                }
            }
        }
        double[][] w = solve(a, inputs, outputs);
        for (int d = 0; d < inputs; d++) {
            for (int k = 0; k < outputs; k++) {
                assertThat((double) state[d * outputs + k]).isCloseTo(w[d][k], within(1e-5));
            }
        }
    }

    @Test
    void rlsWithForgettingTracksAChangedRelationship() {
        RecursiveLeastSquares rls = new RecursiveLeastSquares(2, 1, 0.95, 100);
        float[] state = rls.initialState();
        double[] out = new double[1];
        double[] phi = new double[2];
        SplittableRandom random = new SplittableRandom(1);
        for (int t = 0; t < 400; t++) {
            double slope = t < 200 ? 2 : -3;
            phi[0] = random.nextGaussian();
            phi[1] = 1;
            rls.predict(state, phi, out);
            rls.learn(state, phi, new double[] {slope * phi[0] + 0.5 - out[0]});
        }
        assertThat((double) state[0]).isCloseTo(-3, within(1e-3));
        assertThat((double) state[1]).isCloseTo(0.5, within(1e-3));
    }

    @Test
    void rlsCovarianceDoesNotWindUpWhenInputsStopExcitingADirection() {
        RecursiveLeastSquares rls = new RecursiveLeastSquares(3, 1, 0.9, 1);
        float[] state = rls.initialState();
        double[] phi = {1, 0, 0}; // only the first direction is ever excited
        for (int t = 0; t < 10_000; t++) {
            rls.learn(state, phi, new double[] {0.1});
        }
        // trace(P) stays within the prior's (3·δ) instead of the unexcited directions growing as 0.9^-t
        int p = 3;
        assertThat(state[p] + state[p + 3] + state[p + 5]).isLessThanOrEqualTo(3f * 1.0001f);
        for (float v : state) {
            assertThat(Float.isFinite(v)).isTrue();
        }
    }

    @Test
    void rlsIsDeterministicAndItsStateLayoutIsDocumented() {
        RecursiveLeastSquares rls = new RecursiveLeastSquares(3, 2, 0.99, 2);
        assertThat(rls.stateSize()).isEqualTo(3 * 2 + 6);
        float[] initial = rls.initialState();
        // zero weights, then the upper triangle of 2·I row by row: [2,0,0 | 2,0 | 2]
        assertThat(initial).containsExactly(0, 0, 0, 0, 0, 0, 2, 0, 0, 2, 0, 2);
        float[] a = rls.initialState();
        float[] b = rls.initialState();
        SplittableRandom random = new SplittableRandom(9);
        for (int t = 0; t < 100; t++) {
            double[] phi = {random.nextGaussian(), random.nextGaussian(), 1};
            double[] e = {random.nextGaussian(), random.nextGaussian()};
            rls.learn(a, phi, e);
            new RecursiveLeastSquares(3, 2, 0.99, 2).learn(b, phi, e);
        }
        assertThat(Arrays.equals(a, b)).isTrue();
    }

    @Test
    void nlmsCorrectsTheGivenFractionOfTheError() {
        NormalisedLms nlms = new NormalisedLms(1, 1, 1.0);
        float[] state = nlms.initialState();
        nlms.learn(state, new double[] {2}, new double[] {1});
        // w = μ φ e / (ε + φ²) = 2 / 4: the prediction for the same input now equals the target
        assertThat((double) state[0]).isCloseTo(0.5, within(1e-6));
        double[] out = new double[1];
        nlms.predict(state, new double[] {2}, out);
        assertThat(out[0]).isCloseTo(1, within(1e-6));
    }

    @Test
    void nlmsConvergesOnANoiselessLinearMap() {
        NormalisedLms nlms = new NormalisedLms(3, 2, 0.5);
        float[] state = nlms.initialState();
        double[][] truth = {{1, -1}, {0.5, 2}, {-2, 0}};
        SplittableRandom random = new SplittableRandom(5);
        double[] out = new double[2];
        for (int t = 0; t < 2000; t++) {
            double[] phi = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
            nlms.predict(state, phi, out);
            double[] e = new double[2];
            for (int k = 0; k < 2; k++) {
                e[k] = phi[0] * truth[0][k] + phi[1] * truth[1][k] + phi[2] * truth[2][k] - out[k];
            }
            nlms.learn(state, phi, e);
        }
        for (int d = 0; d < 3; d++) {
            for (int k = 0; k < 2; k++) {
                assertThat((double) state[d * 2 + k]).isCloseTo(truth[d][k], within(1e-4));
            }
        }
    }

    @Test
    void invalidSettingsAreRejected() {
        assertThatThrownBy(() -> new RecursiveLeastSquares(2, 1, 1.5, 1)).hasMessageContaining("forgetting");
        assertThatThrownBy(() -> new RecursiveLeastSquares(2, 1, 0.99, 0)).hasMessageContaining("variance");
        assertThatThrownBy(() -> new NormalisedLms(2, 1, 2)).hasMessageContaining("step size");
        assertThatThrownBy(() -> new NormalisedLms(0, 1, 1)).hasMessageContaining("at least one");
    }

    /** Gauss-Jordan on [A | B], returns A⁻¹B. */
    private static double[][] solve(double[][] a, int n, int m) {
        for (int c = 0; c < n; c++) {
            int pivot = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) {
                    pivot = r;
                }
            }
            double[] t = a[c];
            a[c] = a[pivot];
            a[pivot] = t;
            for (int r = 0; r < n; r++) {
                if (r != c) {
                    double f = a[r][c] / a[c][c];
                    for (int j = c; j < n + m; j++) {
                        a[r][j] -= f * a[c][j];
                    }
                }
            }
        }
        double[][] x = new double[n][m];
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < m; k++) {
                x[r][k] = a[r][n + k] / a[r][r];
            }
        }
        return x;
    }

    /**
     * Inputs that excite one direction only (saturated hidden units sit still for thousands of
     * events): with forgetting and process noise, P must stay within the prior's trace, or the first
     * input in another direction takes a huge step. Before the cap covered the noise, the trace
     * grew past 15 times its start over 14,400 events.
     */
    @Test
    void processNoiseCannotWindTheCovarianceUp() {
        int inputs = 3;
        RecursiveLeastSquares rls = new RecursiveLeastSquares(inputs, 1, 0.999, 1.0, 1e-3);
        float[] state = rls.initialState();
        double[] phi = {1, 0, 0};
        double[] error = {0.1};
        for (int t = 0; t < 14_400; t++) {
            rls.learn(state, phi, error);
        }
        double trace = 0;
        int p = inputs;
        for (int i = 0; i < inputs; i++) {
            trace += state[p];
            p += inputs - i;
        }
        assertThat(trace).isLessThanOrEqualTo(inputs * 1.0 * (1 + 1e-6));
        double[] out = new double[1];
        double[] across = {0, 1, 1};
        rls.learn(state, across, new double[] {1});
        rls.predict(state, across, out);
        assertThat(Math.abs(out[0]))
                .as("a unit error in a fresh direction moves the forecast by at most it")
                .isLessThan(1.0);
    }
}
