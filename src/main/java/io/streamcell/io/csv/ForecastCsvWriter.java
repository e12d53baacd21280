package io.streamcell.io.csv;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes replay output (docs/model-format.md "Forecasts CSV"): {@code key,timestamp}, then
 * {@code forecast_<target>} (horizon 1) or {@code forecast_<target>_h<k>} step-major, then
 * {@code anomaly_score}. Floats are
 * written with {@link Float#toString(float)}, which round-trips exactly. Keys and timestamps are
 * quoted when they need it (RFC 4180).
 */
public final class ForecastCsvWriter implements Closeable {
    private final Writer out;
    private final StringBuilder line = new StringBuilder(256);

    public ForecastCsvWriter(Writer out, List<String> targets, int horizon) throws IOException {
        this.out = out instanceof BufferedWriter ? out : new BufferedWriter(out, 1 << 16);
        this.out.write(String.join(",", header(targets, horizon)));
        this.out.write('\n');
    }

    /** The output column names. */
    public static List<String> header(List<String> targets, int horizon) {
        List<String> columns = new ArrayList<>();
        columns.add(ReadingsCsvReader.KEY_COLUMN);
        columns.add(ReadingsCsvReader.TIMESTAMP_COLUMN);
        for (int step = 1; step <= horizon; step++) {
            for (String target : targets) {
                columns.add(horizon == 1 ? "forecast_" + target : "forecast_" + target + "_h" + step);
            }
        }
        columns.add(ANOMALY_SCORE_COLUMN);
        return columns;
    }

    public static final String ANOMALY_SCORE_COLUMN = "anomaly_score";

    /** @param anomalyScore in [0, 1]; 0 for a reading with nothing to score it against (a key's first) */
    public void write(String key, String timestamp, float[] forecast, float anomalyScore) throws IOException {
        line.setLength(0);
        appendCell(key);
        line.append(',');
        appendCell(timestamp);
        for (float value : forecast) {
            line.append(',').append(value);
        }
        line.append(',').append(anomalyScore);
        line.append('\n');
        out.append(line);
    }

    private void appendCell(String text) {
        boolean quote =
                text.indexOf(',') >= 0 || text.indexOf('"') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0;
        if (!quote) {
            line.append(text);
            return;
        }
        line.append('"').append(text.replace("\"", "\"\"")).append('"');
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
