package io.streamcell.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.model.GoldenFixtures;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./streamcell} launcher as a user runs it, on the jar {@code mvn package} built:
 * replaying a PyTorch-exported model reproduces PyTorch's forecasts.
 */
class LauncherITCase {
    private static final Path LAUNCHER = Path.of("streamcell").toAbsolutePath();

    @TempDir
    Path temp;

    @Test
    void replayThroughTheLauncherReproducesPyTorch() throws Exception {
        GoldenFixtures.Case fixture = GoldenFixtures.load("gru_before_2layer_in3_h20_2targets_horizon2");
        Path output = temp.resolve("forecasts.csv");

        Result result = launch(
                "replay",
                "--model",
                fixture.modelDirectory().toString(),
                "--input",
                fixture.input().toString(),
                "--output",
                output.toString(),
                "--batch");

        assertThat(result.exitCode).as(result.output).isZero();
        assertThat(result.output).contains("replayed 2070 rows of 4 key(s)");
        ReplayCommandTest.assertSameForecasts(output, fixture.expected());
    }

    @Test
    void badModelDirectoryExitsNonZeroWithOneLine() throws Exception {
        Result result = launch("inspect", "--model", temp.resolve("missing").toString());

        assertThat(result.exitCode).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(result.output)
                .contains("error: ")
                .contains("not a model directory")
                .doesNotContain("at io.streamcell");
    }

    @Test
    void runWithoutABrokerStopsWithinTheTimeoutWithOneLine() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort(); // nothing listens there once it is closed
        }
        String servers = "127.0.0.1:" + closedPort;

        long start = System.nanoTime();
        Result result = launch(
                "run",
                "--set",
                "job.name=launcher",
                "--set",
                "kafka.bootstrap-servers=" + servers,
                "--set",
                "kafka.connect-timeout=3s");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(result.exitCode).as(result.output).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(result.output.strip().lines()).as(result.output).hasSize(1);
        assertThat(result.output)
                .startsWith("error: no Kafka broker answered at " + servers + " within 3 s")
                .contains("kafka.connect-timeout");
        assertThat(took).as("the JVM's start plus the 3 s timeout").isLessThan(Duration.ofSeconds(45));
    }

    @Test
    void versionNamesTheReleaseAndTheCommit() throws Exception {
        Result result = launch("--version");

        assertThat(result.exitCode).as(result.output).isZero();
        assertThat(result.output.strip()).matches("streamcell \\d+\\.\\d+\\.\\d+\\S* \\(commit [0-9a-f]{7}.*\\)");
    }

    private record Result(int exitCode, String output) {}

    private Result launch(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.addAll(List.of(args));
        Path log = temp.resolve("launcher.log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("launcher did not finish in 10 minutes: " + Files.readString(log));
        }
        return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
