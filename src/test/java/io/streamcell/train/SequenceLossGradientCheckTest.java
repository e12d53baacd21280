package io.streamcell.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
import io.streamcell.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Central finite differences against the hand-written backward pass, for every element of every
 * parameter tensor (all layers and the head), every cell type, 1 and 2 layers, horizon 2 with two
 * targets, a NaN-masked target, and with and without a carried initial state.
 */
class SequenceLossGradientCheckTest {
    private static final double EPS = 1e-6;
    private static final double RELATIVE = 1e-6;
    private static final double ABSOLUTE = 1e-9;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Object[] cell : new Object[][] {
            {CellType.LSTM, GruReset.AFTER}, {CellType.GRU, GruReset.AFTER}, {CellType.GRU, GruReset.BEFORE}
        }) {
            for (int layers = 1; layers <= 2; layers++) {
                for (boolean carried : new boolean[] {false, true}) {
                    cases.add(Arguments.of(cell[0], cell[1], layers, carried));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} reset {1}, {2} layer(s), carried state {3}")
    @MethodSource("cases")
    void shouldMatchCentralDifferencesForEveryParameter(CellType cell, GruReset reset, int layers, boolean carried) {
        ModelConfig config = TrainFixtures.config(cell, reset, 3, 4, layers, 2, 2);
        Random random = new Random(31L * layers + cell.ordinal() * 7L + reset.ordinal() * 3L + (carried ? 1 : 0));
        Parameters parameters = TrainFixtures.randomParameters(config, random, 0.6);
        int steps = 6;
        double[][] inputs = TrainFixtures.gaussian(random, steps, 3);
        double[][] targets = TrainFixtures.gaussian(random, steps, config.outputSize());
        targets[1][2] = Double.NaN;
        targets[steps - 1][0] = Double.NaN;
        targets[steps - 1][3] = Double.NaN;
        double[] initial = carried ? TrainFixtures.gaussian(random, config.stateSize(), 0.5) : null;

        SequenceLoss.Result result = SequenceLoss.lossAndGradient(parameters, config, inputs, targets, initial);
        assertThat(result.count()).isEqualTo(steps * config.outputSize() - 3);
        assertThat(result.loss()).isPositive();

        int checked = 0;
        for (String name : parameters.names()) {
            double[] values = parameters.get(name);
            double[] analytic = result.gradient().get(name);
            assertThat(analytic).as(name).hasSize(values.length);
            double largest = 0;
            for (int i = 0; i < values.length; i++) {
                double saved = values[i];
                values[i] = saved + EPS;
                double plus = SequenceLoss.lossAndGradient(parameters, config, inputs, targets, initial)
                        .loss();
                values[i] = saved - EPS;
                double minus = SequenceLoss.lossAndGradient(parameters, config, inputs, targets, initial)
                        .loss();
                values[i] = saved;
                double numeric = (plus - minus) / (2 * EPS);
                double tolerance = RELATIVE * Math.max(Math.abs(numeric), Math.abs(analytic[i])) + ABSOLUTE;
                assertThat(analytic[i])
                        .as("%s[%d] (numeric %s)", name, i, numeric)
                        .isCloseTo(numeric, within(tolerance));
                largest = Math.max(largest, Math.abs(analytic[i]));
                checked++;
            }
            assertThat(largest).as("%s has a non-trivial gradient", name).isGreaterThan(1e-4);
        }
        assertThat((long) checked).isEqualTo(parameters.size());
    }
}
