package io.streamcell.bench;

import io.streamcell.core.KeyStepper;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.kernel.StepKernel;
import io.streamcell.state.KeyState;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What anomaly scoring adds to the per-event cost: {@code kernel} is the bare recurrent step
 * ({@link StepKernel}); {@code stepWithoutScoring} is the operator's per-event logic
 * ({@link KeyStepper}) for a model whose target is not an input (nothing to score);
 * {@code stepWithScoring} the same logic with the target among the inputs, so every event is
 * scored against its forecast and passed through the alert policy. Rotates over {@value #KEYS} keys.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx2g", "-XX:+UseParallelGC"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
public class ScoringBench {
    public static final int KEYS = 256;

    @Param({"lstm", "gru_after"})
    public String cell;

    private StepKernel kernel;
    private KeyStepper unscored;
    private KeyStepper scored;
    private float[][] recurrent;
    private KeyState[] unscoredStates;
    private KeyState[] scoredStates;
    private float[][] features;
    private float[] forecast;
    private long time;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        RecurrentModel noTargetInput = BenchModels.model(cell, 8, 64, 1, List.of("y0"));
        RecurrentModel firstFeatureTarget = BenchModels.model(cell, 8, 64, 1, List.of("x0"));
        kernel = new StepKernel(noTargetInput);
        unscored = new KeyStepper(noTargetInput, null);
        scored = new KeyStepper(firstFeatureTarget, null);
        recurrent = new float[KEYS][];
        unscoredStates = new KeyState[KEYS];
        scoredStates = new KeyState[KEYS];
        for (int k = 0; k < KEYS; k++) {
            recurrent[k] = noTargetInput.newState();
            unscoredStates[k] = KeyState.fresh(noTargetInput);
            scoredStates[k] = KeyState.fresh(firstFeatureTarget);
        }
        features = BenchModels.features(KEYS, 8, 7);
        forecast = new float[1];
    }

    private int nextKey() {
        int k = next;
        next = (k + 1) & (KEYS - 1);
        return k;
    }

    @Benchmark
    public float[] kernel() {
        int k = nextKey();
        kernel.step(recurrent[k], features[k], forecast);
        return forecast;
    }

    @Benchmark
    public KeyStepper.Outcome stepWithoutScoring() {
        int k = nextKey();
        return unscored.step(unscoredStates[k], ++time, features[k]);
    }

    @Benchmark
    public KeyStepper.Outcome stepWithScoring() {
        int k = nextKey();
        return scored.step(scoredStates[k], ++time, features[k]);
    }
}
