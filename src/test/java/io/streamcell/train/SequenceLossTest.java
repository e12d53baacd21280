package io.streamcell.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.kernel.StepKernel;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SequenceLossTest {

    private static ModelConfig config(String cell, String reset, int layers) {
        return TrainFixtures.config(CellType.valueOf(cell), GruReset.valueOf(reset), 3, 5, layers, 2, 2);
    }

    @ParameterizedTest(name = "{0} reset {1}, {2} layer(s)")
    @CsvSource({"LSTM,AFTER,1", "LSTM,AFTER,2", "GRU,AFTER,1", "GRU,AFTER,2", "GRU,BEFORE,1", "GRU,BEFORE,2"})
    void forwardShouldAgreeWithTheStreamingStepKernel(String cell, String reset, int layers) {
        ModelConfig config = config(cell, reset, layers);
        Random random = new Random(7);
        RecurrentModel model =
                TrainFixtures.randomParameters(config, random, 0.5).toModel(config);
        Parameters parameters = Parameters.fromModel(model); // the float weights, exactly
        double[][] inputs = TrainFixtures.gaussian(random, 20, 3);

        SequenceLoss.Forward forward = SequenceLoss.forward(parameters, config, inputs, null);

        StepKernel kernel = new StepKernel(model);
        float[] state = model.newState();
        float[] forecast = new float[config.outputSize()];
        for (int t = 0; t < inputs.length; t++) {
            float[] features = new float[3];
            for (int k = 0; k < 3; k++) {
                features[k] = (float) inputs[t][k];
            }
            kernel.step(state, features, forecast);
            for (int j = 0; j < forecast.length; j++) {
                assertThat(forward.outputs()[t][j])
                        .as("step %d output %d", t, j)
                        .isCloseTo(forecast[j], within(2e-5));
            }
        }
        for (int i = 0; i < state.length; i++) {
            assertThat(forward.finalState()[i]).as("state[%d]", i).isCloseTo(state[i], within(2e-5));
        }
    }

    @ParameterizedTest(name = "{0} reset {1}")
    @CsvSource({"LSTM,AFTER", "GRU,AFTER", "GRU,BEFORE"})
    void windowsWithACarriedStateShouldContinueTheSequence(String cell, String reset) {
        ModelConfig config = config(cell, reset, 2);
        Random random = new Random(11);
        Parameters parameters = TrainFixtures.randomParameters(config, random, 0.5);
        double[][] inputs = TrainFixtures.gaussian(random, 10, 3);
        double[][] targets = TrainFixtures.gaussian(random, 10, config.outputSize());
        targets[2][1] = Double.NaN;

        SequenceLoss.Result whole = SequenceLoss.lossAndGradient(parameters, config, inputs, targets, null);
        SequenceLoss.Result first = SequenceLoss.lossAndGradient(
                parameters, config, Arrays.copyOfRange(inputs, 0, 4), Arrays.copyOfRange(targets, 0, 4), null);
        SequenceLoss.Result second = SequenceLoss.lossAndGradient(
                parameters,
                config,
                Arrays.copyOfRange(inputs, 4, 10),
                Arrays.copyOfRange(targets, 4, 10),
                first.finalState());

        assertThat(second.finalState()).containsExactly(whole.finalState());
        assertThat(second.outputs()[5]).containsExactly(whole.outputs()[9]);
        assertThat(first.count() + second.count()).isEqualTo(whole.count());
        double weighted = (first.loss() * first.count() + second.loss() * second.count()) / whole.count();
        assertThat(weighted).isCloseTo(whole.loss(), within(1e-12));
        // The head sees no recurrence, so its truncated gradient (windows summed, weighted by count) is exact.
        Parameters truncated = first.gradient().zerosLike();
        truncated.addScaled(first.gradient(), (double) first.count() / whole.count());
        truncated.addScaled(second.gradient(), (double) second.count() / whole.count());
        for (String name : new String[] {"head.weight", "head.bias"}) {
            double[] expected = whole.gradient().get(name);
            for (int i = 0; i < expected.length; i++) {
                assertThat(truncated.get(name)[i]).as("%s[%d]", name, i).isCloseTo(expected[i], within(1e-12));
            }
        }
    }

    @Test
    void shouldLeaveNaNTargetsOutOfLossAndGradient() {
        ModelConfig config = config("LSTM", "AFTER", 1);
        Random random = new Random(3);
        Parameters parameters = TrainFixtures.randomParameters(config, random, 0.5);
        double[][] inputs = TrainFixtures.gaussian(random, 4, 3);
        double[][] targets = TrainFixtures.gaussian(random, 4, config.outputSize());
        targets[3][0] = Double.NaN;

        SequenceLoss.Result result = SequenceLoss.lossAndGradient(parameters, config, inputs, targets, null);
        double sum = 0;
        for (int t = 0; t < 4; t++) {
            for (int j = 0; j < config.outputSize(); j++) {
                if (!Double.isNaN(targets[t][j])) {
                    double error = result.outputs()[t][j] - targets[t][j];
                    sum += error * error;
                }
            }
        }
        assertThat(result.count()).isEqualTo(4 * config.outputSize() - 1);
        assertThat(result.loss()).isCloseTo(sum / result.count(), within(1e-14));
        assertThat(result.gradient().get("head.bias")[0])
                .isCloseTo(
                        2
                                * (result.outputs()[0][0]
                                        - targets[0][0]
                                        + result.outputs()[1][0]
                                        - targets[1][0]
                                        + result.outputs()[2][0]
                                        - targets[2][0])
                                / result.count(),
                        within(1e-14));
    }

    @Test
    void shouldGiveZeroLossAndGradientWhenEveryTargetIsMasked() {
        ModelConfig config = config("GRU", "BEFORE", 2);
        Parameters parameters = TrainFixtures.randomParameters(config, new Random(5), 0.5);
        double[][] targets = new double[3][config.outputSize()];
        for (double[] row : targets) {
            Arrays.fill(row, Double.NaN);
        }

        SequenceLoss.Result result = SequenceLoss.lossAndGradient(
                parameters, config, TrainFixtures.gaussian(new Random(6), 3, 3), targets, null);

        assertThat(result.loss()).isZero();
        assertThat(result.count()).isZero();
        for (String name : result.gradient().names()) {
            assertThat(result.gradient().get(name)).as(name).containsOnly(0.0);
        }
        assertThat(result.finalState()).isNotEqualTo(new double[config.stateSize()]);
    }

    @Test
    void anEmptySequenceShouldKeepTheInitialState() {
        ModelConfig config = config("LSTM", "AFTER", 2);
        Parameters parameters = TrainFixtures.randomParameters(config, new Random(8), 0.5);
        double[] initial = TrainFixtures.gaussian(new Random(9), config.stateSize(), 1.0);

        SequenceLoss.Result result =
                SequenceLoss.lossAndGradient(parameters, config, new double[0][], new double[0][], initial);

        assertThat(result.loss()).isZero();
        assertThat(result.finalState()).containsExactly(initial);
    }

    @Test
    void shouldNotModifyParametersOrInitialState() {
        ModelConfig config = config("GRU", "AFTER", 2);
        Parameters parameters = TrainFixtures.randomParameters(config, new Random(1), 0.5);
        Parameters before = parameters.copy();
        double[] initial = TrainFixtures.gaussian(new Random(2), config.stateSize(), 1.0);
        double[] initialBefore = initial.clone();

        SequenceLoss.lossAndGradient(
                parameters,
                config,
                TrainFixtures.gaussian(new Random(3), 5, 3),
                TrainFixtures.gaussian(new Random(4), 5, config.outputSize()),
                initial);

        assertThat(initial).containsExactly(initialBefore);
        for (String name : parameters.names()) {
            assertThat(parameters.get(name)).as(name).containsExactly(before.get(name));
        }
    }

    @Test
    void shouldRejectMismatchedOrNonFiniteData() {
        ModelConfig config = config("LSTM", "AFTER", 1);
        Parameters parameters = Parameters.zeros(config);
        double[][] inputs = new double[2][3];
        double[][] targets = new double[2][config.outputSize()];

        assertThatThrownBy(() -> SequenceLoss.lossAndGradient(parameters, config, inputs, new double[3][4], null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("targets has 3");
        assertThatThrownBy(() -> SequenceLoss.lossAndGradient(parameters, config, inputs, new double[2][3], null))
                .hasMessageContaining("expected output_size 4");
        assertThatThrownBy(() -> SequenceLoss.lossAndGradient(parameters, config, new double[2][2], targets, null))
                .hasMessageContaining("expected input_size 3");
        double[][] infinite = {{0, 0, 0}, {0, Double.POSITIVE_INFINITY, 0}};
        assertThatThrownBy(() -> SequenceLoss.lossAndGradient(parameters, config, infinite, targets, null))
                .hasMessageContaining("inputs row 1 has a non-finite value");
        double[][] infiniteTarget = {{0, 0, 0, 0}, {0, 0, Double.NEGATIVE_INFINITY, 0}};
        assertThatThrownBy(() -> SequenceLoss.lossAndGradient(parameters, config, inputs, infiniteTarget, null))
                .hasMessageContaining("use NaN to mask");
        assertThatThrownBy(() -> SequenceLoss.lossAndGradient(parameters, config, inputs, targets, new double[3]))
                .hasMessageContaining("initial state has 3 values, expected 10");
        assertThatThrownBy(() -> SequenceLoss.lossAndGradient(
                        Parameters.zeros(config("GRU", "AFTER", 2)), config, inputs, targets, null))
                .hasMessageContaining("do not fit the config");
    }
}
