package io.streamcell.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.model.GoldenFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code streamcell replay} end to end on models written by tools/export_pytorch.py from freshly
 * made PyTorch modules: the output CSV reproduces PyTorch's forecasts row by row.
 */
class ReplayCommandTest {
    @TempDir
    Path temp;

    static Stream<String> cases() {
        return GoldenFixtures.caseNames();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void replayReproducesPyTorchForecasts(String name) throws IOException {
        GoldenFixtures.Case fixture = GoldenFixtures.load(name);
        Path output = temp.resolve("out.csv");

        CliRun run = CliRun.of(
                "replay",
                "--model",
                fixture.modelDirectory().toString(),
                "--input",
                fixture.input().toString(),
                "--output",
                output.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertSameForecasts(output, fixture.expected());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void batchedReplayGivesTheSameForecasts(String name) throws IOException {
        GoldenFixtures.Case fixture = GoldenFixtures.load(name);
        Path output = temp.resolve("out.csv");

        CliRun run = CliRun.of(
                "replay",
                "--model",
                fixture.modelDirectory().toString(),
                "--input",
                fixture.input().toString(),
                "--output",
                output.toString(),
                "--batch",
                "16");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertSameForecasts(output, fixture.expected());
    }

    @Test
    void configStepsAsTheJobsOptionsSayAndSetOverridesThem() throws IOException {
        GoldenFixtures.Case fixture = GoldenFixtures.load("gru_before_2layer_in3_h20_2targets_horizon2");
        Path yaml = temp.resolve("job.yaml");
        Files.writeString(
                yaml,
                "job.name: replay-test\n"
                        + "kafka.bootstrap-servers: localhost:9092\n"
                        + "model.path: " + fixture.modelDirectory() + "\n"
                        + "stepping.mode: bundled\n"
                        + "stepping.bundle-size: 16\n");
        Path plain = temp.resolve("plain.csv");
        Path adapted = temp.resolve("adapted.csv");

        CliRun run = CliRun.of(
                "replay",
                "--config",
                yaml.toString(),
                "--input",
                fixture.input().toString(),
                "--output",
                plain.toString());
        CliRun withSet = CliRun.of(
                "replay",
                "--config",
                yaml.toString(),
                "--set",
                "adaptation.mode=nlms",
                "--input",
                fixture.input().toString(),
                "--output",
                adapted.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("plain bundle kernel");
        assertSameForecasts(plain, fixture.expected()); // the job's model.path, bundled bit for bit
        assertThat(withSet.exitCode()).as(withSet.err()).isZero();
        assertThat(Files.readAllLines(adapted)).isNotEqualTo(Files.readAllLines(plain));
    }

    @Test
    void setWithoutConfigAndBatchWithConfigAreRefused() throws IOException {
        GoldenFixtures.Case fixture = GoldenFixtures.load("lstm_1layer_in8_h16");
        Path yaml = temp.resolve("job.yaml");
        Files.writeString(yaml, "job.name: replay-test\nkafka.bootstrap-servers: localhost:9092\n");
        Path output = temp.resolve("out.csv");

        CliRun set = CliRun.of(
                "replay",
                "--model",
                fixture.modelDirectory().toString(),
                "--set",
                "adaptation.mode=rls",
                "--input",
                fixture.input().toString(),
                "--output",
                output.toString());
        CliRun batch = CliRun.of(
                "replay",
                "--config",
                yaml.toString(),
                "--batch",
                "8",
                "--input",
                fixture.input().toString(),
                "--output",
                output.toString());

        assertThat(set.exitCode()).isEqualTo(1);
        assertThat(set.err()).contains("--set needs --config");
        assertThat(batch.exitCode()).isEqualTo(1);
        assertThat(batch.err()).contains("cannot be combined with --config");
        assertThat(output).doesNotExist();
    }

    @Test
    void missingFeatureColumnFailsWithoutWritingOutput() throws IOException {
        GoldenFixtures.Case fixture = GoldenFixtures.load("lstm_1layer_in8_h16");
        Path input = temp.resolve("in.csv");
        List<String> lines = Files.readAllLines(fixture.input());
        lines.set(0, lines.get(0).replace("humidity", "humid"));
        Files.write(input, lines);
        Path output = temp.resolve("out.csv");

        CliRun run = CliRun.of(
                "replay",
                "--model",
                fixture.modelDirectory().toString(),
                "--input",
                input.toString(),
                "--output",
                output.toString());

        assertThat(run.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(run.err()).contains("[humidity]").contains("missing").contains(input.toString());
        assertThat(output).doesNotExist();
        assertThat(temp).isDirectoryNotContaining("glob:**.partial");
    }

    @Test
    void badValueNamesTheLineAndColumnAndLeavesNoPartialOutput() throws IOException {
        GoldenFixtures.Case fixture = GoldenFixtures.load("lstm_1layer_in8_h16");
        Path input = temp.resolve("in.csv");
        List<String> lines = Files.readAllLines(fixture.input());
        String[] cells = lines.get(700).split(",");
        cells[3] = "n/a"; // humidity
        lines.set(700, String.join(",", cells));
        Files.write(input, lines);
        Path output = temp.resolve("out.csv");

        CliRun run = CliRun.of(
                "replay",
                "--model",
                fixture.modelDirectory().toString(),
                "--input",
                input.toString(),
                "--output",
                output.toString());

        assertThat(run.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(run.err()).contains(input + ":701").contains("'humidity'").contains("'n/a' is not a number");
        assertThat(output).doesNotExist();
        assertThat(temp).isDirectoryNotContaining("glob:**.partial");
    }

    @Test
    void malformedModelIsReportedWithTheFile() throws IOException {
        Path model = temp.resolve("model");
        Files.createDirectories(model);
        Files.writeString(model.resolve("config.json"), "{\"format\": \"streamcell-model/1\", \"cell\": \"rnn\"}");

        CliRun run = CliRun.of("replay", "--model", model.toString(), "--input", "in.csv", "--output", "out.csv");

        assertThat(run.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(run.err())
                .startsWith("error: ")
                .contains(model.resolve("config.json").toString());
    }

    @Test
    void withoutAModelTheZeroShotDefaultForecastsAnyValueSeries() throws IOException {
        Path input = temp.resolve("cpu.csv");
        StringBuilder csv = new StringBuilder("timestamp,value\n");
        for (int t = 0; t < 400; t++) {
            csv.append(1_700_000_000_000L + 60_000L * t)
                    .append(',')
                    .append(5000 + 300 * Math.sin(t / 8.0))
                    .append('\n');
        }
        Files.writeString(input, csv);
        Path output = temp.resolve("out.csv");

        CliRun run = CliRun.of("replay", "--input", input.toString(), "--output", output.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("default-gru16-3");
        List<String> lines = Files.readAllLines(output);
        assertThat(lines.get(0)).isEqualTo("key,timestamp,forecast_value,anomaly_score");
        String[] last = lines.get(lines.size() - 1).split(",");
        assertThat(Float.parseFloat(last[2]))
                .as("a forecast in the series' own units")
                .isBetween(4000f, 6000f);
    }

    @Test
    void missingOptionIsAUsageError() {
        CliRun run = CliRun.of("replay", "--input", "in.csv");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Missing required option");
    }

    /**
     * Same rows, same key and timestamp text, forecasts within the golden tolerance (the golden
     * files hold PyTorch's forecasts; replay's last column, anomaly_score, is checked to be in [0, 1]).
     */
    static void assertSameForecasts(Path actual, Path expected) throws IOException {
        List<String> actualLines = Files.readAllLines(actual);
        List<String> expectedLines = Files.readAllLines(expected);
        assertThat(actualLines).hasSameSizeAs(expectedLines);
        assertThat(actualLines.get(0)).isEqualTo(expectedLines.get(0) + ",anomaly_score");
        for (int i = 1; i < expectedLines.size(); i++) {
            String[] got = actualLines.get(i).split(",", -1);
            String[] want = expectedLines.get(i).split(",", -1);
            assertThat(got).as("line %d", i + 1).hasSize(want.length + 1);
            assertThat(got[0]).as("key, line %d", i + 1).isEqualTo(want[0]);
            assertThat(got[1]).as("timestamp, line %d", i + 1).isEqualTo(want[1]);
            for (int j = 2; j < want.length; j++) {
                float g = Float.parseFloat(got[j]);
                float w = Float.parseFloat(want[j]);
                assertThat(GoldenFixtures.close(g, w))
                        .as("line %d column %d: %s vs %s", i + 1, j + 1, g, w)
                        .isTrue();
            }
            assertThat(Float.parseFloat(got[want.length]))
                    .as("anomaly_score, line %d", i + 1)
                    .isBetween(0f, 1f);
        }
    }
}
