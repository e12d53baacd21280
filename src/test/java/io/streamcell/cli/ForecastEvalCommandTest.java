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

    /** An hourly series of two columns, as forecast-eval reads it (date first) or as replay does. */
    private static String series(int rows, boolean replayLayout) {
        StringBuilder text = new StringBuilder(replayLayout ? "key,timestamp,load,temp\n" : "date,load,temp\n");
        Instant start = Instant.parse("2020-01-01T00:00:00Z");
        SplittableRandom random = new SplittableRandom(1);
        for (int t = 0; t < rows; t++) {
            Instant time = start.plusSeconds(3600L * t);
            text.append(replayLayout ? "series," + time.toEpochMilli() : time.toString())
                    .append(',')
                    .append(String.format(
                            Locale.ROOT,
                            "%.4f,%.4f%n",
                            5 * Math.sin(t * Math.PI / 12) + random.nextGaussian(),
                            20 + Math.cos(t * Math.PI / 12) + 0.3 * random.nextGaussian()));
        }
        return text.toString();
    }

    @Test
    void printsTheTableAndEndsWithTheMetricsLine() throws Exception {
        Path csv = temp.resolve("series.csv");
        Files.writeString(csv, series(700, false));

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
    void forecastsEqualReplaysOnTheSameModelAndRowsBitForBit() throws Exception {
        Path csv = temp.resolve("series.csv");
        Files.writeString(csv, series(700, false));
        Path readings = temp.resolve("readings.csv");
        Files.writeString(readings, series(700, true));
        Path training = temp.resolve("training.csv");
        String all = series(700, true);
        Files.writeString(training, all.substring(0, nthLineEnd(all, 401) + 1)); // header and rows [0, 400)
        Path model = temp.resolve("model");
        CliRun train = CliRun.of(
                "train",
                "--input",
                training.toString(),
                "--features",
                "load,temp",
                "--targets",
                "load,temp",
                "--hidden",
                "4",
                "--epochs",
                "2",
                "--val",
                "0.25",
                "--quiet",
                "--out",
                model.toString());
        assertThat(train.exitCode()).as(train.err()).isZero();

        Path evaluated = temp.resolve("evaluated.csv");
        Path replayed = temp.resolve("replayed.csv");
        CliRun eval = CliRun.of(
                "forecast-eval",
                "--input",
                csv.toString(),
                "--split",
                "300,100,300",
                "--model",
                model.toString(),
                "--output",
                evaluated.toString(),
                "--quiet");
        CliRun replay = CliRun.of(
                "replay", "--model", model.toString(), "--input", readings.toString(), "--output", replayed.toString());

        assertThat(eval.exitCode()).as(eval.err()).isZero();
        assertThat(replay.exitCode()).as(replay.err()).isZero();
        assertThat(Files.readAllLines(evaluated)).hasSize(701).isEqualTo(Files.readAllLines(replayed));
    }

    private static int nthLineEnd(String text, int n) {
        int at = -1;
        for (int i = 0; i < n; i++) {
            at = text.indexOf('\n', at + 1);
        }
        return at;
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
