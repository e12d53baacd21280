package io.streamcell.model.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class NativeMathTest {
    private static final Set<String> AVX512 =
            Set.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq");
    private static final Set<String> AVX2 = Set.of("sse4_2", "avx", "avx2", "fma");

    @Test
    void recommendsTheWidestKernelTheCpuRuns() {
        assertThat(NativeMath.recommendedCoreType(AVX512)).isEqualTo("SKYLAKEX");
        assertThat(NativeMath.recommendedCoreType(AVX2)).isEqualTo("HASWELL");
        // AVX-512 foundation alone (Knights Landing) is not what OpenBLAS' SkylakeX kernels need
        assertThat(NativeMath.recommendedCoreType(Set.of("avx2", "fma", "avx512f")))
                .isEqualTo("HASWELL");
        assertThat(NativeMath.recommendedCoreType(Set.of("avx2"))).isNull(); // no FMA
        assertThat(NativeMath.recommendedCoreType(Set.of("sse4_2", "avx"))).isNull();
        assertThat(NativeMath.recommendedCoreType(Set.of())).isNull(); // not x86, or /proc/cpuinfo unreadable
    }

    @Test
    void adviseSettingTheCoreTypeWhenUnset() {
        assertThat(NativeMath.advice(null, "SKYLAKEX"))
                .contains("OPENBLAS_CORETYPE=SKYLAKEX")
                .contains("containerized.taskmanager.env");
        assertThat(NativeMath.advice("  ", "HASWELL")).contains("OPENBLAS_CORETYPE=HASWELL");
        assertThat(NativeMath.advice(null, null)).isNull();
        assertThat(NativeMath.advice("Haswell", null)).isNull();
    }

    @Test
    void quietWhenTheRecommendedKernelIsSet() {
        assertThat(NativeMath.advice("SKYLAKEX", "SKYLAKEX")).isNull();
        assertThat(NativeMath.advice("SkylakeX", "SKYLAKEX")).isNull();
        assertThat(NativeMath.advice(" haswell ", "HASWELL")).isNull();
        assertThat(NativeMath.advice("Zen", "HASWELL")).isNull(); // OpenBLAS' Zen uses the Haswell kernels
    }

    @Test
    void adviseAgainstSlowerOrUnrunnableKernels() {
        assertThat(NativeMath.advice("Haswell", "SKYLAKEX"))
                .contains("AVX-512 unused")
                .contains("OPENBLAS_CORETYPE=SKYLAKEX");
        assertThat(NativeMath.advice("SKYLAKEX", "HASWELL"))
                .contains("illegal instruction")
                .contains("OPENBLAS_CORETYPE=HASWELL");
        assertThat(NativeMath.advice("COOPERLAKE", "HASWELL")).contains("illegal instruction");
        assertThat(NativeMath.advice("Prescott", "HASWELL")).contains("OPENBLAS_CORETYPE=HASWELL");
    }

    @Test
    void configuresOnceAndReportsWhatItSaw() {
        NativeMath.Status first = NativeMath.ensureConfigured();
        assertThat(NativeMath.ensureConfigured()).isSameAs(first);
        assertThat(first.blasThreads()).isEqualTo(Integer.getInteger(NativeMath.THREADS_PROPERTY, 1));
        assertThat(first.coreTypeEnv()).isEqualTo(System.getenv("OPENBLAS_CORETYPE"));
        assertThat(first.misconfigured()).isEqualTo(first.advice() != null);
        assertThat(first.advice()).isEqualTo(NativeMath.advice(first.coreTypeEnv(), first.recommendedCoreType()));
    }
}
