package io.streamcell.bench;

import io.streamcell.model.kernel.NativeMath;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's single-thread SGEMM, {@code C[M×N] = A[M×K] · B[K×N]} row-major, through ND4J's
 * OpenBLAS on off-heap ND4J arrays, as the batched kernel calls it. {@code shape} is
 * {@code MxKxN}: 256x72x256 is one LSTM layer step for 256 keys (I=8, H=64), 512x512x512 the
 * large-matrix peak. {@code path}: {@code cblas} calls {@code cblas_sgemm} on the buffers'
 * pointers (what {@link io.streamcell.model.kernel.BatchStepKernel} does), {@code nd4j} goes
 * through {@code Nd4j.gemm} on row views (the op dispatch the kernel avoids).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx2g", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 6, time = 1)
public class SgemmBench {
    @Param({"256x72x256", "512x512x512"})
    public String shape;

    @Param({"cblas", "nd4j"})
    public String path;

    private int m;
    private int k;
    private int n;
    private INDArray a;
    private INDArray b;
    private INDArray c;
    private FloatPointer pa;
    private FloatPointer pb;
    private FloatPointer pc;

    @Setup(Level.Trial)
    public void setUp() {
        NativeMath.ensureConfigured();
        String[] dims = shape.split("x");
        m = Integer.parseInt(dims[0]);
        k = Integer.parseInt(dims[1]);
        n = Integer.parseInt(dims[2]);
        a = Nd4j.create(random(m * k, 1), new long[] {m, k}, DataType.FLOAT);
        b = Nd4j.create(random(k * n, 2), new long[] {k, n}, DataType.FLOAT);
        c = Nd4j.create(DataType.FLOAT, m, n);
        pa = (FloatPointer) a.data().addressPointer();
        pb = (FloatPointer) b.data().addressPointer();
        pc = (FloatPointer) c.data().addressPointer();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
        c.close();
    }

    /** FLOPs of one product, {@code 2 M K N}. */
    public static long flops(String shape) {
        long product = 2;
        for (String dim : shape.split("x")) {
            product *= Long.parseLong(dim);
        }
        return product;
    }

    @Benchmark
    public INDArray sgemm() {
        if (path.equals("cblas")) {
            openblas_nolapack.cblas_sgemm(
                    openblas_nolapack.CblasRowMajor,
                    openblas_nolapack.CblasNoTrans,
                    openblas_nolapack.CblasNoTrans,
                    m,
                    n,
                    k,
                    1f,
                    pa,
                    k,
                    pb,
                    n,
                    0f,
                    pc,
                    n);
        } else {
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
        }
        return c;
    }

    private static float[] random(int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextDouble(-1, 1);
        }
        return values;
    }
}
