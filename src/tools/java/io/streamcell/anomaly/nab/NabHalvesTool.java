package io.streamcell.anomaly.nab;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Development tool (src/tools, built only with {@code -Ptools}): scores a NAB results directory
 * (as {@code streamcell evaluate --results} writes it) on the files at even positions in sorted key
 * order (the half constants are tuned on), the odd ones (held out) and all, with the three published
 * profiles, each part with its own optimised threshold as NAB does for a corpus.
 *
 * <pre>
 *   mvn -B -q -Ptools test-compile exec:java -Dexec.mainClass=io.streamcell.anomaly.nab.NabHalvesTool \
 *       -Dexec.args="LABELS.json RESULTS_DIR [LABELS.json RESULTS_DIR ...]"
 * </pre>
 * Prints one line per results directory: standard, reward low FP and reward low FN, each as
 * even / odd / whole.
 */
public final class NabHalvesTool {
    private NabHalvesTool() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2 || args.length % 2 != 0) {
            System.err.println("usage: NabHalvesTool LABELS.json RESULTS_DIR [LABELS.json RESULTS_DIR ...]");
            System.exit(2);
        }
        System.out.println("results | standard E/O/W | reward low FP E/O/W | reward low FN E/O/W");
        for (int a = 0; a < args.length; a += 2) {
            Map<String, List<Window>> labels = NabLabels.read(Path.of(args[a]));
            Map<String, ScoredSeries> whole = NabCorpus.readResults(Path.of(args[a + 1]));
            double[][] scores = halves(whole, labels);
            StringBuilder line = new StringBuilder(args[a + 1]).append(" |");
            for (double[] profile : scores) {
                line.append(String.format(Locale.ROOT, " %.1f / %.1f / %.1f |", profile[0], profile[1], profile[2]));
            }
            System.out.println(line);
        }
    }

    /** Per published profile, the normalised score of the even half, the odd half and the whole. */
    public static double[][] halves(Map<String, ScoredSeries> whole, Map<String, List<Window>> labels) {
        Map<String, ScoredSeries> even = new TreeMap<>();
        Map<String, ScoredSeries> odd = new TreeMap<>();
        List<String> keys = new ArrayList<>(new TreeMap<>(whole).keySet());
        for (int k = 0; k < keys.size(); k++) {
            (k % 2 == 0 ? even : odd).put(keys.get(k), whole.get(keys.get(k)));
        }
        NabScorer scorer = new NabScorer();
        List<Profile> profiles = Profile.published();
        double[][] out = new double[profiles.size()][3];
        for (int p = 0; p < profiles.size(); p++) {
            out[p][0] = scorer.score(even, labels, profiles.get(p)).normalizedScore();
            out[p][1] = scorer.score(odd, labels, profiles.get(p)).normalizedScore();
            out[p][2] = scorer.score(whole, labels, profiles.get(p)).normalizedScore();
        }
        return out;
    }
}
