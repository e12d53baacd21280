package io.streamcell.model.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One-time configuration of ND4J's native BLAS (OpenBLAS) for StreamCell's use: one BLAS thread
 * (Flink runs one task per slot; a BLAS pool per task would oversubscribe the cores), and a check of
 * the CPU kernel OpenBLAS will use.
 *
 * <p>OpenBLAS 0.3.19, the build ND4J 1.0.0-M2.1 ships, predates AMD Zen 3/4 and recent Intel cores
 * and falls back to a generic SSE kernel on them ("Prescott"), several times slower (docs/benchmarks.md). The kernel can only be
 * chosen by {@code OPENBLAS_CORETYPE} in the environment before the library loads, so the
 * {@code ./streamcell} launcher sets it from the CPU flags; here we detect a JVM started without it
 * (a TaskManager, a test runner) on a CPU that needs it and say so in the log, with the fix.
 */
public final class NativeMath {
    private static final Logger LOG = LoggerFactory.getLogger(NativeMath.class);

    /** System property overriding the BLAS thread count (default 1). */
    public static final String THREADS_PROPERTY = "streamcell.blas.threads";

    /**
     * System property (on a TaskManager) making every forecast task load ND4J's native libraries
     * when it opens, although the job's per-event kernel does not need them: a check that the
     * cluster can load them in one job after another (docs/operations.md: Running on a Flink cluster).
     */
    public static final String PRELOAD_PROPERTY = "streamcell.native-math.preload";

    private static volatile Status status;

    private NativeMath() {}

    /** Whether {@link #PRELOAD_PROPERTY} asks for ND4J to be loaded eagerly. */
    public static boolean preloadRequested() {
        return Boolean.getBoolean(PRELOAD_PROPERTY);
    }

    /** What was configured and what the CPU would prefer. */
    public record Status(int blasThreads, String coreTypeEnv, String recommendedCoreType, String advice) {
        public boolean misconfigured() {
            return advice != null;
        }
    }

    /** Configures ND4J once per JVM (idempotent, thread-safe) and returns the status. */
    public static Status ensureConfigured() {
        Status current = status;
        if (current != null) {
            return current;
        }
        synchronized (NativeMath.class) {
            if (status == null) {
                status = configure();
            }
            return status;
        }
    }

    private static Status configure() {
        int threads = Integer.getInteger(THREADS_PROPERTY, 1);
        Nd4j.factory().blas().setMaxThreads(threads);
        String env = System.getenv("OPENBLAS_CORETYPE");
        String recommended = recommendedCoreType(cpuFlags());
        String advice = advice(env, recommended);
        if (advice != null) {
            LOG.warn(advice);
        } else {
            LOG.info("OpenBLAS: {} thread(s), OPENBLAS_CORETYPE={}", threads, env == null ? "(auto)" : env);
        }
        return new Status(threads, env, recommended, advice);
    }

    /**
     * The OpenBLAS core type for a CPU with these /proc/cpuinfo flags, or null when OpenBLAS'
     * own detection is adequate (or the CPU is not x86).
     */
    static String recommendedCoreType(Set<String> flags) {
        if (flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl")) {
            return "SKYLAKEX";
        }
        if (flags.contains("avx2") && flags.contains("fma")) {
            return "HASWELL";
        }
        return null;
    }

    /**
     * A warning with the fix when the environment leaves a faster kernel unused or forces one the
     * CPU cannot run, else null. {@code recommended} is {@link #recommendedCoreType}'s answer.
     */
    static String advice(String env, String recommended) {
        if (recommended == null) {
            return null;
        }
        if (env == null || env.isBlank()) {
            return "OPENBLAS_CORETYPE is not set: OpenBLAS 0.3.19 (ND4J's) may not recognise this CPU and fall back to "
                    + "a generic kernel (SGEMM 2-4x slower, measured on AMD Zen 5). Set OPENBLAS_CORETYPE="
                    + recommended + " in the environment of this process (the ./streamcell launcher does; for Flink "
                    + "TaskManagers set it in containerized.taskmanager.env or the TaskManager's environment).";
        }
        String forced = env.trim().toUpperCase(Locale.ROOT);
        if (forced.equals(recommended)) {
            return null;
        }
        if (recommended.equals("SKYLAKEX")) {
            return "OPENBLAS_CORETYPE=" + env + " leaves this CPU's AVX-512 unused; OPENBLAS_CORETYPE=SKYLAKEX "
                    + "ran single-thread SGEMM ~2x faster on AVX-512 hardware (see docs/benchmarks.md).";
        }
        if (AVX512_CORE_TYPES.contains(forced)) {
            return "OPENBLAS_CORETYPE=" + env + " selects AVX-512 kernels but this CPU has no AVX-512 (it may crash "
                    + "with an illegal instruction); set OPENBLAS_CORETYPE=" + recommended + ".";
        }
        if (!HASWELL_CLASS_CORE_TYPES.contains(forced)) {
            return "OPENBLAS_CORETYPE=" + env + " is not an AVX2 kernel; OPENBLAS_CORETYPE=" + recommended
                    + " is faster on this CPU.";
        }
        return null;
    }

    /** OpenBLAS core types whose kernels need AVX-512. */
    private static final Set<String> AVX512_CORE_TYPES = Set.of("SKYLAKEX", "COOPERLAKE", "SAPPHIRERAPIDS");

    /** OpenBLAS core types that use the AVX2/FMA (Haswell) kernels. */
    private static final Set<String> HASWELL_CLASS_CORE_TYPES = Set.of("HASWELL", "ZEN");

    static Set<String> cpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    String flags = line.substring(line.indexOf(':') + 1).trim().toLowerCase(Locale.ROOT);
                    return new HashSet<>(Arrays.asList(flags.split("\\s+")));
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read /proc/cpuinfo", e);
        }
        return Set.of();
    }
}
