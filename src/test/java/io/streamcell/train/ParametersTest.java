package io.streamcell.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ParametersTest {
    private final ModelConfig lstm = TrainFixtures.config(CellType.LSTM, GruReset.AFTER, 3, 4, 2, 2, 3);

    @Test
    void shouldUseStateDictNamesAndShapes() {
        Parameters parameters = Parameters.zeros(lstm);

        assertThat(parameters.names())
                .containsExactly(
                        "rnn.weight_ih_l0",
                        "rnn.weight_hh_l0",
                        "rnn.bias_ih_l0",
                        "rnn.bias_hh_l0",
                        "rnn.weight_ih_l1",
                        "rnn.weight_hh_l1",
                        "rnn.bias_ih_l1",
                        "rnn.bias_hh_l1",
                        "head.weight",
                        "head.bias");
        assertThat(parameters.shape("rnn.weight_ih_l0")).containsExactly(16, 3);
        assertThat(parameters.shape("rnn.weight_ih_l1")).containsExactly(16, 4);
        assertThat(parameters.shape("head.weight")).containsExactly(6, 4);
        assertThat(parameters.size()).isEqualTo(16 * 3 + 16 * 4 + 32 + 16 * 4 + 16 * 4 + 32 + 6 * 4 + 6);
        ModelConfig gru = TrainFixtures.config(CellType.GRU, GruReset.BEFORE, 3, 4, 1, 1, 1);
        assertThat(Parameters.zeros(gru).shape("rnn.weight_hh_l0")).containsExactly(12, 4);
    }

    @Test
    void shouldRoundTripThroughAModelExactlyForFloatValues() {
        Parameters parameters = TrainFixtures.randomParameters(lstm, new Random(1), 0.5);
        parameters.names().forEach(name -> {
            double[] values = parameters.get(name);
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) values[i];
            }
        });

        RecurrentModel model = parameters.toModel(lstm);
        Parameters back = Parameters.fromModel(model);

        for (String name : parameters.names()) {
            assertThat(back.get(name)).as(name).containsExactly(parameters.get(name));
        }
        assertThat(model.parameterCount()).isEqualTo(parameters.size());
    }

    @Test
    void shouldRejectMissingUnexpectedOrMisshapenTensors() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Parameters.zeros(lstm).toTensors().forEach(t -> tensors.put(t.name(), t));
        Map<String, Tensor> missing = new LinkedHashMap<>(tensors);
        missing.remove("head.bias");
        Map<String, Tensor> extra = new LinkedHashMap<>(tensors);
        extra.put("rnn.weight_ih_l2", new Tensor("rnn.weight_ih_l2", new int[] {1}, new float[1]));
        Map<String, Tensor> misshapen = new LinkedHashMap<>(tensors);
        misshapen.put("head.bias", new Tensor("head.bias", new int[] {5}, new float[5]));

        assertThatThrownBy(() -> Parameters.fromTensors(lstm, missing))
                .hasMessageContaining("missing tensor 'head.bias'");
        assertThatThrownBy(() -> Parameters.fromTensors(lstm, extra))
                .hasMessageContaining("unexpected tensor 'rnn.weight_ih_l2'");
        assertThatThrownBy(() -> Parameters.fromTensors(lstm, misshapen))
                .hasMessageContaining("'head.bias' has shape [5], expected [6]");
        assertThatThrownBy(() -> Parameters.zeros(lstm).get("rnn.weight"))
                .hasMessageContaining("no tensor 'rnn.weight'");
    }

    @Test
    void copyShouldBeDeepAndAddScaledElementwise() {
        Parameters a = TrainFixtures.randomParameters(lstm, new Random(2), 1.0);
        Parameters b = a.copy();
        b.addScaled(a, -2.0);

        for (String name : a.names()) {
            double[] original = a.get(name);
            for (int i = 0; i < original.length; i++) {
                assertThat(b.get(name)[i]).isEqualTo(-original[i]);
            }
        }
        assertThat(a.zerosLike().get("head.bias")).containsOnly(0.0);
    }
}
