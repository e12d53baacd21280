package io.streamcell.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code streamcell forecast-eval} on a small generated hourly series. */
class ForecastEvalCommandTest {
    @TempDir
    Path temp;

    @Test
    void printsTheTableAndEndsWithTheMetricsLine() throws Exception {
        Path csv = temp.resolve("series.csv");
        StringBuilder text = new StringBuilder("date,load,temp\n");
        Instant start = Instant.parse("2020-01-01T00:00:00Z");
        SplittableRandom random = new SplittableRandom(1);
        for (int t = 0; t < 700; t++) {
            text.append(start.plusSeconds(3600L * t))
                    .append(',')
                    .append(String.format(
                            Locale.ROOT,
                            "%.4f,%.4f%n",
                            5 * Math.sin(t * Math.PI / 12) + random.nextGaussian(),
                            20 + Math.cos(t * Math.PI / 12) + 0.3 * random.nextGaussian()));
        }
        Files.writeString(csv, text);

        CliRun run = CliRun.of(
                "forecast-eval",
                "--input",
                csv.toString(),
                "--split",
                "300,100,300",
                "--horizon",
                "2",
                "--hidden",
                "4");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("700 rows, 2 columns [load, temp]").contains("readout:");
        String[] lines = run.out().strip().split("\\R");
        assertThat(lines[lines.length - 1]).matches("MSE=\\d+\\.\\d+ MAE=\\d+\\.\\d+");
        assertThat(run.out()).contains("test         streamcell       299").contains("naive");
    }

    @Test
    void badArgumentsGiveOneClearLine() throws Exception {
        Path csv = temp.resolve("short.csv");
        Files.writeString(csv, "date,x\n2020-01-01,1\n2020-01-02,2\n");
        CliRun run = CliRun.of("forecast-eval", "--input", csv.toString(), "--split", "10,10,10");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).endsWith("forecast-eval: --split needs 30 rows, the file has 2" + System.lineSeparator());

        CliRun twoNumbers = CliRun.of("forecast-eval", "--input", csv.toString(), "--split", "1,1");
        assertThat(twoNumbers.exitCode()).isEqualTo(1);
        assertThat(twoNumbers.err()).contains("three row counts");
    }
}
