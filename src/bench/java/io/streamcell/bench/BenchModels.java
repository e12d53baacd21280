package io.streamcell.bench;

import io.streamcell.model.CellType;
import io.streamcell.model.GruReset;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.Tensor;
import io.streamcell.model.io.ModelDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Synthetic models for the benchmarks: PyTorch's default init, U(-1/sqrt(H), 1/sqrt(H)). */
public final class BenchModels {
    private BenchModels() {}

    /**
     * Writes a bench model as a StreamCell model directory, for tools that need the same weights
     * outside the JVM ({@code tools/export_onnx.py}).
     *
     * <p>Usage: {@code BenchModels OUT_DIR [CELL INPUT HIDDEN LAYERS OUTPUTS]}, default
     * {@code lstm 8 64 1 1}, the model {@link KernelBench} and {@link PeerBench} step.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1 && args.length != 6) {
            System.err.println("usage: BenchModels OUT_DIR [CELL INPUT HIDDEN LAYERS OUTPUTS]");
            System.exit(2);
        }
        RecurrentModel model = args.length == 1
                ? model("lstm", 8, 64, 1, 1)
                : model(
                        args[1],
                        Integer.parseInt(args[2]),
                        Integer.parseInt(args[3]),
                        Integer.parseInt(args[4]),
                        Integer.parseInt(args[5]));
        ModelDirectory.write(model, Path.of(args[0]));
        System.out.println("wrote " + model + " to " + args[0]);
    }

    /** {@code cell} is {@code lstm}, {@code gru_after} or {@code gru_before}. */
    public static RecurrentModel model(String cell, int inputSize, int hidden, int layers, int outputs) {
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            targets.add("y" + i);
        }
        return model(cell, inputSize, hidden, layers, targets);
    }

    /** Features are {@code x0, x1, ...}; a target named like a feature is scored against it. */
    public static RecurrentModel model(String cell, int inputSize, int hidden, int layers, List<String> targets) {
        CellType type = cell.startsWith("gru") ? CellType.GRU : CellType.LSTM;
        GruReset reset = cell.equals("gru_before") ? GruReset.BEFORE : GruReset.AFTER;
        List<String> features = new ArrayList<>();
        for (int i = 0; i < inputSize; i++) {
            features.add("x" + i);
        }
        ModelConfig config = ModelConfig.builder()
                .cell(type)
                .gruReset(reset)
                .hiddenSize(hidden)
                .numLayers(layers)
                .features(features)
                .targets(targets)
                .version("bench")
                .build();
        SplittableRandom random = new SplittableRandom(42);
        float bound = (float) (1.0 / Math.sqrt(hidden));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : RecurrentModel.expectedShapes(config).entrySet()) {
            int[] shape = e.getValue();
            float[] data = new float[(int) Tensor.elementCount(shape)];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) random.nextDouble(-bound, bound);
            }
            tensors.put(e.getKey(), new Tensor(e.getKey(), shape, data));
        }
        return RecurrentModel.fromStateDict(config, tensors, "bench");
    }

    /** Standard-normal features, one row per key. */
    public static float[][] features(int keys, int inputSize, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] features = new float[keys][inputSize];
        for (float[] row : features) {
            for (int i = 0; i < inputSize; i++) {
                // Box-Muller is overkill here; a sum of uniforms is near-normal and reproducible.
                double sum = 0;
                for (int s = 0; s < 12; s++) {
                    sum += random.nextDouble();
                }
                row[i] = (float) (sum - 6.0);
            }
        }
        return features;
    }

    /**
     * Multiply-add FLOPs of one key-step as the batched kernel computes them: per layer
     * {@code 2 (inputs + H) gateWidth} for the packed product (GRU reset-after's packed width is 4H,
     * zero blocks included), plus {@code 2 H H} for GRU reset-before's candidate product, plus
     * {@code 2 H outputs} for the head.
     */
    public static long flopsPerKeyStep(RecurrentModel model) {
        long flops = 0;
        int hidden = model.hiddenSize();
        for (int l = 0; l < model.numLayers(); l++) {
            RecurrentModel.Layer layer = model.layer(l);
            flops += 2L * (layer.inputSize() + hidden) * layer.gateWidth();
            if (layer.candidateWeights() != null) {
                flops += 2L * hidden * hidden;
            }
        }
        return flops + 2L * hidden * model.outputSize();
    }
}
