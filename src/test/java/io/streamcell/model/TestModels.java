package io.streamcell.model;

import java.util.HashMap;
import java.util.Map;

/** Small models for tests that need a valid model, not a trained one. */
public final class TestModels {
    private TestModels() {}

    /** A model for {@code config} with fixed, small, non-zero weights (a repeating pattern in ±0.5). */
    public static RecurrentModel withFixedWeights(ModelConfig config, String source) {
        Map<String, Tensor> tensors = new HashMap<>();
        RecurrentModel.expectedShapes(config).forEach((name, shape) -> {
            float[] data = new float[(int) Tensor.elementCount(shape)];
            for (int i = 0; i < data.length; i++) {
                data[i] = 0.1f * ((i * 7 + name.length()) % 11 - 5);
            }
            tensors.put(name, new Tensor(name, shape, data));
        });
        return RecurrentModel.fromStateDict(config, tensors, source);
    }
}
