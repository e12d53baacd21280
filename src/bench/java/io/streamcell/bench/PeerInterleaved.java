package io.streamcell.bench;

import io.streamcell.model.RecurrentModel;
import io.streamcell.model.kernel.BatchStepKernel;
import io.streamcell.model.kernel.StepKernel;
import java.util.Arrays;
import java.util.Locale;

/**
 * The comparisons of {@link PeerBench} with the contestants interleaved, for a machine shared with
 * other work. JMH runs one benchmark after another, so under a varying load two benchmarks of the
 * same run can see different contention; here every round times each contestant once, back to
 * back (each for a fraction of a millisecond), in one JVM. Reported: each contestant's 10th
 * percentile and median over rounds (the 10th percentile estimates the speed when the CPU was not
 * taken away), the ratio of the 10th percentiles, and the median of the ratios within a round.
 *
 * <p>Usage: {@code PeerInterleaved [ROUNDS]} (default 1001, after 30 warm-up rounds); about 10 s. Run by {@code tools/bench_peers.sh} after JMH, under each OPENBLAS_CORETYPE.
 */
public final class PeerInterleaved {
    private static final int KEYS = 256;
    private static final int WARMUP_ROUNDS = 30;

    private PeerInterleaved() {}

    /** One contestant: {@code keySteps} key-steps per call of {@code work}. */
    private record Contestant(String name, int keySteps, Work work) {}

    private interface Work {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 1001;
        RecurrentModel model = BenchModels.model("lstm", 8, 64, 1, 1);
        float[][] states = new float[KEYS][];
        float[][] forecasts = new float[KEYS][model.outputSize()];
        for (int k = 0; k < KEYS; k++) {
            states[k] = model.newState();
        }
        float[][] features = BenchModels.features(KEYS, model.inputSize(), 7);
        StepKernel step = new StepKernel(model);
        byte[] onnx = OrtStep.resource(OrtStep.LSTM_I8_H64);
        Dl4jStep dl4j = new Dl4jStep(model);
        try (BatchStepKernel batch = new BatchStepKernel(model, KEYS);
                OrtStep ort1 = new OrtStep(model, onnx, 1);
                OrtStep ort256 = new OrtStep(model, onnx, KEYS)) {
            Contestant[] contestants = {
                new Contestant("streamcellStep1", KEYS, () -> {
                    for (int k = 0; k < KEYS; k++) {
                        step.step(states[k], features[k], forecasts[k]);
                    }
                }),
                new Contestant("ortBatch1", 64, () -> {
                    for (int k = 0; k < 64; k++) {
                        ort1.step(states, features, forecasts, k);
                    }
                }),
                new Contestant("dl4jBatch1", 2, () -> {
                    for (int k = 0; k < 2; k++) {
                        dl4j.step(states, features, forecasts, k, 1);
                    }
                }),
                new Contestant("streamcellBatch256", 2 * KEYS, () -> {
                    for (int r = 0; r < 2; r++) {
                        batch.step(states, features, forecasts, KEYS);
                    }
                }),
                new Contestant("ortBatch256", 2 * KEYS, () -> {
                    for (int r = 0; r < 2; r++) {
                        ort256.step(states, features, forecasts, 0);
                    }
                }),
            };
            double[][] ns = new double[contestants.length][rounds];
            for (int round = -WARMUP_ROUNDS; round < rounds; round++) {
                for (int c = 0; c < contestants.length; c++) {
                    long start = System.nanoTime();
                    contestants[c].work().run();
                    double perKeyStep = (System.nanoTime() - start) / (double) contestants[c].keySteps();
                    if (round >= 0) {
                        ns[c][round] = perKeyStep;
                    }
                }
            }
            System.out.println(report(contestants, ns, System.getenv("OPENBLAS_CORETYPE")));
        }
    }

    private static String report(Contestant[] contestants, double[][] ns, String coreType) {
        StringBuilder out = new StringBuilder();
        int rounds = ns[0].length;
        out.append(String.format(
                Locale.ROOT,
                "Interleaved, OPENBLAS_CORETYPE=%s, %d rounds: µs per key-step, 10th percentile and median%n",
                coreType,
                rounds));
        for (int c = 0; c < contestants.length; c++) {
            double[] sorted = ns[c].clone();
            Arrays.sort(sorted);
            out.append(String.format(
                    Locale.ROOT,
                    "  %-20s %9.3f %9.3f%n",
                    contestants[c].name(),
                    sorted[rounds / 10] / 1000,
                    sorted[rounds / 2] / 1000));
        }
        out.append("Peer over StreamCell, same batch (above 1: StreamCell faster): ratio of the 10th percentiles;"
                + " median of the per-round ratios [quartiles]\n");
        String[][] pairs = {
            {"ortBatch256", "streamcellBatch256"}, {"ortBatch1", "streamcellStep1"}, {"dl4jBatch1", "streamcellStep1"}
        };
        for (String[] pair : pairs) {
            int peer = index(contestants, pair[0]);
            int ours = index(contestants, pair[1]);
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratios[r] = ns[peer][r] / ns[ours][r];
            }
            Arrays.sort(ratios);
            double[] peerSorted = ns[peer].clone();
            double[] oursSorted = ns[ours].clone();
            Arrays.sort(peerSorted);
            Arrays.sort(oursSorted);
            out.append(String.format(
                    Locale.ROOT,
                    "  %-11s / %-18s %7.2f×   %7.2f× [%.2f, %.2f]%n",
                    pair[0],
                    pair[1],
                    peerSorted[rounds / 10] / oursSorted[rounds / 10],
                    ratios[rounds / 2],
                    ratios[rounds / 4],
                    ratios[3 * rounds / 4]));
        }
        return out.toString();
    }

    private static int index(Contestant[] contestants, String name) {
        for (int c = 0; c < contestants.length; c++) {
            if (contestants[c].name().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException(name);
    }
}
