package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcell.cli.StreamCellCli;
import io.streamcell.testing.DocumentedMetrics;
import io.streamcell.testing.EmbeddedKafkaExtension;
import io.streamcell.testing.KafkaTestClients;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The job's metrics as an operator sees them: {@code streamcell run} with Flink's Prometheus reporter
 * on a real port (as both deployments configure it, here through {@code flink.*} options), scraped
 * over HTTP; every metric the operations guide lists as available must be there. Where a {@code
 * prometheus} server is installed (Debian's package; {@code .ci/run} installs it), it scrapes the job
 * and every query of the Grafana dashboard must return data through its HTTP API.
 */
class PrometheusMetricsITCase {
    private static final Path DASHBOARD = Path.of("deploy/grafana/streamcell-dashboard.json");
    private static final String PROMETHEUS_FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";
    private static final Pattern SAMPLE = Pattern.compile("(?m)^(flink_[A-Za-z0-9_]+)(\\{[^}]*})? (\\S+)$");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final int KEYS = 20;
    private static final int STEPS = 200;

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.builder()
            .topic("readings", 2)
            .topic("forecasts", 2)
            .topic("anomalies", 1)
            .topic("dead-letters", 1)
            .topic("models", 1)
            .build();

    @TempDir
    Path temp;

    @Test
    void everyDocumentedMetricIsScrapedAndEveryDashboardQueryReturnsData() throws Exception {
        int reporterPort = freePort();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = StreamCellCli.newCommandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        Thread run = new Thread(
                () -> cli.execute(
                        "run",
                        "--set",
                        "job.name=prometheus",
                        "--set",
                        "kafka.bootstrap-servers=" + kafka.bootstrapServers(),
                        "--set",
                        "checkpoints.interval=1s",
                        "--set",
                        "stepping.mode=bundled", // the bundle-size histogram too
                        "--set",
                        "flink.metrics.reporter.prom.factory.class=" + PROMETHEUS_FACTORY,
                        "--set",
                        "flink.metrics.reporter.prom.port=" + reporterPort,
                        "--set",
                        "flink.metrics.reporter.prom.interval=1s"),
                "streamcell-run");
        run.setDaemon(true);
        run.start();
        String jobId = null;
        String webUi = null;
        Prometheus prometheus = null;
        try {
            Matcher submitted = Pattern.compile("job ([0-9a-f]{32}) \\(streamcell forecast\\) submitted; "
                            + "Flink web UI on (http://localhost:\\d+)")
                    .matcher("");
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!submitted.reset(out.toString()).find()) {
                assertThat(run.isAlive()).as("run ended: " + err).isTrue();
                assertThat(System.nanoTime())
                        .as("run prints the job id: " + out + err)
                        .isLessThan(deadline);
                Thread.sleep(200);
            }
            jobId = submitted.group(1);
            webUi = submitted.group(2);
            assertThat(get(webUi + "/jobs/" + jobId)).contains("\"name\":\"streamcell forecast\"");

            produceReadings();
            Map<String, Pattern> documented = DocumentedMetrics.available();
            Map<String, Double> scraped = waitForMetrics("http://localhost:" + reporterPort + "/metrics", documented);
            for (Map.Entry<String, Pattern> metric : documented.entrySet()) {
                assertThat(scraped.keySet())
                        .as(metric.getKey() + " is listed as available in " + DocumentedMetrics.DOCS)
                        .anyMatch(name -> metric.getValue().matcher(name).matches());
            }
            assertThat(scraped.get("flink_taskmanager_job_task_operator_streamcell_readingsIn"))
                    .isEqualTo((double) KEYS * STEPS);
            assertThat(scraped).containsKey("flink_taskmanager_job_task_operator_streamcell_deadLetters_undecodable");

            Path binary = prometheusBinary();
            if (binary != null) {
                prometheus = Prometheus.start(binary, reporterPort, temp);
                List<String> queries = dashboardQueries();
                assertThat(queries).hasSizeGreaterThanOrEqualTo(10);
                for (String query : queries) {
                    JsonNode result = prometheus.queryWithData(query, Duration.ofSeconds(60));
                    assertThat(result.size()).as(query).isPositive();
                }
            }
        } finally {
            if (prometheus != null) {
                prometheus.close();
            }
            if (jobId != null) {
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(webUi + "/jobs/" + jobId + "?mode=cancel"))
                                .method("PATCH", HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
            }
            run.join(TimeUnit.MINUTES.toMillis(1));
        }
        assertThat(run.isAlive()).as("run returns once its job is cancelled").isFalse();
        assertThat(out.toString()).contains("streamcell run: job " + jobId + " was cancelled");
    }

    private static void produceReadings() throws Exception {
        long start = System.currentTimeMillis() - TimeUnit.DAYS.toMillis(1);
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            for (int step = 0; step < STEPS; step++) {
                for (int k = 0; k < KEYS; k++) {
                    String key = "sensor-" + k;
                    double temperature = 20 + 5 * Math.sin(step / 12.0 + k) + (step == STEPS - 20 ? 40 : 0);
                    byte[] reading = KafkaTestClients.reading(
                            key, start + step * 60_000L, Map.of("temperature", temperature, "humidity", 50.0 + k));
                    producer.send(new ProducerRecord<>("readings", key.getBytes(StandardCharsets.UTF_8), reading));
                }
            }
            producer.send(new ProducerRecord<>("readings", "broken".getBytes(StandardCharsets.UTF_8), new byte[] {1}));
            producer.flush();
        }
    }

    /** Scrapes until every documented metric is there and all readings were counted. */
    private static Map<String, Double> waitForMetrics(String url, Map<String, Pattern> documented) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        Map<String, Double> scraped = Map.of();
        while (System.nanoTime() < deadline) {
            scraped = scrape(url);
            Set<String> names = scraped.keySet();
            boolean all = documented.values().stream()
                    .allMatch(p -> names.stream().anyMatch(n -> p.matcher(n).matches()));
            Double readings = scraped.get("flink_taskmanager_job_task_operator_streamcell_readingsIn");
            if (all && readings != null && readings >= KEYS * STEPS) {
                return scraped;
            }
            Thread.sleep(1000);
        }
        return scraped;
    }

    /** Metric name to the sum of its samples (over subtasks and labels). */
    private static Map<String, Double> scrape(String url) throws IOException, InterruptedException {
        Map<String, Double> sums = new LinkedHashMap<>();
        Matcher sample = SAMPLE.matcher(get(url));
        while (sample.find()) {
            double value = sample.group(3).equals("NaN") ? 0 : Double.parseDouble(sample.group(3));
            sums.merge(sample.group(1), value, Double::sum);
        }
        return sums;
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url).isEqualTo(200);
        return response.body();
    }

    private static List<String> dashboardQueries() throws IOException {
        Set<String> queries =
                new LinkedHashSet<>(JSON.readTree(DASHBOARD.toFile()).findValuesAsText("expr"));
        return new ArrayList<>(queries);
    }

    private static Path prometheusBinary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path candidate = Path.of(dir, "prometheus");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A Prometheus server of the machine's, scraping the reporter every second, on loopback only. */
    private record Prometheus(Process process, String api) implements AutoCloseable {
        static Prometheus start(Path binary, int reporterPort, Path dir) throws Exception {
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    scrape_configs:
                      - job_name: streamcell
                        static_configs:
                          - targets: ["127.0.0.1:%d"]
                    """.formatted(reporterPort));
            int port = freePort();
            Process process = new ProcessBuilder(
                            binary.toString(),
                            "--config.file=" + config,
                            "--storage.tsdb.path=" + dir.resolve("tsdb"),
                            "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("prometheus.log").toFile())
                    .start();
            Prometheus prometheus = new Prometheus(process, "http://127.0.0.1:" + port + "/api/v1/query");
            // Up, and scraped often enough for rate() over a minute: a few samples.
            prometheus.queryWithData("up{job=\"streamcell\"} == 1", Duration.ofSeconds(60));
            Thread.sleep(5000);
            return prometheus;
        }

        /** The query's result vector once it is not empty (or the last one after {@code patience}). */
        JsonNode queryWithData(String query, Duration patience) throws Exception {
            long deadline = System.nanoTime() + patience.toNanos();
            JsonNode result;
            do {
                assertThat(process.isAlive()).as("prometheus runs").isTrue();
                JsonNode response = JSON.readTree(query(query));
                assertThat(response.path("status").asText())
                        .as(query + ": " + response)
                        .isEqualTo("success");
                result = response.path("data").path("result");
                if (result.size() > 0) {
                    return result;
                }
                Thread.sleep(1000);
            } while (System.nanoTime() < deadline);
            return result;
        }

        private String query(String query) throws IOException, InterruptedException {
            try {
                return get(api + "?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
            } catch (IOException notYet) {
                Thread.sleep(500); // still starting
                return "{\"status\":\"success\",\"data\":{\"result\":[]}}";
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
