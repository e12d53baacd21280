package io.streamcell.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.replay.ReplayEngine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both kernels against PyTorch (fixtures from tools/make_golden.py): every forecast of every
 * reading and every key's final state, to 1e-5 of max(1, |value|).
 */
class GoldenFixtureTest {

    static Stream<String> cases() {
        return GoldenFixtures.caseNames();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void perEventKernelMatchesPyTorch(String name) throws IOException {
        assertMatchesReference(GoldenFixtures.load(name), 1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void batchedKernelMatchesPyTorch(String name) throws IOException {
        assertMatchesReference(GoldenFixtures.load(name), 64);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void kernelsAgreeWithEachOther(String name) throws IOException {
        GoldenFixtures.Case fixture = GoldenFixtures.load(name);
        List<float[]> perEvent = replay(fixture, 1).forecasts;
        List<float[]> batched = replay(fixture, 3).forecasts;
        for (int i = 0; i < perEvent.size(); i++) {
            assertClose(batched.get(i), perEvent.get(i), name + " row " + (i + 1));
        }
    }

    private static void assertMatchesReference(GoldenFixtures.Case fixture, int batchSize) {
        Result result = replay(fixture, batchSize);
        assertThat(result.forecasts).hasSameSizeAs(fixture.expectedForecasts());
        for (int i = 0; i < result.forecasts.size(); i++) {
            assertClose(
                    result.forecasts.get(i),
                    fixture.expectedForecasts().get(i),
                    fixture.name() + " row " + (i + 1) + " (key "
                            + fixture.readings().get(i).key() + ")");
        }
        for (Map.Entry<String, float[]> expected : fixture.expectedStates().entrySet()) {
            assertClose(
                    result.engine.state(expected.getKey()).recurrent(),
                    expected.getValue(),
                    fixture.name() + " final state of key '" + expected.getKey() + "'");
        }
        result.engine.close();
    }

    private record Result(ReplayEngine engine, List<float[]> forecasts) {}

    private static Result replay(GoldenFixtures.Case fixture, int batchSize) {
        ReplayEngine engine = new ReplayEngine(fixture.model(), batchSize);
        List<float[]> forecasts = new ArrayList<>();
        try {
            for (Row row : fixture.readings()) {
                engine.accept(row, (r, outcome) -> forecasts.add(outcome.forecast()));
            }
            engine.flush((r, outcome) -> forecasts.add(outcome.forecast()));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return new Result(engine, forecasts);
    }

    static void assertClose(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int j = 0; j < expected.length; j++) {
            if (!GoldenFixtures.close(actual[j], expected[j])) {
                fail(what + ", value " + j + ": expected " + expected[j] + " but got " + actual[j] + " (difference "
                        + Math.abs(actual[j] - expected[j]) + ")");
            }
        }
    }
}
