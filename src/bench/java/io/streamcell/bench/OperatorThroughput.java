package io.streamcell.bench;

import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.avro.ModelUpdateMessage;
import io.streamcell.job.ForecastOperator;
import io.streamcell.job.JobConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.model.kernel.BundleStepKernel;
import io.streamcell.model.kernel.StepKernel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;

/**
 * A rough per-event vs bundled comparison, not a JMH benchmark: the kernels alone (ns per
 * key-step: {@link StepKernel} one key per call, {@link BundleStepKernel} 256 keys per call), then
 * the whole forecast operator in Flink's keyed test harness (heap state, arrival order, readings of
 * 1,000 keys in random order), readings per second in each stepping mode. Run with
 * {@code -Pbench}'s test classpath:
 * <pre>
 *   java -cp ... io.streamcell.bench.OperatorThroughput [cell] [hidden] [rounds] [scored]
 * </pre>
 */
public final class OperatorThroughput {
    private static final int KERNEL_KEYS = 256;
    private static final int OPERATOR_KEYS = 1_000;
    private static final int READINGS = 400_000;

    private OperatorThroughput() {}

    public static void main(String[] args) throws Exception {
        String cell = args.length > 0 ? args[0] : "lstm";
        int hidden = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        // By default the target (y0) is not an input, so no reading is scored; "scored" makes it x0,
        // scored by the anomaly detector against the next reading (the detector's cost is the difference)
        boolean scored = args.length > 3 && "scored".equals(args[3]);
        RecurrentModel model = BenchModels.model(cell, 8, hidden, 1, List.of(scored ? "x0" : "y0"));
        System.out.printf("%s I=8 H=%d, one layer, one output%s%n", cell, hidden, scored ? ", scored" : "");
        kernels(model);
        Path directory = Files.createTempDirectory("streamcell-bench-model");
        ModelDirectory.write(model, directory.resolve("model"));
        String location = directory.resolve("model").toString();
        JobConfig.Ordering ordering = new JobConfig.Ordering(
                JobConfig.OrderingMode.ARRIVAL, Duration.ofSeconds(5), Duration.ZERO, Duration.ofSeconds(30));
        JobConfig.State state = new JobConfig.State(null, null, JobConfig.StateBackend.HASHMAP);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        for (int round = 0; round < rounds; round++) { // the first rounds warm the JIT up
            double perEvent = operator(new ForecastOperator(location, ordering, state), model);
            double bundled = operator(
                    new ForecastOperator(
                            location,
                            ordering,
                            state,
                            new JobConfig.Stepping(JobConfig.SteppingMode.BUNDLED, 512, Duration.ofMillis(100))),
                    model);
            System.out.printf(
                    "operator round %d: per-event %.0f readings per CPU-second, bundled (512) %.0f (%.2fx)%n",
                    round, perEvent, bundled, bundled / perEvent);
        }
    }

    private static void kernels(RecurrentModel model) {
        StepKernel step = new StepKernel(model);
        BundleStepKernel bundle = new BundleStepKernel(model);
        float[][] states = new float[KERNEL_KEYS][];
        float[][] forecasts = new float[KERNEL_KEYS][model.outputSize()];
        for (int k = 0; k < KERNEL_KEYS; k++) {
            states[k] = model.newState();
        }
        float[][] features = BenchModels.features(KERNEL_KEYS, model.inputSize(), 7);
        for (int round = 0; round < 5; round++) {
            int calls = 4_000;
            long start = System.nanoTime();
            for (int c = 0; c < calls; c++) {
                for (int k = 0; k < KERNEL_KEYS; k++) {
                    step.step(states[k], features[k], forecasts[k]);
                }
            }
            double stepNs = (System.nanoTime() - start) / (double) (calls * KERNEL_KEYS);
            start = System.nanoTime();
            for (int c = 0; c < calls; c++) {
                bundle.step(states, features, forecasts, KERNEL_KEYS);
            }
            double bundleNs = (System.nanoTime() - start) / (double) (calls * KERNEL_KEYS);
            System.out.printf(
                    "kernel round %d: StepKernel %.0f ns/key-step, BundleStepKernel (%d keys) %.0f ns/key-step%n",
                    round, stepNs, KERNEL_KEYS, bundleNs);
        }
    }

    /**
     * Readings per second of this thread's CPU time through the operator, outputs discarded as they
     * come. CPU time, not wall time: the harness runs the operator on this thread alone, so other
     * load on the machine (a shared build host) does not count against it.
     */
    private static double operator(
            TwoInputStreamOperator<DecodedRecord, ModelUpdateMessage, ForecastRecord> operator, RecurrentModel model)
            throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        DecodedRecord[] readings = new DecodedRecord[READINGS];
        long[] clock = new long[OPERATOR_KEYS];
        for (int i = 0; i < READINGS; i++) {
            int k = random.nextInt(OPERATOR_KEYS);
            float[] values = new float[model.inputSize()];
            for (int f = 0; f < values.length; f++) {
                values[f] = (float) random.nextGaussian();
            }
            readings[i] = DecodedRecord.reading("key-" + k, clock[k] += 1_000, values);
        }
        // Both operators are two-input (readings, model updates); no updates here, so input 2's
        // watermark is at the end from the start and never holds the readings back.
        try (var harness =
                new KeyedTwoInputStreamOperatorTestHarness<String, DecodedRecord, ModelUpdateMessage, ForecastRecord>(
                        operator, (DecodedRecord r) -> r.key, null, Types.STRING, 128, 1, 0)) {
            harness.open();
            harness.processWatermark2(new Watermark(Long.MAX_VALUE));
            ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
            long start = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < READINGS; i++) {
                harness.processElement1(new StreamRecord<>(readings[i], readings[i].eventTime));
                if ((i & 4095) == 0) {
                    harness.getOutput().clear();
                }
            }
            if (operator instanceof BoundedMultiInput bounded) {
                bounded.endInput(1); // the bundled operator steps what it still holds
            }
            double seconds = (cpu.getCurrentThreadCpuTime() - start) / 1e9;
            harness.getOutput().clear();
            return READINGS / seconds;
        }
    }
}
