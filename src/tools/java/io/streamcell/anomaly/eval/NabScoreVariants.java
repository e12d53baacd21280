package io.streamcell.anomaly.eval;

import io.streamcell.anomaly.nab.*;
import io.streamcell.core.KeyStepper;
import io.streamcell.io.csv.ReadingsCsvReader;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.state.KeyState;
import java.nio.file.*;
import java.time.LocalDateTime;
import java.util.*;
import java.util.function.*;

/**
 * An experiment, not a test: NAB scores of candidate per-row anomaly scores computed from the
 * scorer's outputs (normalised error, likelihood, level, rise), with the zero-shot model, to find a
 * sparser score before changing {@link io.streamcell.anomaly.AnomalyScorer}. Run from the repository
 * root (the NAB data is not in the repository):
 * <pre>
 *   mvn -B -q -Ptools test-compile exec:java \
 *       -Dexec.mainClass=io.streamcell.anomaly.eval.NabScoreVariants \
 *       -Dexec.args="../shared/data/nab/data ../shared/data/nab/labels/combined_windows.json"
 * </pre>
 * "-lmR": a row keeps its value only when it exceeds every value of the R rows before it (one
 * score per event instead of several rows over the threshold, each of which NAB counts as a false
 * positive outside a window). Results of 2026-11-26 are in docs/benchmarks.md.
 */
final class NabScoreVariants {
    private record Rows(List<LocalDateTime> t, double[] raw, double[] lik, double[] level, double[] rise) {}

    public static void main(String[] a) throws Exception {
        Path data = Paths.get(a[0]);
        Map<String, List<Window>> labels = NabLabels.read(Paths.get(a[1]));
        RecurrentModel model = ModelDirectory.load(ModelDirectory.ZERO_SHOT_MODEL);
        Map<String, Rows> rows = new TreeMap<>();
        for (String key : labels.keySet()) {
            Path f = data.resolve(key);
            List<LocalDateTime> ts = new ArrayList<>();
            List<double[]> v = new ArrayList<>();
            KeyStepper st = new KeyStepper(model, null);
            KeyState s = KeyState.fresh(model);
            try (ReadingsCsvReader r = ReadingsCsvReader.open(f, List.of("value"))) {
                for (ReadingsCsvReader.Row row = r.next(); row != null; row = r.next()) {
                    ts.add(NabTimestamps.parse(row.timestampText()));
                    var o = st.step(s, row.epochMillis(), row.features());
                    v.add(
                            o.score() == null
                                    ? new double[] {0, 0.5, 0, 0}
                                    : new double[] {
                                        o.score().normalisedError(),
                                        o.score().likelihood(),
                                        o.score().level(),
                                        o.score().anomalyScore()
                                    });
                }
            }
            int n = v.size();
            double[][] c = new double[4][n];
            for (int i = 0; i < n; i++) for (int k = 0; k < 4; k++) c[k][i] = v.get(i)[k];
            // the plain rise of the level (the scorer's anomaly_score before it kept a peak of the rises)
            for (int i = n - 1; i > 0; i--) c[3][i] = Math.max(0, (float) c[2][i] - (float) c[2][i - 1]);
            rows.put(key, new Rows(ts, c[0], c[1], c[2], c[3]));
        }
        Map<String, Function<Rows, double[]>> variants = new LinkedHashMap<>();
        variants.put("rise", r -> r.rise());
        BiFunction<double[], Integer, double[]> lm = (x, R) -> {
            double[] o = new double[x.length];
            for (int i = 0; i < o.length; i++) {
                double m = 0;
                for (int j = Math.max(0, i - R); j < i; j++) m = Math.max(m, x[j]);
                o[i] = x[i] > m ? x[i] : 0;
            }
            return o;
        };
        for (int R : new int[] {100, 200, 400}) {
            final int RR = R;
            variants.put("rise-lm" + R, r -> lm.apply(r.rise(), RR));
            variants.put("raw-lm" + R, r -> lm.apply(r.raw(), RR));
            variants.put("lik-lm" + R, r -> lm.apply(r.level(), RR));
            variants.put("riseXraw-lm" + R, r -> {
                double[] x = new double[r.raw().length];
                for (int i = 0; i < x.length; i++) x[i] = r.rise()[i] * r.raw()[i];
                return lm.apply(x, RR);
            });
        }
        NabScorer scorer = new NabScorer();
        for (var e : variants.entrySet()) {
            Map<String, ScoredSeries> corpus = new LinkedHashMap<>();
            for (var r : rows.entrySet())
                corpus.put(
                        r.getKey(),
                        new ScoredSeries(r.getValue().t(), e.getValue().apply(r.getValue())));
            StringBuilder sb = new StringBuilder(String.format("%-22s", e.getKey()));
            for (Profile p : Profile.published()) {
                NabResult res = scorer.score(corpus, labels, p);
                sb.append(String.format(" %s %.1f", p.name(), res.normalizedScore()));
            }
            System.out.println(sb);
        }
    }
}
