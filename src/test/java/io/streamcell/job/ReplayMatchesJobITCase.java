package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.avro.Forecast;
import io.streamcell.cli.StreamCellCli;
import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.testing.EmbeddedKafkaExtension;
import io.streamcell.testing.KafkaTestClients;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Future;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * One job configuration, run two ways: {@code streamcell replay --config job.yaml} over a CSV, and
 * the Flink job (MiniCluster, parallelism 2, exactly-once Kafka sinks) over the same readings on a
 * real broker. The configuration uses what replay must reproduce of a job: event-time ordering of
 * readings that arrive out of order, a gap reset, RLS adaptation with non-default settings, and
 * bundled stepping. Every forecast and anomaly score is the same, bit for bit.
 */
class ReplayMatchesJobITCase {
    private static final String CASE = "gru_before_2layer_in3_h20_2targets_horizon2";
    private static final long PAUSE_MILLIS = Duration.ofHours(1).toMillis();

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.builder().build();

    @TempDir
    Path dir;

    @Test
    void replayWithTheJobsConfigurationGivesTheJobsForecastsAndScores() throws Exception {
        GoldenFixtures.Case fixture = GoldenFixtures.load(CASE);
        List<Row> rows = outOfOrderWithPause(fixture.readings());
        Path yaml = dir.resolve("job.yaml");
        Files.writeString(
                yaml,
                String.join(
                        "\n",
                        "job.name: replay-matches-job",
                        "kafka:",
                        "  bootstrap-servers: " + kafka.bootstrapServers(),
                        "topics:",
                        "  readings: rm-readings",
                        "  forecasts: rm-forecasts",
                        "  anomalies: rm-anomalies",
                        "  dead-letters: rm-dead-letters",
                        "  models: none",
                        "model:",
                        "  path: " + GoldenFixtures.root().resolve(CASE).resolve("model"),
                        "ordering:",
                        "  mode: event-time",
                        "  max-out-of-orderness: 5s",
                        "state:",
                        "  reset-after-gap: 10m",
                        "adaptation:",
                        "  mode: rls",
                        "  forgetting: 0.995",
                        "  process-noise: 0.0005",
                        "stepping:",
                        "  mode: bundled",
                        "  bundle-size: 32",
                        "checkpoints:",
                        "  interval: 500ms",
                        "parallelism: 2",
                        ""));
        Path csv = dir.resolve("readings.csv");
        writeCsv(csv, fixture.model().config().features(), rows);

        Path replayed = dir.resolve("forecasts.csv");
        StringWriter err = new StringWriter();
        CommandLine cli = StreamCellCli.newCommandLine();
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(
                "replay", "--config", yaml.toString(), "--input", csv.toString(), "--output", replayed.toString());
        assertThat(exit).as(err.toString()).isZero();
        assertThat(err.toString()).doesNotContain("too late");

        JobConfig config = JobConfigLoader.load(yaml, List.of());
        kafka.createTopics(Map.of(
                config.topics().readings(), 2,
                config.topics().forecasts(), 2,
                config.topics().anomalies(), 1,
                config.topics().deadLetters(), 1));
        produce(config.topics().readings(), fixture.model().config().features(), rows);
        BoundedForecastJob.run(config, fixture.model().config(), new Configuration(), "replay matches job");

        Map<String, String> fromReplay = replayedByKeyAndTime(replayed);
        Map<String, String> fromJob = new HashMap<>();
        KafkaTestClients.readCommitted(
                kafka.bootstrapServers(), config.topics().forecasts(), rows.size(), Duration.ofSeconds(2), bytes -> {
                    Forecast forecast = Forecast.getDecoder().decode(bytes);
                    fromJob.put(
                            forecast.getKey() + "@" + forecast.getEventTime().toEpochMilli(), line(forecast));
                });
        assertThat(fromReplay).hasSize(rows.size());
        assertThat(fromJob).isEqualTo(fromReplay);
    }

    /**
     * A model with a forecast recipe, trained by {@code streamcell train}: {@code forecast-eval}'s
     * forecasts (its online protocol, streamed through the per-key code) are the Kafka job's on the
     * same rows, bit for bit.
     */
    @Test
    void forecastEvalGivesTheJobsForecastsForAModelWithAForecastRecipe() throws Exception {
        int rows = 600;
        Path series = dir.resolve("series.csv");
        Path training = dir.resolve("training.csv");
        List<Row> readings = new ArrayList<>();
        StringBuilder table = new StringBuilder("date,load,temp\n");
        StringBuilder trainingRows = new StringBuilder("key,timestamp,load,temp\n");
        SplittableRandom random = new SplittableRandom(3);
        long start = Instant.parse("2024-03-01T00:00:00Z").toEpochMilli();
        for (int t = 0; t < rows; t++) {
            long time = start + 3_600_000L * t;
            float load = (float) (5 * Math.sin(t * Math.PI / 12) + random.nextGaussian());
            float temp = (float) (20 + Math.cos(t * Math.PI / 12) + 0.3 * random.nextGaussian());
            table.append(Instant.ofEpochMilli(time))
                    .append(',')
                    .append(load)
                    .append(',')
                    .append(temp)
                    .append('\n');
            if (t < 400) {
                trainingRows
                        .append("series,")
                        .append(time)
                        .append(',')
                        .append(load)
                        .append(',')
                        .append(temp)
                        .append('\n');
            }
            readings.add(new Row(t + 2, "series", Long.toString(time), time, new float[] {load, temp}));
        }
        Files.writeString(series, table);
        Files.writeString(training, trainingRows);
        Path model = dir.resolve("model");
        assertThat(cli(
                        "train",
                        "--input",
                        training.toString(),
                        "--features",
                        "load,temp",
                        "--targets",
                        "load,temp",
                        "--hidden",
                        "4",
                        "--epochs",
                        "2",
                        "--val",
                        "0.25",
                        "--quiet",
                        "--out",
                        model.toString()))
                .isZero();
        Path evaluated = dir.resolve("evaluated.csv");
        assertThat(cli(
                        "forecast-eval",
                        "--input",
                        series.toString(),
                        "--split",
                        "300,100,200",
                        "--model",
                        model.toString(),
                        "--output",
                        evaluated.toString(),
                        "--quiet"))
                .isZero();

        JobConfig config = JobConfig.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .readingsTopic("fe-readings")
                .forecastsTopic("fe-forecasts")
                .anomaliesTopic("fe-anomalies")
                .deadLettersTopic("fe-dead-letters")
                .modelsTopic("none")
                .name("forecast-eval-matches-job")
                .transactionalIdPrefix("forecast-eval-matches-job")
                .checkpointInterval(Duration.ofMillis(500))
                .modelPath(model.toString())
                .parallelism(1)
                .build();
        kafka.createTopics(Map.of(
                config.topics().readings(), 1,
                config.topics().forecasts(), 1,
                config.topics().anomalies(), 1,
                config.topics().deadLetters(), 1));
        produce(config.topics().readings(), List.of("load", "temp"), readings);
        BoundedForecastJob.run(
                config, ModelDirectory.read(model).config(), new Configuration(), "forecast-eval matches job");

        Map<String, String> fromJob = new HashMap<>();
        KafkaTestClients.readCommitted(
                kafka.bootstrapServers(), config.topics().forecasts(), rows, Duration.ofSeconds(2), bytes -> {
                    Forecast forecast = Forecast.getDecoder().decode(bytes);
                    fromJob.put(
                            forecast.getKey() + "@" + forecast.getEventTime().toEpochMilli(), line(forecast));
                });
        Map<String, String> fromEval = replayedByKeyAndTime(evaluated);
        assertThat(fromEval).hasSize(rows);
        assertThat(fromJob).isEqualTo(fromEval);
    }

    private static int cli(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = StreamCellCli.newCommandLine();
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        assertThat(exit).as(err.toString()).isZero();
        return exit;
    }

    /** A job forecast as the CSV prints it: the values, then the anomaly score (0 when none). */
    private static String line(Forecast forecast) {
        StringBuilder values = new StringBuilder();
        for (float v : KafkaTestClients.flatten(forecast)) {
            values.append(Float.toString(v)).append(',');
        }
        return values + (forecast.getAnomalyScore() == null ? "0.0" : Float.toString(forecast.getAnomalyScore()));
    }

    /**
     * The fixture's readings, an hour's pause after the first thousand (longer than the gap reset),
     * and out of order: every fifth reading of a key swapped with the key's next one where no reading
     * between them is more than three seconds later (within the out-of-orderness bound). Swaps do not
     * overlap, so no reading gets further behind the newest one before it.
     */
    private static List<Row> outOfOrderWithPause(List<Row> readings) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < readings.size(); i++) {
            Row row = readings.get(i);
            long time = row.epochMillis() + (i >= 1000 ? PAUSE_MILLIS : 0);
            rows.add(new Row(row.line(), row.key(), Long.toString(time), time, row.features()));
        }
        Map<String, Integer> lastIndex = new HashMap<>();
        Map<String, Integer> count = new HashMap<>();
        int swappedUpTo = -1;
        int swaps = 0;
        for (int i = 0; i < rows.size(); i++) {
            String key = rows.get(i).key();
            Integer previous = lastIndex.put(key, i);
            int n = count.merge(key, 1, Integer::sum);
            if (previous != null
                    && previous > swappedUpTo
                    && n % 5 == 0
                    && latest(rows, previous, i) - rows.get(previous).epochMillis() < 3000) {
                Row earlier = rows.get(previous);
                rows.set(previous, rows.get(i));
                rows.set(i, earlier);
                swappedUpTo = i;
                swaps++;
            }
        }
        assertThat(swaps).as("readings out of order").isGreaterThan(50);
        return rows;
    }

    /** The latest event time among rows {@code from..to}. */
    private static long latest(List<Row> rows, int from, int to) {
        long latest = Long.MIN_VALUE;
        for (int i = from; i <= to; i++) {
            latest = Math.max(latest, rows.get(i).epochMillis());
        }
        return latest;
    }

    private static void writeCsv(Path csv, List<String> features, List<Row> rows) throws Exception {
        StringBuilder text = new StringBuilder("key,timestamp," + String.join(",", features) + "\n");
        for (Row row : rows) {
            text.append(row.key()).append(',').append(row.epochMillis());
            for (float value : row.features()) {
                text.append(',').append(Float.toString(value));
            }
            text.append('\n');
        }
        Files.writeString(csv, text);
    }

    private static void produce(String topic, List<String> features, List<Row> rows) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            for (Row row : rows) {
                Map<String, Double> values = new HashMap<>();
                for (int i = 0; i < features.size(); i++) {
                    values.put(features.get(i), (double) row.features()[i]);
                }
                sent.add(producer.send(new ProducerRecord<>(
                        topic,
                        row.key().getBytes(StandardCharsets.UTF_8),
                        KafkaTestClients.reading(row.key(), row.epochMillis(), values))));
            }
        }
        for (Future<RecordMetadata> record : sent) {
            record.get();
        }
    }

    /** key@epochMillis → the forecast values and the anomaly score, as the CSV prints them. */
    private static Map<String, String> replayedByKeyAndTime(Path csv) throws Exception {
        Map<String, String> byKey = new HashMap<>();
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",");
            StringBuilder values = new StringBuilder();
            for (int i = 2; i < cells.length - 1; i++) {
                values.append(Float.toString(Float.parseFloat(cells[i]))).append(',');
            }
            byKey.put(cells[0] + "@" + cells[1], values + Float.toString(Float.parseFloat(cells[cells.length - 1])));
        }
        return byKey;
    }
}
