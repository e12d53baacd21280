package io.streamcell.model;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The readout a new key starts from, for a model with a {@link ForecastSpec}: what {@code train}
 * fitted on the training rows (or the zero-shot model on generated signals). Stored in the model
 * directory's {@code readout.safetensors}; absent, a new key starts from zero weights.
 *
 * @param states per target, the readout learner's state (weights {@code W[d][k]} at {@code d·H + k},
 *     then, for RLS, the packed upper triangle of P)
 * @param errorScale per output (step-major), the running squared error errors are clipped against
 * @param calibration per output, the two calibration sums (revealed × forecast, forecast²)
 */
public record InitialReadout(float[][] states, float[] errorScale, float[] calibration) {
    public InitialReadout {
        states = Arrays.stream(states).map(float[]::clone).toArray(float[][]::new);
        errorScale = errorScale.clone();
        calibration = calibration.clone();
        if (calibration.length != 2 * errorScale.length) {
            throw new IllegalArgumentException("readout calibration needs two sums per output: " + calibration.length
                    + " for " + errorScale.length + " outputs");
        }
        for (float[] state : states) {
            checkFinite(state, "readout.state");
        }
        checkFinite(errorScale, "readout.error_scale");
        checkFinite(calibration, "readout.calibration");
    }

    private static void checkFinite(float[] values, String tensor) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new ModelFormatException(tensor + " has a non-finite value " + values[i] + " at flat index " + i);
            }
        }
    }

    /**
     * Checks the shapes against a model: one state of {@code stateSize} floats per target and
     * {@code outputs} error scales.
     */
    public void checkShape(int targets, int stateSize, int outputs, String source) {
        if (states.length != targets || errorScale.length != outputs) {
            throw new ModelFormatException(source + ": the readout has " + states.length + " targets and "
                    + errorScale.length + " outputs, the model " + targets + " and " + outputs);
        }
        for (float[] state : states) {
            if (state.length != stateSize) {
                throw new ModelFormatException(source + ": a target's readout state has " + state.length
                        + " floats, the model's readout needs " + stateSize);
            }
        }
    }

    /** Tensor names and shapes in {@code readout.safetensors}. */
    public static final String STATE = "readout.state";

    public static final String ERROR_SCALE = "readout.error_scale";
    public static final String CALIBRATION = "readout.calibration";

    /** The tensors of {@code readout.safetensors}: {@code state} [T, S], {@code error_scale} [K], {@code calibration} [K, 2]. */
    public List<Tensor> tensors() {
        int size = states.length == 0 ? 0 : states[0].length;
        float[] flat = new float[states.length * size];
        for (int j = 0; j < states.length; j++) {
            System.arraycopy(states[j], 0, flat, j * size, size);
        }
        return List.of(
                new Tensor(STATE, new int[] {states.length, size}, flat),
                new Tensor(ERROR_SCALE, new int[] {errorScale.length}, errorScale),
                new Tensor(CALIBRATION, new int[] {errorScale.length, 2}, calibration));
    }

    /**
     * The readout in {@code readout.safetensors}'s tensors, checked against the model's shapes.
     *
     * @throws ModelFormatException naming {@code source} for a missing, unexpected or misshapen tensor
     */
    public static InitialReadout fromTensors(
            Map<String, Tensor> tensors, int targets, int stateSize, int outputs, String source) {
        Map<String, int[]> expected = Map.of(
                STATE, new int[] {targets, stateSize},
                ERROR_SCALE, new int[] {outputs},
                CALIBRATION, new int[] {outputs, 2});
        for (String name : tensors.keySet()) {
            if (!expected.containsKey(name)) {
                throw new ModelFormatException(source + ": unexpected tensor '" + name + "' (expected exactly: "
                        + String.join(", ", List.of(STATE, ERROR_SCALE, CALIBRATION)) + ")");
            }
        }
        for (Map.Entry<String, int[]> entry : expected.entrySet()) {
            Tensor tensor = tensors.get(entry.getKey());
            if (tensor == null || !Arrays.equals(tensor.shape(), entry.getValue())) {
                throw new ModelFormatException(source + ": tensor '" + entry.getKey() + "' "
                        + (tensor == null ? "is missing" : "has shape " + tensor.shapeText()) + ", expected "
                        + Arrays.toString(entry.getValue()) + " for the model's readout");
            }
        }
        float[] flat = tensors.get(STATE).data();
        float[][] states = new float[targets][];
        for (int j = 0; j < targets; j++) {
            states[j] = Arrays.copyOfRange(flat, j * stateSize, (j + 1) * stateSize);
        }
        try {
            return new InitialReadout(
                    states,
                    tensors.get(ERROR_SCALE).data(),
                    tensors.get(CALIBRATION).data());
        } catch (ModelFormatException e) {
            throw new ModelFormatException(source + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof InitialReadout that
                && Arrays.deepEquals(states, that.states)
                && Arrays.equals(errorScale, that.errorScale)
                && Arrays.equals(calibration, that.calibration);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.deepHashCode(states) + Arrays.hashCode(errorScale);
    }

    @Override
    public String toString() {
        return "InitialReadout[" + states.length + " targets x " + (states.length == 0 ? 0 : states[0].length)
                + " floats]";
    }
}
