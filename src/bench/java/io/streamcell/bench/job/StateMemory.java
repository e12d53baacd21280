package io.streamcell.bench.job;

import io.streamcell.adapt.Adaptation;
import io.streamcell.bench.BenchModels;
import io.streamcell.core.KeyStepper;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.avro.ModelUpdateMessage;
import io.streamcell.job.ForecastOperator;
import io.streamcell.job.JobConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.model.kernel.BatchStepKernel;
import io.streamcell.state.KeyState;
import io.streamcell.state.KeyStateSerializer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.bytedeco.javacpp.Pointer;

/**
 * Memory per key: the serialized {@link KeyState} (what a checkpoint and RocksDB hold per key), the
 * heap the forecast operator's heap state backend holds for 100k keys (measured: used heap after
 * GC, before and after 100k keys have each been stepped twice through Flink's operator test
 * harness, which keeps state in the same {@code HashMapStateBackend} structures as a TaskManager),
 * and the off-heap memory JavaCPP (ND4J, OpenBLAS) has allocated.
 *
 * <p>Run: {@code mvn -Pbench -DskipTests test-compile exec:exec@job-bench
 * -Dbench.job.args="--what memory"} (JobThroughput hands {@code --what memory} here).
 */
final class StateMemory {
    private StateMemory() {}

    static void report(List<String> cells, int inputSize, int hidden, int keys, List<String> out) throws Exception {
        out.add(
                "| cell | adaptation | serialized state bytes/key | heap bytes/key (heap backend) | heap MiB per 100k keys |");
        out.add("|---|---|---:|---:|---:|");
        Path work = Files.createTempDirectory("streamcell-state-memory");
        for (String cell : cells) {
            RecurrentModel model = BenchModels.model(cell, inputSize, hidden, 1, List.of("x0"));
            Path dir = work.resolve(cell);
            ModelDirectory.write(model, dir);
            for (String adaptation : List.of("off", "nlms", "rls")) {
                Adaptation adapt = Adaptation.parse(adaptation);
                int serialized = serializedBytes(model, adapt);
                double heapPerKey = heapBytesPerKey(dir.toString(), adapt, keys, inputSize);
                out.add(String.format(
                        Locale.ROOT,
                        "| %s | %s | %,d | %,.0f | %,.1f |",
                        cell,
                        adaptation,
                        serialized,
                        heapPerKey,
                        heapPerKey * 100_000 / (1 << 20)));
                System.out.println(out.get(out.size() - 1));
            }
        }
        // ND4J keeps no allocation count unless asked to, so off-heap is measured as resident set growth:
        // once for loading the native stack, then per kernel over many kernels.
        RecurrentModel model = BenchModels.model("lstm", inputSize, hidden, 1, List.of("x0"));
        float[][] features = BenchModels.features(256, inputSize, 1);
        long beforeLoad = Pointer.physicalBytes();
        List<BatchStepKernel> kernels = new java.util.ArrayList<>();
        kernels.add(stepped(model, features));
        long afterLoad = Pointer.physicalBytes();
        int more = 50;
        for (int i = 0; i < more; i++) {
            kernels.add(stepped(model, features));
        }
        long afterKernels = Pointer.physicalBytes();
        out.add("");
        out.add(String.format(
                Locale.ROOT,
                "Off-heap (process resident set growth; ND4J/OpenBLAS allocate outside the "
                        + "JVM heap): loading ND4J and the first BatchStepKernel (LSTM H=%d, capacity 256): %,d MiB; "
                        + "each further kernel (one per task slot in a job): %,d KiB. JavaCPP's limit (maxBytes, from "
                        + "-Xmx unless -Dorg.bytedeco.javacpp.maxBytes is set): %,d MiB.",
                hidden,
                (afterLoad - beforeLoad) >> 20,
                (afterKernels - afterLoad) / more >> 10,
                Pointer.maxBytes() >> 20));
        System.out.println(out.get(out.size() - 1));
    }

    private static BatchStepKernel stepped(RecurrentModel model, float[][] features) {
        BatchStepKernel batch = new BatchStepKernel(model, 256);
        float[][] states = new float[256][model.stateSize()];
        float[][] forecasts = new float[256][model.outputSize()];
        batch.step(states, features, forecasts, 256);
        return batch;
    }

    private static int serializedBytes(RecurrentModel model, Adaptation adaptation) throws Exception {
        KeyStepper stepper = new KeyStepper(model, null, adaptation);
        KeyState state = KeyState.fresh(model);
        float[][] features = BenchModels.features(100, model.inputSize(), 7);
        for (int t = 0; t < features.length; t++) {
            stepper.step(state, t, features[t]);
        }
        DataOutputSerializer out = new DataOutputSerializer(4096);
        KeyStateSerializer.INSTANCE.serialize(state, out);
        return out.length();
    }

    private static double heapBytesPerKey(String modelDir, Adaptation adaptation, int keys, int inputSize)
            throws Exception {
        ForecastOperator operator = new ForecastOperator(
                modelDir,
                new JobConfig.Ordering(
                        JobConfig.OrderingMode.ARRIVAL, Duration.ofSeconds(5), Duration.ZERO, Duration.ofSeconds(30)),
                new JobConfig.State(null, null, JobConfig.StateBackend.HASHMAP, adaptation));
        try (var harness =
                new KeyedTwoInputStreamOperatorTestHarness<String, DecodedRecord, ModelUpdateMessage, ForecastRecord>(
                        operator, (DecodedRecord r) -> r.key, null, Types.STRING, 128, 1, 0)) {
            harness.open();
            harness.processWatermark2(new Watermark(Long.MAX_VALUE)); // no model updates
            String[] names = new String[keys];
            for (int k = 0; k < keys; k++) {
                names[k] = "sensor-" + k;
            }
            long before = usedHeapAfterGc();
            float[][] features = BenchModels.features(64, inputSize, 3);
            for (int round = 0; round < 2; round++) {
                for (int k = 0; k < keys; k++) {
                    harness.processElement1(new StreamRecord<>(
                            DecodedRecord.reading(names[k], round, features[(k + round) % 64].clone()), round));
                }
                harness.getOutput().clear(); // the harness keeps outputs; a job would have sent them on
            }
            long after = usedHeapAfterGc();
            // the key strings are counted: a real job holds them as the state map's keys too
            return (after - before) / (double) keys;
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
