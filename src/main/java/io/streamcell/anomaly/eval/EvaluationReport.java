package io.streamcell.anomaly.eval;

import io.streamcell.anomaly.AlertPolicy;
import io.streamcell.anomaly.nab.AlertEpisodes;
import io.streamcell.anomaly.nab.NabResult;
import io.streamcell.anomaly.nab.Window;
import io.streamcell.files.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Rectangle;
import java.awt.geom.Line2D;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DateFormat;
import java.text.SimpleDateFormat;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.TimeZone;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.DateTickUnit;
import org.jfree.chart.axis.DateTickUnitType;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.TickUnits;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.SeriesRenderingOrder;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The HTML report of {@code streamcell evaluate --report}: one self-contained page (no external URLs)
 * with the summary table and, per series, a PNG chart embedded as a {@code data:} URI: actual and
 * forecast values above; the anomaly score (scaled to its range) with the NAB threshold and the
 * alert policy's levels, and the likelihood level behind it, below; labelled windows shaded and the job's alerts as
 * vertical lines; a legend for all of them. Series longer than {@value #MAX_POINTS} rows are downsampled for the chart (values
 * by stride, the anomaly score by its maximum over each stride, so spikes stay visible).
 */
public final class EvaluationReport {
    static final int MAX_POINTS = 2000;
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 560;
    private static final Color WINDOW = new Color(255, 200, 0, 70);
    private static final Color ALERT = new Color(200, 0, 0, 160);
    private static final Color ACTUAL = new Color(30, 90, 200);
    private static final Color FORECAST = new Color(240, 120, 0);
    private static final Color SCORE = new Color(120, 60, 160);
    private static final Color THRESHOLD = new Color(60, 60, 60);
    private static final Color LEVEL = new Color(90, 140, 90);
    private static final Color WARNING = new Color(230, 140, 0);
    private static final BasicStroke DASHED =
            new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f);
    private static final BasicStroke DASHED_THICK =
            new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {5f, 3f}, 0f);

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
                + "<th>TP rows</th><th>FP rows</th><th>FN rows</th><th>windows detected</th></tr>\n");
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
        out.append("</table>\n<p>TP, FP and FN count rows (timestamps): scored rows inside a labelled window, "
                + "flagged rows outside one, and window rows left unflagged. Windows detected counts labelled "
                + "windows with at least one flagged row.</p>\n");
        AlertEpisodes.Metrics e = result.episodes();
        out.append(String.format(
                Locale.ROOT,
                "<h2>Alert episodes</h2>\n<p>%d alert episodes (%d true, %d false alarms); windows detected %d / %d; "
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
        NabResult standard = result.nab().values().iterator().next();
        out.append(String.format(
                Locale.ROOT,
                "<h2>Series</h2>\n<p>Per series: the actual values (blue) and the forecast made for each of them "
                        + "(orange, dashed); the anomaly score, scaled to its own range, with the %s profile's "
                        + "threshold %.4f (dashed) and, where the scores come near them, the alert policy's warning and "
                        + "critical levels (dashed); below it the likelihood level behind the score. Labelled windows "
                        + "are shaded yellow, the job's alerts are red lines. "
                        + "Times are UTC.</p>%n",
                escape(standard.profile().name()),
                standard.threshold()));
        for (Evaluation.Series s : result.series()) {
            Double fileScore = standard.fileScores().get(s.key());
            out.append("<h3>")
                    .append(escape(s.key()))
                    .append("</h3>\n<p>")
                    .append(s.size())
                    .append(" rows, ")
                    .append(s.windows().size())
                    .append(s.windows().size() == 1 ? " labelled window" : " labelled windows")
                    .append(
                            fileScore == null
                                    ? ""
                                    : String.format(
                                            Locale.ROOT,
                                            ", %s raw score %.3f",
                                            escape(standard.profile().name()),
                                            fileScore))
                    .append("</p>\n<img src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(png(s, standard.threshold())))
                    .append("\" alt=\"")
                    .append(escape(s.key()))
                    .append("\">\n");
        }
        out.append("</body></html>\n");
        return out.toString();
    }

    static byte[] png(Evaluation.Series s, double threshold) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(bytes, chart(s, threshold, AlertPolicy.DEFAULTS), WIDTH, HEIGHT);
        return bytes.toByteArray();
    }

    /**
     * The chart of one series: values and forecasts, the anomaly score with the NAB threshold and the
     * alert levels, and the likelihood level, over one time axis that shows dates.
     */
    static JFreeChart chart(Evaluation.Series s, double threshold, AlertPolicy.Settings alerts) {
        int n = s.size();
        int stride = Math.max(1, (n + MAX_POINTS - 1) / MAX_POINTS);
        XYSeries actual = new XYSeries("actual", false, true);
        XYSeries forecast = new XYSeries("forecast", false, true);
        XYSeries score = new XYSeries("anomaly score", false, true);
        XYSeries level = new XYSeries("likelihood level", false, true);
        double maxScore = 0;
        for (int start = 0; start < n; start += stride) {
            double x = millis(s.timestamps().get(start));
            actual.add(x, s.values()[start]);
            if (start > 0) {
                forecast.add(x, s.forecasts()[start - 1]); // the forecast made for this row
            }
            double maxInStride = 0;
            double maxLevel = 0;
            for (int i = start; i < Math.min(n, start + stride); i++) {
                maxInStride = Math.max(maxInStride, s.scores()[i]);
                maxLevel = Math.max(maxLevel, s.levels()[i]);
            }
            score.add(x, maxInStride);
            level.add(x, maxLevel);
            maxScore = Math.max(maxScore, maxInStride);
        }
        XYSeriesCollection values = new XYSeriesCollection();
        values.addSeries(actual);
        values.addSeries(forecast);
        XYLineAndShapeRenderer valueRenderer = new XYLineAndShapeRenderer(true, false);
        valueRenderer.setSeriesPaint(0, ACTUAL);
        valueRenderer.setSeriesStroke(0, new BasicStroke(1.2f));
        valueRenderer.setSeriesPaint(1, FORECAST);
        valueRenderer.setSeriesStroke(1, DASHED_THICK);
        XYPlot top = new XYPlot(values, null, new NumberAxis("value"), valueRenderer);
        ((NumberAxis) top.getRangeAxis()).setAutoRangeIncludesZero(false);
        top.setSeriesRenderingOrder(SeriesRenderingOrder.FORWARD); // the forecast over the actual values

        XYLineAndShapeRenderer scoreRenderer = new XYLineAndShapeRenderer(true, false);
        scoreRenderer.setSeriesPaint(0, SCORE);
        NumberAxis scoreAxis = new NumberAxis("score");
        // Scaled to the data, keeping the threshold in view; the alert levels (which the policy applies
        // to the score) join once the scores come within half of the warning level.
        double scoreTop = Math.max(maxScore, threshold);
        boolean alertLevelsInView = scoreTop >= alerts.warning() / 2.0;
        if (alertLevelsInView) {
            scoreTop = Math.max(scoreTop, alerts.critical());
        }
        scoreAxis.setRange(0, Math.max(0.01, scoreTop * 1.08));
        XYPlot scores = new XYPlot(new XYSeriesCollection(score), null, scoreAxis, scoreRenderer);
        scores.addRangeMarker(horizontal(threshold, THRESHOLD, "NAB threshold"));
        if (alertLevelsInView) {
            scores.addRangeMarker(horizontal(alerts.warning(), WARNING, "warning"));
            scores.addRangeMarker(horizontal(alerts.critical(), ALERT, "critical"));
        }

        XYLineAndShapeRenderer levelRenderer = new XYLineAndShapeRenderer(true, false);
        levelRenderer.setSeriesPaint(0, LEVEL);
        NumberAxis levelAxis = new NumberAxis("level");
        levelAxis.setRange(0, 1.02);
        XYPlot levels = new XYPlot(new XYSeriesCollection(level), null, levelAxis, levelRenderer);

        List<XYPlot> plots = List.of(top, scores, levels);
        for (Window w : s.windows()) {
            for (XYPlot plot : plots) {
                plot.addDomainMarker(new IntervalMarker(millis(w.start()), millis(w.end()), WINDOW), Layer.BACKGROUND);
            }
        }
        for (int i = 0; i < n; i++) {
            if (s.alerts()[i]) {
                for (XYPlot plot : plots) {
                    plot.addDomainMarker(new ValueMarker(millis(s.timestamps().get(i)), ALERT, new BasicStroke(1f)));
                }
            }
        }
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(timeAxis());
        plot.add(top, 4);
        plot.add(scores, 2);
        plot.add(levels, 2);
        plot.setGap(8);
        plot.setFixedLegendItems(legend(alerts));
        JFreeChart chart = new JFreeChart(s.key(), JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** A time axis in UTC whose labels carry the date (days, months) as well as the time of day. */
    private static DateAxis timeAxis() {
        TimeZone utc = TimeZone.getTimeZone("UTC");
        DateAxis time = new DateAxis("time (UTC)", utc, Locale.ROOT);
        TickUnits units = new TickUnits();
        for (int minutes : new int[] {1, 5, 15, 30}) {
            units.add(new DateTickUnit(DateTickUnitType.MINUTE, minutes, format("MM-dd HH:mm", utc)));
        }
        for (int hours : new int[] {1, 2, 3, 6, 12}) {
            units.add(new DateTickUnit(DateTickUnitType.HOUR, hours, format("MM-dd HH:mm", utc)));
        }
        for (int days : new int[] {1, 2, 7, 14}) {
            units.add(new DateTickUnit(DateTickUnitType.DAY, days, format("yyyy-MM-dd", utc)));
        }
        for (int months : new int[] {1, 3, 6}) {
            units.add(new DateTickUnit(DateTickUnitType.MONTH, months, format("yyyy-MM", utc)));
        }
        units.add(new DateTickUnit(DateTickUnitType.YEAR, 1, format("yyyy", utc)));
        time.setStandardTickUnits(units);
        return time;
    }

    private static DateFormat format(String pattern, TimeZone zone) {
        SimpleDateFormat format = new SimpleDateFormat(pattern, Locale.ROOT);
        format.setTimeZone(zone);
        return format;
    }

    private static ValueMarker horizontal(double value, Color color, String label) {
        ValueMarker marker = new ValueMarker(value, color, DASHED);
        marker.setLabel(label + " " + String.format(Locale.ROOT, "%.3g", value));
        marker.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        marker.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
        marker.setLabelPaint(color.darker());
        return marker;
    }

    /** Every line, band and marker of the chart, the windows and alerts included. */
    private static LegendItemCollection legend(AlertPolicy.Settings alerts) {
        LegendItemCollection items = new LegendItemCollection();
        items.add(line("actual", ACTUAL, new BasicStroke(2f)));
        items.add(line("forecast", FORECAST, DASHED_THICK));
        items.add(line("anomaly score", SCORE, new BasicStroke(2f)));
        items.add(line("NAB threshold", THRESHOLD, DASHED));
        items.add(line("likelihood level", LEVEL, new BasicStroke(2f)));
        items.add(line("warning level " + alerts.warning(), WARNING, DASHED));
        items.add(line("critical level " + alerts.critical(), ALERT, DASHED));
        LegendItem window = new LegendItem("labelled window", null, null, null, new Rectangle(12, 10), WINDOW);
        items.add(window);
        items.add(line("alert", ALERT, new BasicStroke(1f)));
        return items;
    }

    private static LegendItem line(String label, Color color, BasicStroke stroke) {
        LegendItem item = new LegendItem(
                label,
                null,
                null,
                null,
                false,
                new Rectangle(1, 1),
                false,
                color,
                false,
                color,
                stroke,
                true,
                new Line2D.Double(-8, 0, 8, 0),
                stroke,
                color);
        return item;
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
