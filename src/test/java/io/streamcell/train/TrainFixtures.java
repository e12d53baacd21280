package io.streamcell.train;

import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
import io.streamcell.model.ModelConfig;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/** Small random configs, parameters and sequences for the gradient tests. */
final class TrainFixtures {
    private TrainFixtures() {}

    static ModelConfig config(
            CellType cell, GruReset reset, int inputs, int hidden, int layers, int targets, int horizon) {
        return ModelConfig.builder()
                .cell(cell)
                .gruReset(reset)
                .hiddenSize(hidden)
                .numLayers(layers)
                .features(IntStream.range(0, inputs).mapToObj(i -> "x" + i).toList())
                .targets(IntStream.range(0, targets).mapToObj(i -> "y" + i).toList())
                .horizon(horizon)
                .version("test")
                .build();
    }

    /** Uniform(-scale, scale) parameters: large enough that no gate saturates or vanishes. */
    static Parameters randomParameters(ModelConfig config, Random random, double scale) {
        Parameters parameters = Parameters.zeros(config);
        for (String name : parameters.names()) {
            double[] values = parameters.get(name);
            for (int i = 0; i < values.length; i++) {
                values[i] = (2 * random.nextDouble() - 1) * scale;
            }
        }
        return parameters;
    }

    static double[][] gaussian(Random random, int rows, int cols) {
        double[][] values = new double[rows][cols];
        for (double[] row : values) {
            for (int j = 0; j < cols; j++) {
                row[j] = random.nextGaussian();
            }
        }
        return values;
    }

    static double[] gaussian(Random random, int size, double scale) {
        double[] values = new double[size];
        for (int i = 0; i < size; i++) {
            values[i] = scale * random.nextGaussian();
        }
        return values;
    }

    static List<String> names(Parameters parameters) {
        return List.copyOf(parameters.names());
    }
}
