package io.streamcell.cluster;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * What a soak run measured, and its verdict: every TaskManager's heap, off-heap (non-heap plus
 * direct buffers) and resident set size, and the job's checkpointed state size, sampled over the
 * run, each judged against its bound; a chart of them (PNG), the samples (CSV) and a Markdown
 * summary.
 *
 * <p>Growth is judged per process, between an early window (after its warm-up) and the last
 * window of the run: for the heap the <em>lowest</em> value of each window, the live set (the run
 * reads each TaskManager's heap right after a full collection once a minute; the highest only says
 * when the last collection ran); for
 * off-heap, resident set and state the highest. A TaskManager started by the failover is judged against its own
 * early window, so it needs enough life left; the killed one is only charted.
 */
final class SoakReport {
    /** One sample of one TaskManager process. */
    record ProcessSample(double minute, String taskManager, double heapMb, double offHeapMb, double rssMb) {}

    /** One sample of the job. */
    record JobSample(double minute, double stateMb, long sent, long accounted) {}

    /** How much a measure may grow from the early window to the last one: {@code factor} × early + {@code slackMb}. */
    record Bound(String measure, double factor, double slackMb) {
        double limit(double early) {
            return early * factor + slackMb;
        }

        String describe() {
            return String.format(Locale.ROOT, "≤ %.2f × early + %.0f MB", factor, slackMb);
        }
    }

    static final Bound HEAP = new Bound("heap, lowest in window", 1.25, 24);
    static final Bound OFF_HEAP = new Bound("off-heap (non-heap + direct), highest in window", 1.10, 16);
    /**
     * The whole process as the OS sees it (heap as committed, metaspace, code, threads, native
     * allocations such as RocksDB's or ND4J's), which the JVM's own numbers can miss.
     */
    static final Bound RESIDENT = new Bound("resident set, highest in window", 1.10, 48);

    static final Bound STATE = new Bound("checkpointed state, highest in window", 1.10, 1);

    /** A judged measure: early and late values, its bound and whether it held. */
    record Verdict(String subject, Bound bound, double early, double late) {
        boolean held() {
            return late <= bound.limit(early);
        }
    }

    private final List<ProcessSample> processes = new ArrayList<>();
    private final List<JobSample> jobs = new ArrayList<>();
    private final Map<String, Double> startedAt = new LinkedHashMap<>();
    private final Map<String, Double> killedAt = new LinkedHashMap<>();
    private final Duration warmUp;
    private final Duration window;

    SoakReport(Duration warmUp, Duration window) {
        this.warmUp = warmUp;
        this.window = window;
    }

    synchronized void started(String taskManager, double minute) {
        startedAt.put(taskManager, minute);
    }

    synchronized void killed(String taskManager, double minute) {
        killedAt.put(taskManager, minute);
    }

    synchronized void add(ProcessSample sample) {
        processes.add(sample);
    }

    synchronized void add(JobSample sample) {
        jobs.add(sample);
    }

    /** The verdicts of every measure that has both windows, at the end of a run of {@code endMinute}. */
    synchronized List<Verdict> verdicts(double endMinute) {
        double windowMinutes = window.toSeconds() / 60.0;
        double warmUpMinutes = warmUp.toSeconds() / 60.0;
        double lateFrom = endMinute - windowMinutes;
        List<Verdict> verdicts = new ArrayList<>();
        for (Map.Entry<String, Double> tm : startedAt.entrySet()) {
            String name = tm.getKey();
            if (killedAt.containsKey(name)) {
                continue;
            }
            double earlyFrom = tm.getValue() + warmUpMinutes;
            double earlyTo = earlyFrom + windowMinutes;
            if (earlyTo > lateFrom) {
                throw new IllegalStateException(name + " started too late to be judged: run longer");
            }
            List<ProcessSample> own =
                    processes.stream().filter(s -> s.taskManager().equals(name)).toList();
            verdicts.add(new Verdict(
                    name + " " + HEAP.measure(),
                    HEAP,
                    min(own, earlyFrom, earlyTo, ProcessSample::heapMb),
                    min(own, lateFrom, endMinute, ProcessSample::heapMb)));
            verdicts.add(new Verdict(
                    name + " " + OFF_HEAP.measure(),
                    OFF_HEAP,
                    max(own, earlyFrom, earlyTo, ProcessSample::offHeapMb),
                    max(own, lateFrom, endMinute, ProcessSample::offHeapMb)));
            verdicts.add(new Verdict(
                    name + " " + RESIDENT.measure(),
                    RESIDENT,
                    max(own, earlyFrom, earlyTo, ProcessSample::rssMb),
                    max(own, lateFrom, endMinute, ProcessSample::rssMb)));
        }
        double earlyFrom = warmUpMinutes;
        double earlyTo = earlyFrom + windowMinutes;
        verdicts.add(
                new Verdict("job " + STATE.measure(), STATE, maxJob(earlyFrom, earlyTo), maxJob(lateFrom, endMinute)));
        return verdicts;
    }

    private static double min(
            List<ProcessSample> samples, double from, double to, ToDoubleFunction<ProcessSample> value) {
        return orFail(
                samples.stream()
                        .filter(s -> s.minute() >= from && s.minute() <= to)
                        .mapToDouble(value)
                        .min(),
                from,
                to);
    }

    private static double max(
            List<ProcessSample> samples, double from, double to, ToDoubleFunction<ProcessSample> value) {
        return orFail(
                samples.stream()
                        .filter(s -> s.minute() >= from && s.minute() <= to)
                        .mapToDouble(value)
                        .max(),
                from,
                to);
    }

    private double maxJob(double from, double to) {
        return orFail(
                jobs.stream()
                        .filter(s -> s.minute() >= from && s.minute() <= to && s.stateMb() > 0)
                        .mapToDouble(JobSample::stateMb)
                        .max(),
                from,
                to);
    }

    private static double orFail(OptionalDouble value, double from, double to) {
        return value.orElseThrow(() -> new IllegalStateException(
                String.format(Locale.ROOT, "no samples between minute %.1f and %.1f", from, to)));
    }

    /** Writes {@code samples.csv} and the chart {@code soak-memory.png} into {@code dir}. */
    synchronized void write(Path dir, String title) throws IOException {
        Files.createDirectories(dir);
        StringBuilder csv = new StringBuilder("minute,taskmanager,heap_mb,off_heap_mb,rss_mb\n");
        for (ProcessSample s : processes) {
            csv.append(String.format(
                    Locale.ROOT,
                    "%.3f,%s,%.1f,%.1f,%.1f%n",
                    s.minute(),
                    s.taskManager(),
                    s.heapMb(),
                    s.offHeapMb(),
                    s.rssMb()));
        }
        Files.writeString(dir.resolve("samples.csv"), csv);
        StringBuilder jobCsv = new StringBuilder("minute,state_mb,sent,accounted\n");
        for (JobSample s : jobs) {
            jobCsv.append(
                    String.format(Locale.ROOT, "%.3f,%.3f,%d,%d%n", s.minute(), s.stateMb(), s.sent(), s.accounted()));
        }
        Files.writeString(dir.resolve("job-samples.csv"), jobCsv);
        ChartUtils.saveChartAsPNG(dir.resolve("soak-memory.png").toFile(), chart(title), 1100, 900);
    }

    private JFreeChart chart(String title) {
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("minutes"));
        plot.add(subplot("heap used, MB", ProcessSample::heapMb, true), 3);
        plot.add(subplot("off-heap (non-heap + direct), MB", ProcessSample::offHeapMb, false), 2);
        plot.add(subplot("resident set, MB", ProcessSample::rssMb, false), 2);
        XYSeries state = new XYSeries("checkpointed state (job)");
        jobs.stream().filter(s -> s.stateMb() > 0).forEach(s -> state.add(s.minute(), s.stateMb()));
        XYLineAndShapeRenderer stateRenderer = renderer();
        stateRenderer.setSeriesPaint(0, Color.BLACK);
        plot.add(new XYPlot(new XYSeriesCollection(state), null, new NumberAxis("state, MB"), stateRenderer), 2);
        for (Map.Entry<String, Double> kill : killedAt.entrySet()) {
            for (XYPlot sub : plot.getSubplots()) {
                ValueMarker marker = new ValueMarker(kill.getValue(), Color.RED, new BasicStroke(1.5f));
                marker.setLabel(sub == plot.getSubplots().get(0) ? "kill -9 " + kill.getKey() : null);
                sub.addDomainMarker(marker);
            }
        }
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** One line per TaskManager, in the same colour in every subplot; the legend names each once. */
    private XYPlot subplot(String axis, ToDoubleFunction<ProcessSample> value, boolean inLegend) {
        Map<String, XYSeries> byProcess = new TreeMap<>();
        for (ProcessSample s : processes) {
            byProcess.computeIfAbsent(s.taskManager(), XYSeries::new).add(s.minute(), value.applyAsDouble(s));
        }
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = renderer();
        List<String> order = new ArrayList<>(startedAt.keySet());
        for (XYSeries series : byProcess.values()) {
            int index = data.getSeriesCount();
            data.addSeries(series);
            renderer.setSeriesPaint(
                    index, PALETTE[Math.max(0, order.indexOf((String) series.getKey())) % PALETTE.length]);
            renderer.setSeriesVisibleInLegend(index, inLegend);
        }
        NumberAxis range = new NumberAxis(axis);
        range.setAutoRangeIncludesZero(true);
        XYPlot plot = new XYPlot(data, null, range, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        return plot;
    }

    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0x9467bd), new Color(0x8c564b)
    };

    private static XYLineAndShapeRenderer renderer() {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        renderer.setDefaultStroke(new BasicStroke(1.2f));
        renderer.setAutoPopulateSeriesStroke(false);
        return renderer;
    }

    /** The Markdown summary: the settings, the accounting and a table of verdicts. */
    static String markdown(Map<String, String> settings, List<Verdict> verdicts, List<String> accounting) {
        StringBuilder md = new StringBuilder();
        settings.forEach((name, value) ->
                md.append("- ").append(name).append(": ").append(value).append('\n'));
        md.append('\n');
        accounting.forEach(line -> md.append("- ").append(line).append('\n'));
        md.append("\n| measure | early window | last window | bound | held |\n| --- | --- | --- | --- | --- |\n");
        for (Verdict v : verdicts) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %.1f MB | %.1f MB | %s | %s |%n",
                    v.subject(),
                    v.early(),
                    v.late(),
                    v.bound().describe(),
                    v.held() ? "yes" : "**no**"));
        }
        return md.toString();
    }
}
