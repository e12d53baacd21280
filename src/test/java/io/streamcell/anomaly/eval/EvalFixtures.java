package io.streamcell.anomaly.eval;

import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
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
        ModelConfig config = new ModelConfig(
                CellType.LSTM,
                GruReset.AFTER,
                features.size(),
                2,
                1,
                features,
                targets,
                1,
                Scaler.of(inMean, inStd),
                Scaler.of(outMean, outStd),
                "tiny-value",
                null);
        return TestModels.withFixedWeights(config, "tiny value model");
    }
}
