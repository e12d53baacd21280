package io.streamcell.anomaly.eval;

import io.streamcell.model.CellType;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.Scaler;
import io.streamcell.model.TestModels;
import java.util.Arrays;
import java.util.List;

/** Tiny models for the evaluation tests: untrained, small fixed weights. */
public final class EvalFixtures {
    private EvalFixtures() {}

    /** A 2-unit LSTM with the single feature and target {@code value}. */
    public static RecurrentModel tinyValueModel() {
        return tinyModel(List.of("value"), List.of("value"));
    }

    public static RecurrentModel tinyModel(List<String> features, List<String> targets) {
        float[] inMean = new float[features.size()];
        float[] inStd = new float[features.size()];
        Arrays.fill(inMean, 50f);
        Arrays.fill(inStd, 30f);
        float[] outMean = new float[targets.size()];
        float[] outStd = new float[targets.size()];
        Arrays.fill(outMean, 50f);
        Arrays.fill(outStd, 30f);
        ModelConfig config = ModelConfig.builder()
                .cell(CellType.LSTM)
                .hiddenSize(2)
                .features(features)
                .targets(targets)
                .inputScaler(Scaler.of(inMean, inStd))
                .targetScaler(Scaler.of(outMean, outStd))
                .version("tiny-value")
                .build();
        return TestModels.withFixedWeights(config, "tiny value model");
    }
}
