package io.streamcell.cli;

import io.streamcell.demo.DemoRunner;
import io.streamcell.job.Durations;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code streamcell demo}: the one-command embedded demo — a Kafka broker in this process, a
 * simulated sensor fleet, and the forecast job on a local Flink with its web UI.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        versionProvider = StreamCellCli.Version.class,
        showDefaultValues = true,
        footerHeading = "%nExample:%n",
        footer = "  streamcell demo --duration 2m --keys 200 --rate 1000",
        description = {
            "Run the embedded demo: a Kafka broker (in this process), simulated sensors "
                    + "writing Avro readings (a few malformed), and the forecast job on a local Flink with its web UI.",
            "Prints a summary line every few seconds; ends after --duration or on Ctrl-C."
        })
final class DemoCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(
            names = "--duration",
            defaultValue = "60s",
            paramLabel = "DURATION",
            description = "How long to run (e.g. 60s, 10m).")
    private String duration;

    @Option(names = "--keys", paramLabel = "N", defaultValue = "1000", description = "Number of simulated sensors.")
    private int keys;

    @Option(
            names = "--rate",
            paramLabel = "PER_SECOND",
            defaultValue = "5000",
            description = "Readings per second, all sensors together.")
    private int rate;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "42", description = "Seed of the simulation.")
    private long seed;

    @Override
    public Integer call() throws Exception {
        if (keys < 1 || rate < 1) {
            throw new IllegalArgumentException("--keys and --rate must be positive");
        }
        Duration runFor = Durations.parse(duration);
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    interrupted.countDown();
                    try {
                        finished.await(); // let the demo shut down cleanly before the JVM exits
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "streamcell-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            new DemoRunner(new DemoRunner.Settings(runFor, keys, rate, seed, Duration.ofSeconds(5)), out)
                    .run(interrupted);
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running and waits for `finished`
            }
        }
        return 0;
    }
}
