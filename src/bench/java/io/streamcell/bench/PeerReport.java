package io.streamcell.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns JMH JSON results of {@link PeerBench} into the Markdown table of docs/benchmarks.md
 * "Peers": µs per key-step (median of the iterations), and each StreamCell row's speed-up over
 * ONNX Runtime and DL4J at the same batch size in the same run, then the acceptance
 * points per run.
 *
 * <p>Usage: {@code PeerReport OUTPUT.md LABEL=results.json [LABEL=results.json ...]}, the label
 * being the OPENBLAS_CORETYPE of that run. Missing files are skipped with a note.
 */
public final class PeerReport {
    private record Row(String benchmark, String label, int batch) {}

    private static final List<Row> ROWS = List.of(
            new Row("streamcellStep1", "StreamCell StepKernel", 1),
            new Row("ortBatch1", "ONNX Runtime 1.24.1", 1),
            new Row("dl4jBatch1", "DL4J 1.0.0-M2.1 rnnTimeStep + state swap", 1),
            new Row("streamcellBatch256", "StreamCell BatchStepKernel", 256),
            new Row("streamcellStepLoop256", "StreamCell StepKernel, looped", 256),
            new Row("ortBatch256", "ONNX Runtime 1.24.1", 256),
            new Row("dl4jBatch256", "DL4J 1.0.0-M2.1 rnnTimeStep + state swap", 256));

    private PeerReport() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: PeerReport OUTPUT.md LABEL=results.json [LABEL=results.json ...]");
            System.exit(2);
        }
        ObjectMapper json = new ObjectMapper();
        // run -> benchmark -> {median ns, mean ns, error}
        Map<String, Map<String, double[]>> runs = new LinkedHashMap<>();
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
            Map<String, double[]> scores = new LinkedHashMap<>();
            for (JsonNode node : json.readTree(file.toFile())) {
                String name = node.get("benchmark").asText();
                JsonNode metric = node.get("primaryMetric");
                double error = metric.get("scoreError").asDouble();
                List<Double> iterations = new ArrayList<>();
                for (JsonNode fork : metric.get("rawData")) {
                    fork.forEach(value -> iterations.add(value.asDouble()));
                }
                scores.put(name.substring(name.lastIndexOf('.') + 1), new double[] {
                    median(iterations), metric.get("score").asDouble(), Double.isNaN(error) ? 0 : error
                });
            }
            runs.put(run, scores);
        }
        String report = render(runs) + notes;
        System.out.println();
        System.out.print(report);
        Files.writeString(Path.of(args[0]), report);
    }

    static String render(Map<String, Map<String, double[]>> runs) {
        StringBuilder out = new StringBuilder();
        List<String> labels = new ArrayList<>(runs.keySet());
        out.append("| batch | implementation |");
        for (String run : labels) {
            out.append(" µs/key-step, ").append(run).append(" | vs ORT | vs DL4J |");
        }
        out.append("\n|---:|---|");
        out.append("---:|---:|---:|".repeat(labels.size()));
        out.append('\n');
        for (Row row : ROWS) {
            out.append("| ")
                    .append(row.batch())
                    .append(" | ")
                    .append(row.label())
                    .append(" |");
            for (String run : labels) {
                Map<String, double[]> scores = runs.get(run);
                double[] score = scores.get(row.benchmark());
                if (score == null) {
                    out.append(" – |  |  |");
                    continue;
                }
                out.append(String.format(Locale.ROOT, " %s (%s ± %s) |", us(score[0]), us(score[1]), us(score[2])));
                boolean ours = row.benchmark().startsWith("streamcell");
                out.append(' ')
                        .append(ours ? ratio(scores.get(peer("ort", row.batch())), score) : "")
                        .append(" |");
                out.append(' ')
                        .append(ours ? ratio(scores.get(peer("dl4j", row.batch())), score) : "")
                        .append(" |");
            }
            out.append('\n');
        }
        out.append("\nµs per key-step: the median of the measurement iterations (the JMH mean ± its 99.9 % error in"
                + " brackets; the median is less swayed by iterations that shared the CPU with other jobs). \"vs ORT\" /"
                + " \"vs DL4J\": the peer's median over StreamCell's at the same batch size in the same run (above 1:"
                + " StreamCell is faster).\n\n");
        for (String run : labels) {
            Map<String, double[]> s = runs.get(run);
            out.append("Acceptance, ").append(run).append(" run:\n");
            out.append(check(
                    "batch 256, BatchStepKernel no slower than ORT", s, "ortBatch256", "streamcellBatch256", 1.0));
            out.append(check(
                    "batch 256, StepKernel looped no slower than ORT", s, "ortBatch256", "streamcellStepLoop256", 1.0));
            out.append(
                    check("batch 1, StepKernel at least 2x faster than ORT", s, "ortBatch1", "streamcellStep1", 2.0));
            out.append(check(
                    "per event, StepKernel at least 5x faster than DL4J (batch 1)",
                    s,
                    "dl4jBatch1",
                    "streamcellStep1",
                    5.0));
            out.append(check(
                    "batch 256, BatchStepKernel at least 5x faster than DL4J (batch 256)",
                    s,
                    "dl4jBatch256",
                    "streamcellBatch256",
                    5.0));
            out.append('\n');
        }
        return out.toString();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String peer(String prefix, int batch) {
        return prefix + "Batch" + batch;
    }

    private static String us(double ns) {
        double us = ns / 1000;
        return String.format(Locale.ROOT, us >= 100 ? "%.0f" : us >= 10 ? "%.1f" : us >= 1 ? "%.2f" : "%.3f", us);
    }

    private static String ratio(double[] peer, double[] ours) {
        if (peer == null) {
            return "";
        }
        double r = peer[0] / ours[0];
        return String.format(Locale.ROOT, r >= 100 ? "%.0f×" : r >= 10 ? "%.1f×" : "%.2f×", r);
    }

    private static String check(String what, Map<String, double[]> scores, String peer, String ours, double factor) {
        double[] p = scores.get(peer);
        double[] o = scores.get(ours);
        if (p == null || o == null) {
            return "- " + what + ": not measured\n";
        }
        double r = p[0] / o[0];
        return String.format(Locale.ROOT, "- %s: %.2f× — %s\n", what, r, r >= factor ? "met" : "NOT met");
    }
}
