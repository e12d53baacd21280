package io.streamcell.job;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.streamcell.files.FileErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Reads a job configuration: a YAML file (nested or dotted keys) and then {@code key=value}
 * overrides, both with the option names of {@link #OPTIONS}; unknown names are errors (with the
 * closest known name), so a typo cannot silently fall back to a default. Keys under {@code
 * kafka.properties.} go to the Kafka clients unchanged, keys under {@code flink.} to the job's Flink
 * configuration. Every error names where the value was set: {@code FILE:LINE:COLUMN} or {@code --set}.
 */
public final class JobConfigLoader {
    static final String KAFKA_PROPERTIES_PREFIX = "kafka.properties.";
    static final String FLINK_PREFIX = "flink.";

    /** One documented option: its name, default (as a user writes it), meaning, and how it applies. */
    public record Option(
            String name, String defaultValue, String description, BiConsumer<JobConfig.Builder, String> apply) {}

    public static final List<Option> OPTIONS = List.of(
            new Option(
                    "job.name",
                    "(required)",
                    "the job's name: unique among the jobs on the Kafka cluster, stable across restarts; the "
                            + "consumer group and transactional-id prefix derive from it",
                    JobConfig.Builder::name),
            new Option(
                    "kafka.bootstrap-servers",
                    "(required)",
                    "Kafka brokers, host:port[,host:port...]",
                    JobConfig.Builder::bootstrapServers),
            new Option(
                    "kafka.group-id",
                    "streamcell-<job.name>",
                    "consumer group of the readings source (the models source adds -models)",
                    JobConfig.Builder::groupId),
            new Option(
                    "kafka.delivery",
                    "exactly-once",
                    "exactly-once (Kafka transactions; read outputs with "
                            + "isolation.level=read_committed) or at-least-once",
                    (b, v) -> b.delivery(enumValue(JobConfig.Delivery.class, v))),
            new Option(
                    "kafka.transactional-id-prefix",
                    "streamcell-<job.name>",
                    "prefix of the sinks' transactional ids: unique " + "per job, stable across restarts",
                    JobConfig.Builder::transactionalIdPrefix),
            new Option(
                    "kafka.transaction-timeout",
                    "10m",
                    "Kafka transaction timeout; at most the brokers' transaction.max.timeout.ms (15m default), at "
                            + "least checkpoints.interval + checkpoints.timeout + kafka.restart-margin",
                    (b, v) -> b.transactionTimeout(Durations.parse(v))),
            new Option(
                    "kafka.restart-margin",
                    "2m",
                    "how long a restarted job may take to commit the transactions of the checkpoint it restores "
                            + "(part of what the transaction timeout must cover)",
                    (b, v) -> b.restartMargin(Durations.parse(v))),
            new Option(
                    "kafka.starting-offsets",
                    "committed",
                    "where a new consumer group starts reading: committed "
                            + "(falling back to earliest), earliest or latest",
                    (b, v) -> b.startingOffsets(enumValue(JobConfig.StartingOffsets.class, v))),
            new Option(
                    "kafka.properties.*",
                    "(none)",
                    "any Kafka client property, passed through unchanged " + "(security.protocol, sasl.*, ssl.*, ...)",
                    (b, v) -> {}),
            new Option(
                    "topics.readings",
                    "readings",
                    "input topic (Avro SensorReading)",
                    JobConfig.Builder::readingsTopic),
            new Option(
                    "topics.forecasts", "forecasts", "output topic (Avro Forecast)", JobConfig.Builder::forecastsTopic),
            new Option(
                    "topics.anomalies",
                    "anomalies",
                    "output topic (Avro AnomalyAlert)",
                    JobConfig.Builder::anomaliesTopic),
            new Option(
                    "topics.dead-letters",
                    "dead-letters",
                    "output topic for records that cannot be used "
                            + "(Avro DeadLetter, with the reason and the original bytes)",
                    JobConfig.Builder::deadLettersTopic),
            new Option(
                    "topics.models",
                    "models",
                    "model-update topic (Avro ModelUpdate), read as a broadcast stream "
                            + "for hot-swap (docs/operations.md: Model hot-swap); none turns hot-swap off",
                    JobConfig.Builder::modelsTopic),
            new Option(
                    "model.path",
                    JobConfig.BUNDLED_MODEL,
                    "model directory (config.json + weights.safetensors), " + "or classpath:/... inside the jar",
                    JobConfig.Builder::modelPath),
            new Option(
                    "model.max-inline-weights",
                    "16mb",
                    "the largest weights a model update may carry inline; larger models are published by uri "
                            + "(see Model hot-swap)",
                    (b, v) -> b.maxInlineWeightBytes(Sizes.parse(v))),
            new Option(
                    "model.update-directories",
                    "none",
                    "comma-separated absolute directories the file: uris of model updates may point into; none "
                            + "accepts no file: uri",
                    (b, v) -> b.updateDirectories(list(v))),
            new Option(
                    "ordering.mode",
                    "event-time",
                    "event-time (buffer each key until the watermark, step in "
                            + "timestamp order) or arrival (step as received)",
                    (b, v) -> b.ordering(enumValue(JobConfig.OrderingMode.class, v))),
            new Option(
                    "ordering.max-out-of-orderness",
                    "5s",
                    "how far the watermark trails the newest event time",
                    (b, v) -> b.maxOutOfOrderness(Durations.parse(v))),
            new Option(
                    "ordering.allowed-lateness",
                    "0s",
                    "events this far behind the watermark are still stepped; "
                            + "later ones become dead letters with reason 'late'",
                    (b, v) -> b.allowedLateness(Durations.parse(v))),
            new Option(
                    "ordering.idle-timeout",
                    "30s",
                    "a source partition without readings (dead letters do not count) stops holding the watermark "
                            + "back after this long; must be positive",
                    (b, v) -> b.idleTimeout(Durations.parse(v))),
            new Option(
                    "ordering.max-ahead-of-clock",
                    "5m",
                    "readings further ahead of the job's clock become dead letters with reason 'bad_timestamp' "
                            + "(one would move the watermark that far ahead); none for no bound",
                    (b, v) -> b.maxAheadOfClock(optionalDuration(v))),
            new Option(
                    "ordering.max-buffered-readings",
                    "10000",
                    "readings one key may have waiting for the watermark; more become dead letters with reason "
                            + "'buffer_full'",
                    (b, v) -> b.maxBufferedReadings(wholeNumber(v))),
            new Option(
                    "ordering.max-buffered-bytes",
                    "4mb",
                    "the same in bytes (key + 4 per feature + 64 per reading)",
                    (b, v) -> b.maxBufferedBytes(Sizes.parse(v))),
            new Option(
                    "state.ttl",
                    "none",
                    "drop the state of a key silent this long (bounds state for unbounded " + "key spaces)",
                    (b, v) -> b.stateTtl(optionalDuration(v))),
            new Option(
                    "state.reset-after-gap",
                    "none",
                    "start a key from a fresh state when its next event is this " + "much later than its last",
                    (b, v) -> b.resetAfterGap(optionalDuration(v))),
            new Option(
                    "adaptation.mode",
                    "model",
                    "model, off, rls or nlms: whether each key's readout learns online from its own errors; model: as "
                            + "the model says (a model with a forecast recipe adapts, others do not); for models "
                            + "without one, rls or nlms learn a correction on the top hidden state (docs/operations.md: Online "
                            + "adaptation)",
                    JobConfig.Builder::adaptation),
            new Option(
                    "adaptation.forgetting",
                    "0.999",
                    "RLS forgetting factor in (0, 1]; the memory is about " + "1/(1-forgetting) events",
                    (b, v) -> b.adaptationForgetting(number(v))),
            new Option(
                    "adaptation.step-size",
                    "0.05",
                    "NLMS step size in (0, 2)",
                    (b, v) -> b.adaptationStepSize(number(v))),
            new Option(
                    "adaptation.process-noise",
                    "0.001",
                    "RLS process noise added to the covariance each event; "
                            + "keeps the readout learning on collinear hidden units",
                    (b, v) -> b.adaptationProcessNoise(number(v))),
            new Option(
                    "stepping.mode",
                    "per-event",
                    "per-event (step each reading at once: lowest latency) or "
                            + "bundled (step many keys at once with the bundle kernel: more throughput, same results; "
                            + "docs/operations.md: Bundled stepping)",
                    (b, v) -> b.steppingMode(enumValue(JobConfig.SteppingMode.class, v))),
            new Option(
                    "stepping.bundle-size",
                    "512",
                    "bundled mode: step a bundle when it holds this many readings",
                    (b, v) -> b.bundleSize(wholeNumber(v))),
            new Option(
                    "stepping.bundle-timeout",
                    "100ms",
                    "bundled mode: step a bundle at the latest this long "
                            + "after its first reading (also on every watermark and checkpoint)",
                    (b, v) -> b.bundleTimeout(Durations.parse(v))),
            new Option(
                    "stepping.kernel",
                    "plain",
                    "bundled mode: plain (Java, bit-identical to per-event) or blas "
                            + "(one OpenBLAS product per layer and bundle: faster, equal up to float rounding; docs/operations.md: "
                            + "Bundled stepping)",
                    (b, v) -> b.bundleKernel(enumValue(JobConfig.BundleKernel.class, v))),
            new Option(
                    "state.backend",
                    "hashmap",
                    "hashmap (heap) or rocksdb",
                    (b, v) -> b.stateBackend(enumValue(JobConfig.StateBackend.class, v))),
            new Option(
                    "checkpoints.interval",
                    "10s",
                    "checkpoint interval; exactly-once outputs become visible " + "on each checkpoint",
                    (b, v) -> b.checkpointInterval(Durations.parse(v))),
            new Option(
                    "checkpoints.timeout",
                    "5m",
                    "a checkpoint not complete after this long fails the job, which restarts from the previous "
                            + "one (so no Kafka transaction is committed after it expired)",
                    (b, v) -> b.checkpointTimeout(Durations.parse(v))),
            new Option(
                    "checkpoints.directory",
                    "(cluster default)",
                    "checkpoint storage URI, e.g. " + "file:///var/streamcell/checkpoints or s3://bucket/path",
                    JobConfig.Builder::checkpointDirectory),
            new Option(
                    "parallelism",
                    "(cluster default)",
                    "parallelism of the job's operators",
                    (b, v) -> b.parallelism(wholeNumber(v))),
            new Option(
                    "max-parallelism",
                    "128",
                    "key groups: the largest parallelism the job can ever be rescaled to; fixed by the first "
                            + "checkpoint or savepoint (earlier releases used 128)",
                    (b, v) -> b.maxParallelism(wholeNumber(v))),
            new Option(
                    "kafka.connect-timeout",
                    "30s",
                    "how long run waits for a Kafka broker to answer before it stops with an error",
                    (b, v) -> b.connectTimeout(Durations.parse(v))),
            new Option(
                    "flink.*",
                    "(none)",
                    "any Flink configuration option, passed to the job's Flink configuration "
                            + "(flink.execution.buffer-timeout: 5ms sets execution.buffer-timeout)",
                    (b, v) -> {}));

    private static final Map<String, Option> BY_NAME = new LinkedHashMap<>();

    static {
        OPTIONS.forEach(option -> BY_NAME.put(option.name(), option));
    }

    /** Where a value came from, for error messages: {@code job.yaml:3:5} or {@code --set key=value}. */
    private record Value(String text, String source) {}

    private JobConfigLoader() {}

    /**
     * @param yaml the configuration file, or null for defaults only
     * @param overrides {@code key=value} strings applied after the file, in order
     * @throws IllegalArgumentException naming each option at fault, where it was set ({@code
     *     FILE:LINE:COLUMN} or {@code --set}) and what to do
     */
    public static JobConfig load(Path yaml, List<String> overrides) throws IOException {
        Map<String, Value> values = new LinkedHashMap<>();
        if (yaml != null) {
            readYaml(yaml, values);
        }
        for (String override : overrides) {
            int equals = override.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("--set " + override + ": expected key=value, e.g. --set "
                        + (override.isBlank() ? "parallelism" : override.trim()) + "=...");
            }
            values.put(
                    override.substring(0, equals).trim(),
                    new Value(override.substring(equals + 1), "--set " + override));
        }
        return apply(values);
    }

    /** Applies flat {@code option -> value} pairs to a builder with the defaults; {@code source} names them in errors. */
    public static JobConfig fromValues(Map<String, String> values, String source) {
        Map<String, Value> sourced = new LinkedHashMap<>();
        values.forEach((name, value) -> sourced.put(name, new Value(value, source)));
        return apply(sourced);
    }

    private static JobConfig apply(Map<String, Value> values) {
        JobConfig.Builder builder = JobConfig.builder();
        List<String> problems = new ArrayList<>();
        values.forEach((name, value) -> {
            String at = value.source() + ": ";
            if (name.startsWith(KAFKA_PROPERTIES_PREFIX) && name.length() > KAFKA_PROPERTIES_PREFIX.length()) {
                builder.kafkaProperty(name.substring(KAFKA_PROPERTIES_PREFIX.length()), value.text());
                return;
            }
            if (name.startsWith(FLINK_PREFIX) && name.length() > FLINK_PREFIX.length()) {
                String flinkKey = name.substring(FLINK_PREFIX.length());
                String instead = JOB_FLINK_OPTIONS.get(flinkKey);
                if (instead != null) {
                    problems.add(at + name + " is set by the job itself: use " + instead + " instead");
                } else {
                    builder.flinkOption(flinkKey, value.text());
                }
                return;
            }
            Option option = BY_NAME.get(name);
            if (option == null || option.name().endsWith("*")) {
                problems.add(at + "unknown option '" + name + "'" + suggestion(name));
                return;
            }
            try {
                option.apply().accept(builder, value.text());
            } catch (RuntimeException e) {
                problems.add(at + name + ": " + e.getMessage());
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid job configuration:\n  - " + String.join("\n  - ", problems));
        }
        return builder.build();
    }

    /** Flattens the file's options, remembering the line and column of each. */
    private static void readYaml(Path yaml, Map<String, Value> into) throws IOException {
        try (JsonParser parser = new YAMLFactory().createParser(Files.readAllBytes(yaml))) {
            JsonToken first = parser.nextToken();
            if (first == null || first == JsonToken.VALUE_NULL) {
                return; // an empty file: defaults only
            }
            if (first != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException(yaml + ":" + location(parser)
                        + ": expected a mapping of options (name: value) at the top level");
            }
            readMapping(yaml, parser, "", into);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(FileErrors.syntax(yaml, e) + " (not valid YAML)");
        }
    }

    private static void readMapping(Path yaml, JsonParser parser, String prefix, Map<String, Value> into)
            throws IOException {
        for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
            String name = prefix + parser.currentName();
            String at = yaml + ":" + location(parser);
            JsonToken value = parser.nextToken();
            if (value == JsonToken.START_OBJECT) {
                readMapping(yaml, parser, name + ".", into);
            } else if (value == JsonToken.START_ARRAY) {
                throw new IllegalArgumentException(at + ": option '" + name + "' must be a single value, not a list");
            } else if ((value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE)
                    && !name.startsWith(KAFKA_PROPERTIES_PREFIX)
                    && !name.startsWith(FLINK_PREFIX)) {
                // YAML 1.1 reads `off` and `on` (also `no`, `yes`) as booleans: for our options they are
                // the option words; Kafka and Flink properties keep true/false
                into.put(name, new Value(value == JsonToken.VALUE_TRUE ? "on" : "off", at));
            } else {
                into.put(name, new Value(value == JsonToken.VALUE_NULL ? "none" : parser.getText(), at));
            }
        }
    }

    private static String location(JsonParser parser) {
        JsonLocation at = parser.currentTokenLocation();
        return at.getLineNr() + ":" + at.getColumnNr();
    }

    /** Comma-separated values; {@code none} or empty for none. */
    private static List<String> list(String value) {
        String text = value.trim();
        if (text.isEmpty() || text.equalsIgnoreCase("none")) {
            return List.of();
        }
        List<String> values = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                values.add(part.trim());
            }
        }
        return values;
    }

    private static Duration optionalDuration(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        return text.isEmpty() || text.equals("none") || text.equals("off") ? null : Durations.parse(value);
    }

    static <E extends Enum<E>> E enumValue(Class<E> type, String value) {
        String normalised = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(normalised)) {
                return constant;
            }
        }
        List<String> allowed = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            allowed.add(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw new IllegalArgumentException("'" + value + "' is not one of " + String.join(", ", allowed));
    }

    /** Flink options the job sets from its own options: the one to use instead. */
    private static final Map<String, String> JOB_FLINK_OPTIONS = Map.of(
            "execution.checkpointing.interval", "checkpoints.interval",
            "execution.checkpointing.dir", "checkpoints.directory",
            "execution.checkpointing.timeout", "checkpoints.timeout",
            "execution.checkpointing.tolerable-failed-checkpoints",
                    "nothing (a failed checkpoint must fail the job: its Kafka transactions would expire)",
            "state.backend.type", "state.backend",
            "parallelism.default", "parallelism",
            "pipeline.max-parallelism", "max-parallelism",
            "execution.checkpointing.mode", "nothing (the outputs rely on exactly-once checkpoints)",
            "pipeline.generic-types", "nothing (the job's types all have their own serializers)");

    /** First words of Flink's configuration options, to tell a Flink option written without its prefix. */
    private static final List<String> FLINK_OPTION_GROUPS = List.of(
            "execution.",
            "pipeline.",
            "taskmanager.",
            "jobmanager.",
            "rest.",
            "metrics.",
            "restart-strategy.",
            "state.backend.",
            "state.checkpoints.",
            "classloader.",
            "web.",
            "table.",
            "cluster.",
            "high-availability.",
            "akka.",
            "pekko.",
            "parallelism.default");

    static int wholeNumber(String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' is not a whole number");
        }
    }

    static double number(String value) {
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' is not a number");
        }
    }

    /** The closest documented option to a name that is none, as {@code " (did you mean 'x'?)"}. */
    static String suggestion(String name) {
        for (String group : FLINK_OPTION_GROUPS) {
            if (name.startsWith(group)) {
                return " (did you mean '" + FLINK_PREFIX + name + "'? Flink options take the prefix " + FLINK_PREFIX
                        + ")";
            }
        }
        String normalised = normalise(name);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Option option : OPTIONS) {
            String candidate = option.name();
            if (candidate.endsWith("*")) {
                continue;
            }
            int distance = editDistance(normalised, normalise(candidate));
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        boolean close = best != null && bestDistance <= Math.max(2, best.length() / 4);
        return close
                ? " (did you mean '" + best + "'?)"
                : " (the options are listed in docs/operations.md \"Configuration\")";
    }

    private static String normalise(String name) {
        return name.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Levenshtein distance: insertions, deletions and substitutions of one character. */
    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
