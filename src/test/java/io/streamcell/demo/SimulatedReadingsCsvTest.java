package io.streamcell.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.streamcell.io.csv.ReadingsCsvReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedReadingsCsvTest {
    @TempDir
    Path temp;

    @Test
    void numbersHaveThreeDecimalsAndNoNegativeZero() {
        assertThat(fixed(1.5)).isEqualTo("1.500");
        assertThat(fixed(-2.0456)).isEqualTo("-2.046");
        assertThat(fixed(0.0099)).isEqualTo("0.010");
        assertThat(fixed(100)).isEqualTo("100.000");
        assertThat(fixed(-0.0004)).isEqualTo("0.000");
        assertThat(fixed(12.3456789)).isEqualTo("12.346");
        assertThat(fixed(-0.05)).isEqualTo("-0.050");
    }

    @Test
    void rowsMatchTheSimulatorsReadings() throws IOException {
        StringWriter out = new StringWriter();
        SimulatedReadingsCsv.Summary summary = SimulatedReadingsCsv.write(simulator(), 30, out);
        List<SensorReading> readings = new ArrayList<>();
        SensorSimulator again = simulator();
        for (int i = 0; i < 30; i++) {
            readings.add(again.next());
        }

        String[] lines = out.toString().split("\n");
        assertThat(lines).hasSize(31);
        assertThat(lines[0]).isEqualTo("key,timestamp,temperature,humidity,anomaly");
        for (int i = 0; i < 30; i++) {
            SensorReading reading = readings.get(i);
            String[] cells = lines[i + 1].split(",");
            assertThat(cells[0]).isEqualTo(reading.key());
            assertThat(cells[1]).isEqualTo(reading.eventTime().toString());
            assertThat(Double.parseDouble(cells[2])).isCloseTo(reading.temperature(), within(5e-4));
            assertThat(Double.parseDouble(cells[3])).isCloseTo(reading.humidity(), within(5e-4));
            assertThat(cells[4]).isEqualTo(reading.anomaly().label());
        }
        assertThat(summary.rows()).isEqualTo(30);
    }

    @Test
    void theReadingsCsvReaderReadsTheOutput() throws IOException {
        StringWriter out = new StringWriter();
        SimulatedReadingsCsv.write(
                SensorSimulator.builder()
                        .keys(List.of("plant 1, line \"2\"", "b"))
                        .build(),
                4,
                out);

        try (ReadingsCsvReader reader = ReadingsCsvReader.open(
                new StringReader(out.toString()), "generated.csv", List.of("temperature", "humidity"))) {
            ReadingsCsvReader.Row first = reader.next();
            assertThat(first.key()).isEqualTo("plant 1, line \"2\"");
            assertThat(first.epochMillis()).isEqualTo(SensorSimulator.DEFAULT_START.toEpochMilli());
            assertThat(reader.next().key()).isEqualTo("b");
            assertThat(reader.next().epochMillis()).isEqualTo(SensorSimulator.DEFAULT_START.toEpochMilli() + 300_000);
        }
    }

    @Test
    void aFileAppearsOnlyWhenComplete() throws IOException {
        Path output = temp.resolve("out").resolve("readings.csv");

        SimulatedReadingsCsv.Summary summary = SimulatedReadingsCsv.write(simulator(), 7, output);

        assertThat(summary.rows()).isEqualTo(7 * 3);
        assertThat(Files.readAllLines(output)).hasSize(1 + 7 * 3);
        assertThat(output.getParent()).isDirectoryNotContaining("glob:**.partial");
        assertThatThrownBy(() -> SimulatedReadingsCsv.write(simulator(), 0, temp.resolve("none.csv")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(">= 1");
        assertThat(temp.resolve("none.csv")).doesNotExist();
    }

    private static SensorSimulator simulator() {
        return SensorSimulator.builder().seed(3).keyCount(3).anomalyRate(0.2).build();
    }

    private static String fixed(double value) {
        StringBuilder line = new StringBuilder();
        SimulatedReadingsCsv.appendFixed(line, value);
        return line.toString();
    }
}
