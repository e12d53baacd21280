package io.streamcell.cli;

import io.streamcell.demo.SensorSimulator;
import io.streamcell.demo.SimulatedReadingsCsv;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamcell generate}: a readings CSV from the sensor simulator, ready for {@code replay}. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        versionProvider = StreamCellCli.Version.class,
        showDefaultValues = true,
        footerHeading = "%nExample:%n",
        footer = "  streamcell generate --keys 50 --steps 2016 --output readings.csv",
        description = {
            "Generate simulated sensor readings (temperature, humidity; daily cycle, drift, AR(1) noise, "
                    + "injected spikes and level shifts) as a readings CSV for replay.",
            "Output: key,timestamp,temperature,humidity,anomaly: one row per key and step, keys interleaved "
                    + "round by round, timestamps ISO-8601 UTC 5 minutes apart per key; anomaly "
                    + "(none/spike/shift) is the ground truth, which replay ignores.",
            "The same options give the same file."
        })
final class GenerateCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(
            names = "--keys",
            defaultValue = "200",
            paramLabel = "N",
            description = "Number of sensors, named sensor-0001 ....")
    private int keys;

    @Option(
            names = "--steps",
            defaultValue = "2000",
            paramLabel = "N",
            description = "Readings per sensor (288 steps make a day).")
    private long steps;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "SEED", description = "Seed of the simulation.")
    private long seed;

    @Option(
            names = "--anomaly-rate",
            defaultValue = "0.002",
            paramLabel = "P",
            description = "Probability per step and sensor that a spike or level shift starts.")
    private double anomalyRate;

    @Option(
            names = "--start",
            defaultValue = "2024-01-01T00:00:00Z",
            paramLabel = "INSTANT",
            description = "Event time of each sensor's first reading, ISO-8601.")
    private Instant start;

    @Option(names = "--shuffle", description = "Shuffle the key order within each round (seeded).")
    private boolean shuffle;

    @Option(
            names = "--output",
            required = true,
            paramLabel = "FILE.csv",
            description = "Readings CSV (written only when complete).")
    private Path output;

    @Override
    public Integer call() throws Exception {
        if (keys < 1) {
            throw new IllegalArgumentException("--keys must be >= 1, got " + keys);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        }
        if (!(anomalyRate >= 0 && anomalyRate <= 1)) {
            throw new IllegalArgumentException(
                    "--anomaly-rate is a probability per step, within [0, 1]; got " + anomalyRate);
        }
        SensorSimulator simulator = SensorSimulator.builder()
                .seed(seed)
                .keyCount(keys)
                .start(start)
                .anomalyRate(anomalyRate)
                .shuffleWithinRound(shuffle)
                .build();
        SimulatedReadingsCsv.Summary summary = SimulatedReadingsCsv.write(simulator, steps, output);
        spec.commandLine()
                .getErr()
                .printf(
                        "generated %d readings (%d keys x %d steps, seed %d, %d anomalous) -> %s%n",
                        summary.rows(), keys, steps, seed, summary.anomalousRows(), output);
        return 0;
    }
}
