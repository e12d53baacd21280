package io.streamcell.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.kernel.StepKernel;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The golden comparison is sharp enough to catch convention mistakes: a model with a gate order,
 * bias placement, reset variant or head layout changed the way a wrong implementation would read it
 * does NOT match PyTorch's reference. (If one of these passed, the golden tests could not tell a
 * right kernel from a wrong one.)
 */
class GoldenSensitivityTest {

    @Test
    void swappedLstmInputAndForgetGatesAreCaught() throws IOException {
        assertDiverges("lstm_1layer_in8_h16", c -> c, swapGateBlocks(0, 1, 4));
    }

    @Test
    void swappedLstmCellAndOutputGatesAreCaught() throws IOException {
        assertDiverges("lstm_2layer_in3_h32_2targets_horizon3", c -> c, swapGateBlocks(2, 3, 4));
    }

    @Test
    void droppedSecondBiasIsCaught() throws IOException {
        assertDiverges("lstm_1layer_in8_h16", c -> c, tensors -> {
            Map<String, Tensor> result = new LinkedHashMap<>(tensors);
            Tensor bias = tensors.get("rnn.bias_hh_l0");
            result.put(bias.name(), new Tensor(bias.name(), bias.shape(), new float[bias.data().length]));
            return result;
        });
    }

    @Test
    void swappedGruResetAndUpdateGatesAreCaught() throws IOException {
        assertDiverges("gru_after_1layer_in8_h16", c -> c, swapGateBlocks(0, 1, 3));
    }

    @Test
    void gruResetAppliedBeforeInsteadOfAfterIsCaught() throws IOException {
        assertDiverges("gru_after_1layer_in8_h16", withReset(GruReset.BEFORE), t -> t);
    }

    @Test
    void gruResetAppliedAfterInsteadOfBeforeIsCaught() throws IOException {
        assertDiverges("gru_before_1layer_in8_h16", withReset(GruReset.AFTER), t -> t);
    }

    @Test
    void hiddenCandidateBiasOutsideTheResetIsCaught() throws IOException {
        // A GRU that adds b_hn outside r * (W_hn h + b_hn), i.e. folds it into b_in.
        assertDiverges("gru_after_1layer_in8_h16", c -> c, tensors -> {
            Map<String, Tensor> result = new LinkedHashMap<>(tensors);
            float[] bIh = tensors.get("rnn.bias_ih_l0").data().clone();
            float[] bHh = tensors.get("rnn.bias_hh_l0").data().clone();
            int hidden = bIh.length / 3;
            for (int j = 2 * hidden; j < 3 * hidden; j++) {
                bIh[j] += bHh[j];
                bHh[j] = 0;
            }
            result.put("rnn.bias_ih_l0", new Tensor("rnn.bias_ih_l0", new int[] {bIh.length}, bIh));
            result.put("rnn.bias_hh_l0", new Tensor("rnn.bias_hh_l0", new int[] {bHh.length}, bHh));
            return result;
        });
    }

    @Test
    void targetMajorInsteadOfStepMajorHeadIsCaught() throws IOException {
        // Reading the head's outputs target-major: rows (s, j) permuted to (j, s).
        assertDiverges("lstm_2layer_in3_h32_2targets_horizon3", c -> c, tensors -> {
            Map<String, Tensor> result = new LinkedHashMap<>(tensors);
            Tensor weight = tensors.get("head.weight");
            Tensor bias = tensors.get("head.bias");
            int targets = 2;
            int horizon = 3;
            int hidden = weight.shape()[1];
            float[] w = new float[weight.data().length];
            float[] b = new float[bias.data().length];
            for (int s = 0; s < horizon; s++) {
                for (int j = 0; j < targets; j++) {
                    int from = s * targets + j;
                    int to = j * horizon + s;
                    System.arraycopy(weight.data(), from * hidden, w, to * hidden, hidden);
                    b[to] = bias.data()[from];
                }
            }
            result.put("head.weight", new Tensor("head.weight", weight.shape(), w));
            result.put("head.bias", new Tensor("head.bias", bias.shape(), b));
            return result;
        });
    }

    @Test
    void unmodifiedModelMatches() throws IOException {
        assertThat(mismatches("lstm_1layer_in8_h16", c -> c, t -> t)).isZero();
    }

    private static void assertDiverges(
            String name, UnaryOperator<ModelConfig> configChange, UnaryOperator<Map<String, Tensor>> weightChange)
            throws IOException {
        assertThat(mismatches(name, configChange, weightChange))
                .as("forecasts that differ from PyTorch's beyond the tolerance")
                .isPositive();
    }

    private static int mismatches(
            String name, UnaryOperator<ModelConfig> configChange, UnaryOperator<Map<String, Tensor>> weightChange)
            throws IOException {
        GoldenFixtures.Case fixture = GoldenFixtures.load(name);
        RecurrentModel original = fixture.model();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        original.stateDict().forEach(t -> tensors.put(t.name(), t));
        RecurrentModel changed = RecurrentModel.fromStateDict(
                configChange.apply(original.config()), weightChange.apply(tensors), "mutated " + name);
        StepKernel kernel = new StepKernel(changed);
        Map<String, float[]> states = new HashMap<>();
        float[] forecast = new float[changed.outputSize()];
        int mismatches = 0;
        for (int i = 0; i < fixture.readings().size(); i++) {
            Row row = fixture.readings().get(i);
            kernel.step(states.computeIfAbsent(row.key(), k -> changed.newState()), row.features(), forecast);
            float[] expected = fixture.expectedForecasts().get(i);
            for (int j = 0; j < expected.length; j++) {
                if (!GoldenFixtures.close(forecast[j], expected[j])) {
                    mismatches++;
                }
            }
        }
        return mismatches;
    }

    private static UnaryOperator<ModelConfig> withReset(GruReset reset) {
        return c -> c.toBuilder().gruReset(reset).build();
    }

    /** Swaps gate blocks a and b (of {@code gates}) in every layer's weights and biases. */
    private static UnaryOperator<Map<String, Tensor>> swapGateBlocks(int a, int b, int gates) {
        return tensors -> {
            Map<String, Tensor> result = new LinkedHashMap<>(tensors);
            tensors.forEach((name, tensor) -> {
                if (name.startsWith("rnn.")) {
                    int[] shape = tensor.shape();
                    int rowLength = shape.length == 2 ? shape[1] : 1;
                    int block = shape[0] / gates * rowLength;
                    float[] data = tensor.data().clone();
                    System.arraycopy(tensor.data(), a * block, data, b * block, block);
                    System.arraycopy(tensor.data(), b * block, data, a * block, block);
                    result.put(name, new Tensor(name, shape, data));
                }
            });
            return result;
        };
    }
}
