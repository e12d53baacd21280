package io.streamcell.bench;

import io.streamcell.model.RecurrentModel;
import io.streamcell.model.kernel.BatchStepKernel;
import io.streamcell.model.kernel.StepKernel;
import java.util.Locale;

/**
 * Checks that the peers of {@link PeerBench} compute the model StreamCell's kernels compute, so
 * the benchmark compares like with like: the bench LSTM (input 8, hidden 64) is stepped for
 * {@value #STEPS} events on each of {@value #KEYS} keys with carried per-key state by
 * {@link StepKernel} (the reference), {@link BatchStepKernel}, ONNX Runtime on
 * {@code lstm_i8_h64.onnx} at batch 1 and at batch {@value #KEYS} ({@link OrtStep}), and DL4J
 * {@code rnnTimeStep} with state swaps at batch 1 and {@value #KEYS} ({@link Dl4jStep}, fewer
 * steps: it is slow). Every forecast and the final states must agree within {@value #TOLERANCE}
 * (ORT, BatchStepKernel) or {@value #DL4J_TOLERANCE} (DL4J).
 *
 * <p>Run by {@code tools/bench_peers.sh} before the benchmark; exits 1 on a mismatch.
 */
public final class OnnxCheck {
    static final int KEYS = 256;
    static final int STEPS = 300;
    static final int DL4J_STEPS = 40;
    static final double TOLERANCE = 1e-5;
    static final double DL4J_TOLERANCE = 1e-4;

    private OnnxCheck() {}

    /** A peer under test: steps keys {@code from .. from+batch-1}. */
    private interface Stepper {
        void step(float[][] states, float[][] features, float[][] forecasts, int from) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        RecurrentModel model = BenchModels.model("lstm", 8, 64, 1, 1);
        byte[] onnx = OrtStep.resource(OrtStep.LSTM_I8_H64);
        boolean ok = true;
        try (BatchStepKernel batch = new BatchStepKernel(model, KEYS);
                OrtStep ort1 = new OrtStep(model, onnx, 1);
                OrtStep ortAll = new OrtStep(model, onnx, KEYS)) {
            Dl4jStep dl4j = new Dl4jStep(model);
            ok &= check(
                    "BatchStepKernel batch " + KEYS,
                    model,
                    STEPS,
                    KEYS,
                    TOLERANCE,
                    (s, f, y, from) -> batch.step(s, f, y, KEYS));
            ok &= check("ONNX Runtime batch 1", model, STEPS, 1, TOLERANCE, ort1::step);
            ok &= check("ONNX Runtime batch " + KEYS, model, STEPS, KEYS, TOLERANCE, ortAll::step);
            ok &= check(
                    "DL4J rnnTimeStep batch 1",
                    model,
                    DL4J_STEPS,
                    1,
                    DL4J_TOLERANCE,
                    (s, f, y, from) -> dl4j.step(s, f, y, from, 1));
            ok &= check(
                    "DL4J rnnTimeStep batch " + KEYS,
                    model,
                    DL4J_STEPS,
                    KEYS,
                    DL4J_TOLERANCE,
                    (s, f, y, from) -> dl4j.step(s, f, y, from, KEYS));
        }
        if (!ok) {
            System.exit(1);
        }
    }

    /**
     * Steps all keys {@code steps} times with the peer (in calls of {@code batch} keys) and with
     * {@link StepKernel}, on fresh features per step, and compares forecasts and states.
     */
    private static boolean check(
            String name, RecurrentModel model, int steps, int batch, double tolerance, Stepper peer) throws Exception {
        StepKernel reference = new StepKernel(model);
        float[][] refStates = new float[KEYS][];
        float[][] states = new float[KEYS][];
        float[][] refForecasts = new float[KEYS][model.outputSize()];
        float[][] forecasts = new float[KEYS][model.outputSize()];
        for (int k = 0; k < KEYS; k++) {
            refStates[k] = model.newState();
            states[k] = model.newState();
        }
        double maxForecast = 0;
        double maxState = 0;
        double largest = 0;
        for (int t = 0; t < steps; t++) {
            float[][] features = BenchModels.features(KEYS, model.inputSize(), 1000L + t);
            for (int k = 0; k < KEYS; k++) {
                reference.step(refStates[k], features[k], refForecasts[k]);
            }
            for (int from = 0; from < KEYS; from += batch) {
                peer.step(states, features, forecasts, from);
            }
            for (int k = 0; k < KEYS; k++) {
                for (int o = 0; o < model.outputSize(); o++) {
                    maxForecast = Math.max(maxForecast, Math.abs(forecasts[k][o] - refForecasts[k][o]));
                }
                for (int i = 0; i < refStates[k].length; i++) {
                    maxState = Math.max(maxState, Math.abs(states[k][i] - refStates[k][i]));
                    largest = Math.max(largest, Math.abs(refStates[k][i]));
                }
            }
        }
        boolean ok = maxForecast <= tolerance && maxState <= tolerance;
        System.out.printf(
                Locale.ROOT,
                "%-32s %d keys x %d steps: max |forecast diff| %.2e, max |state diff| %.2e (largest |state| %.2f)"
                        + " -> %s (tolerance %.0e)%n",
                name,
                KEYS,
                steps,
                maxForecast,
                maxState,
                largest,
                ok ? "OK" : "MISMATCH",
                tolerance);
        return ok;
    }
}
