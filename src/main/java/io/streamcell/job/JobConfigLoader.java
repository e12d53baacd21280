package io.streamcell.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Reads a job configuration: a YAML file (nested or dotted keys) and then {@code key=value}
 * overrides, both with the option names of {@link #OPTIONS}; unknown names are errors, so a typo
 * cannot silently fall back to a default. Keys under {@code kafka.properties.} go to the Kafka
 * clients unchanged.
 */
public final class JobConfigLoader {
    static final String KAFKA_PROPERTIES_PREFIX = "kafka.properties.";

    /** One documented option: its name, default (as a user writes it), meaning, and how it applies. */
    public record Option(
            String name, String defaultValue, String description, BiConsumer<JobConfig.Builder, String> apply) {}

    public static final List<Option> OPTIONS = List.of(
            new Option(
                    "kafka.bootstrap-servers",
                    "(required)",
                    "Kafka brokers, host:port[,host:port...]",
                    JobConfig.Builder::bootstrapServers),
            new Option(
                    "kafka.group-id",
                    "streamcell",
                    "consumer group of the readings source",
                    JobConfig.Builder::groupId),
            new Option(
                    "kafka.delivery",
                    "exactly-once",
                    "exactly-once (Kafka transactions; read outputs with "
                            + "isolation.level=read_committed) or at-least-once",
                    (b, v) -> b.delivery(enumValue(JobConfig.Delivery.class, v))),
            new Option(
                    "kafka.transactional-id-prefix",
                    "streamcell",
                    "prefix of the sinks' transactional ids: unique " + "per job, stable across restarts",
                    JobConfig.Builder::transactionalIdPrefix),
            new Option(
                    "kafka.transaction-timeout",
                    "10m",
                    "Kafka transaction timeout; below the brokers' "
                            + "transaction.max.timeout.ms (15m default), above the checkpoint interval",
                    (b, v) -> b.transactionTimeout(Durations.parse(v))),
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
                            + "for hot-swap (README: Model hot-swap); none turns hot-swap off",
                    JobConfig.Builder::modelsTopic),
            new Option(
                    "model.path",
                    JobConfig.BUNDLED_MODEL,
                    "model directory (config.json + weights.safetensors), " + "or classpath:/... inside the jar",
                    JobConfig.Builder::modelPath),
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
                    "a silent source partition stops holding the watermark back " + "after this long",
                    (b, v) -> b.idleTimeout(Durations.parse(v))),
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
                            + "without one, rls or nlms learn a correction on the top hidden state (README: Online "
                            + "adaptation)",
                    JobConfig.Builder::adaptation),
            new Option(
                    "adaptation.forgetting",
                    "0.999",
                    "RLS forgetting factor in (0, 1]; the memory is about " + "1/(1-forgetting) events",
                    (b, v) -> b.adaptationForgetting(Double.parseDouble(v.trim()))),
            new Option(
                    "adaptation.step-size",
                    "0.05",
                    "NLMS step size in (0, 2)",
                    (b, v) -> b.adaptationStepSize(Double.parseDouble(v.trim()))),
            new Option(
                    "adaptation.process-noise",
                    "0.001",
                    "RLS process noise added to the covariance each event; "
                            + "keeps the readout learning on collinear hidden units",
                    (b, v) -> b.adaptationProcessNoise(Double.parseDouble(v.trim()))),
            new Option(
                    "stepping.mode",
                    "per-event",
                    "per-event (step each reading at once: lowest latency) or "
                            + "bundled (step many keys at once with the bundle kernel: more throughput, same results; "
                            + "README: Bundled stepping)",
                    (b, v) -> b.steppingMode(enumValue(JobConfig.SteppingMode.class, v))),
            new Option(
                    "stepping.bundle-size",
                    "512",
                    "bundled mode: step a bundle when it holds this many readings",
                    (b, v) -> b.bundleSize(Integer.parseInt(v.trim()))),
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
                            + "(one OpenBLAS product per layer and bundle: faster, equal up to float rounding; README: "
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
                    "checkpoints.directory",
                    "(cluster default)",
                    "checkpoint storage URI, e.g. " + "file:///var/streamcell/checkpoints or s3://bucket/path",
                    JobConfig.Builder::checkpointDirectory),
            new Option(
                    "parallelism",
                    "(cluster default)",
                    "parallelism of the job's operators",
                    (b, v) -> b.parallelism(Integer.parseInt(v.trim()))));

    private static final Map<String, Option> BY_NAME = new LinkedHashMap<>();

    static {
        OPTIONS.forEach(option -> BY_NAME.put(option.name(), option));
    }

    private JobConfigLoader() {}

    /**
     * @param yaml the configuration file, or null for defaults only
     * @param overrides {@code key=value} strings applied after the file, in order
     * @throws IllegalArgumentException naming the option at fault (and the file)
     */
    public static JobConfig load(Path yaml, List<String> overrides) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        if (yaml != null) {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(yaml));
            if (root != null && !root.isMissingNode() && !root.isNull()) {
                if (!root.isObject()) {
                    throw new IllegalArgumentException(yaml + ": expected a mapping of options at the top level");
                }
                flatten("", root, values, yaml.toString());
            }
        }
        for (String override : overrides) {
            int equals = override.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("--set " + override + ": expected key=value");
            }
            values.put(override.substring(0, equals).trim(), override.substring(equals + 1));
        }
        return fromValues(values, yaml == null ? "configuration" : yaml.toString());
    }

    /** Applies flat {@code option -> value} pairs to a builder with the defaults. */
    public static JobConfig fromValues(Map<String, String> values, String source) {
        JobConfig.Builder builder = JobConfig.builder();
        List<String> problems = new ArrayList<>();
        values.forEach((name, value) -> {
            if (name.startsWith(KAFKA_PROPERTIES_PREFIX) && name.length() > KAFKA_PROPERTIES_PREFIX.length()) {
                builder.kafkaProperty(name.substring(KAFKA_PROPERTIES_PREFIX.length()), value);
                return;
            }
            Option option = BY_NAME.get(name);
            if (option == null || option.name().endsWith("*")) {
                problems.add("unknown option '" + name + "'" + suggestion(name));
                return;
            }
            try {
                option.apply().accept(builder, value);
            } catch (RuntimeException e) {
                problems.add(name + ": " + e.getMessage());
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(source + ":\n  - " + String.join("\n  - ", problems));
        }
        return builder.build();
    }

    private static final String KAFKA_PROPERTIES = "kafka.properties.";

    private static void flatten(String prefix, JsonNode node, Map<String, String> into, String source) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = prefix + field.getKey();
            JsonNode value = field.getValue();
            if (value.isObject()) {
                flatten(name + ".", value, into, source);
            } else if (value.isArray()) {
                throw new IllegalArgumentException(
                        source + ": option '" + name + "' must be a single value, not a list");
            } else if (value.isBoolean() && !name.startsWith(KAFKA_PROPERTIES)) {
                // YAML 1.1 reads `off` and `on` (also `no`, `yes`) as booleans: they are the option words
                into.put(name, value.booleanValue() ? "on" : "off");
            } else {
                into.put(name, value.isNull() ? "none" : value.asText());
            }
        }
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

    private static String suggestion(String name) {
        Function<String, String> lastPart = n -> n.substring(n.lastIndexOf('.') + 1);
        for (Option option : OPTIONS) {
            if (lastPart.apply(option.name()).equals(lastPart.apply(name))
                    || option.name()
                            .replace("-", "")
                            .equalsIgnoreCase(name.replace("-", "").replace("_", ""))) {
                return " (did you mean '" + option.name() + "'?)";
            }
        }
        return " (see README.md \"Configuration\" for the options)";
    }
}
