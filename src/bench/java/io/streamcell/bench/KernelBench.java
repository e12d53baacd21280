package io.streamcell.bench;

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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per key-step of the two kernels. {@code step}: {@link StepKernel}, one key per call
 * (rotating over {@value #KEYS} keys, as a per-event operator sees different keys). {@code batch}:
 * {@link BatchStepKernel} stepping {@value #KEYS} keys per call; JMH divides by {@value #KEYS}, so
 * both scores are per key-step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx2g", "-XX:+UseParallelGC"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
public class KernelBench {
    public static final int KEYS = 256;

    /** {@code lstm}, {@code gru_after} (PyTorch nn.GRU) or {@code gru_before} (Cho 2014 / Keras). */
    @Param({"lstm", "gru_after", "gru_before"})
    public String cell;

    @Param("8")
    public int inputSize;

    @Param("64")
    public int hidden;

    @Param("1")
    public int layers;

    @Param("1")
    public int outputs;

    private RecurrentModel model;
    private StepKernel stepKernel;
    private BatchStepKernel batchKernel;
    private float[][] states;
    private float[][] features;
    private float[][] forecasts;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        model = BenchModels.model(cell, inputSize, hidden, layers, outputs);
        stepKernel = new StepKernel(model);
        batchKernel = new BatchStepKernel(model, KEYS);
        states = new float[KEYS][];
        forecasts = new float[KEYS][];
        for (int k = 0; k < KEYS; k++) {
            states[k] = model.newState();
            forecasts[k] = new float[model.outputSize()];
        }
        features = BenchModels.features(KEYS, inputSize, 7);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        batchKernel.close();
    }

    /** The per-event path: one key, one step. */
    @Benchmark
    public float[] step() {
        int k = next;
        next = (k + 1) & (KEYS - 1);
        stepKernel.step(states[k], features[k], forecasts[k]);
        return forecasts[k];
    }

    /** The batched path: {@value #KEYS} keys, one step each, one call. */
    @Benchmark
    @OperationsPerInvocation(KEYS)
    public float[][] batch() {
        batchKernel.step(states, features, forecasts, KEYS);
        return forecasts;
    }
}
