package io.streamcell.demo;

import io.streamcell.files.AtomicFiles;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * Writes simulated readings as a readings CSV that {@code streamcell replay} accepts:
 * {@code key,timestamp,temperature,humidity,anomaly}, the timestamp ISO-8601 in UTC
 * ({@code 2024-01-01T00:05:00Z}), temperature and humidity with three decimals, and the ground-truth
 * {@code anomaly} label ({@code none}, {@code spike}, {@code shift}) as an extra column replay ignores.
 */
public final class SimulatedReadingsCsv {
    public static final List<String> HEADER = List.of("key", "timestamp", "temperature", "humidity", "anomaly");

    private static final int DECIMALS = 3;
    private static final long DECIMAL_SCALE = 1000;

    private SimulatedReadingsCsv() {}

    /** What was written. */
    public record Summary(long rows, long anomalousRows) {}

    /**
     * Writes the next {@code rounds} rounds of {@code simulator} (rounds × keys rows) to {@code output}.
     * The file appears only when complete: it is written to a temporary file beside it, then moved.
     */
    public static Summary write(SensorSimulator simulator, long rounds, Path output) throws IOException {
        if (rounds < 1) {
            throw new IllegalArgumentException("the number of steps must be >= 1, got " + rounds);
        }
        long rows = rounds * simulator.keys().size();
        Summary[] written = new Summary[1];
        AtomicFiles.writeText(output, writer -> written[0] = write(simulator, rows, writer));
        return written[0];
    }

    /** Writes the header and the next {@code rows} readings of {@code simulator} to {@code out}. */
    public static Summary write(SensorSimulator simulator, long rows, Writer out) throws IOException {
        out.write(String.join(",", HEADER));
        out.write('\n');
        StringBuilder line = new StringBuilder(96);
        long anomalous = 0;
        for (long i = 0; i < rows; i++) {
            SensorReading reading = simulator.next();
            line.setLength(0);
            appendRow(line, reading);
            out.append(line);
            if (reading.anomaly().isAnomalous()) {
                anomalous++;
            }
        }
        return new Summary(rows, anomalous);
    }

    static void appendRow(StringBuilder line, SensorReading reading) {
        appendKey(line, reading.key());
        line.append(',').append(Instant.ofEpochMilli(reading.epochMillis()));
        line.append(',');
        appendFixed(line, reading.temperature());
        line.append(',');
        appendFixed(line, reading.humidity());
        line.append(',').append(reading.anomaly().label()).append('\n');
    }

    /** {@code value} rounded to {@value #DECIMALS} decimals, without exponent and without "-0.000". */
    static void appendFixed(StringBuilder line, double value) {
        long scaled = Math.round(value * DECIMAL_SCALE);
        if (scaled < 0) {
            line.append('-');
            scaled = -scaled;
        }
        line.append(scaled / DECIMAL_SCALE).append('.');
        long fraction = scaled % DECIMAL_SCALE;
        for (long digit = DECIMAL_SCALE / 10; digit > 1 && fraction < digit; digit /= 10) {
            line.append('0');
        }
        line.append(fraction);
    }

    private static void appendKey(StringBuilder line, String key) {
        boolean quote =
                key.indexOf(',') >= 0 || key.indexOf('"') >= 0 || key.indexOf('\n') >= 0 || key.indexOf('\r') >= 0;
        if (quote) {
            line.append('"').append(key.replace("\"", "\"\"")).append('"');
        } else {
            line.append(key);
        }
    }
}
