package io.streamcell.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.anomaly.AlertPolicy;
import io.streamcell.model.io.ModelDirectory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.Marker;
import org.jfree.chart.plot.SeriesRenderingOrder;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.ui.Layer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluation report as a reader sees it: the charts' scales, markers, time labels and legend, the
 * words next to the counts, and a page that loads with no network.
 */
class EvaluationReportTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    Path temp;

    private Evaluation.Result result;

    @BeforeEach
    void evaluate() throws IOException {
        Path corpus = temp.resolve("corpus");
        LabelledCorpus.write(corpus, 2, 3000, 11);
        result = Evaluation.run(
                ModelDirectory.load("classpath:/models/default"),
                LabelledCorpus.dataDir(corpus),
                LabelledCorpus.labelsFile(corpus),
                temp.resolve("results"),
                null);
    }

    @Test
    void scoreAxisFitsTheScoresAndTheThresholdAndLevelsAreDrawn() {
        // Scores that peak near 0.2, as they do for quiet series: the axis must not span 0-1.
        Evaluation.Series replayed = result.series().get(0);
        double[] scores = Arrays.stream(replayed.scores()).map(v -> v * 0.2).toArray();
        Evaluation.Series series = new Evaluation.Series(
                replayed.key(),
                replayed.timestampText(),
                replayed.timestamps(),
                replayed.valueText(),
                replayed.values(),
                replayed.forecasts(),
                scores,
                replayed.levels(),
                replayed.alerts(),
                replayed.labels(),
                replayed.windows());
        double maxScore = Arrays.stream(scores).max().orElseThrow();
        double threshold = 0.05;

        JFreeChart chart = EvaluationReport.chart(series, threshold, AlertPolicy.DEFAULTS);
        List<XYPlot> plots = ((CombinedDomainXYPlot) chart.getXYPlot()).getSubplots();

        assertThat(maxScore).isPositive().isLessThanOrEqualTo(0.2);
        NumberAxis scoreAxis = (NumberAxis) plots.get(1).getRangeAxis();
        assertThat(scoreAxis.getUpperBound())
                .isGreaterThanOrEqualTo(Math.max(maxScore, threshold))
                .isLessThanOrEqualTo(Math.max(maxScore, threshold) * 1.2);
        assertThat(rangeMarkers(plots.get(1))).containsExactly(threshold);

        // Scores that reach the alert levels: those are drawn on the score axis too.
        double fullMax = Arrays.stream(replayed.scores()).max().orElseThrow();
        JFreeChart full = EvaluationReport.chart(replayed, threshold, AlertPolicy.DEFAULTS);
        XYPlot fullScores =
                ((CombinedDomainXYPlot) full.getXYPlot()).getSubplots().get(1);
        if (fullMax >= AlertPolicy.DEFAULTS.warning() / 2.0) {
            assertThat(rangeMarkers(fullScores))
                    .containsExactlyInAnyOrder(threshold, (double) AlertPolicy.DEFAULTS.warning(), (double)
                            AlertPolicy.DEFAULTS.critical());
            assertThat(((NumberAxis) fullScores.getRangeAxis()).getUpperBound())
                    .isGreaterThanOrEqualTo(AlertPolicy.DEFAULTS.critical());
        }
        assertThat(plots.get(0).getSeriesRenderingOrder())
                .as("the forecast is drawn over the actual values")
                .isEqualTo(SeriesRenderingOrder.FORWARD);
        assertThat(plots.get(0).getDomainMarkers(Layer.BACKGROUND))
                .hasSize(series.windows().size());
    }

    @Test
    void timeAxisShowsDatesAndTheLegendNamesWindowsAndAlerts() {
        Evaluation.Series series = result.series().get(0);
        JFreeChart chart = EvaluationReport.chart(series, 0.1, AlertPolicy.DEFAULTS);
        CombinedDomainXYPlot plot = (CombinedDomainXYPlot) chart.getXYPlot();
        DateAxis time = (DateAxis) plot.getDomainAxis();
        BufferedImage rendered = chart.createBufferedImage(1100, 560); // lays the axis out

        Date first = Date.from(series.timestamps().get(0).toInstant(ZoneOffset.UTC));
        assertThat(rendered.getWidth()).isEqualTo(1100);
        assertThat(time.getTickUnit().dateToString(first))
                .as("the series spans days: ticks carry the date")
                .matches("(\\d{4}-)?\\d{2}-\\d{2}( \\d{2}:\\d{2})?");
        LegendItemCollection items = plot.getFixedLegendItems();
        List<String> legend = new ArrayList<>();
        for (int i = 0; i < items.getItemCount(); i++) {
            legend.add(items.get(i).getLabel());
        }
        assertThat(legend)
                .contains(
                        "actual",
                        "forecast",
                        "anomaly score",
                        "NAB threshold",
                        "likelihood level",
                        "warning level 0.5",
                        "critical level 0.8",
                        "labelled window",
                        "alert");
    }

    @Test
    void countsSayWhetherTheyAreRowsOrWindows() throws IOException {
        String html = EvaluationReport.html(result);

        assertThat(html)
                .contains("<th>TP rows</th><th>FP rows</th><th>FN rows</th><th>windows detected</th>")
                .contains("TP, FP and FN count rows")
                .contains("alert episodes (")
                .containsPattern("\\d+ rows, \\d+ labelled windows?");
    }

    @Test
    void pageLoadsOffline() throws Exception {
        Path report = temp.resolve("report.html");
        EvaluationReport.write(result, report);
        String html = Files.readString(report);

        // Nothing to fetch: every resource is inline, every image a PNG that decodes.
        assertThat(html).doesNotContainPattern("(?i)(src|href)\\s*=\\s*\"(?!data:|#)");
        assertThat(html).doesNotContainPattern("(?i)url\\(|@import|<script|<link");
        Matcher images = Pattern.compile("<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"")
                .matcher(html);
        List<BufferedImage> decoded = new ArrayList<>();
        while (images.find()) {
            decoded.add(
                    ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(images.group(1)))));
        }
        assertThat(decoded)
                .hasSize(result.series().size())
                .allSatisfy(image -> assertThat(image.getWidth()).isEqualTo(1100));

        if (Files.isExecutable(CHROMIUM)) {
            // The browser, with every host unresolvable: the page must still render its charts.
            Path shot = temp.resolve("report.png");
            Process chromium = new ProcessBuilder(
                            CHROMIUM.toString(),
                            "--headless",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--no-first-run",
                            "--host-resolver-rules=MAP * ~NOTFOUND",
                            "--user-data-dir=" + Files.createTempDirectory(temp, "chromium"),
                            "--screenshot=" + shot,
                            "--window-size=1200,1600",
                            report.toUri().toString())
                    .redirectErrorStream(true)
                    .redirectOutput(temp.resolve("chromium.log").toFile())
                    .start();
            assertThat(chromium.waitFor(120, TimeUnit.SECONDS)).isTrue();
            BufferedImage page = ImageIO.read(shot.toFile());
            assertThat(page.getWidth()).isEqualTo(1200);
            assertThat(distinctColours(page))
                    .as("charts rendered, not a blank page")
                    .isGreaterThan(50);
        }
    }

    private static List<Double> rangeMarkers(XYPlot plot) {
        List<Double> values = new ArrayList<>();
        for (Object marker : plot.getRangeMarkers(Layer.FOREGROUND)) {
            values.add(((ValueMarker) (Marker) marker).getValue());
        }
        return values;
    }

    private static long distinctColours(BufferedImage image) {
        return IntStream.range(0, image.getHeight() / 4)
                .flatMap(y -> IntStream.range(0, image.getWidth() / 4).map(x -> image.getRGB(x * 4, y * 4)))
                .distinct()
                .count();
    }
}
