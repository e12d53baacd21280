package io.streamcell.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.streamcell.model.CellType;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.Scaler;
import io.streamcell.model.TestModels;
import io.streamcell.model.io.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code streamcell generate} end to end: the file, its determinism, and that {@code replay} takes it. */
class GenerateCommandTest {
    @TempDir
    Path temp;

    @Test
    void writesOneRowPerKeyAndStepInTheReplayInputFormat() throws IOException {
        Path output = temp.resolve("readings.csv");

        CliRun run =
                CliRun.of("generate", "--keys", "7", "--steps", "300", "--seed", "1", "--output", output.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = Files.readAllLines(output);
        assertThat(lines).hasSize(1 + 7 * 300);
        assertThat(lines.get(0)).isEqualTo("key,timestamp,temperature,humidity,anomaly");
        assertThat(lines.get(1)).startsWith("sensor-0001,2024-01-01T00:00:00Z,");
        assertThat(lines.get(7)).startsWith("sensor-0007,2024-01-01T00:00:00Z,");
        assertThat(lines.get(8)).startsWith("sensor-0001,2024-01-01T00:05:00Z,");
        assertThat(run.err()).contains("generated 2100 readings").contains(output.toString());
        assertThat(temp).isDirectoryNotContaining("glob:**.partial");
    }

    @Test
    void theSameOptionsGiveTheSameFileAndAnotherSeedAnotherOne() throws IOException {
        Path first = temp.resolve("first.csv");
        Path second = temp.resolve("second.csv");
        Path otherSeed = temp.resolve("other.csv");

        CliRun.of(
                "generate", "--keys", "20", "--steps", "500", "--seed", "5", "--shuffle", "--output", first.toString());
        CliRun.of(
                "generate",
                "--keys",
                "20",
                "--steps",
                "500",
                "--seed",
                "5",
                "--shuffle",
                "--output",
                second.toString());
        CliRun.of(
                "generate",
                "--keys",
                "20",
                "--steps",
                "500",
                "--seed",
                "6",
                "--shuffle",
                "--output",
                otherSeed.toString());

        assertThat(Files.mismatch(first, second)).isEqualTo(-1L);
        assertThat(Files.mismatch(first, otherSeed)).isNotEqualTo(-1L);
    }

    @Test
    void eachKeysTimestampsAdvanceFiveMinutesFromTheStart() throws IOException {
        Path output = temp.resolve("readings.csv");
        Instant start = Instant.parse("2025-06-30T22:00:00Z");

        CliRun.of(
                "generate",
                "--keys",
                "9",
                "--steps",
                "400",
                "--shuffle",
                "--start",
                start.toString(),
                "--output",
                output.toString());

        Map<String, Instant> last = new HashMap<>();
        for (String[] row : rows(output)) {
            Instant time = Instant.parse(row[1]);
            Instant previous = last.put(row[0], time);
            assertThat(time).isEqualTo(previous == null ? start : previous.plusSeconds(300));
        }
        assertThat(last).hasSize(9);
        assertThat(last.values()).allSatisfy(end -> assertThat(end).isEqualTo(start.plusSeconds(399 * 300)));
    }

    @Test
    void anomaliesStartAtRoughlyTheConfiguredRate() throws IOException {
        Path output = temp.resolve("readings.csv");

        CliRun.of(
                "generate",
                "--keys",
                "50",
                "--steps",
                "4000",
                "--anomaly-rate",
                "0.004",
                "--output",
                output.toString());

        // spikes are single readings; a shift is a run of 20-60 "shift" readings of one key
        Map<String, String> previousLabel = new HashMap<>();
        int spikes = 0;
        int shiftReadings = 0;
        int shiftRuns = 0;
        for (String[] row : rows(output)) {
            String label = row[4];
            String previous = previousLabel.put(row[0], label);
            if (label.equals("spike")) {
                spikes++;
            } else if (label.equals("shift")) {
                shiftReadings++;
                if (!"shift".equals(previous)) {
                    shiftRuns++;
                }
            } else {
                assertThat(label).isEqualTo("none");
            }
        }
        double expectedStarts = 0.004 * (50 * 4000 - shiftReadings);
        assertThat((double) spikes + shiftRuns).isCloseTo(expectedStarts, within(0.15 * expectedStarts));
        assertThat((double) shiftReadings / shiftRuns).isBetween(20.0, 61.0);

        Path none = temp.resolve("none.csv");
        CliRun.of("generate", "--keys", "50", "--steps", "400", "--anomaly-rate", "0", "--output", none.toString());
        assertThat(rows(none)).allSatisfy(row -> assertThat(row[4]).isEqualTo("none"));
    }

    @Test
    void valuesArePlausibleSensorReadings() throws IOException {
        Path output = temp.resolve("readings.csv");

        CliRun.of("generate", "--keys", "100", "--steps", "600", "--output", output.toString());

        double sum = 0;
        List<String[]> rows = rows(output);
        for (String[] row : rows) {
            double temperature = Double.parseDouble(row[2]);
            double humidity = Double.parseDouble(row[3]);
            assertThat(temperature).isBetween(-10.0, 50.0);
            assertThat(humidity).isBetween(0.0, 100.0);
            assertThat(row[2]).matches("-?\\d+\\.\\d{3}");
            assertThat(row[3]).matches("\\d+\\.\\d{3}");
            sum += temperature;
        }
        assertThat(sum / rows.size()).isBetween(12.0, 23.0); // bases are U(5, 30) °C
    }

    @Test
    void replayTakesTheOutputWithAModelOfTemperatureAndHumidity() throws IOException {
        Path readings = temp.resolve("readings.csv");
        Path forecasts = temp.resolve("forecasts.csv");
        Path model = temp.resolve("model");
        ModelDirectory.write(tinyTemperatureModel(), model);
        CliRun.of("generate", "--keys", "10", "--steps", "200", "--shuffle", "--output", readings.toString());

        CliRun replay = CliRun.of(
                "replay",
                "--model",
                model.toString(),
                "--input",
                readings.toString(),
                "--output",
                forecasts.toString());

        assertThat(replay.exitCode()).as(replay.err()).isZero();
        List<String> in = Files.readAllLines(readings);
        List<String> out = Files.readAllLines(forecasts);
        assertThat(out).hasSameSizeAs(in);
        assertThat(out.get(0)).isEqualTo("key,timestamp,forecast_temperature,anomaly_score");
        for (int i = 1; i < in.size(); i++) {
            String[] input = in.get(i).split(",");
            String[] forecast = out.get(i).split(",");
            assertThat(forecast[0]).isEqualTo(input[0]);
            assertThat(forecast[1]).isEqualTo(input[1]);
            assertThat(Float.parseFloat(forecast[2])).isBetween(-20f, 60f);
        }
    }

    @Test
    void badOptionsFailWithTheReasonAndNoFile() {
        Path output = temp.resolve("readings.csv");

        CliRun noKeys = CliRun.of("generate", "--keys", "0", "--output", output.toString());
        CliRun badRate = CliRun.of("generate", "--anomaly-rate", "1.5", "--output", output.toString());
        CliRun badStart = CliRun.of("generate", "--start", "yesterday", "--output", output.toString());
        CliRun noOutput = CliRun.of("generate", "--keys", "3");

        assertThat(noKeys.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(noKeys.err()).isEqualTo("error: --keys must be >= 1, got 0" + System.lineSeparator());
        assertThat(badRate.exitCode()).isEqualTo(StreamCellCli.EXIT_FAILURE);
        assertThat(badRate.err()).startsWith("error: --anomaly-rate").contains("[0, 1]");
        assertThat(badStart.exitCode()).isEqualTo(2);
        assertThat(badStart.err()).contains("--start").contains("yesterday");
        assertThat(noOutput.exitCode()).isEqualTo(2);
        assertThat(noOutput.err()).contains("Missing required option").contains("--output");
        assertThat(output).doesNotExist();
    }

    @Test
    void theCommandLineListsGenerate() {
        assertThat(CliRun.of("--help").out()).contains("generate");
    }

    /** A 2-unit LSTM on (temperature, humidity) with small fixed weights: enough for replay to run. */
    private static RecurrentModel tinyTemperatureModel() {
        ModelConfig config = ModelConfig.builder()
                .cell(CellType.LSTM)
                .hiddenSize(2)
                .features(List.of("temperature", "humidity"))
                .targets(List.of("temperature"))
                .inputScaler(Scaler.of(new float[] {17.5f, 55f}, new float[] {8f, 12f}))
                .targetScaler(Scaler.of(new float[] {17.5f}, new float[] {8f}))
                .version("tiny")
                .build();
        return TestModels.withFixedWeights(config, "tiny model");
    }

    private static List<String[]> rows(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        return lines.subList(1, lines.size()).stream()
                .map(line -> line.split(","))
                .toList();
    }
}
