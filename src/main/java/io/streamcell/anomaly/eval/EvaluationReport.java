package io.streamcell.anomaly.eval;

import io.streamcell.anomaly.nab.AlertEpisodes;
import io.streamcell.anomaly.nab.NabResult;
import io.streamcell.anomaly.nab.Window;
import io.streamcell.files.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Locale;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The HTML report of {@code streamcell evaluate --report}: one self-contained page (no external URLs)
 * with the summary table and, per series, a PNG chart embedded as a {@code data:} URI: actual and
 * forecast values above, the anomaly score below, labelled windows shaded and the job's alerts as
 * vertical lines. Series longer than {@value #MAX_POINTS} rows are downsampled for the chart (values
 * by stride, the anomaly score by its maximum over each stride, so spikes stay visible).
 */
public final class EvaluationReport {
    static final int MAX_POINTS = 2000;
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 420;
    private static final Color WINDOW = new Color(255, 200, 0, 70);
    private static final Color ALERT = new Color(200, 0, 0, 160);

    private EvaluationReport() {}

    /** Writes the page (to a temporary file first, then moved into place). */
    public static void write(Evaluation.Result result, Path file) throws IOException {
        String html = html(result);
        AtomicFiles.writeText(file, writer -> writer.write(html));
    }

    static String html(Evaluation.Result result) throws IOException {
        System.setProperty("java.awt.headless", "true");
        StringBuilder out = new StringBuilder();
        out.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>StreamCell evaluation</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                        + "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
                        + "th:first-child,td:first-child{text-align:left}</style></head><body>\n");
        out.append("<h1>StreamCell evaluation</h1>\n<p>")
                .append(escape(result.detector() == null ? "" : "detector " + result.detector() + ", "))
                .append("model ")
                .append(escape(result.model()))
                .append(", ")
                .append(result.series().size())
                .append(" files, ")
                .append(result.rows())
                .append(" rows</p>\n");
        out.append("<h2>NAB scores</h2>\n<table><tr><th>profile</th><th>threshold</th><th>normalised score</th>"
                + "<th>TP</th><th>FP</th><th>FN</th><th>windows detected</th></tr>\n");
        for (NabResult r : result.nab().values()) {
            out.append(String.format(
                    Locale.ROOT,
                    "<tr><td>%s</td><td>%.4f</td><td>%.2f</td><td>%d</td><td>%d</td><td>%d</td><td>%d / %d</td></tr>%n",
                    escape(r.profile().name()),
                    r.threshold(),
                    r.normalizedScore(),
                    r.rows().tp(),
                    r.rows().fp(),
                    r.rows().fn(),
                    r.windowsDetected(),
                    r.scoredWindows()));
        }
        out.append("</table>\n");
        AlertEpisodes.Metrics e = result.episodes();
        out.append(String.format(
                Locale.ROOT,
                "<h2>Alert episodes</h2>\n<p>%d episodes (%d true, %d false alarms); windows detected %d / %d; "
                        + "precision %.3f, recall %.3f, F1 %.3f; mean delay from window start %.1f rows</p>%n",
                e.episodes(),
                e.truePositiveEpisodes(),
                e.falseAlarmEpisodes(),
                e.detectedWindows(),
                e.scoredWindows(),
                e.precision(),
                e.recall(),
                e.f1(),
                e.meanDelayRows()));
        out.append("<h2>Series</h2>\n<p>Actual (blue) and forecast (green); anomaly score below; labelled "
                + "windows shaded; alerts as red lines.</p>\n");
        for (Evaluation.Series s : result.series()) {
            NabResult standard = result.nab().values().iterator().next();
            Double fileScore = standard.fileScores().get(s.key());
            out.append("<h3>")
                    .append(escape(s.key()))
                    .append("</h3>\n<p>")
                    .append(s.size())
                    .append(" rows, ")
                    .append(s.windows().size())
                    .append(" windows")
                    .append(
                            fileScore == null
                                    ? ""
                                    : String.format(
                                            Locale.ROOT,
                                            ", %s raw score %.3f",
                                            escape(standard.profile().name()),
                                            fileScore))
                    .append("</p>\n<img src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(png(s)))
                    .append("\" alt=\"")
                    .append(escape(s.key()))
                    .append("\">\n");
        }
        out.append("</body></html>\n");
        return out.toString();
    }

    static byte[] png(Evaluation.Series s) throws IOException {
        int n = s.size();
        int stride = Math.max(1, (n + MAX_POINTS - 1) / MAX_POINTS);
        XYSeries actual = new XYSeries("actual", false, true);
        XYSeries forecast = new XYSeries("forecast", false, true);
        XYSeries score = new XYSeries("anomaly score", false, true);
        for (int start = 0; start < n; start += stride) {
            double x = millis(s.timestamps().get(start));
            actual.add(x, s.values()[start]);
            if (start > 0) {
                forecast.add(x, s.forecasts()[start - 1]); // the forecast made for this row
            }
            double max = 0;
            for (int i = start; i < Math.min(n, start + stride); i++) {
                max = Math.max(max, s.scores()[i]);
            }
            score.add(x, max);
        }
        XYSeriesCollection values = new XYSeriesCollection();
        values.addSeries(actual);
        values.addSeries(forecast);
        XYLineAndShapeRenderer valueRenderer = new XYLineAndShapeRenderer(true, false);
        valueRenderer.setSeriesPaint(0, new Color(30, 90, 200));
        valueRenderer.setSeriesPaint(1, new Color(20, 150, 60));
        XYPlot top = new XYPlot(values, null, new NumberAxis("value"), valueRenderer);
        ((NumberAxis) top.getRangeAxis()).setAutoRangeIncludesZero(false);

        XYLineAndShapeRenderer scoreRenderer = new XYLineAndShapeRenderer(true, false);
        scoreRenderer.setSeriesPaint(0, new Color(120, 60, 160));
        NumberAxis scoreAxis = new NumberAxis("score");
        scoreAxis.setRange(0, 1.05);
        XYPlot bottom = new XYPlot(new XYSeriesCollection(score), null, scoreAxis, scoreRenderer);

        for (Window w : s.windows()) {
            for (XYPlot plot : new XYPlot[] {top, bottom}) {
                plot.addDomainMarker(new IntervalMarker(millis(w.start()), millis(w.end()), WINDOW));
            }
        }
        for (int i = 0; i < n; i++) {
            if (s.alerts()[i]) {
                for (XYPlot plot : new XYPlot[] {top, bottom}) {
                    ValueMarker marker = new ValueMarker(millis(s.timestamps().get(i)), ALERT, new BasicStroke(1f));
                    plot.addDomainMarker(marker);
                }
            }
        }
        DateAxis time = new DateAxis("time (UTC)");
        time.setTimeZone(java.util.TimeZone.getTimeZone("UTC"));
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(time);
        plot.add(top, 3);
        plot.add(bottom, 1);
        JFreeChart chart = new JFreeChart(s.key(), JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(bytes, chart, WIDTH, HEIGHT);
        return bytes.toByteArray();
    }

    private static double millis(LocalDateTime t) {
        return t.toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
