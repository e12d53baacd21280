package io.streamcell.model.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.CellType;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.GruReset;
import io.streamcell.model.RecurrentModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bundle kernel must give exactly {@link StepKernel}'s bits, key by key (the bundled operator's
 * outputs and state equal the per-event operator's), for every cell type, depth, width and bundle
 * size, including keys that are at different steps of their own sequences.
 */
class BundleStepKernelTest {

    static Stream<Arguments> shapes() {
        List<Arguments> shapes = new ArrayList<>();
        Object[][] cells = {
            {CellType.LSTM, GruReset.AFTER}, {CellType.GRU, GruReset.AFTER}, {CellType.GRU, GruReset.BEFORE}
        };
        for (Object[] c : cells) {
            for (int layers = 1; layers <= 3; layers++) {
                for (int hidden : new int[] {1, 7, 64}) {
                    shapes.add(Arguments.of(c[0], c[1], layers, hidden));
                }
            }
        }
        return shapes.stream();
    }

    private static float[] features(SplittableRandom random, int inputSize) {
        float[] features = new float[inputSize];
        for (int i = 0; i < inputSize; i++) {
            double scale = random.nextInt(10) == 0 ? 50 : 3; // sometimes far out, so gates saturate
            features[i] = (float) random.nextDouble(-scale, scale);
        }
        return features;
    }

    @ParameterizedTest(name = "{0} {1} layers {2} hidden {3}")
    @MethodSource("shapes")
    void bitIdenticalToTheStepKernel(CellType cell, GruReset reset, int layers, int hidden) {
        int inputSize = 5;
        RecurrentModel model = ReferenceModel.random(cell, reset, inputSize, hidden, layers, 2, 2, 17 + hidden);
        StepKernel step = new StepKernel(model);
        BundleStepKernel bundle = new BundleStepKernel(model);
        SplittableRandom random = new SplittableRandom(hidden * 31L + layers);
        for (int size : new int[] {1, 3, 256, 3, 1, 300}) { // growing and shrinking, and over one chunk
            float[][] stepStates = new float[size][];
            float[][] bundleStates = new float[size][];
            for (int b = 0; b < size; b++) {
                stepStates[b] = model.newState();
            }
            // keys at different steps: key b has seen b % 5 events already
            for (int b = 0; b < size; b++) {
                for (int s = 0; s < b % 5; s++) {
                    step.step(stepStates[b], features(random, inputSize), new float[model.outputSize()]);
                }
                bundleStates[b] = stepStates[b].clone();
            }
            for (int round = 0; round < 3; round++) {
                float[][] features = new float[size][];
                float[][] expected = new float[size][model.outputSize()];
                float[][] actual = new float[size][model.outputSize()];
                for (int b = 0; b < size; b++) {
                    features[b] = features(random, inputSize);
                    step.step(stepStates[b], features[b], expected[b]);
                }
                bundle.step(bundleStates, features, actual, size);
                for (int b = 0; b < size; b++) {
                    assertBits(actual[b], expected[b], "forecast, bundle " + size + " round " + round + " key " + b);
                    assertBits(
                            bundleStates[b], stepStates[b], "state, bundle " + size + " round " + round + " key " + b);
                }
            }
        }
    }

    static Stream<String> goldenCases() {
        return GoldenFixtures.caseNames();
    }

    /** The PyTorch fixtures' readings, all keys of a row index stepped as one bundle. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenCases")
    void bitIdenticalToTheStepKernelOnTheGoldenFixtures(String name) throws IOException {
        GoldenFixtures.Case fixture = GoldenFixtures.load(name);
        RecurrentModel model = fixture.model();
        Map<String, List<float[]>> byKey = new LinkedHashMap<>();
        for (Row row : fixture.readings()) {
            byKey.computeIfAbsent(row.key(), k -> new ArrayList<>()).add(row.features());
        }
        StepKernel step = new StepKernel(model);
        BundleStepKernel bundle = new BundleStepKernel(model);
        Map<String, float[]> stepStates = new HashMap<>();
        Map<String, float[]> bundleStates = new HashMap<>();
        int longest = byKey.values().stream().mapToInt(List::size).max().orElse(0);
        for (int r = 0; r < longest; r++) {
            List<String> keys = new ArrayList<>();
            for (Map.Entry<String, List<float[]>> e : byKey.entrySet()) {
                if (r < e.getValue().size()) {
                    keys.add(e.getKey());
                }
            }
            float[][] states = new float[keys.size()][];
            float[][] features = new float[keys.size()][];
            float[][] actual = new float[keys.size()][model.outputSize()];
            for (int b = 0; b < keys.size(); b++) {
                states[b] = bundleStates.computeIfAbsent(keys.get(b), k -> model.newState());
                features[b] = byKey.get(keys.get(b)).get(r);
            }
            bundle.step(states, features, actual, keys.size());
            for (int b = 0; b < keys.size(); b++) {
                float[] expected = new float[model.outputSize()];
                step.step(stepStates.computeIfAbsent(keys.get(b), k -> model.newState()), features[b], expected);
                assertBits(actual[b], expected, name + " row " + r + " key " + keys.get(b));
            }
        }
        for (String key : byKey.keySet()) {
            assertBits(bundleStates.get(key), stepStates.get(key), name + " final state of " + key);
        }
    }

    @Test
    void anEmptyBundleDoesNothingAndCountsAreChecked() {
        RecurrentModel model = ReferenceModel.random(CellType.GRU, GruReset.AFTER, 2, 4, 1, 1, 1, 1);
        BundleStepKernel bundle = new BundleStepKernel(model);
        float[][] states = {model.newState()};
        bundle.step(states, new float[][] {{1f, 2f}}, new float[][] {new float[1]}, 0);
        assertThat(states[0]).containsOnly(0f);
        assertThatThrownBy(() -> bundle.step(states, states, states, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertBits(float[] actual, float[] expected, String what) {
        int[] a = new int[actual.length];
        int[] e = new int[expected.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = Float.floatToIntBits(actual[i]);
        }
        for (int i = 0; i < e.length; i++) {
            e[i] = Float.floatToIntBits(expected[i]);
        }
        assertArrayEquals(e, a, what);
    }
}
