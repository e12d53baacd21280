package io.streamcell.train;

import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
import io.streamcell.model.ModelConfig;
import java.util.Arrays;
import java.util.Objects;

/**
 * Mean squared error of a stacked LSTM / GRU with a linear head over one sequence, and its exact
 * gradient by backpropagation through time, in double precision, written by hand.
 *
 * <h2>Forward</h2>
 * The equations of {@link io.streamcell.model.RecurrentModel} (PyTorch {@code nn.LSTM}, {@code nn.GRU}
 * = GRU reset after, and the Cho / Keras GRU reset before), applied to already scaled inputs
 * {@code x_t}, with the head {@code y_t = W_head h_top,t + b_head} compared with the already scaled
 * targets {@code y*_t} (step-major, {@code targets × horizon} values per step, as the head emits).
 * Layer k > 0 takes layer k-1's h as its input at the same step. The loss is
 * <pre>
 *   L = (1 / N) Σ_{t, j : y*_tj not NaN} (y_tj - y*_tj)²,   N = number of non-NaN targets
 * </pre>
 * ({@code torch.nn.functional.mse_loss(y[mask], y*[mask])}); a NaN target (a masked output, e.g. a
 * horizon step past the end of the data or an anomaly) adds nothing to L, N or the gradient.
 * With N = 0 the loss and the gradient are zero.
 *
 * <h2>Backward</h2>
 * With σ' = σ(1 - σ) and tanh' = 1 - tanh², written with values saved by the forward pass:
 * <ul>
 *   <li>Head: {@code dy_t = 2 (y_t - y*_t) / N} (0 where masked); {@code dW_head += dy_t h_tᵀ},
 *       {@code db_head += dy_t}, and {@code W_headᵀ dy_t} flows into the top layer's h_t.
 *   <li>Each layer, top to bottom, runs backwards in time with {@code dh = (gradient from above at
 *       t) + (gradient from step t+1 through the recurrence)}; the gradient it computes for its
 *       input x_t ({@code W_ihᵀ da}) is the "from above" gradient of the layer below.
 *   <li>LSTM ({@code c = f c₋ + i g}, {@code h = o tanh c}):
 *       <pre>
 *   do = dh tanh(c)            dc = dh o (1 - tanh² c) + dc₊ f₊   (dc₊ f₊: from step t+1)
 *   di = dc g   df = dc c₋   dg = dc i
 *   da = [di i(1-i) | df f(1-f) | dg (1-g²) | do o(1-o)]      (pre-activations, gate order i,f,g,o)
 *   dW_ih += da xᵀ   dW_hh += da h₋ᵀ   db_ih += da   db_hh += da
 *   dx = W_ihᵀ da    dh₋ = W_hhᵀ da                            dc₋ = dc f
 *       </pre>
 *   <li>GRU, both variants ({@code h = (1 - z) n + z h₋}):
 *       <pre>
 *   dn = dh (1 - z)   dz = dh (h₋ - n)   da_n = dn (1 - n²)   da_z = dz z(1-z)
 *       </pre>
 *       Reset after ({@code n = tanh(W_in x + b_in + r ⊙ (W_hn h₋ + b_hn))}): the hidden part of
 *       n's pre-activation is {@code r ⊙ u} with {@code u = W_hn h₋ + b_hn}, so
 *       <pre>
 *   dr = da_n ⊙ u      du = da_n ⊙ r    (du is d b_hn, and dW_hn += du h₋ᵀ; W_hnᵀ du flows into h₋)
 *       </pre>
 *       Reset before ({@code n = tanh(W_in x + b_in + W_hn (r ⊙ h₋) + b_hn)}): with
 *       {@code s = r ⊙ h₋},
 *       <pre>
 *   d b_hn = da_n   dW_hn += da_n sᵀ   ds = W_hnᵀ da_n   dr = ds ⊙ h₋   (ds ⊙ r flows into h₋)
 *       </pre>
 *       then for both: {@code da_r = dr r(1-r)}; the input side is {@code dgi = [da_r | da_z | da_n]}
 *       ({@code dW_ih += dgi xᵀ}, {@code db_ih += dgi}, {@code dx = W_ihᵀ dgi}); the r and z rows of
 *       the hidden side take {@code [da_r | da_z]} against {@code h₋}; and
 *       <pre>
 *   dh₋ = dh z + W_hrᵀ da_r + W_hzᵀ da_z + (after: W_hnᵀ du | before: r ⊙ W_hnᵀ da_n)
 *       </pre>
 * </ul>
 * Both biases of a gate receive the same gradient, as in PyTorch.
 *
 * <h2>Truncated BPTT</h2>
 * Run a window with the state carried from the previous one as {@code initialState}: the initial
 * state is a constant (no gradient flows into it, like a detached tensor in PyTorch), and
 * {@link Result#finalState()} is the state to carry into the next window.
 *
 * <p>Stateless and thread-safe; allocates its tape (O(T·L·G·H) doubles) per call.
 */
public final class SequenceLoss {

    /**
     * @param loss mean squared error over the {@code count} non-NaN targets (0 if there are none)
     * @param count number of non-NaN targets, N above (to weight windows when averaging losses)
     * @param gradient dL/dθ, same names and layout as the parameters
     * @param finalState state after the last step, in {@link io.streamcell.model.RecurrentModel}'s
     *     layout (per layer h, then c for LSTM), to carry into the next window
     * @param outputs head outputs per step (T × outputs), scaled like the targets
     */
    public record Result(double loss, int count, Parameters gradient, double[] finalState, double[][] outputs) {}

    /**
     * Head outputs and final state without the backward pass.
     *
     * @param outputs T × outputs head outputs, scaled like the targets
     * @param finalState state after the last step (per layer h, then c for LSTM)
     */
    public record Forward(double[][] outputs, double[] finalState) {}

    private SequenceLoss() {}

    /**
     * The loss of one sequence and its gradient with respect to every parameter.
     *
     * @param parameters the model's parameters (not modified)
     * @param config architecture (cell, GRU reset, sizes, layers, outputs)
     * @param inputs T × input_size, already scaled by the input scaler; finite
     * @param targets T × output_size (step-major {@code targets × horizon}), already scaled by the
     *     target scaler; NaN marks a value left out of the loss
     * @param initialState state before the first step (see {@link Result#finalState()}), or null for
     *     zeros; not modified
     * @throws IllegalArgumentException on mismatched sizes, a non-finite input or an infinite target
     */
    public static Result lossAndGradient(
            Parameters parameters, ModelConfig config, double[][] inputs, double[][] targets, double[] initialState) {
        Objects.requireNonNull(targets, "targets");
        if (targets.length != inputs.length) {
            throw new IllegalArgumentException(
                    "inputs has " + inputs.length + " steps but targets has " + targets.length);
        }
        int outputs = config.outputSize();
        int count = 0;
        for (int t = 0; t < targets.length; t++) {
            if (targets[t].length != outputs) {
                throw new IllegalArgumentException("targets row " + t + " has " + targets[t].length
                        + " values, expected output_size " + outputs + " (targets × horizon)");
            }
            for (double value : targets[t]) {
                if (Double.isInfinite(value)) {
                    throw new IllegalArgumentException("targets row " + t + " has an infinite value (use NaN to mask)");
                }
                count += Double.isNaN(value) ? 0 : 1;
            }
        }
        Pass pass = new Pass(parameters, config, inputs, initialState);
        pass.forward();
        int steps = inputs.length;
        double[][] y = pass.outputs;
        Parameters gradient = parameters.zerosLike();
        if (count == 0) {
            return new Result(0.0, 0, gradient, pass.finalState(), y);
        }
        double sum = 0;
        double[][] dy = new double[steps][outputs];
        for (int t = 0; t < steps; t++) {
            for (int j = 0; j < outputs; j++) {
                double target = targets[t][j];
                if (!Double.isNaN(target)) {
                    double error = y[t][j] - target;
                    sum += error * error;
                    dy[t][j] = 2.0 * error / count;
                }
            }
        }
        pass.backward(dy, gradient);
        return new Result(sum / count, count, gradient, pass.finalState(), y);
    }

    /** The forward pass alone: head outputs and final state (see {@link #lossAndGradient}). */
    public static Forward forward(Parameters parameters, ModelConfig config, double[][] inputs, double[] initialState) {
        Pass pass = new Pass(parameters, config, inputs, initialState);
        pass.forward();
        return new Forward(pass.outputs, pass.finalState());
    }

    static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    /** {@code out[r] = bias[r] + Σ_k W[r][k] x[k]} for the rows {@code [from, to)} of W (row-major, cols wide). */
    private static void affine(double[] weights, int cols, double[] bias, double[] x, int from, int to, double[] out) {
        for (int r = from; r < to; r++) {
            double sum = bias[r];
            int row = r * cols;
            for (int k = 0; k < cols; k++) {
                sum += weights[row + k] * x[k];
            }
            out[r] = sum;
        }
    }

    /** {@code grad[r][k] += d[r] v[k]} for rows {@code [from, to)}, and {@code out[k] += Σ_r W[r][k] d[r]}. */
    private static void backAffine(
            double[] weights, double[] weightGrad, int cols, double[] d, double[] v, int from, int to, double[] out) {
        for (int r = from; r < to; r++) {
            double dr = d[r];
            int row = r * cols;
            for (int k = 0; k < cols; k++) {
                weightGrad[row + k] += dr * v[k];
                out[k] += weights[row + k] * dr;
            }
        }
    }

    /** One forward pass over a sequence, keeping what the backward pass needs. */
    private static final class Pass {
        private final Parameters parameters;
        private final CellType cell;
        private final boolean resetAfter;
        private final int hidden;
        private final int layers;
        private final int steps;
        private final double[][] inputs;
        private final double[][] h0; // [layer][H]
        private final double[][] c0; // [layer][H], LSTM only
        /** [layer][t]: the layer's input at t (inputs for layer 0, the layer below's h otherwise). */
        private final double[][][] layerInput;
        /** [layer][t][G·H]: gate activations, LSTM [i f g o], GRU [r z n]. */
        private final double[][][] gates;

        private final double[][][] h; // [layer][t][H]
        private final double[][][]
                c; // [layer][t][H] LSTM: cell state; GRU: u = W_hn h₋ + b_hn (after) or s = r ⊙ h₋ (before)
        private final double[][][] tanhC; // LSTM only
        private double[][] outputs;

        Pass(Parameters parameters, ModelConfig config, double[][] inputs, double[] initialState) {
            this.parameters = Objects.requireNonNull(parameters, "parameters");
            this.cell = config.cell();
            this.resetAfter = config.gruReset() == GruReset.AFTER;
            this.hidden = config.hiddenSize();
            this.layers = config.numLayers();
            this.inputs = Objects.requireNonNull(inputs, "inputs");
            this.steps = inputs.length;
            for (int t = 0; t < steps; t++) {
                if (inputs[t].length != config.inputSize()) {
                    throw new IllegalArgumentException("inputs row " + t + " has " + inputs[t].length
                            + " values, expected input_size " + config.inputSize());
                }
                for (double value : inputs[t]) {
                    if (!Double.isFinite(value)) {
                        throw new IllegalArgumentException("inputs row " + t + " has a non-finite value " + value);
                    }
                }
            }
            if (!parameters.names().equals(Parameters.zeros(config).names())) {
                throw new IllegalArgumentException("parameters " + parameters.names() + " do not fit the config");
            }
            boolean lstm = cell.hasCellState();
            if (initialState != null && initialState.length != config.stateSize()) {
                throw new IllegalArgumentException(
                        "initial state has " + initialState.length + " values, expected " + config.stateSize());
            }
            int stride = hidden * (lstm ? 2 : 1);
            h0 = new double[layers][hidden];
            c0 = new double[layers][hidden];
            if (initialState != null) {
                for (int l = 0; l < layers; l++) {
                    System.arraycopy(initialState, l * stride, h0[l], 0, hidden);
                    if (lstm) {
                        System.arraycopy(initialState, l * stride + hidden, c0[l], 0, hidden);
                    }
                }
            }
            layerInput = new double[layers][][];
            gates = new double[layers][steps][cell.gateCount() * hidden];
            h = new double[layers][steps][hidden];
            c = new double[layers][steps][hidden];
            tanhC = lstm ? new double[layers][steps][hidden] : null;
        }

        private double[] p(String kind, int layer) {
            return parameters.get("rnn." + kind + "_l" + layer);
        }

        void forward() {
            for (int l = 0; l < layers; l++) {
                layerInput[l] = l == 0 ? inputs : h[l - 1];
                if (cell == CellType.LSTM) {
                    forwardLstm(l);
                } else {
                    forwardGru(l);
                }
            }
            double[] w = parameters.get("head.weight");
            double[] b = parameters.get("head.bias");
            outputs = new double[steps][b.length];
            for (int t = 0; t < steps; t++) {
                affine(w, hidden, b, h[layers - 1][t], 0, b.length, outputs[t]);
            }
        }

        private void forwardLstm(int l) {
            int cols = layerInput[l].length == 0 ? 0 : layerInput[l][0].length;
            double[] wIh = p("weight_ih", l);
            double[] wHh = p("weight_hh", l);
            double[] bIh = p("bias_ih", l);
            double[] bHh = p("bias_hh", l);
            int width = 4 * hidden;
            double[] a = new double[width];
            double[] recurrent = new double[width];
            for (int t = 0; t < steps; t++) {
                double[] hPrev = t == 0 ? h0[l] : h[l][t - 1];
                double[] cPrev = t == 0 ? c0[l] : c[l][t - 1];
                affine(wIh, cols, bIh, layerInput[l][t], 0, width, a);
                affine(wHh, hidden, bHh, hPrev, 0, width, recurrent);
                double[] g = gates[l][t];
                for (int j = 0; j < hidden; j++) {
                    double i = sigmoid(a[j] + recurrent[j]);
                    double f = sigmoid(a[hidden + j] + recurrent[hidden + j]);
                    double cand = Math.tanh(a[2 * hidden + j] + recurrent[2 * hidden + j]);
                    double o = sigmoid(a[3 * hidden + j] + recurrent[3 * hidden + j]);
                    g[j] = i;
                    g[hidden + j] = f;
                    g[2 * hidden + j] = cand;
                    g[3 * hidden + j] = o;
                    double cell = f * cPrev[j] + i * cand;
                    double tc = Math.tanh(cell);
                    c[l][t][j] = cell;
                    tanhC[l][t][j] = tc;
                    h[l][t][j] = o * tc;
                }
            }
        }

        private void forwardGru(int l) {
            int cols = layerInput[l].length == 0 ? 0 : layerInput[l][0].length;
            double[] wIh = p("weight_ih", l);
            double[] wHh = p("weight_hh", l);
            double[] bIh = p("bias_ih", l);
            double[] bHh = p("bias_hh", l);
            int width = 3 * hidden;
            double[] gi = new double[width];
            double[] gh = new double[width];
            double[] reset = new double[hidden];
            for (int t = 0; t < steps; t++) {
                double[] hPrev = t == 0 ? h0[l] : h[l][t - 1];
                double[] g = gates[l][t];
                double[] saved = c[l][t];
                affine(wIh, cols, bIh, layerInput[l][t], 0, width, gi);
                affine(wHh, hidden, bHh, hPrev, 0, 2 * hidden, gh);
                for (int j = 0; j < hidden; j++) {
                    g[j] = sigmoid(gi[j] + gh[j]);
                    g[hidden + j] = sigmoid(gi[hidden + j] + gh[hidden + j]);
                }
                if (resetAfter) {
                    affine(wHh, hidden, bHh, hPrev, 2 * hidden, width, gh);
                    for (int j = 0; j < hidden; j++) {
                        saved[j] = gh[2 * hidden + j]; // u = W_hn h₋ + b_hn
                        g[2 * hidden + j] = Math.tanh(gi[2 * hidden + j] + g[j] * saved[j]);
                    }
                } else {
                    for (int j = 0; j < hidden; j++) {
                        saved[j] = g[j] * hPrev[j]; // s = r ⊙ h₋
                    }
                    // W_hn s + b_hn: rows 2H.. of W_hh applied to s
                    for (int j = 0; j < hidden; j++) {
                        double sum = bHh[2 * hidden + j];
                        int row = (2 * hidden + j) * hidden;
                        for (int k = 0; k < hidden; k++) {
                            sum += wHh[row + k] * saved[k];
                        }
                        reset[j] = sum;
                    }
                    for (int j = 0; j < hidden; j++) {
                        g[2 * hidden + j] = Math.tanh(gi[2 * hidden + j] + reset[j]);
                    }
                }
                for (int j = 0; j < hidden; j++) {
                    double z = g[hidden + j];
                    h[l][t][j] = (1 - z) * g[2 * hidden + j] + z * hPrev[j];
                }
            }
        }

        double[] finalState() {
            boolean lstm = cell.hasCellState();
            int stride = hidden * (lstm ? 2 : 1);
            double[] state = new double[layers * stride];
            for (int l = 0; l < layers; l++) {
                System.arraycopy(steps == 0 ? h0[l] : h[l][steps - 1], 0, state, l * stride, hidden);
                if (lstm) {
                    System.arraycopy(steps == 0 ? c0[l] : c[l][steps - 1], 0, state, l * stride + hidden, hidden);
                }
            }
            return state;
        }

        /** Accumulates dL/dθ into {@code gradient} given dL/dy per step. */
        void backward(double[][] dy, Parameters gradient) {
            double[] w = parameters.get("head.weight");
            double[] gw = gradient.get("head.weight");
            double[] gb = gradient.get("head.bias");
            double[][] dh = new double[steps][hidden]; // gradient from above into the current layer's h
            for (int t = 0; t < steps; t++) {
                for (int j = 0; j < gb.length; j++) {
                    gb[j] += dy[t][j];
                }
                backAffine(w, gw, hidden, dy[t], h[layers - 1][t], 0, gb.length, dh[t]);
            }
            for (int l = layers - 1; l >= 0; l--) {
                dh = cell == CellType.LSTM ? backwardLstm(l, dh, gradient) : backwardGru(l, dh, gradient);
            }
        }

        /** Backward through layer l; returns the gradient into its inputs (T × input columns). */
        private double[][] backwardLstm(int l, double[][] dhAbove, Parameters gradient) {
            int cols = layerInput[l].length == 0 ? 0 : layerInput[l][0].length;
            double[] wIh = p("weight_ih", l);
            double[] wHh = p("weight_hh", l);
            double[] gWih = gradient.get("rnn.weight_ih_l" + l);
            double[] gWhh = gradient.get("rnn.weight_hh_l" + l);
            double[] gbIh = gradient.get("rnn.bias_ih_l" + l);
            double[] gbHh = gradient.get("rnn.bias_hh_l" + l);
            int width = 4 * hidden;
            double[][] dx = new double[steps][cols];
            double[] dhNext = new double[hidden];
            double[] dcNext = new double[hidden]; // dL/dc_t through step t+1, already multiplied by f_{t+1}
            double[] da = new double[width];
            for (int t = steps - 1; t >= 0; t--) {
                double[] hPrev = t == 0 ? h0[l] : h[l][t - 1];
                double[] cPrev = t == 0 ? c0[l] : c[l][t - 1];
                double[] g = gates[l][t];
                for (int j = 0; j < hidden; j++) {
                    double i = g[j];
                    double f = g[hidden + j];
                    double cand = g[2 * hidden + j];
                    double o = g[3 * hidden + j];
                    double tc = tanhC[l][t][j];
                    double dhj = dhAbove[t][j] + dhNext[j];
                    double dc = dhj * o * (1 - tc * tc) + dcNext[j];
                    da[j] = dc * cand * i * (1 - i);
                    da[hidden + j] = dc * cPrev[j] * f * (1 - f);
                    da[2 * hidden + j] = dc * i * (1 - cand * cand);
                    da[3 * hidden + j] = dhj * tc * o * (1 - o);
                    dcNext[j] = dc * f;
                }
                for (int r = 0; r < width; r++) {
                    gbIh[r] += da[r];
                    gbHh[r] += da[r];
                }
                backAffine(wIh, gWih, cols, da, layerInput[l][t], 0, width, dx[t]);
                Arrays.fill(dhNext, 0.0);
                backAffine(wHh, gWhh, hidden, da, hPrev, 0, width, dhNext);
            }
            return dx;
        }

        private double[][] backwardGru(int l, double[][] dhAbove, Parameters gradient) {
            int cols = layerInput[l].length == 0 ? 0 : layerInput[l][0].length;
            double[] wIh = p("weight_ih", l);
            double[] wHh = p("weight_hh", l);
            double[] gWih = gradient.get("rnn.weight_ih_l" + l);
            double[] gWhh = gradient.get("rnn.weight_hh_l" + l);
            double[] gbIh = gradient.get("rnn.bias_ih_l" + l);
            double[] gbHh = gradient.get("rnn.bias_hh_l" + l);
            int width = 3 * hidden;
            double[][] dx = new double[steps][cols];
            double[] dhNext = new double[hidden];
            double[] dgi = new double[width]; // d pre-activation, input side [r | z | n]
            double[] dgh = new double[width]; // d of W_hh (·) + b_hh, hidden side [r | z | n]
            double[] dcand = new double[hidden]; // gradient into the vector W_hn multiplies (h₋ or s)
            double[] direct = new double[hidden];
            for (int t = steps - 1; t >= 0; t--) {
                double[] hPrev = t == 0 ? h0[l] : h[l][t - 1];
                double[] g = gates[l][t];
                double[] saved = c[l][t];
                for (int j = 0; j < hidden; j++) {
                    double z = g[hidden + j];
                    double n = g[2 * hidden + j];
                    double dhj = dhAbove[t][j] + dhNext[j];
                    double dan = dhj * (1 - z) * (1 - n * n);
                    double dz = dhj * (hPrev[j] - n);
                    dgi[hidden + j] = dz * z * (1 - z);
                    dgh[hidden + j] = dgi[hidden + j];
                    dgi[2 * hidden + j] = dan;
                    dgh[2 * hidden + j] = resetAfter ? dan * g[j] : dan; // du = da_n ⊙ r  |  d(W_hn s + b_hn) = da_n
                    direct[j] = dhj * z;
                }
                // n rows of the hidden side: against h₋ (after) or s = r ⊙ h₋ (before)
                Arrays.fill(dcand, 0.0);
                backAffine(wHh, gWhh, hidden, dgh, resetAfter ? hPrev : saved, 2 * hidden, width, dcand);
                for (int j = 0; j < hidden; j++) {
                    double r = g[j];
                    double dr = resetAfter ? dgi[2 * hidden + j] * saved[j] : dcand[j] * hPrev[j];
                    dgi[j] = dr * r * (1 - r);
                    dgh[j] = dgi[j];
                    dhNext[j] = direct[j] + (resetAfter ? dcand[j] : dcand[j] * r);
                }
                for (int r = 0; r < width; r++) {
                    gbIh[r] += dgi[r];
                    gbHh[r] += dgh[r];
                }
                backAffine(wIh, gWih, cols, dgi, layerInput[l][t], 0, width, dx[t]);
                backAffine(wHh, gWhh, hidden, dgh, hPrev, 0, 2 * hidden, dhNext);
            }
            return dx;
        }
    }
}
