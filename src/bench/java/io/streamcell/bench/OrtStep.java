package io.streamcell.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.Scaler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * ONNX Runtime stepping a fixed number of keys by one event with per-key carried state, the way a
 * Flink operator would have to use it: each key's state is a StreamCell {@code float[]} (h and c of
 * each layer at {@link RecurrentModel#hiddenOffset}/{@link RecurrentModel#cellOffset}), gathered
 * into the {@code h}/{@code c} input tensors before the run and scattered back from
 * {@code h_out}/{@code c_out} after it.
 *
 * <p>The graph is one time step exported by {@code tools/export_onnx.py}. All six tensors live in
 * direct buffers allocated once: the inputs are ORT tensors over our buffers (ORT reads them in
 * place), the outputs are pinned ({@link OrtSession#run(Map, Map)}), so ORT writes into them and no
 * tensor is created per step. One intra-op and one inter-op thread, sequential execution, all graph
 * optimisations. The input scaler and target scaler are applied in Java, as the kernels do (the
 * bench model's are identity). Not thread-safe.
 */
final class OrtStep implements AutoCloseable {
    /** The bench LSTM (input 8, hidden 64, 1 layer, 1 output) exported by tools/export_onnx.py. */
    static final String LSTM_I8_H64 = "lstm_i8_h64.onnx";

    private final RecurrentModel model;
    private final int batch;
    private final int layers;
    private final int hidden;
    private final int inputs;
    private final int outputs;
    private final Scaler inputScaler;
    private final Scaler targetScaler;
    private final float[] scaled;
    private final OrtSession session;
    private final FloatBuffer x;
    private final FloatBuffer h;
    private final FloatBuffer c;
    private final FloatBuffer y;
    private final FloatBuffer hOut;
    private final FloatBuffer cOut;
    private final Map<String, OnnxTensor> in;
    private final Map<String, OnnxTensor> out;

    OrtStep(RecurrentModel model, byte[] onnx, int batch) throws OrtException {
        this.model = model;
        this.batch = batch;
        this.layers = model.numLayers();
        this.hidden = model.hiddenSize();
        this.inputs = model.inputSize();
        this.outputs = model.outputSize();
        this.inputScaler = model.config().inputScaler();
        this.targetScaler = model.config().targetScaler();
        this.scaled = new float[inputs];
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            this.session = env.createSession(onnx, options);
        }
        long[] stateShape = {layers, batch, hidden};
        this.x = direct(batch * inputs);
        this.h = direct(layers * batch * hidden);
        this.c = direct(layers * batch * hidden);
        this.y = direct(batch * outputs);
        this.hOut = direct(layers * batch * hidden);
        this.cOut = direct(layers * batch * hidden);
        this.in = Map.of(
                "x", OnnxTensor.createTensor(env, x, new long[] {batch, inputs}),
                "h", OnnxTensor.createTensor(env, h, stateShape),
                "c", OnnxTensor.createTensor(env, c, stateShape));
        this.out = Map.of(
                "y", OnnxTensor.createTensor(env, y, new long[] {batch, outputs}),
                "h_out", OnnxTensor.createTensor(env, hOut, stateShape),
                "c_out", OnnxTensor.createTensor(env, cOut, stateShape));
    }

    /** The ONNX bytes of a model in this package's resources. */
    static byte[] resource(String name) {
        try (InputStream stream = OrtStep.class.getResourceAsStream(name)) {
            if (stream == null) {
                throw new IllegalStateException(name + " is not on the classpath (run with -Pbench; "
                        + "regenerate it with tools/export_onnx.py, see tools/README.md)");
            }
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(4 * floats)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }

    int batch() {
        return batch;
    }

    /**
     * Steps keys {@code from .. from+batch-1}: {@code states[k]} advanced in place with
     * {@code features[k]}, the unscaled forecast written to {@code forecasts[k]}.
     */
    void step(float[][] states, float[][] features, float[][] forecasts, int from) throws OrtException {
        for (int b = 0; b < batch; b++) {
            int k = from + b;
            inputScaler.scale(features[k], scaled);
            x.put(b * inputs, scaled, 0, inputs);
            float[] state = states[k];
            for (int l = 0; l < layers; l++) {
                int at = (l * batch + b) * hidden;
                h.put(at, state, model.hiddenOffset(l), hidden);
                c.put(at, state, model.cellOffset(l), hidden);
            }
        }
        session.run(in, out).close(); // pinned outputs stay open: the result does not own them
        for (int b = 0; b < batch; b++) {
            int k = from + b;
            float[] state = states[k];
            for (int l = 0; l < layers; l++) {
                int at = (l * batch + b) * hidden;
                hOut.get(at, state, model.hiddenOffset(l), hidden);
                cOut.get(at, state, model.cellOffset(l), hidden);
            }
            y.get(b * outputs, forecasts[k], 0, outputs);
            targetScaler.unscaleInPlace(forecasts[k], 0, outputs);
        }
    }

    @Override
    public void close() throws OrtException {
        for (OnnxTensor tensor : in.values()) {
            tensor.close();
        }
        for (OnnxTensor tensor : out.values()) {
            tensor.close();
        }
        session.close();
    }
}
