package io.streamcell.job;

import io.streamcell.adapt.Adaptation;
import io.streamcell.core.EventOrdering;
import io.streamcell.core.StepSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the forecast job needs to run, typed and validated. Made by {@link JobConfigLoader}
 * from a YAML file plus {@code --set key=value} overrides, or in code with {@link #builder()}.
 * Option names, defaults and meanings are listed in docs/operations.md "Configuration".
 */
public record JobConfig(
        Kafka kafka,
        Topics topics,
        String modelPath,
        Ordering ordering,
        State state,
        Stepping stepping,
        Checkpoints checkpoints,
        int parallelism,
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
     * @param transactionTimeout must stay below the brokers' transaction.max.timeout.ms (15 min by default)
     * @param connectTimeout how long {@code run} waits for a broker to answer before it stops
     */
    public record Kafka(
            String bootstrapServers,
            String groupId,
            Map<String, String> properties,
            Delivery delivery,
            String transactionalIdPrefix,
            Duration transactionTimeout,
            StartingOffsets startingOffsets,
            Duration connectTimeout) {
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
     * @param idleTimeout a source split silent this long stops holding back the watermark
     */
    public record Ordering(
            OrderingMode mode, Duration maxOutOfOrderness, Duration allowedLateness, Duration idleTimeout) {}

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

    public record Checkpoints(Duration interval, String directory) {}

    /** How the forecast operator steps readings, as the Flink-free core takes it. */
    public StepSettings stepSettings() {
        return stepSettings(ordering, state, stepping);
    }

    /** The core's stepping settings for these options (per-event mode steps bundles of one). */
    public static StepSettings stepSettings(Ordering ordering, State state, Stepping stepping) {
        EventOrdering eventOrdering = new EventOrdering(
                ordering.mode() == OrderingMode.EVENT_TIME, ordering.maxOutOfOrderness(), ordering.allowedLateness());
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
        private String bootstrapServers;
        private String groupId = "streamcell";
        private final Map<String, String> kafkaProperties = new LinkedHashMap<>();
        private Delivery delivery = Delivery.EXACTLY_ONCE;
        private String transactionalIdPrefix = "streamcell";
        private Duration transactionTimeout = Duration.ofMinutes(10);
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
        private String checkpointDirectory;
        private int parallelism = -1;

        private Builder() {}

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

        /**
         * @throws IllegalArgumentException listing every invalid option and how to fix it
         */
        public JobConfig build() {
            List<String> problems = new ArrayList<>();
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                problems.add(
                        "kafka.bootstrap-servers is required: the Kafka brokers to connect to, e.g. localhost:9092");
            }
            if (delivery == Delivery.EXACTLY_ONCE
                    && (transactionalIdPrefix == null || transactionalIdPrefix.isBlank())) {
                problems.add(
                        "kafka.delivery exactly-once requires kafka.transactional-id-prefix: a name unique to this job "
                                + "and stable across restarts (Kafka fences producers by it)");
            }
            if (transactionTimeout.compareTo(Duration.ofMinutes(15)) > 0
                    && !kafkaProperties.containsKey("transaction.max.timeout.ms")) {
                problems.add("kafka.transaction-timeout " + Durations.format(transactionTimeout)
                        + " exceeds the brokers' default "
                        + "transaction.max.timeout.ms (15m): lower it, or raise the broker setting and say so with "
                        + "kafka.properties.transaction.max.timeout.ms");
            }
            if (delivery == Delivery.EXACTLY_ONCE && transactionTimeout.compareTo(checkpointInterval) <= 0) {
                problems.add(
                        "kafka.transaction-timeout (" + Durations.format(transactionTimeout) + ") must be longer than "
                                + "checkpoints.interval (" + Durations.format(checkpointInterval)
                                + "): a transaction stays open "
                                + "from one checkpoint to the next");
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
                            allowedLateness,
                            "ordering.idle-timeout",
                            idleTimeout)
                    .entrySet()) {
                if (d.getValue().isNegative()) {
                    problems.add(d.getKey() + " must not be negative");
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
                    new Kafka(
                            bootstrapServers,
                            groupId,
                            kafkaProperties,
                            delivery,
                            transactionalIdPrefix,
                            transactionTimeout,
                            startingOffsets,
                            connectTimeout),
                    new Topics(readingsTopic, forecastsTopic, anomaliesTopic, deadLettersTopic, modelsTopic),
                    modelPath,
                    new Ordering(orderingMode, maxOutOfOrderness, allowedLateness, idleTimeout),
                    new State(stateTtl, resetAfterGap, stateBackend, adaptation),
                    new Stepping(steppingMode, bundleSize, bundleTimeout, bundleKernel),
                    new Checkpoints(checkpointInterval, checkpointDirectory),
                    parallelism,
                    flinkOptions);
        }
    }
}
