package io.streamcell.bench;

import ai.onnxruntime.OrtException;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.kernel.BatchStepKernel;
import io.streamcell.model.kernel.StepKernel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per key-step of StreamCell's kernels and of their peers on the same weights (the
 * bench LSTM: input 8, hidden 64, one layer, one output), each key's state carried in a
 * StreamCell {@code float[]} between events as a Flink operator carries it in keyed state:
 * <ul>
 *   <li>{@code streamcellStep1}: {@link StepKernel}, one key per call;
 *   <li>{@code streamcellStepLoop256}: {@link StepKernel} looped over {@value #KEYS} keys;
 *   <li>{@code streamcellBatch256}: {@link BatchStepKernel}, {@value #KEYS} keys per call;
 *   <li>{@code ortBatch1}, {@code ortBatch256}: ONNX Runtime on {@code lstm_i8_h64.onnx}
 *       ({@link OrtStep}: gather h/c into the input tensors, run, scatter back), one intra-op
 *       thread;
 *   <li>{@code dl4jBatch1}, {@code dl4jBatch256}: DL4J {@code rnnTimeStep} with
 *       {@code rnnSetPreviousState}/{@code rnnGetPreviousState} swaps ({@link Dl4jStep}).
 * </ul>
 * Batch-1 benchmarks rotate over {@value #KEYS} keys, as a per-event operator sees different keys;
 * batch-256 ones are divided by {@value #KEYS} ({@link OperationsPerInvocation}). {@link OnnxCheck}
 * verifies that all of them compute the same numbers. Run by {@code tools/bench_peers.sh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx2g", "-XX:+UseParallelGC"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
public class PeerBench {
    public static final int KEYS = 256;

    private RecurrentModel model;
    private StepKernel stepKernel;
    private BatchStepKernel batchKernel;
    private OrtStep ort1;
    private OrtStep ort256;
    private Dl4jStep dl4j;
    private float[][] states;
    private float[][] features;
    private float[][] forecasts;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        model = BenchModels.model("lstm", 8, 64, 1, 1);
        stepKernel = new StepKernel(model);
        batchKernel = new BatchStepKernel(model, KEYS);
        byte[] onnx = OrtStep.resource(OrtStep.LSTM_I8_H64);
        ort1 = new OrtStep(model, onnx, 1);
        ort256 = new OrtStep(model, onnx, KEYS);
        dl4j = new Dl4jStep(model);
        states = new float[KEYS][];
        forecasts = new float[KEYS][];
        for (int k = 0; k < KEYS; k++) {
            states[k] = model.newState();
            forecasts[k] = new float[model.outputSize()];
        }
        features = BenchModels.features(KEYS, model.inputSize(), 7);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        batchKernel.close();
        ort1.close();
        ort256.close();
    }

    private int nextKey() {
        int k = next;
        next = (k + 1) & (KEYS - 1);
        return k;
    }

    @Benchmark
    public float[] streamcellStep1() {
        int k = nextKey();
        stepKernel.step(states[k], features[k], forecasts[k]);
        return forecasts[k];
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public float[][] streamcellStepLoop256() {
        for (int k = 0; k < KEYS; k++) {
            stepKernel.step(states[k], features[k], forecasts[k]);
        }
        return forecasts;
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public float[][] streamcellBatch256() {
        batchKernel.step(states, features, forecasts, KEYS);
        return forecasts;
    }

    @Benchmark
    public float[] ortBatch1() throws OrtException {
        int k = nextKey();
        ort1.step(states, features, forecasts, k);
        return forecasts[k];
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public float[][] ortBatch256() throws OrtException {
        ort256.step(states, features, forecasts, 0);
        return forecasts;
    }

    @Benchmark
    public float[] dl4jBatch1() {
        int k = nextKey();
        dl4j.step(states, features, forecasts, k, 1);
        return forecasts[k];
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public float[][] dl4jBatch256() {
        dl4j.step(states, features, forecasts, 0, KEYS);
        return forecasts;
    }
}
