package io.streamcell.model.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.sun.management.ThreadMXBean;
import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
import io.streamcell.model.RecurrentModel;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both kernels against a double-precision reference of PyTorch's equations ({@link ReferenceModel})
 * on random models, shapes the golden fixtures do not cover (hidden sizes off the vector width,
 * partial batches, saturating inputs), plus the kernels' contracts. No timing here.
 */
class KernelsTest {
    /** Same bound as the golden fixtures: |actual - expected| <= 1e-5 * max(1, |expected|). */
    private static final double TOLERANCE = 1e-5;

    private static final int KEYS = 37;
    private static final int STEPS = 30;

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(CellType.LSTM, GruReset.AFTER, 8, 64, 1, 1, 1),
                Arguments.of(CellType.LSTM, GruReset.AFTER, 3, 17, 2, 2, 3),
                Arguments.of(CellType.LSTM, GruReset.AFTER, 1, 1, 3, 1, 1),
                Arguments.of(CellType.LSTM, GruReset.AFTER, 5, 130, 1, 1, 2),
                Arguments.of(CellType.GRU, GruReset.AFTER, 8, 64, 1, 1, 1),
                Arguments.of(CellType.GRU, GruReset.AFTER, 5, 33, 2, 3, 1),
                Arguments.of(CellType.GRU, GruReset.AFTER, 2, 1, 1, 1, 1),
                Arguments.of(CellType.GRU, GruReset.BEFORE, 8, 64, 1, 1, 1),
                Arguments.of(CellType.GRU, GruReset.BEFORE, 2, 7, 3, 1, 4),
                Arguments.of(CellType.GRU, GruReset.BEFORE, 4, 129, 2, 2, 1));
    }

    private static float[][][] inputs(int inputSize, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][][] inputs = new float[STEPS][KEYS][inputSize];
        for (float[][] step : inputs) {
            for (float[] features : step) {
                for (int i = 0; i < inputSize; i++) {
                    // mostly moderate, sometimes far out, so gates saturate too
                    double scale = random.nextInt(10) == 0 ? 50 : 3;
                    features[i] = (float) random.nextDouble(-scale, scale);
                }
            }
        }
        return inputs;
    }

    @ParameterizedTest(name = "{0} {1} in{2} h{3} l{4} t{5} horizon{6}")
    @MethodSource("shapes")
    void bothKernelsMatchTheDoubleReference(
            CellType cell, GruReset reset, int inputSize, int hidden, int layers, int targets, int horizon) {
        RecurrentModel model = ReferenceModel.random(cell, reset, inputSize, hidden, layers, targets, horizon, 11);
        float[][][] inputs = inputs(inputSize, 5);
        ReferenceModel.Key[] reference = new ReferenceModel.Key[KEYS];
        float[][] stepStates = new float[KEYS][];
        float[][] batchStates = new float[KEYS][];
        for (int k = 0; k < KEYS; k++) {
            reference[k] = new ReferenceModel.Key(model);
            stepStates[k] = model.newState();
            batchStates[k] = model.newState();
        }
        StepKernel step = new StepKernel(model);
        int[] bundles = {16, 7, 1, 13}; // partial batches of a capacity-16 kernel
        try (BatchStepKernel batch = new BatchStepKernel(model, 16)) {
            float[][] forecasts = new float[16][model.outputSize()];
            for (int s = 0; s < STEPS; s++) {
                float[][] expected = new float[KEYS][];
                for (int k = 0; k < KEYS; k++) {
                    expected[k] = reference[k].step(inputs[s][k]);
                    float[] forecast = new float[model.outputSize()];
                    step.step(stepStates[k], inputs[s][k], forecast);
                    assertClose(forecast, expected[k], "step kernel forecast, step " + s + " key " + k);
                }
                int first = 0;
                for (int i = 0; first < KEYS; i++) {
                    int count = Math.min(bundles[(s + i) % bundles.length], KEYS - first);
                    float[][] states = Arrays.copyOfRange(batchStates, first, first + count);
                    float[][] features = Arrays.copyOfRange(inputs[s], first, first + count);
                    batch.step(states, features, forecasts, count);
                    for (int b = 0; b < count; b++) {
                        assertClose(
                                forecasts[b],
                                expected[first + b],
                                "batch kernel forecast, step " + s + " key " + (first + b));
                    }
                    first += count;
                }
            }
        }
        for (int k = 0; k < KEYS; k++) {
            assertClose(stepStates[k], reference[k].state(), "step kernel final state of key " + k);
            assertClose(batchStates[k], reference[k].state(), "batch kernel final state of key " + k);
        }
    }

    @Test
    void aNanInputSpoilsOnlyItsOwnKey() {
        RecurrentModel model = ReferenceModel.random(CellType.LSTM, GruReset.AFTER, 3, 20, 2, 1, 1, 3);
        float[][] features = inputs(3, 9)[0];
        features[2][1] = Float.NaN;
        float[][] states = new float[KEYS][];
        float[][] forecasts = new float[KEYS][1];
        for (int k = 0; k < KEYS; k++) {
            states[k] = model.newState();
        }
        try (BatchStepKernel batch = new BatchStepKernel(model, KEYS)) {
            batch.step(states, features, forecasts, KEYS);
        }
        for (int k = 0; k < KEYS; k++) {
            float[] expected = new ReferenceModel.Key(model).step(features[k]);
            if (k == 2) {
                assertThat(forecasts[k][0]).isNaN();
            } else {
                assertClose(forecasts[k], expected, "key " + k);
            }
        }
        float[] single = new float[1];
        new StepKernel(model).step(model.newState(), features[2], single);
        assertThat(single[0]).isNaN();
    }

    @Test
    void batchCountIsChecked() {
        RecurrentModel model = ReferenceModel.random(CellType.GRU, GruReset.AFTER, 2, 4, 1, 1, 1, 1);
        try (BatchStepKernel batch = new BatchStepKernel(model, 4)) {
            float[][] states = {model.newState()};
            batch.step(states, new float[][] {{1f, 2f}}, new float[][] {new float[1]}, 0);
            assertThat(states[0]).containsOnly(0f);
            assertThatThrownBy(() -> batch.step(new float[5][], new float[5][], new float[5][], 5))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> batch.step(states, states, states, -1))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new BatchStepKernel(model, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closingTwiceIsHarmless() {
        RecurrentModel model = ReferenceModel.random(CellType.GRU, GruReset.BEFORE, 2, 4, 2, 1, 1, 1);
        BatchStepKernel batch = new BatchStepKernel(model, 4);
        batch.close();
        batch.close();
    }

    @Test
    void stepsDoNotAllocate() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (CellType cell : CellType.values()) {
            for (GruReset reset : GruReset.values()) {
                if (cell == CellType.LSTM && reset == GruReset.BEFORE) {
                    continue;
                }
                RecurrentModel model = ReferenceModel.random(cell, reset, 4, 24, 2, 1, 1, 2);
                float[][] features = inputs(4, 1)[0];
                float[][] states = new float[KEYS][];
                float[][] forecasts = new float[KEYS][1];
                for (int k = 0; k < KEYS; k++) {
                    states[k] = model.newState();
                }
                StepKernel step = new StepKernel(model);
                try (BatchStepKernel batch = new BatchStepKernel(model, KEYS)) {
                    for (int warm = 0; warm < 20; warm++) {
                        batch.step(states, features, forecasts, KEYS);
                        step.step(states[0], features[0], forecasts[0]);
                    }
                    long before = threads.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 200; i++) {
                        batch.step(states, features, forecasts, KEYS - i % 3);
                        step.step(states[i % KEYS], features[i % KEYS], forecasts[0]);
                    }
                    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                    assertThat(allocated)
                            .as("bytes allocated by 200 steps of each kernel, %s %s", cell, reset)
                            .isLessThan(1024);
                }
            }
        }
    }

    private static void assertClose(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int j = 0; j < expected.length; j++) {
            double bound = TOLERANCE * Math.max(1.0, Math.abs(expected[j]));
            if (!(Math.abs(actual[j] - expected[j]) <= bound)) {
                fail(what + ", value " + j + ": expected " + expected[j] + " but got " + actual[j]);
            }
        }
    }
}
