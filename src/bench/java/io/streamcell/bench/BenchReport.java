package io.streamcell.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcell.model.RecurrentModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns JMH JSON results ({@code -rf json}) of {@link KernelBench} and {@link SgemmBench} into the
 * Markdown tables of docs/benchmarks.md: each kernel's ns per key-step, achieved GFLOP/s
 * ({@link BenchModels#flopsPerKeyStep}) and that as a share of the single-thread SGEMM measured in
 * the same JMH runs.
 *
 * <p>Usage: {@code BenchReport OUTPUT.md LABEL=results.json [LABEL=results.json ...]}, the label
 * being the OPENBLAS_CORETYPE of that run. Missing files are skipped with a note.
 */
public final class BenchReport {
    private static final String PEAK_SHAPE = "512x512x512";
    private static final String STEP_SHAPE = "256x72x256";
    private static final double STEP_TARGET_NS = 3000;
    private static final double BATCH_TARGET_NS = 1000;

    private record Result(String run, String benchmark, Map<String, String> params, double score, double error) {
        String param(String name) {
            return params.getOrDefault(name, "");
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: BenchReport OUTPUT.md LABEL=results.json [LABEL=results.json ...]");
            System.exit(2);
        }
        ObjectMapper json = new ObjectMapper();
        List<Result> results = new ArrayList<>();
        List<String> runs = new ArrayList<>();
        StringBuilder notes = new StringBuilder();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            String run = args[i].substring(0, eq);
            Path file = Path.of(args[i].substring(eq + 1));
            if (!Files.isRegularFile(file)) {
                notes.append("(no results for ")
                        .append(run)
                        .append(": ")
                        .append(file)
                        .append(" missing)\n");
                continue;
            }
            runs.add(run);
            for (JsonNode node : json.readTree(file.toFile())) {
                Map<String, String> params = new LinkedHashMap<>();
                JsonNode p = node.get("params");
                if (p != null) {
                    p.fields()
                            .forEachRemaining(
                                    e -> params.put(e.getKey(), e.getValue().asText()));
                }
                String name = node.get("benchmark").asText();
                name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
                JsonNode metric = node.get("primaryMetric");
                double error = metric.get("scoreError").asDouble();
                results.add(
                        new Result(run, name, params, metric.get("score").asDouble(), Double.isNaN(error) ? 0 : error));
            }
        }
        String report = render(results, runs) + notes;
        System.out.println();
        System.out.print(report);
        Files.writeString(Path.of(args[0]), report);
    }

    static String render(List<Result> results, List<String> runs) {
        StringBuilder out = new StringBuilder();
        Map<String, Double> gemmNs = new LinkedHashMap<>();
        double peak = 0;
        String peakRun = "";
        out.append("SGEMM, single thread, row-major C = A·B through ND4J's OpenBLAS (M×K×N):\n\n");
        out.append("| OPENBLAS_CORETYPE | shape M×K×N | call | µs per product | GFLOP/s |\n");
        out.append("|---|---|---|---:|---:|\n");
        for (Result r : results) {
            if (!r.benchmark.startsWith("SgemmBench")) {
                continue;
            }
            String shape = r.param("shape");
            double gflops = SgemmBench.flops(shape) / r.score;
            out.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %.1f ± %.1f | %.1f |%n",
                    r.run,
                    shape,
                    r.param("path"),
                    r.score / 1e3,
                    r.error / 1e3,
                    gflops));
            if (r.param("path").equals("cblas")) {
                gemmNs.put(r.run + "/" + shape, r.score);
                if (shape.equals(PEAK_SHAPE) && gflops > peak) {
                    peak = gflops;
                    peakRun = r.run;
                }
            }
        }
        out.append(String.format(
                Locale.ROOT,
                "%nKernels (ns per key-step; GFLOP/s from the FLOPs of one key-step; "
                        + "peak = best %s SGEMM above, %.1f GFLOP/s with %s):%n%n",
                PEAK_SHAPE,
                peak,
                peakRun));
        out.append("| kernel | cell | I | H | layers | batch | OPENBLAS_CORETYPE | ns/key-step | µs/key-step "
                + "| FLOPs/key-step | GFLOP/s | % of SGEMM peak | % of same-run " + STEP_SHAPE + " SGEMM |\n");
        out.append("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
        List<String> verdicts = new ArrayList<>();
        for (Result r : results) {
            if (!r.benchmark.startsWith("KernelBench")) {
                continue;
            }
            boolean batched = r.benchmark.endsWith("batch");
            int inputs = Integer.parseInt(r.param("inputSize"));
            int hidden = Integer.parseInt(r.param("hidden"));
            int layers = Integer.parseInt(r.param("layers"));
            RecurrentModel model =
                    BenchModels.model(r.param("cell"), inputs, hidden, layers, Integer.parseInt(r.param("outputs")));
            long flops = BenchModels.flopsPerKeyStep(model);
            double gflops = flops / r.score;
            Double sameShape = gemmNs.get(r.run + "/" + STEP_SHAPE);
            String sameShapeShare = "–";
            if (sameShape != null && batched) {
                sameShapeShare = String.format(
                        Locale.ROOT, "%.0f %%", 100 * gflops / (SgemmBench.flops(STEP_SHAPE) / sameShape));
            }
            out.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %d | %d | %d | %d | %s | %.0f ± %.0f | %.3f | %d | %.2f | %s | %s |%n",
                    batched ? "BatchStepKernel" : "StepKernel",
                    r.param("cell"),
                    inputs,
                    hidden,
                    layers,
                    batched ? KernelBench.KEYS : 1,
                    batched ? r.run : r.run + " (no BLAS)",
                    r.score,
                    r.error,
                    r.score / 1e3,
                    flops,
                    gflops,
                    peak > 0 ? String.format(Locale.ROOT, "%.1f %%", 100 * gflops / peak) : "–",
                    sameShapeShare));
            if (r.param("cell").equals("lstm") && inputs == 8 && hidden == 64 && layers == 1) {
                double target = batched ? BATCH_TARGET_NS : STEP_TARGET_NS;
                verdicts.add(String.format(
                        Locale.ROOT,
                        "%s LSTM I=8 H=64 batch %d (%s): %.0f ns/key-step, target ≤ %.0f ns: %s",
                        batched ? "BatchStepKernel" : "StepKernel",
                        batched ? KernelBench.KEYS : 1,
                        r.run,
                        r.score,
                        target,
                        r.score <= target ? "MET" : "NOT MET"));
            }
        }
        out.append('\n');
        verdicts.forEach(v -> out.append("- ").append(v).append('\n'));
        return out.toString();
    }
}
