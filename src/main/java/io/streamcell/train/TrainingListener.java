package io.streamcell.train;

/** Progress of {@link Trainer#train}, called on the training thread (e.g. to draw a progress bar). */
public interface TrainingListener {

    /**
     * After each mini-batch update.
     *
     * @param epoch 1-based epoch
     * @param batch 1-based batch within the epoch, of {@code batches}
     * @param loss running mean training loss (scaled MSE) of this epoch so far
     * @param etaSeconds estimated seconds left if all {@code epochs} run (early stopping may end sooner)
     */
    void onBatch(int epoch, int epochs, int batch, int batches, double loss, double etaSeconds);

    /** After each epoch's validation: losses are scaled MSE; {@code best} if this epoch is the best so far. */
    default void onEpoch(int epoch, int epochs, double trainLoss, double validationLoss, boolean best) {}

    TrainingListener NONE = (epoch, epochs, batch, batches, loss, eta) -> {};
}
