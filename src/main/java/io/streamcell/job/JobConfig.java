package io.streamcell.job;

import io.streamcell.adapt.Adaptation;
import io.streamcell.core.EventOrdering;
import io.streamcell.core.PendingLimits;
import io.streamcell.core.StepSettings;
import io.streamcell.io.avro.ReadingLimits;
import io.streamcell.model.io.Safetensors;
import io.streamcell.model.io.UpdatePolicy;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Everything the forecast job needs to run, typed and validated. Made by {@link JobConfigLoader}
 * from a YAML file plus {@code --set key=value} overrides, or in code with {@link #builder()}.
 * Option names, defaults and meanings are listed in docs/operations.md "Configuration".
 */
public record JobConfig(
        String name,
        Kafka kafka,
        Topics topics,
        String modelPath,
        HotSwap hotSwap,
        Ordering ordering,
        State state,
        Stepping stepping,
        Checkpoints checkpoints,
        int parallelism,
        int maxParallelism,
        Map<String, String> flinkOptions) {

    /**
     * @param flinkOptions Flink configuration options ({@code flink.*} in the job file, without the
     *     prefix), applied to the job's Flink configuration before the job's own settings
     */
    public JobConfig {
        flinkOptions = Map.copyOf(flinkOptions);
    }

    /** The model bundled in the jar, used when no model path is configured. */
    public static final String BUNDLED_MODEL = "classpath:/models/demo";

    /** What the consumer group and the transactional-id prefix are by default: this plus the job name. */
    public static final String KAFKA_NAME_PREFIX = "streamcell-";

    /**
     * Key groups: the most parallel instances the keyed state can ever be spread over. Fixed in every
     * savepoint; 128 is what Flink chose for the savepoints of earlier releases (which did not set it).
     */
    public static final int DEFAULT_MAX_PARALLELISM = 128;

    /** Flink's upper bound on key groups. */
    static final int MAX_KEY_GROUPS = 1 << 15;

    private static final Pattern JOB_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    public enum Delivery {
        EXACTLY_ONCE,
        AT_LEAST_ONCE
    }

    public enum StartingOffsets {
        COMMITTED,
        EARLIEST,
        LATEST
    }

    public enum OrderingMode {
        /** Buffer each key's events until the watermark passes them, then release in timestamp order. */
        EVENT_TIME,
        /** Step events as they arrive (the source already guarantees per-key order). */
        ARRIVAL
    }

    public enum SteppingMode {
        /** Step each reading as it is processed: the lowest latency. */
        PER_EVENT,
        /** Collect readings into bundles and step all keys of a bundle at once: more throughput. */
        BUNDLED
    }

    /** The kernel that steps a bundle of keys in bundled mode. */
    public enum BundleKernel {
        /** Plain Java, keys innermost: outputs and state bit-identical to per-event stepping. */
        PLAIN,
        /**
         * One OpenBLAS matrix product per layer for the bundle (ND4J's native stack): faster math,
         * equal to per-event stepping up to float rounding (BLAS sums in another order), not bit for bit.
         */
        BLAS
    }

    public enum StateBackend {
        HASHMAP,
        ROCKSDB
    }

    /**
     * @param properties passed to every Kafka client unchanged (security.protocol, sasl.*, ssl.*, …)
     * @param transactionTimeout must stay below the brokers' transaction.max.timeout.ms (15 min by
     *     default), and cover a checkpoint interval, a checkpoint timeout and a restart margin
     * @param connectTimeout how long {@code run} waits for a broker to answer before it stops
     * @param restartMargin how long a restarted job may take to commit the transactions of the
     *     checkpoint it restores
     */
    public record Kafka(
            String bootstrapServers,
            String groupId,
            Map<String, String> properties,
            Delivery delivery,
            String transactionalIdPrefix,
            Duration transactionTimeout,
            StartingOffsets startingOffsets,
            Duration connectTimeout,
            Duration restartMargin) {
        public Kafka {
            properties = Map.copyOf(properties);
        }
    }

    /** @param models the model-update topic, or null when hot-swap is off ({@code topics.models: none}) */
    public record Topics(String readings, String forecasts, String anomalies, String deadLetters, String models) {
        /** Whether model updates are read from {@link #models}. */
        public boolean hotSwap() {
            return models != null;
        }
    }

    /**
     * @param maxOutOfOrderness how far behind the newest event the watermark trails
     * @param allowedLateness how far behind the watermark an event may still be stepped; later ones
     *     are dead letters with reason {@code late}
     * @param idleTimeout a source split with no readings for this long stops holding back the
     *     watermark (records that are not readings do not count)
     * @param maxAheadOfClock readings further ahead of the clock are dead letters with reason
     *     {@code bad_timestamp}; null for no bound
     * @param maxBufferedReadings readings one key may have waiting for the watermark; more are dead
     *     letters with reason {@code buffer_full}
     * @param maxBufferedBytes the same in estimated bytes ({@link PendingLimits#readingBytes})
     */
    public record Ordering(
            OrderingMode mode,
            Duration maxOutOfOrderness,
            Duration allowedLateness,
            Duration idleTimeout,
            Duration maxAheadOfClock,
            int maxBufferedReadings,
            long maxBufferedBytes) {
        public static final Duration DEFAULT_MAX_AHEAD_OF_CLOCK =
                Duration.ofMillis(ReadingLimits.DEFAULT_MAX_AHEAD_OF_CLOCK_MILLIS);

        /** With the default clock bound and buffer limits. */
        public Ordering(OrderingMode mode, Duration maxOutOfOrderness, Duration allowedLateness, Duration idleTimeout) {
            this(
                    mode,
                    maxOutOfOrderness,
                    allowedLateness,
                    idleTimeout,
                    DEFAULT_MAX_AHEAD_OF_CLOCK,
                    PendingLimits.DEFAULT_MAX_READINGS,
                    PendingLimits.DEFAULT_MAX_BYTES);
        }

        /** The readings' limits with this ordering's bound on event times ahead of the clock. */
        public ReadingLimits readingLimits() {
            return ReadingLimits.DEFAULTS.withMaxAheadOfClock(maxAheadOfClock);
        }
    }

    /**
     * Model hot-swap's limits on what an update may bring.
     *
     * @param maxInlineWeightBytes largest {@code weights} an update may carry inline; larger models go
     *     by {@code uri}
     * @param updateDirectories absolute, normalised directories that the {@code file:} URIs of
     *     updates may point into (empty: no {@code file:} URI is accepted)
     */
    public record HotSwap(long maxInlineWeightBytes, List<String> updateDirectories) implements Serializable {
        private static final long serialVersionUID = 1L;

        public static final long DEFAULT_MAX_INLINE_WEIGHT_BYTES = 16L << 20;

        /** Inline weights up to the default, no {@code file:} URIs. */
        public static final HotSwap DEFAULTS = new HotSwap(DEFAULT_MAX_INLINE_WEIGHT_BYTES, List.of());

        public HotSwap {
            updateDirectories = List.copyOf(updateDirectories);
        }

        /** These limits, with {@code file:} URIs also allowed inside {@code directory}. */
        public HotSwap withUpdateDirectory(Path directory) {
            List<String> directories = new ArrayList<>(updateDirectories);
            directories.add(directory.toAbsolutePath().normalize().toString());
            return new HotSwap(maxInlineWeightBytes, directories);
        }

        /** The rules an update is checked against ({@link UpdatePolicy}). */
        public UpdatePolicy policy() {
            return new UpdatePolicy(
                    maxInlineWeightBytes,
                    updateDirectories.stream().map(Path::of).toList());
        }
    }

    /**
     * @param ttl a key silent this long (processing time) loses its state; null keeps state forever
     * @param resetAfterGap a key whose next event comes this much later (event time) starts from a
     *     fresh state; null never resets
     * @param adaptation how each key adapts its forecasts online; null: not at all
     */
    public record State(Duration ttl, Duration resetAfterGap, StateBackend backend, Adaptation adaptation) {
        public State(Duration ttl, Duration resetAfterGap, StateBackend backend) {
            this(ttl, resetAfterGap, backend, null);
        }
    }

    /**
     * How the forecast operator steps keys; both modes give the same outputs and state.
     *
     * @param bundleSize bundled mode: a bundle is stepped when it holds this many readings
     * @param bundleTimeout bundled mode: ... or this long (processing time) after its first reading
     * @param kernel bundled mode: the kernel that steps a bundle
     */
    public record Stepping(SteppingMode mode, int bundleSize, Duration bundleTimeout, BundleKernel kernel) {
        public static final int DEFAULT_BUNDLE_SIZE = 512;
        public static final Duration DEFAULT_BUNDLE_TIMEOUT = Duration.ofMillis(100);

        public Stepping {
            Objects.requireNonNull(kernel, "kernel");
        }

        /** With the default, bit-exact {@link BundleKernel#PLAIN} kernel. */
        public Stepping(SteppingMode mode, int bundleSize, Duration bundleTimeout) {
            this(mode, bundleSize, bundleTimeout, BundleKernel.PLAIN);
        }

        /** Per-event stepping (the default). */
        public static Stepping perEvent() {
            return new Stepping(SteppingMode.PER_EVENT, DEFAULT_BUNDLE_SIZE, DEFAULT_BUNDLE_TIMEOUT);
        }
    }

    /**
     * @param timeout a checkpoint still running after this long fails, and with it the job, which
     *     restarts from the previous checkpoint: so no transaction is committed after it expired
     */
    public record Checkpoints(Duration interval, String directory, Duration timeout) {
        public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

        public Checkpoints(Duration interval, String directory) {
            this(interval, directory, DEFAULT_TIMEOUT);
        }
    }

    /** How the forecast operator steps readings, as the Flink-free core takes it. */
    public StepSettings stepSettings() {
        return stepSettings(ordering, state, stepping);
    }

    /** The core's stepping settings for these options (per-event mode steps bundles of one). */
    public static StepSettings stepSettings(Ordering ordering, State state, Stepping stepping) {
        EventOrdering eventOrdering = new EventOrdering(
                ordering.mode() == OrderingMode.EVENT_TIME,
                ordering.maxOutOfOrderness(),
                ordering.allowedLateness(),
                new PendingLimits(ordering.maxBufferedReadings(), ordering.maxBufferedBytes()));
        StepSettings.Kernel kernel =
                stepping.kernel() == BundleKernel.BLAS ? StepSettings.Kernel.BLAS : StepSettings.Kernel.PLAIN;
        int bundleSize = stepping.mode() == SteppingMode.BUNDLED ? stepping.bundleSize() : 1;
        return new StepSettings(eventOrdering, state.resetAfterGap(), state.adaptation(), kernel, bundleSize);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Fluent construction with the defaults documented in docs/operations.md; {@link #build()} runs one
     * sanity check that lists every problem with what to do about it.
     */
    public static final class Builder {
        private String name;
        private String bootstrapServers;
        private String groupId; // null: derived from the job name
        private final Map<String, String> kafkaProperties = new LinkedHashMap<>();
        private Delivery delivery = Delivery.EXACTLY_ONCE;
        private String transactionalIdPrefix; // null: derived from the job name
        private Duration transactionTimeout = Duration.ofMinutes(10);
        private Duration restartMargin = Duration.ofMinutes(2);
        private StartingOffsets startingOffsets = StartingOffsets.COMMITTED;
        private Duration connectTimeout = Duration.ofSeconds(30);
        private final Map<String, String> flinkOptions = new LinkedHashMap<>();
        private String readingsTopic = "readings";
        private String forecastsTopic = "forecasts";
        private String anomaliesTopic = "anomalies";
        private String deadLettersTopic = "dead-letters";
        private String modelsTopic = "models";
        private String modelPath = BUNDLED_MODEL;
        private OrderingMode orderingMode = OrderingMode.EVENT_TIME;
        private Duration maxOutOfOrderness = Duration.ofSeconds(5);
        private Duration allowedLateness = Duration.ZERO;
        private Duration idleTimeout = Duration.ofSeconds(30);
        private Duration maxAheadOfClock = Ordering.DEFAULT_MAX_AHEAD_OF_CLOCK;
        private int maxBufferedReadings = PendingLimits.DEFAULT_MAX_READINGS;
        private long maxBufferedBytes = PendingLimits.DEFAULT_MAX_BYTES;
        private long maxInlineWeightBytes = HotSwap.DEFAULT_MAX_INLINE_WEIGHT_BYTES;
        private final List<String> updateDirectories = new ArrayList<>();
        private Duration stateTtl;
        private Duration resetAfterGap;
        private String adaptationMode = "model";
        private double adaptationForgetting = Adaptation.DEFAULT_FORGETTING;
        private double adaptationStepSize = Adaptation.DEFAULT_STEP_SIZE;
        private double adaptationProcessNoise = Adaptation.DEFAULT_PROCESS_NOISE;
        private StateBackend stateBackend = StateBackend.HASHMAP;
        private SteppingMode steppingMode = SteppingMode.PER_EVENT;
        private BundleKernel bundleKernel = BundleKernel.PLAIN;
        private int bundleSize = Stepping.DEFAULT_BUNDLE_SIZE;
        private Duration bundleTimeout = Stepping.DEFAULT_BUNDLE_TIMEOUT;
        private Duration checkpointInterval = Duration.ofSeconds(10);
        private Duration checkpointTimeout = Checkpoints.DEFAULT_TIMEOUT;
        private String checkpointDirectory;
        private int parallelism = -1;
        private int maxParallelism = DEFAULT_MAX_PARALLELISM;

        private Builder() {}

        /**
         * The job's name, required: unique among the jobs on the Kafka cluster and stable across
         * restarts. The consumer group and the transactional-id prefix are {@code streamcell-<name>}
         * unless set.
         */
        public Builder name(String value) {
            this.name = Objects.requireNonNull(value, "name");
            return this;
        }

        public Builder bootstrapServers(String value) {
            this.bootstrapServers = Objects.requireNonNull(value, "bootstrapServers");
            return this;
        }

        public Builder groupId(String value) {
            this.groupId = Objects.requireNonNull(value, "groupId");
            return this;
        }

        public Builder kafkaProperty(String key, String value) {
            kafkaProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** How long {@code run} waits for a broker to answer before it stops with an error. */
        public Builder connectTimeout(Duration value) {
            this.connectTimeout = Objects.requireNonNull(value, "connectTimeout");
            return this;
        }

        /** A Flink configuration option for the job, e.g. {@code execution.buffer-timeout} = {@code 5ms}. */
        public Builder flinkOption(String key, String value) {
            flinkOptions.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder delivery(Delivery value) {
            this.delivery = Objects.requireNonNull(value, "delivery");
            return this;
        }

        public Builder transactionalIdPrefix(String value) {
            this.transactionalIdPrefix = value;
            return this;
        }

        public Builder transactionTimeout(Duration value) {
            this.transactionTimeout = Objects.requireNonNull(value, "transactionTimeout");
            return this;
        }

        /** How long a restarted job may take to commit its checkpoint's transactions (the timeout must cover it). */
        public Builder restartMargin(Duration value) {
            this.restartMargin = Objects.requireNonNull(value, "restartMargin");
            return this;
        }

        public Builder startingOffsets(StartingOffsets value) {
            this.startingOffsets = Objects.requireNonNull(value, "startingOffsets");
            return this;
        }

        public Builder readingsTopic(String value) {
            this.readingsTopic = Objects.requireNonNull(value, "readingsTopic");
            return this;
        }

        /** The model-update topic; {@code none} or empty turns hot-swap off. */
        public Builder modelsTopic(String value) {
            String topic = Objects.requireNonNull(value, "modelsTopic").trim();
            this.modelsTopic = topic.isEmpty() || topic.equalsIgnoreCase("none") ? null : topic;
            return this;
        }

        public Builder forecastsTopic(String value) {
            this.forecastsTopic = Objects.requireNonNull(value, "forecastsTopic");
            return this;
        }

        public Builder anomaliesTopic(String value) {
            this.anomaliesTopic = Objects.requireNonNull(value, "anomaliesTopic");
            return this;
        }

        public Builder deadLettersTopic(String value) {
            this.deadLettersTopic = Objects.requireNonNull(value, "deadLettersTopic");
            return this;
        }

        /** A model directory, or {@code classpath:/...} for a model inside the jar. */
        public Builder modelPath(String value) {
            this.modelPath = Objects.requireNonNull(value, "modelPath");
            return this;
        }

        public Builder ordering(OrderingMode value) {
            this.orderingMode = Objects.requireNonNull(value, "ordering");
            return this;
        }

        public Builder maxOutOfOrderness(Duration value) {
            this.maxOutOfOrderness = Objects.requireNonNull(value, "maxOutOfOrderness");
            return this;
        }

        public Builder allowedLateness(Duration value) {
            this.allowedLateness = Objects.requireNonNull(value, "allowedLateness");
            return this;
        }

        public Builder idleTimeout(Duration value) {
            this.idleTimeout = Objects.requireNonNull(value, "idleTimeout");
            return this;
        }

        /** Readings further ahead of the clock are dead letters; null for no bound. */
        public Builder maxAheadOfClock(Duration value) {
            this.maxAheadOfClock = value;
            return this;
        }

        /** Readings one key may have waiting for the watermark. */
        public Builder maxBufferedReadings(int value) {
            this.maxBufferedReadings = value;
            return this;
        }

        /** Estimated bytes one key's readings waiting for the watermark may take. */
        public Builder maxBufferedBytes(long value) {
            this.maxBufferedBytes = value;
            return this;
        }

        /** The largest weights a model update may carry inline. */
        public Builder maxInlineWeightBytes(long value) {
            this.maxInlineWeightBytes = value;
            return this;
        }

        /** A directory the {@code file:} URIs of model updates may point into (repeatable). */
        public Builder updateDirectory(String value) {
            this.updateDirectories.add(Objects.requireNonNull(value, "updateDirectory"));
            return this;
        }

        /** Replaces the directories that {@code file:} URIs of model updates may point into. */
        public Builder updateDirectories(List<String> values) {
            this.updateDirectories.clear();
            values.forEach(this::updateDirectory);
            return this;
        }

        /** Null (the default) keeps state of silent keys forever. */
        public Builder stateTtl(Duration value) {
            this.stateTtl = value;
            return this;
        }

        /** Null (the default) never resets a key's state because of a gap. */
        /** {@code off}, {@code rls} or {@code nlms}. */
        public Builder adaptation(String mode) {
            this.adaptationMode = Objects.requireNonNull(mode, "adaptation");
            return this;
        }

        public Builder adaptationForgetting(double value) {
            this.adaptationForgetting = value;
            return this;
        }

        public Builder adaptationProcessNoise(double value) {
            this.adaptationProcessNoise = value;
            return this;
        }

        public Builder adaptationStepSize(double value) {
            this.adaptationStepSize = value;
            return this;
        }

        public Builder resetAfterGap(Duration value) {
            this.resetAfterGap = value;
            return this;
        }

        public Builder stateBackend(StateBackend value) {
            this.stateBackend = Objects.requireNonNull(value, "stateBackend");
            return this;
        }

        public Builder steppingMode(SteppingMode value) {
            this.steppingMode = Objects.requireNonNull(value, "steppingMode");
            return this;
        }

        /** Bundled mode: the kernel that steps a bundle. */
        public Builder bundleKernel(BundleKernel value) {
            this.bundleKernel = Objects.requireNonNull(value, "bundleKernel");
            return this;
        }

        /** Bundled mode: readings per bundle at most. */
        public Builder bundleSize(int value) {
            this.bundleSize = value;
            return this;
        }

        /** Bundled mode: how long (processing time) a reading may wait in a bundle at most. */
        public Builder bundleTimeout(Duration value) {
            this.bundleTimeout = Objects.requireNonNull(value, "bundleTimeout");
            return this;
        }

        public Builder checkpointInterval(Duration value) {
            this.checkpointInterval = Objects.requireNonNull(value, "checkpointInterval");
            return this;
        }

        /** A checkpoint running longer fails, and the job restarts from the one before. */
        public Builder checkpointTimeout(Duration value) {
            this.checkpointTimeout = Objects.requireNonNull(value, "checkpointTimeout");
            return this;
        }

        /** Where checkpoints go (a Flink file system URI); null leaves it to the cluster's configuration. */
        public Builder checkpointDirectory(String value) {
            this.checkpointDirectory = value;
            return this;
        }

        /** Operator parallelism; -1 (the default) uses the cluster's default. */
        public Builder parallelism(int value) {
            this.parallelism = value;
            return this;
        }

        /** Key groups: the largest parallelism the job can ever be rescaled to; fixed by the first savepoint. */
        public Builder maxParallelism(int value) {
            this.maxParallelism = value;
            return this;
        }

        /**
         * @throws IllegalArgumentException listing every invalid option and how to fix it
         */
        public JobConfig build() {
            List<String> problems = new ArrayList<>();
            if (name == null || name.isBlank()) {
                problems.add("job.name is required: a name unique to this job on the Kafka cluster and stable across "
                        + "restarts, e.g. sensors-prod; the consumer group and the transactional-id prefix are "
                        + KAFKA_NAME_PREFIX + "<job.name> (two jobs of one name would fence each other's "
                        + "transactions and share offsets)");
            } else if (!JOB_NAME.matcher(name).matches()) {
                problems.add("job.name '" + name + "' must be 1 to 100 letters, digits, '.', '_' or '-', starting "
                        + "with a letter or digit");
            }
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                problems.add(
                        "kafka.bootstrap-servers is required: the Kafka brokers to connect to, e.g. localhost:9092");
            }
            if (groupId != null && groupId.isBlank()) {
                problems.add("kafka.group-id must not be empty (leave it out for " + KAFKA_NAME_PREFIX + "<job.name>)");
            }
            if (transactionalIdPrefix != null && transactionalIdPrefix.isBlank()) {
                problems.add("kafka.transactional-id-prefix must not be empty (leave it out for " + KAFKA_NAME_PREFIX
                        + "<job.name>): Kafka fences producers by it");
            }
            if (transactionTimeout.compareTo(Duration.ofMinutes(15)) > 0
                    && !kafkaProperties.containsKey("transaction.max.timeout.ms")) {
                problems.add("kafka.transaction-timeout " + Durations.format(transactionTimeout)
                        + " exceeds the brokers' default "
                        + "transaction.max.timeout.ms (15m): lower it, or raise the broker setting and say so with "
                        + "kafka.properties.transaction.max.timeout.ms");
            }
            if (checkpointTimeout.isNegative() || checkpointTimeout.isZero()) {
                problems.add("checkpoints.timeout must be positive");
            }
            if (restartMargin.isNegative()) {
                problems.add("kafka.restart-margin must not be negative");
            }
            Duration covered = checkpointInterval.plus(checkpointTimeout).plus(restartMargin);
            if (delivery == Delivery.EXACTLY_ONCE && transactionTimeout.compareTo(covered) < 0) {
                problems.add("kafka.transaction-timeout (" + Durations.format(transactionTimeout) + ") must be at "
                        + "least checkpoints.interval (" + Durations.format(checkpointInterval)
                        + ") + checkpoints.timeout (" + Durations.format(checkpointTimeout)
                        + ") + kafka.restart-margin (" + Durations.format(restartMargin) + ") = "
                        + Durations.format(covered) + ": a transaction stays open from one checkpoint until the next "
                        + "completes (or a restarted job commits it), and Kafka aborts it after the timeout, losing "
                        + "its records; raise the timeout (up to the brokers' transaction.max.timeout.ms) or lower "
                        + "the others");
            }
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                problems.add("kafka.connect-timeout must be positive: how long to wait for a broker to answer");
            }
            if (checkpointInterval.isNegative() || checkpointInterval.isZero()) {
                problems.add("checkpoints.interval must be positive (exactly-once output is committed on checkpoints)");
            }
            for (Map.Entry<String, Duration> d : Map.of(
                            "ordering.max-out-of-orderness",
                            maxOutOfOrderness,
                            "ordering.allowed-lateness",
                            allowedLateness)
                    .entrySet()) {
                if (d.getValue().isNegative()) {
                    problems.add(d.getKey() + " must not be negative");
                }
            }
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                problems.add("ordering.idle-timeout must be positive: how long a source partition without readings "
                        + "may hold the watermark back (0 would let the watermark run ahead of every partition that "
                        + "pauses for a moment)");
            }
            if (maxAheadOfClock != null && (maxAheadOfClock.isNegative() || maxAheadOfClock.isZero())) {
                problems.add("ordering.max-ahead-of-clock must be positive, or 'none' for no bound");
            }
            if (maxBufferedReadings < 1) {
                problems.add("ordering.max-buffered-readings must be at least 1, got " + maxBufferedReadings);
            }
            if (maxBufferedBytes < PendingLimits.READING_OVERHEAD_BYTES) {
                problems.add("ordering.max-buffered-bytes must hold at least one reading ("
                        + PendingLimits.READING_OVERHEAD_BYTES + " bytes), got " + maxBufferedBytes);
            }
            if (maxInlineWeightBytes < 1 || maxInlineWeightBytes > Safetensors.MAX_FILE_BYTES) {
                problems.add("model.max-inline-weights must be between 1 byte and the model size limit ("
                        + Safetensors.MAX_FILE_BYTES + " bytes), got " + maxInlineWeightBytes);
            }
            List<String> directories = new ArrayList<>();
            for (String directory : updateDirectories) {
                String trimmed = directory.trim();
                if (trimmed.isEmpty()) {
                    continue;
                }
                Path path = Path.of(trimmed);
                if (!path.isAbsolute()) {
                    problems.add("model.update-directories: '" + trimmed + "' must be an absolute path");
                } else {
                    directories.add(path.normalize().toString());
                }
            }
            if (stateTtl != null && (stateTtl.isNegative() || stateTtl.isZero())) {
                problems.add("state.ttl must be positive, or 'none' to keep state forever");
            }
            Adaptation adaptation = null;
            try {
                adaptation = Adaptation.parse(adaptationMode);
                if (adaptation != null && !adaptation.off()) {
                    adaptation = new Adaptation(
                            adaptation.method(),
                            adaptationForgetting,
                            adaptation.initialVariance(),
                            adaptationStepSize,
                            adaptationProcessNoise);
                }
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
            if (resetAfterGap != null && (resetAfterGap.isNegative() || resetAfterGap.isZero())) {
                problems.add("state.reset-after-gap must be positive, or 'none' to never reset");
            }
            if (bundleSize < 1) {
                problems.add("stepping.bundle-size must be at least 1 (readings per bundle), got " + bundleSize);
            }
            if (bundleTimeout.isNegative() || bundleTimeout.isZero()) {
                problems.add("stepping.bundle-timeout must be positive: the longest a reading waits in a bundle "
                        + "(use stepping.mode per-event for no waiting at all)");
            }
            if (parallelism == 0 || parallelism < -1) {
                problems.add("parallelism must be a positive number (or -1 for the cluster default)");
            }
            if (maxParallelism < 1 || maxParallelism > MAX_KEY_GROUPS) {
                problems.add("max-parallelism must be between 1 and " + MAX_KEY_GROUPS + ", got " + maxParallelism);
            } else if (parallelism > maxParallelism) {
                problems.add("parallelism " + parallelism + " is above max-parallelism " + maxParallelism
                        + " (the key groups the state is split into)");
            }
            List<String> topics = List.of(readingsTopic, forecastsTopic, anomaliesTopic, deadLettersTopic);
            if (topics.stream().anyMatch(String::isBlank)) {
                problems.add("topic names must not be empty");
            } else if (topics.stream().distinct().count() < topics.size()) {
                problems.add("topics.readings, forecasts, anomalies and dead-letters must be four different topics");
            } else if (modelsTopic != null && topics.contains(modelsTopic)) {
                problems.add("topics.models must differ from the other topics (or be none to turn hot-swap off)");
            }
            if (modelPath.isBlank()) {
                problems.add("model.path must name a model directory or classpath:/...");
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(
                        "invalid job configuration:\n  - " + String.join("\n  - ", problems));
            }
            return new JobConfig(
                    name,
                    new Kafka(
                            bootstrapServers,
                            groupId != null ? groupId : KAFKA_NAME_PREFIX + name,
                            kafkaProperties,
                            delivery,
                            transactionalIdPrefix != null ? transactionalIdPrefix : KAFKA_NAME_PREFIX + name,
                            transactionTimeout,
                            startingOffsets,
                            connectTimeout,
                            restartMargin),
                    new Topics(readingsTopic, forecastsTopic, anomaliesTopic, deadLettersTopic, modelsTopic),
                    modelPath,
                    new HotSwap(maxInlineWeightBytes, directories),
                    new Ordering(
                            orderingMode,
                            maxOutOfOrderness,
                            allowedLateness,
                            idleTimeout,
                            maxAheadOfClock,
                            maxBufferedReadings,
                            maxBufferedBytes),
                    new State(stateTtl, resetAfterGap, stateBackend, adaptation),
                    new Stepping(steppingMode, bundleSize, bundleTimeout, bundleKernel),
                    new Checkpoints(checkpointInterval, checkpointDirectory, checkpointTimeout),
                    parallelism,
                    maxParallelism,
                    flinkOptions);
        }
    }
}
