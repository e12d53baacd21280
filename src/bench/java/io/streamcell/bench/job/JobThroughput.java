package io.streamcell.bench.job;

import io.streamcell.bench.BenchModels;
import io.streamcell.io.avro.AnomalyAlertRecord;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.deadletter.DeadLetterRecord;
import io.streamcell.job.DeadLetterSplitter;
import io.streamcell.job.ForecastJob;
import io.streamcell.job.JobConfig;
import io.streamcell.job.JobConfigLoader;
import io.streamcell.job.KafkaForecastJob;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * End-to-end job benchmarks on a local MiniCluster: generator source → the forecast job
 * ({@link ForecastJob}, exactly as deployed, arrival ordering) → discarding sinks. Every
 * configuration is run next to the same graph with {@link IdentityForecast} (the Flink floor: same
 * state traffic, no math) in the same JVM, and reported as a ratio to that floor.
 *
 * <p>Throughput is counted at the sink between two readings taken after a warm-up, with the job
 * running unbounded and checkpointing every 10 s, so start-up, shut-down and JIT warm-up are not in
 * the number. Latency runs feed a rate-limited source stamped with {@link System#nanoTime()}.
 */
@Command(
        name = "job-bench",
        mixinStandardHelpOptions = true,
        description = "End-to-end job throughput and latency against the identity-model floor.")
public final class JobThroughput implements Callable<Integer> {
    @Option(
            names = "--what",
            defaultValue = "throughput",
            description = "throughput (generator source, counting sink), kafka (embedded broker both ends), latency "
                    + "or memory (state bytes per key, heap per 100k keys, ND4J off-heap)")
    String what;

    @Option(names = "--events", defaultValue = "6000000", description = "readings written up front for --what kafka")
    long events;

    private static final String UNSCORED = "-unscored";

    @Option(
            names = "--cells",
            split = ",",
            defaultValue = "lstm,gru",
            description = "lstm, gru; lstm-unscored, gru-unscored: a target that is not an input (no anomaly scoring)")
    List<String> cells;

    @Option(names = "--keys", split = ",", defaultValue = "1000,100000")
    List<Integer> keys;

    @Option(
            names = "--modes",
            split = ",",
            defaultValue = "per-event,bundled,bundled-blas",
            description = "per-event, bundled (plain kernel) or bundled-blas (stepping.kernel blas)")
    List<String> modes;

    @Option(names = "--backends", split = ",", defaultValue = "hashmap,rocksdb")
    List<String> backends;

    @Option(names = "--parallelism", split = ",", defaultValue = "1")
    List<Integer> parallelism;

    @Option(names = "--input-size", defaultValue = "8")
    int inputSize;

    @Option(names = "--hidden", defaultValue = "64")
    int hidden;

    @Option(names = "--warmup", defaultValue = "10s")
    String warmup;

    @Option(names = "--measure", defaultValue = "15s")
    String measure;

    @Option(names = "--rate", defaultValue = "50000", description = "events/s of latency runs")
    int rate;

    @Option(
            names = "--set",
            description = "extra job option key=value for the model runs, e.g. stepping.bundle-size=256")
    List<String> sets = new ArrayList<>();

    @Option(names = "--report", description = "append the markdown table to this file")
    Path report;

    private final List<String> rows = new ArrayList<>();
    private KafkaThroughput kafka;

    public static void main(String[] args) {
        System.exit(new CommandLine(new JobThroughput()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path work = Files.createTempDirectory("streamcell-job-bench");
        if ("memory".equals(what)) {
            StateMemory.report(cells, inputSize, hidden, keys.get(keys.size() - 1), rows);
            writeReport("");
            return 0;
        }
        if ("kafka".equals(what)) {
            if (keys.size() != 1) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--what kafka takes one --keys value");
            }
            kafka = new KafkaThroughput(
                    parallelism.stream().mapToInt(Integer::intValue).max().orElse(1));
            kafka.fill(events, keys.get(0), inputSize);
        }
        try {
            return runAll(work);
        } finally {
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    private int runAll(Path work) throws Exception {
        String header = "latency".equals(what)
                ? "| cell | mode | keys | backend | parallelism | rate (events/s) | p50 ms | p99 ms | p99.9 ms | max ms | samples |\n"
                        + "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"
                : "| cell | mode | keys | backend | parallelism | events/s | floor events/s | ratio to floor |\n"
                        + "|---|---|---:|---|---:|---:|---:|---:|";
        System.out.println(header);
        for (int p : parallelism) {
            for (String backend : backends) {
                for (int keyCount : keys) {
                    double floor = "latency".equals(what) ? 0 : throughput(work, "identity", "-", keyCount, backend, p);
                    for (String cell : cells) {
                        for (String mode : modes) {
                            if ("latency".equals(what)) {
                                latency(work, cell, mode, keyCount, backend, p);
                            } else {
                                double eps = throughput(work, cell, mode, keyCount, backend, p);
                                row(String.format(
                                        Locale.ROOT,
                                        "| %s | %s | %,d | %s | %d | %,.0f | %,.0f | %.3f |",
                                        cell,
                                        mode,
                                        keyCount,
                                        backend,
                                        p,
                                        eps,
                                        floor,
                                        eps / floor));
                            }
                        }
                    }
                }
            }
        }
        writeReport(header + "\n");
        return 0;
    }

    private void writeReport(String header) throws IOException {
        if (report != null) {
            Files.writeString(
                    report,
                    header + String.join("\n", rows) + "\n\n",
                    StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        }
    }

    private void row(String row) {
        rows.add(row);
        System.out.println(row);
    }

    private double throughput(Path work, String cell, String mode, int keyCount, String backend, int p)
            throws Exception {
        String run = String.join("/", what, cell, mode, Integer.toString(keyCount), backend, Integer.toString(p));
        String kafkaRun = kafka == null ? null : kafka.nextRun();
        java.util.function.LongSupplier count =
                kafka == null ? () -> CountingSink.count(run) : () -> kafka.forecastsWritten(kafkaRun);
        DataGeneratorSource<DecodedRecord> source = new DataGeneratorSource<>(
                new GeneratedReadings(keyCount, inputSize, false),
                Long.MAX_VALUE,
                TypeInformation.of(DecodedRecord.class));
        JobClient job = kafka == null
                ? start(work, run, cell, mode, backend, p, source, new CountingSink<>(run))
                : startKafka(work, kafkaRun, cell, mode, backend, p);
        try {
            Thread.sleep(parse(warmup).toMillis());
            long c1 = count.getAsLong();
            long t1 = System.nanoTime();
            Thread.sleep(parse(measure).toMillis());
            long c2 = count.getAsLong();
            long t2 = System.nanoTime();
            double eps = (c2 - c1) * 1e9 / (t2 - t1);
            if ("identity".equals(cell)) {
                System.out.printf(Locale.ROOT, "  floor %s: %,.0f events/s%n", run, eps);
            }
            return eps;
        } finally {
            job.cancel().get();
        }
    }

    private void latency(Path work, String cell, String mode, int keyCount, String backend, int p) throws Exception {
        String run = String.join("/", "latency", cell, mode, Integer.toString(keyCount), backend, Integer.toString(p));
        DataGeneratorSource<DecodedRecord> source = new DataGeneratorSource<>(
                new GeneratedReadings(keyCount, inputSize, true),
                Long.MAX_VALUE,
                RateLimiterStrategy.perSecond(rate),
                TypeInformation.of(DecodedRecord.class));
        int capacity = (int)
                Math.min(Integer.MAX_VALUE - 8, (long) rate * parse(measure).toSeconds() * 2);
        JobClient job = start(work, run, cell, mode, backend, p, source, new LatencySink(run, capacity));
        try {
            Thread.sleep(parse(warmup).toMillis());
            LatencySink.samples(run).startRecording();
            Thread.sleep(parse(measure).toMillis());
            long[] sorted = LatencySink.samples(run).sorted();
            row(String.format(
                    Locale.ROOT,
                    "| %s | %s | %,d | %s | %d | %,d | %.2f | %.2f | %.2f | %.2f | %,d |",
                    cell,
                    mode,
                    keyCount,
                    backend,
                    p,
                    rate,
                    ms(LatencySink.quantile(sorted, 0.5)),
                    ms(LatencySink.quantile(sorted, 0.99)),
                    ms(LatencySink.quantile(sorted, 0.999)),
                    ms(sorted.length == 0 ? -1 : sorted[sorted.length - 1]),
                    sorted.length));
        } finally {
            job.cancel().get();
        }
    }

    private JobClient startKafka(Path work, String kafkaRun, String cell, String mode, String backend, int p)
            throws Exception {
        Map<String, String> values = kafka.jobValues(kafkaRun);
        JobConfig config = config(work, values, cell, mode, backend, p);
        StreamExecutionEnvironment env = environment(config, p);
        if ("identity".equals(cell)) {
            kafka.addIdentity(env, kafkaRun, ModelDirectory.load(config.modelPath()));
        } else {
            KafkaForecastJob.addTo(env, config);
        }
        return env.executeAsync("job-bench kafka " + kafkaRun + " " + cell + " " + mode);
    }

    private JobConfig config(Path work, Map<String, String> values, String cell, String mode, String backend, int p)
            throws IOException {
        boolean identity = "identity".equals(cell);
        // "<cell>-unscored": the target is not an input, so nothing is scored (the cost of scoring
        // is the difference to "<cell>", whose target x0 is scored against the next reading).
        boolean unscored = cell.endsWith(UNSCORED);
        String baseCell = identity ? "lstm" : unscored ? cell.substring(0, cell.length() - UNSCORED.length()) : cell;
        Path modelDir = work.resolve("model-" + (identity ? "lstm" : cell));
        if (!Files.exists(modelDir)) {
            RecurrentModel model = BenchModels.model(baseCell, inputSize, hidden, 1, List.of(unscored ? "y0" : "x0"));
            ModelDirectory.write(model, modelDir);
        }
        values.put("model.path", modelDir.toString());
        values.put("ordering.mode", "arrival");
        values.put("state.backend", backend);
        values.put("checkpoints.interval", "10s");
        values.put("checkpoints.directory", work.resolve("checkpoints").toUri().toString());
        values.put("parallelism", Integer.toString(p));
        if (!identity) {
            if ("bundled-blas".equals(mode)) {
                values.put("stepping.mode", "bundled");
                values.put("stepping.kernel", "blas");
            } else if (!"-".equals(mode)) {
                values.put("stepping.mode", mode);
            }
            for (String set : sets) {
                int eq = set.indexOf('=');
                values.put(set.substring(0, eq), set.substring(eq + 1));
            }
        }
        return JobConfigLoader.fromValues(values, "job-bench");
    }

    private static StreamExecutionEnvironment environment(JobConfig config, int p) {
        Configuration flink = ForecastJob.flinkConfiguration(config);
        flink.set(TaskManagerOptions.NUM_TASK_SLOTS, p);
        flink.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(512));
        return StreamExecutionEnvironment.createLocalEnvironment(p, flink);
    }

    private JobClient start(
            Path work,
            String run,
            String cell,
            String mode,
            String backend,
            int p,
            DataGeneratorSource<DecodedRecord> source,
            org.apache.flink.api.connector.sink2.Sink<ForecastRecord> sink)
            throws Exception {
        boolean identity = "identity".equals(cell);
        Map<String, String> values = new LinkedHashMap<>();
        values.put("job.name", "bench");
        values.put("kafka.bootstrap-servers", "unused:9092");
        JobConfig config = config(work, values, cell, mode, backend, p);
        StreamExecutionEnvironment env = environment(config, p);
        if (identity) {
            env.fromSource(
                            source,
                            WatermarkStrategy.<DecodedRecord>forBoundedOutOfOrderness(Duration.ofSeconds(5))
                                    .withTimestampAssigner((record, ts) -> record.eventTime),
                            "readings")
                    .process(new DeadLetterSplitter())
                    .keyBy(record -> record.key)
                    .process(new IdentityForecast(2 * hidden, 1))
                    .sinkTo(sink);
        } else {
            new ForecastJob(
                            config,
                            source,
                            sink,
                            new CountingSink<AnomalyAlertRecord>(run + "/alerts"),
                            new CountingSink<DeadLetterRecord>(run + "/dead-letters"))
                    .build(env);
        }
        return env.executeAsync("job-bench " + run);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static Duration parse(String text) {
        return io.streamcell.job.Durations.parse(text);
    }
}
