package io.streamcell.anomaly.eval;

import io.streamcell.anomaly.nab.NabLabels;
import io.streamcell.anomaly.nab.NabResult;
import io.streamcell.anomaly.nab.NabScorer;
import io.streamcell.anomaly.nab.NabTimestamps;
import io.streamcell.anomaly.nab.Profile;
import io.streamcell.anomaly.nab.ScoredSeries;
import io.streamcell.anomaly.nab.Window;
import io.streamcell.core.KeyStepper;
import io.streamcell.io.csv.ReadingsCsvReader;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.state.KeyState;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * An experiment, not a test: NAB scores of constant-state suppressions of the scorer's per-row
 * outputs (a decaying peak instead of {@link NabScoreVariants}' window maximum), on several corpora,
 * to choose the scorer's setting on generated corpora before measuring it on NAB. Arguments: pairs
 * {@code DATA_DIR LABELS_JSON}; prints one line per variant and corpus. Run from the repository root:
 * <pre>
 *   mvn -B -q -Ptools test-compile exec:java \
 *       -Dexec.mainClass=io.streamcell.anomaly.eval.ScoreSuppressionSweep \
 *       -Dexec.args="/tmp/gen1/data /tmp/gen1/labels/combined_windows.json ..."
 * </pre>
 * The suppression does not feed back into what the scorer learns, so recomputing it from the
 * scorer's outputs equals running the scorer with it ("committed anomaly_score" is the scorer's own
 * score, with {@link io.streamcell.anomaly.AnomalyScorer#DEFAULTS}). "rise": the level's rise over the
 * previous row; "-keep-H": a value kept only above the decayed peak (half-life H rows) of the values
 * before it; "-exceed-H": by how much it exceeds that peak (what the scorer does with the rise);
 * "riseXraw": the rise times the normalised error. Results: docs/benchmarks.md.
 */
final class ScoreSuppressionSweep {
    private record Rows(List<LocalDateTime> t, double[] raw, double[] level, double[] rise, double[] score) {}

    public static void main(String[] args) throws Exception {
        RecurrentModel model = ModelDirectory.load(ModelDirectory.ZERO_SHOT_MODEL);
        Map<String, Function<Rows, double[]>> variants = variants();
        NabScorer scorer = new NabScorer();
        for (int c = 0; c + 1 < args.length; c += 2) {
            Path data = Paths.get(args[c]);
            Map<String, List<Window>> labels = NabLabels.read(Paths.get(args[c + 1]));
            Map<String, Rows> rows = new TreeMap<>();
            for (String key : labels.keySet()) {
                rows.put(key, replay(model, data.resolve(key)));
            }
            for (var v : variants.entrySet()) {
                Map<String, ScoredSeries> corpus = new LinkedHashMap<>();
                for (var r : rows.entrySet()) {
                    corpus.put(
                            r.getKey(),
                            new ScoredSeries(r.getValue().t(), v.getValue().apply(r.getValue())));
                }
                StringBuilder line = new StringBuilder(String.format("%-28s %-22s", args[c], v.getKey()));
                for (Profile p : Profile.published()) {
                    NabResult result = scorer.score(corpus, labels, p);
                    line.append(String.format(" %.1f", result.normalizedScore()));
                }
                System.out.println(line);
            }
        }
    }

    private static Map<String, Function<Rows, double[]>> variants() {
        Map<String, Function<Rows, double[]>> v = new LinkedHashMap<>();
        v.put("committed anomaly_score", Rows::score);
        v.put("rise", Rows::rise);
        for (double halfLife : new double[] {10, 20, 30, 50, 70, 100, 150, 200, 300, 1000}) {
            double d = Math.pow(0.5, 1 / halfLife);
            String h = String.valueOf((int) halfLife);
            v.put("rise-keep-" + h, r -> keep(r.rise(), d));
            v.put("rise-exceed-" + h, r -> exceed(r.rise(), d));
            v.put("level-exceed-" + h, r -> exceed(r.level(), d));
            v.put("riseXraw-exceed-" + h, r -> {
                double[] x = new double[r.rise().length];
                for (int i = 0; i < x.length; i++) {
                    x[i] = r.rise()[i] * r.raw()[i];
                }
                return exceed(x, d);
            });
        }
        return v;
    }

    /** A value kept only when above the decayed peak of the values before it. */
    static double[] keep(double[] x, double decay) {
        double[] out = new double[x.length];
        double peak = 0;
        for (int i = 0; i < x.length; i++) {
            double decayed = peak * decay;
            out[i] = x[i] > decayed ? x[i] : 0;
            peak = Math.max(x[i], decayed);
        }
        return out;
    }

    /** By how much a value exceeds the decayed peak of the values before it. */
    static double[] exceed(double[] x, double decay) {
        double[] out = new double[x.length];
        double peak = 0;
        for (int i = 0; i < x.length; i++) {
            double decayed = peak * decay;
            out[i] = Math.max(0, x[i] - decayed);
            peak = Math.max(x[i], decayed);
        }
        return out;
    }

    private static Rows replay(RecurrentModel model, Path file) throws Exception {
        List<LocalDateTime> times = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        KeyStepper stepper = new KeyStepper(model, null);
        KeyState state = KeyState.fresh(model);
        try (ReadingsCsvReader reader = ReadingsCsvReader.open(file, List.of(Evaluation.VALUE))) {
            for (ReadingsCsvReader.Row row = reader.next(); row != null; row = reader.next()) {
                times.add(NabTimestamps.parse(row.timestampText()));
                var o = stepper.step(state, row.epochMillis(), row.features());
                values.add(
                        o.score() == null
                                ? new double[] {0, 0, 0}
                                : new double[] {
                                    o.score().normalisedError(),
                                    o.score().level(),
                                    o.score().anomalyScore()
                                });
                // an unscored row (no forecast yet) leaves the scorer's previous level as it was
            }
        }
        int n = values.size();
        double[][] c = new double[3][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 3; k++) {
                c[k][i] = values.get(i)[k];
            }
        }
        double[] rise = new double[n]; // the plain rise of the level, as the scorer had it before its peak
        for (int i = 1; i < n; i++) {
            rise[i] = Math.max(0, (float) c[1][i] - (float) c[1][i - 1]);
        }
        return new Rows(times, c[0], c[1], rise, c[2]);
    }
}
