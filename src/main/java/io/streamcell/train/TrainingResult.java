package io.streamcell.train;

import io.streamcell.model.ModelConfig;
import io.streamcell.model.ModelProvenance;
import io.streamcell.model.RecurrentModel;
import java.util.List;

/**
 * What {@link Trainer#train} produced.
 *
 * @param config the model's config: scalers fitted on the training split, and the provenance of this
 *     training (the data's content hash, options, seed, training run, metrics, versions, time)
 * @param parameters the best parameters (lowest validation MSE), already rounded to float32
 * @param epochsRun epochs actually run (fewer than asked when early stopping stopped)
 * @param bestEpoch 1-based epoch whose parameters were kept
 * @param stoppedEarly whether early stopping ended training
 * @param trainLosses mean training loss (scaled MSE) per epoch run
 * @param validationLosses validation loss (scaled MSE) per epoch run
 * @param metrics validation metrics of the kept model and the baselines, in original target units
 * @param validation per key, the kept model's forecasts at the validation steps, original units
 */
public record TrainingResult(
        ModelConfig config,
        Parameters parameters,
        int epochsRun,
        int bestEpoch,
        boolean stoppedEarly,
        List<Double> trainLosses,
        List<Double> validationLosses,
        Metrics metrics,
        List<KeyForecasts> validation) {

    /**
     * One forecaster's errors over the validation forecasts (every target and horizon step that
     * exists in the data).
     *
     * @param count number of forecast values compared (0: the forecaster could not be evaluated)
     */
    public record Score(String name, long count, double mse, double mae) {
        ModelProvenance.Score provenance() {
            return count == 0
                    ? new ModelProvenance.Score(0, Double.NaN, Double.NaN)
                    : new ModelProvenance.Score(count, mse, mae);
        }
    }

    /** The model and the naive last-value and seasonal-naive forecasts on the validation split. */
    public record Metrics(Score model, Score naive, Score seasonalNaive, int season) {
        public List<Score> all() {
            return List.of(model, naive, seasonalNaive);
        }

        /** These metrics as provenance records them, {@code split} saying which split in which units. */
        public ModelProvenance.Metrics provenance(String split) {
            return new ModelProvenance.Metrics(
                    split, season, model.provenance(), naive.provenance(), seasonalNaive.provenance());
        }
    }

    /**
     * @param firstStep index (within the key's series) of the first validation step
     * @param forecasts forecasts made at steps {@code firstStep, firstStep + 1, ...} to the key's
     *     end, each {@code targets × horizon} values step-major, as replay writes them
     */
    public record KeyForecasts(String key, int firstStep, double[][] forecasts) {}

    /** The provenance of this training, as the trained model's config carries it. */
    public ModelProvenance provenance() {
        return config.provenance();
    }

    /** The trained model, with the provenance of this training. */
    public RecurrentModel model() {
        return parameters.toModel(config);
    }

    /** The trained model, carrying {@code provenance} (null for none) instead of this training's. */
    public RecurrentModel model(ModelProvenance provenance) {
        return parameters.toModel(config.withProvenance(provenance));
    }
}
