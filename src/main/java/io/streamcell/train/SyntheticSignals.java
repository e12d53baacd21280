package io.streamcell.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A broad family of generated univariate signals, the training data of the zero-shot default
 * model: random walks, trends, one or several seasonalities (periods 12..500, sine and sharper
 * shapes), sawtooth, square and pulse waves, regime changes (level and variance shifts), spikes,
 * steps, flatlines (dropouts to a constant), count-like integer series, large offsets (1e6) and tiny
 * scales (1e-3), and mixtures, with Gaussian, AR(1) or heavy-tailed noise from tiny to large, at
 * scales 1e-2..1e3; one in ten series is rounded to integers. Seeded: the same seed gives the same
 * series.
 */
public final class SyntheticSignals {

    /** The families, assigned round-robin to the series of a data set, then shuffled. */
    public enum Family {
        RANDOM_WALK,
        TREND,
        SEASONAL,
        MULTI_SEASONAL,
        SAWTOOTH_SQUARE,
        REGIME,
        SPIKES,
        STEPS,
        FLATLINE,
        COUNTS,
        LARGE_OFFSET,
        TINY_SCALE,
        MIXED
    }

    /** One generated series. */
    public record Series(Family family, double[] values) {}

    private static final Family[] MIXABLE = {
        Family.RANDOM_WALK,
        Family.TREND,
        Family.SEASONAL,
        Family.SAWTOOTH_SQUARE,
        Family.REGIME,
        Family.SPIKES,
        Family.STEPS,
        Family.FLATLINE
    };

    private final SplittableRandom random;

    private SyntheticSignals(SplittableRandom random) {
        this.random = random;
    }

    /** {@code keys} series of {@code steps} values, families balanced, from {@code seed}. */
    public static List<Series> generate(int keys, int steps, long seed) {
        if (keys < 1 || steps < 20) {
            throw new IllegalArgumentException("need at least 1 key and 20 steps, got " + keys + " and " + steps);
        }
        SplittableRandom root = new SplittableRandom(seed);
        Family[] families = new Family[keys];
        for (int i = 0; i < keys; i++) {
            families[i] = Family.values()[i % Family.values().length];
        }
        for (int i = keys - 1; i > 0; i--) { // Fisher-Yates
            int j = root.nextInt(i + 1);
            Family t = families[i];
            families[i] = families[j];
            families[j] = t;
        }
        List<Series> out = new ArrayList<>(keys);
        for (Family family : families) {
            double[] values = new SyntheticSignals(root.split()).series(steps, family);
            for (double v : values) {
                if (!Double.isFinite(v)) {
                    throw new IllegalStateException("generated a non-finite value in a " + family + " series");
                }
            }
            out.add(new Series(family, values));
        }
        return out;
    }

    private double uniform(double lo, double hi) {
        return lo + (hi - lo) * random.nextDouble();
    }

    private double logUniform(double lo, double hi) {
        return Math.exp(uniform(Math.log(lo), Math.log(hi)));
    }

    private double gaussian() {
        // Box-Muller (SplittableRandom has no nextGaussian on Java 17)
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    private boolean chance(double p) {
        return random.nextDouble() < p;
    }

    private int between(int lo, int hiExclusive) {
        return random.nextInt(lo, hiExclusive);
    }

    /** A periodic shape in [-1, 1] (pulse: [0, 1]) with a random period in [12, 500] and phase. */
    private double[] periodic(int n, String kind) {
        double period = logUniform(12, 500);
        double phase = random.nextDouble();
        boolean harmonics = kind.equals("sine") && chance(0.3);
        double harmonicAmplitude = harmonics ? uniform(0.2, 0.7) : 0;
        double harmonicPhase = harmonics ? uniform(0, 2 * Math.PI) : 0;
        boolean rising = chance(0.5);
        double duty = uniform(0.1, 0.9);
        double width = uniform(0.02, 0.2);
        double[] y = new double[n];
        for (int t = 0; t < n; t++) {
            double u = (t / period + phase) % 1.0;
            y[t] = switch (kind) {
                case "sine" ->
                    Math.sin(2 * Math.PI * u) + harmonicAmplitude * Math.sin(4 * Math.PI * u + harmonicPhase);
                case "sawtooth" -> rising ? 2 * u - 1 : 1 - 2 * u;
                case "square" -> u < duty ? 1 : -1;
                default -> u < width ? 1 : 0; // pulse train
            };
        }
        return y;
    }

    private double[] noise(int n, double level) {
        double[] e = new double[n];
        if (chance(0.2)) { // heavy tails: Student-t with 3 degrees of freedom, unit variance
            for (int i = 0; i < n; i++) {
                double chi2 = 0;
                for (int k = 0; k < 3; k++) {
                    double g = gaussian();
                    chi2 += g * g;
                }
                e[i] = level * gaussian() / Math.sqrt(chi2 / 3) / Math.sqrt(3);
            }
            return e;
        }
        for (int i = 0; i < n; i++) {
            e[i] = gaussian();
        }
        if (chance(0.2)) { // AR(1) coloured noise of unit variance
            double phi = uniform(0.3, 0.95);
            double acc = 0;
            double norm = Math.sqrt(1 - phi * phi);
            for (int i = 0; i < n; i++) {
                acc = phi * acc + e[i];
                e[i] = acc * norm;
            }
        }
        for (int i = 0; i < n; i++) {
            e[i] *= level;
        }
        return e;
    }

    /** Piecewise constant with {@code changes} jumps of size about {@code scale}. */
    private double[] piecewise(int n, int changes, double scale) {
        double[] y = new double[n];
        for (int c = 0; c < changes; c++) {
            int at = between(1, n);
            double jump = scale * gaussian();
            for (int t = at; t < n; t++) {
                y[t] += jump;
            }
        }
        return y;
    }

    private static void add(double[] to, double[] values, double factor) {
        for (int t = 0; t < to.length; t++) {
            to[t] += factor * values[t];
        }
    }

    private static boolean allZero(double[] values) {
        return Arrays.stream(values).allMatch(v -> v == 0);
    }

    double[] series(int n, Family family) {
        double[] sig = new double[n];
        double noiseLevel = logUniform(1e-4, 2.0);
        List<Family> parts = new ArrayList<>();
        if (family == Family.MIXED) {
            List<Family> pool = new ArrayList<>(List.of(MIXABLE));
            int count = between(2, 5);
            for (int i = 0; i < count; i++) {
                parts.add(pool.remove(random.nextInt(pool.size())));
            }
        } else {
            parts.add(family);
        }
        for (Family part : parts) {
            switch (part) {
                case RANDOM_WALK -> {
                    double step = logUniform(0.01, 1.0);
                    double[] steps = noise(n, step);
                    double level = 0;
                    for (int t = 0; t < n; t++) {
                        level += steps[t];
                        sig[t] += level;
                    }
                    if (chance(0.3)) { // integrated (smooth) walk
                        double velocity = 0;
                        double position = 0;
                        for (int t = 0; t < n; t++) {
                            velocity += gaussian() * step * 0.01;
                            position += velocity;
                            sig[t] += position;
                        }
                    }
                }
                case TREND -> {
                    double slope = gaussian() * logUniform(1e-4, 0.05);
                    double curve = chance(0.3) ? gaussian() * logUniform(1e-7, 1e-5) : 0;
                    for (int t = 0; t < n; t++) {
                        sig[t] += slope * t + curve * t * (double) t;
                    }
                    if (chance(0.3)) {
                        add(sig, periodic(n, "sine"), uniform(0.2, 2));
                    }
                }
                case SEASONAL, MULTI_SEASONAL -> {
                    int count = part == Family.SEASONAL ? 1 : between(2, 4);
                    for (int i = 0; i < count; i++) {
                        add(sig, periodic(n, "sine"), logUniform(0.1, 3));
                    }
                    if (chance(0.3)) { // slowly varying amplitude
                        double period = logUniform(300, 3000);
                        double phase = uniform(0, 6.3);
                        for (int t = 0; t < n; t++) {
                            sig[t] *= 1 + 0.5 * Math.sin(2 * Math.PI * t / period + phase);
                        }
                    }
                }
                case SAWTOOTH_SQUARE -> {
                    String kind = new String[] {"sawtooth", "square", "pulse"}[random.nextInt(3)];
                    add(sig, periodic(n, kind), logUniform(0.2, 3));
                }
                case REGIME -> {
                    add(sig, piecewise(n, between(1, 6), logUniform(0.3, 5)), 1);
                    double[] logVariance = piecewise(n, between(1, 5), 1.0);
                    double level = logUniform(0.01, 1.0);
                    add(sig, periodic(n, "sine"), uniform(0, 1));
                    double[] e = noise(n, level);
                    for (int t = 0; t < n; t++) {
                        sig[t] += e[t] * Math.exp(logVariance[t]);
                    }
                    noiseLevel = 0;
                }
                case STEPS -> add(sig, piecewise(n, between(1, 12), logUniform(0.3, 10)), 1);
                case SPIKES -> {
                    if (allZero(sig)) {
                        add(sig, periodic(n, "sine"), uniform(0, 2));
                    }
                    int k = between(1, 40);
                    double size = logUniform(3, 50) * Math.max(noiseLevel, 0.05);
                    for (int i = 0; i < k; i++) {
                        sig[random.nextInt(n)] += gaussian() * size;
                    }
                }
                case FLATLINE -> {
                    if (allZero(sig)) {
                        double walk = 0;
                        double[] wave = periodic(n, "sine");
                        for (int t = 0; t < n; t++) {
                            walk += gaussian() * 0.3;
                            sig[t] += walk + wave[t];
                        }
                    }
                    int spans = between(1, 5);
                    for (int i = 0; i < spans; i++) {
                        int a = random.nextInt(n - 10);
                        int b = Math.min(n, a + (int) logUniform(10, 600));
                        double constant = chance(0.6) ? sig[a] : 0;
                        Arrays.fill(sig, a, b, constant);
                    }
                    if (chance(0.5)) {
                        noiseLevel = 0;
                    }
                }
                case COUNTS -> {
                    return counts(n);
                }
                case LARGE_OFFSET -> {
                    Family inner = new Family[] {
                                Family.RANDOM_WALK, Family.SEASONAL, Family.STEPS, Family.TREND, Family.REGIME
                            }
                            [random.nextInt(5)];
                    double[] y = series(n, inner);
                    double offset = 1e6 * new double[] {1, -1, 3.7, 1000}[random.nextInt(4)];
                    double scale = logUniform(1e-2, 1e3);
                    for (int t = 0; t < n; t++) {
                        y[t] = offset + scale * y[t];
                    }
                    return y;
                }
                case TINY_SCALE -> {
                    Family inner = new Family[] {
                                Family.RANDOM_WALK, Family.SEASONAL, Family.STEPS, Family.TREND, Family.SAWTOOTH_SQUARE
                            }
                            [random.nextInt(5)];
                    double[] y = series(n, inner);
                    double offset = chance(0.5) ? gaussian() * 1e-3 : 0;
                    for (int t = 0; t < n; t++) {
                        y[t] = 1e-3 * y[t] + offset;
                    }
                    return y;
                }
                case MIXED -> throw new IllegalStateException("a mixture does not contain itself");
            }
        }
        if (noiseLevel > 0) {
            add(sig, noise(n, noiseLevel), 1);
        }
        double scale = logUniform(1e-2, 1e3);
        double offset = chance(0.7) ? gaussian() * logUniform(1e-2, 1e3) : 0;
        boolean integers = chance(0.1);
        for (int t = 0; t < n; t++) {
            double x = offset + scale * sig[t];
            sig[t] = integers ? Math.rint(x) : x;
        }
        return sig;
    }

    /** Poisson counts around a rate with optional daily-like, stepped and drifting shape. */
    private double[] counts(int n) {
        double rate = logUniform(0.2, 200);
        double[] shape = new double[n];
        if (chance(0.7)) {
            add(shape, periodic(n, "sine"), uniform(0.2, 1.5));
        }
        if (chance(0.4)) {
            add(shape, piecewise(n, between(1, 4), 0.5), 1);
        }
        if (chance(0.3)) {
            double drift = 0;
            for (int t = 0; t < n; t++) {
                drift += gaussian() * 0.02;
                shape[t] += drift;
            }
        }
        double[] y = new double[n];
        for (int t = 0; t < n; t++) {
            y[t] = poisson(rate * Math.exp(Math.max(-20, Math.min(5, shape[t]))));
        }
        return y;
    }

    private double poisson(double lambda) {
        if (lambda > 50) { // normal approximation, rounded and floored at 0
            return Math.max(0, Math.rint(lambda + Math.sqrt(lambda) * gaussian()));
        }
        double limit = Math.exp(-lambda);
        double product = random.nextDouble();
        int k = 0;
        while (product > limit) {
            product *= random.nextDouble();
            k++;
        }
        return k;
    }
}
