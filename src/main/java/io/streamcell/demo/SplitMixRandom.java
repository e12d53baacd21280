package io.streamcell.demo;

/**
 * A small, fast, seeded pseudo-random generator: SplitMix64 (Steele, Lea and Flood 2014) for the
 * bits, Marsaglia's polar method for normal variates. Written out here rather than borrowed from
 * {@code java.util} so that the simulated streams are fixed by this code alone and stay identical
 * across JDK versions. Not thread-safe; allocation-free.
 */
final class SplitMixRandom {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private long state;
    private double spareGaussian;
    private boolean hasSpareGaussian;

    SplitMixRandom(long seed) {
        this.state = seed;
    }

    /** A generator for one stream derived from a seed and a name: distinct names give unrelated streams. */
    static SplitMixRandom forStream(long seed, String name) {
        long hash = 0xCBF29CE484222325L; // 64-bit FNV-1a over the UTF-16 code units
        for (int i = 0; i < name.length(); i++) {
            hash = (hash ^ name.charAt(i)) * 0x100000001B3L;
        }
        return new SplitMixRandom(mix(seed ^ mix(hash)));
    }

    long nextLong() {
        return mix(state += GOLDEN_GAMMA);
    }

    /** Uniform in [0, 1). */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [low, high). */
    double uniform(double low, double high) {
        return low + (high - low) * nextDouble();
    }

    /** Uniform integer in [low, high] (inclusive). */
    int uniformInt(int low, int high) {
        return low + (int) ((high - low + 1L) * nextDouble());
    }

    boolean nextBoolean() {
        return nextLong() < 0;
    }

    /** Standard normal. */
    double nextGaussian() {
        if (hasSpareGaussian) {
            hasSpareGaussian = false;
            return spareGaussian;
        }
        double u;
        double v;
        double s;
        do {
            u = 2 * nextDouble() - 1;
            v = 2 * nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double factor = Math.sqrt(-2 * Math.log(s) / s);
        spareGaussian = v * factor;
        hasSpareGaussian = true;
        return u * factor;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
