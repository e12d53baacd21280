package io.streamcell.model;

/** Models derived from another one for hot-swap tests: a new version, or a new architecture. */
public final class ModelVariants {
    private ModelVariants() {}

    /** Same architecture, features and targets as {@code base}, other (fixed) weights, version {@code version}. */
    public static RecurrentModel retrained(RecurrentModel base, String version) {
        ModelConfig c = base.config();
        return TestModels.withFixedWeights(
                new ModelConfig(
                        c.cell(),
                        c.gruReset(),
                        c.inputSize(),
                        c.hiddenSize(),
                        c.numLayers(),
                        c.features(),
                        c.targets(),
                        c.horizon(),
                        c.inputScaler(),
                        c.targetScaler(),
                        version,
                        c.provenance(),
                        c.onlineNormalisation()),
                version);
    }

    /** Same features, targets and horizon as {@code base}; another cell, hidden size and number of layers. */
    public static RecurrentModel rearchitected(
            RecurrentModel base, CellType cell, int hidden, int layers, String version) {
        ModelConfig c = base.config();
        return TestModels.withFixedWeights(
                new ModelConfig(
                        cell,
                        GruReset.AFTER,
                        c.inputSize(),
                        hidden,
                        layers,
                        c.features(),
                        c.targets(),
                        c.horizon(),
                        c.inputScaler(),
                        c.targetScaler(),
                        version,
                        c.provenance(),
                        c.onlineNormalisation()),
                version);
    }
}
