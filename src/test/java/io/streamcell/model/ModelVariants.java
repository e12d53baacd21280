package io.streamcell.model;

/** Models derived from another one for hot-swap tests: a new version, or a new architecture. */
public final class ModelVariants {
    private ModelVariants() {}

    /** Same architecture, features and targets as {@code base}, other (fixed) weights, version {@code version}. */
    public static RecurrentModel retrained(RecurrentModel base, String version) {
        return TestModels.withFixedWeights(
                base.config().toBuilder().version(version).build(), version);
    }

    /** Same features, targets and horizon as {@code base}; another cell, hidden size and number of layers. */
    public static RecurrentModel rearchitected(
            RecurrentModel base, CellType cell, int hidden, int layers, String version) {
        return TestModels.withFixedWeights(
                base.config().toBuilder()
                        .cell(cell)
                        .gruReset(GruReset.AFTER)
                        .hiddenSize(hidden)
                        .numLayers(layers)
                        .version(version)
                        .build(),
                version);
    }
}
