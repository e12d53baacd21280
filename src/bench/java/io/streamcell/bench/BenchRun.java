package io.streamcell.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Runs JMH ({@code org.openjdk.jmh.Main}) only if the CPU has the instruction sets the run's
 * OPENBLAS_CORETYPE needs: OpenBLAS does not check a forced core type, and its AVX-512 kernels
 * would die with an illegal instruction on a CPU without AVX-512.
 *
 * <p>Usage: {@code BenchRun FLAG,FLAG,... JMH-ARGS...}, flags as in /proc/cpuinfo (e.g.
 * {@code avx512f,avx512bw,avx512vl}). Without /proc/cpuinfo (not Linux) it runs anyway.
 */
public final class BenchRun {
    private BenchRun() {}

    public static void main(String[] args) throws Exception {
        List<String> required = Arrays.asList(args[0].toLowerCase(Locale.ROOT).split(","));
        Set<String> flags = cpuFlags();
        if (flags != null && !flags.containsAll(required)) {
            System.out.println(
                    "Skipping the OPENBLAS_CORETYPE=" + System.getenv("OPENBLAS_CORETYPE") + " run: this CPU lacks "
                            + required.stream().filter(f -> !flags.contains(f)).toList());
            int rff = Arrays.asList(args).indexOf("-rff");
            if (rff > 0 && rff + 1 < args.length) {
                Files.deleteIfExists(Path.of(args[rff + 1])); // no stale results in the report
            }
            return;
        }
        org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
    }

    private static Set<String> cpuFlags() throws IOException {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return null;
        }
        for (String line : Files.readAllLines(cpuinfo)) {
            if (line.startsWith("flags")) {
                return new HashSet<>(Arrays.asList(
                        line.substring(line.indexOf(':') + 1).trim().split("\\s+")));
            }
        }
        return null;
    }
}
