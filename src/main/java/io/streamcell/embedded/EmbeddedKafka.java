package io.streamcell.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import kafka.server.BrokerServer;
import kafka.server.ControllerServer;
import kafka.server.FaultHandlerFactory;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.server.SharedServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.raft.QuorumConfig;
import org.apache.kafka.server.ServerSocketFactory;
import org.apache.kafka.server.fault.FaultHandler;
import org.apache.kafka.server.fault.FaultHandlerException;
import org.apache.kafka.server.fault.LoggingFaultHandler;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * A real, single-node Apache Kafka cluster (one KRaft process acting as broker and controller) running
 * inside this JVM, for the embedded demo and integration tests. Every {@link #start()} formats a fresh
 * log directory under the system temp directory and binds loopback ports chosen by the OS; {@link #close()}
 * stops the servers and deletes the directory, after which the instance may be started again (a new,
 * empty cluster on new ports).
 *
 * <p>The broker defaults suit exactly-once Flink sinks on one node: replication factor and minimum ISR 1
 * for the offsets and transaction-state topics, {@code transaction.max.timeout.ms} of one hour (the
 * transaction timeout Flink's {@code KafkaSink} sets by default), no initial rebalance delay, and no
 * time-based retention (records with old timestamps, such as replayed history, stay). Any
 * broker setting except the node layout (roles, node id, listeners, quorum, log directories) can be
 * overridden with {@link Builder#brokerProperty}; listeners are declared with {@link Builder#listener}.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().build()) {
 *     kafka.start();
 *     kafka.createTopics(Map.of("readings", 4, "forecasts", 4));
 *     Properties producerProps = new Properties();
 *     producerProps.putAll(kafka.clientProperties());
 *     ...
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {
    /** The listener clients use unless the builder declares others. */
    public static final String DEFAULT_LISTENER = "PLAINTEXT";
    /** The KRaft controller listener (PLAINTEXT on loopback, used only inside this process). */
    public static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** Matches the one-hour transaction timeout Flink's KafkaSink asks for by default. */
    public static final Duration DEFAULT_TRANSACTION_MAX_TIMEOUT = Duration.ofHours(1);

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Levels for quiet logs: Kafka's server and client loggers at WARN; the in-process controller at ERROR,
     * as it warns about the empty metadata log of every freshly formatted cluster.
     */
    private static final Map<String, Level> QUIET_LOG_LEVELS = Map.of(
            "kafka", Level.WARN,
            "org.apache.kafka", Level.WARN,
            "state.change.logger", Level.WARN,
            "org.apache.kafka.controller", Level.ERROR);

    /** Settings the node layout depends on; the builder rejects overrides of these. */
    static final Set<String> RESERVED_PROPERTIES = Set.of(
            "process.roles",
            "node.id",
            "broker.id",
            "listeners",
            "advertised.listeners",
            "listener.security.protocol.map",
            "controller.listener.names",
            "controller.quorum.voters",
            "controller.quorum.bootstrap.servers",
            "log.dir",
            "log.dirs",
            "metadata.log.dir");

    private final Map<String, SecurityProtocol> listeners;
    private final Map<String, String> brokerProperties;
    private final Map<String, Object> clientProperties;
    private final boolean quietLogs;

    private Path logDir;
    private PreboundSockets sockets;
    private Map<String, Integer> ports = Map.of();
    private ControllerServer controller;
    private BrokerServer broker;
    private RecordingFaultHandlerFactory faults;

    private EmbeddedKafka(Builder builder) {
        this.listeners = Collections.unmodifiableMap(new LinkedHashMap<>(builder.listeners));
        this.brokerProperties = Collections.unmodifiableMap(new LinkedHashMap<>(builder.brokerProperties));
        this.clientProperties = Collections.unmodifiableMap(new LinkedHashMap<>(builder.clientProperties));
        this.quietLogs = builder.quietLogs;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats a new log directory and starts the broker and controller; returns once the broker is
     * unfenced and accepting connections.
     *
     * @throws IllegalStateException if already running
     */
    public synchronized void start() {
        if (broker != null) {
            throw new IllegalStateException("The embedded Kafka broker is already running on " + bootstrapServers());
        }
        if (quietLogs) {
            Configurator.setLevel(QUIET_LOG_LEVELS);
        }
        long started = System.nanoTime();
        try {
            logDir = Files.createTempDirectory("streamcell-kafka-");
            sockets = new PreboundSockets();
            Map<String, Integer> boundPorts = new LinkedHashMap<>();
            for (String listener : listeners.keySet()) {
                boundPorts.put(listener, sockets.bind(listener));
            }
            boundPorts.put(CONTROLLER_LISTENER, sockets.bind(CONTROLLER_LISTENER));
            ports = Collections.unmodifiableMap(boundPorts);

            KafkaConfig config = new KafkaConfig(serverProperties(), false);
            format(config);
            Tuple2<MetaPropertiesEnsemble, BootstrapMetadata> initialized =
                    KafkaRaftServer.initializeLogDirs(config, LOG, "[EmbeddedKafka] ");
            faults = new RecordingFaultHandlerFactory();
            SharedServer sharedServer = new SharedServer(
                    config,
                    initialized._1(),
                    Time.SYSTEM,
                    new Metrics(),
                    CompletableFuture.completedFuture(QuorumConfig.parseVoterConnections(
                            config.quorumConfig().voters())),
                    QuorumConfig.parseBootstrapServers(config.quorumConfig().bootstrapServers()),
                    faults,
                    sockets);
            controller = new ControllerServer(sharedServer, KafkaRaftServer.configSchema(), initialized._2());
            broker = new BrokerServer(sharedServer);
            // As KafkaRaftServer does: the controller first, so the broker can register with it.
            controller.startup();
            broker.startup();
        } catch (IOException | RuntimeException e) {
            try {
                stop();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new IllegalStateException("The embedded Kafka broker failed to start: " + e.getMessage(), e);
        }
        LOG.info(
                "Embedded Kafka broker started on {} in {} ms",
                bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    /** {@code host:port} of the first declared listener (the default {@value #DEFAULT_LISTENER} one unless declared otherwise). */
    public String bootstrapServers() {
        return bootstrapServers(listeners.keySet().iterator().next());
    }

    /** {@code host:port} of the named listener. */
    public synchronized String bootstrapServers(String listener) {
        if (broker == null) {
            throw new IllegalStateException("The embedded Kafka broker is not running; call start() first");
        }
        String name = listener.toUpperCase(Locale.ROOT);
        if (!listeners.containsKey(name)) {
            throw new IllegalArgumentException(
                    "No listener '" + listener + "'; the listeners are " + listeners.keySet());
        }
        return HOST + ":" + ports.get(name);
    }

    /**
     * Properties a Kafka client needs to reach the first listener: {@code bootstrap.servers} plus the
     * client properties given to the builder (security settings for a TLS or SASL listener).
     */
    public Map<String, Object> clientProperties() {
        Map<String, Object> properties = new HashMap<>(clientProperties);
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return properties;
    }

    /**
     * Creates topics with the given partition counts (replication factor 1) and returns once the broker
     * serves metadata for every partition.
     *
     * @throws org.apache.kafka.common.errors.TopicExistsException if a topic already exists
     */
    public void createTopics(Map<String, Integer> partitionsByTopic) {
        Objects.requireNonNull(partitionsByTopic, "partitionsByTopic");
        if (partitionsByTopic.isEmpty()) {
            return;
        }
        List<NewTopic> topics = new ArrayList<>();
        partitionsByTopic.forEach((name, partitions) -> {
            if (partitions == null || partitions < 1) {
                throw new IllegalArgumentException(
                        "Topic '" + name + "' needs at least 1 partition, got " + partitions);
            }
            topics.add(new NewTopic(name, partitions, (short) 1));
        });
        try (Admin admin = Admin.create(clientProperties())) {
            await(admin.createTopics(topics).all(), "creating topics " + partitionsByTopic.keySet());
            awaitLeaders(admin, partitionsByTopic);
        }
    }

    /**
     * Creates one topic with topic-level configuration (e.g. {@code max.message.bytes}) and returns
     * once the broker serves metadata for every partition.
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        Objects.requireNonNull(configs, "configs");
        if (partitions < 1) {
            throw new IllegalArgumentException("Topic '" + name + "' needs at least 1 partition, got " + partitions);
        }
        try (Admin admin = Admin.create(clientProperties())) {
            await(
                    admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)))
                            .all(),
                    "creating topic " + name);
            awaitLeaders(admin, Map.of(name, partitions));
        }
    }

    /** Creates each topic with {@code partitions} partitions. */
    public void createTopics(int partitions, String... topics) {
        Map<String, Integer> partitionsByTopic = new LinkedHashMap<>();
        for (String topic : topics) {
            partitionsByTopic.put(topic, partitions);
        }
        createTopics(partitionsByTopic);
    }

    public synchronized boolean isRunning() {
        return broker != null;
    }

    /** The log directory of the running cluster (deleted on close). */
    synchronized Path logDir() {
        return logDir;
    }

    /**
     * Stops the broker and controller, waits for their threads and deletes the log directory. Does
     * nothing when not running.
     *
     * @throws IllegalStateException after cleaning up, if the servers reported a fatal fault while running
     */
    @Override
    public synchronized void close() {
        RecordingFaultHandlerFactory recorded = faults;
        stop();
        if (recorded != null && recorded.firstFatal.get() != null) {
            throw new IllegalStateException(
                    "The embedded Kafka broker hit a fatal fault while running", recorded.firstFatal.get());
        }
    }

    private void stop() {
        RuntimeException failure = null;
        // Broker first: the controller must outlive the broker's controlled shutdown (as in KafkaRaftServer).
        if (broker != null) {
            failure = attempt(failure, () -> broker.shutdown(SHUTDOWN_TIMEOUT));
        }
        if (controller != null) {
            failure = attempt(failure, controller::shutdown);
        }
        if (broker != null) {
            failure = attempt(failure, broker::awaitShutdown);
        }
        if (controller != null) {
            failure = attempt(failure, controller::awaitShutdown);
        }
        if (sockets != null) {
            failure = attempt(failure, sockets::closeUnused);
        }
        if (logDir != null) {
            Path dir = logDir;
            failure = attempt(failure, () -> {
                try {
                    Utils.delete(dir.toFile());
                } catch (IOException e) {
                    throw new UncheckedIOException("Could not delete the embedded Kafka log directory " + dir, e);
                }
            });
        }
        broker = null;
        controller = null;
        sockets = null;
        faults = null;
        logDir = null;
        ports = Map.of();
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException attempt(RuntimeException failure, Runnable step) {
        try {
            step.run();
            return failure;
        } catch (RuntimeException e) {
            if (failure == null) {
                return e;
            }
            failure.addSuppressed(e);
            return failure;
        }
    }

    private Map<String, String> serverProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("offsets.topic.replication.factor", "1");
        properties.put("offsets.topic.num.partitions", "1");
        properties.put("transaction.state.log.replication.factor", "1");
        properties.put("transaction.state.log.min.isr", "1");
        properties.put("transaction.state.log.num.partitions", "1");
        properties.put("share.coordinator.state.topic.replication.factor", "1");
        properties.put("share.coordinator.state.topic.min.isr", "1");
        properties.put("default.replication.factor", "1");
        properties.put("min.insync.replicas", "1");
        properties.put("group.initial.rebalance.delay.ms", "0");
        properties.put("transaction.max.timeout.ms", Long.toString(DEFAULT_TRANSACTION_MAX_TIMEOUT.toMillis()));
        properties.put("auto.create.topics.enable", "false");
        // Keep every record for the broker's (short) life: outputs carry their readings' event times as
        // record timestamps, and time-based retention would delete replayed history (a fixture from
        // 2024, say) a few seconds after it was written, when its periodic check happens to run.
        properties.put("log.retention.ms", "-1");
        properties.put("server.max.startup.time.ms", Long.toString(STARTUP_TIMEOUT.toMillis()));
        properties.put(
                "inter.broker.listener.name", listeners.keySet().iterator().next());
        properties.putAll(brokerProperties);

        String clientListeners = listeners.keySet().stream()
                .map(name -> name + "://" + HOST + ":" + ports.get(name))
                .collect(Collectors.joining(","));
        String protocolMap = listeners.entrySet().stream()
                .map(e -> e.getKey() + ":" + e.getValue().name)
                .collect(Collectors.joining(","));
        properties.put("process.roles", "broker,controller");
        properties.put("node.id", Integer.toString(NODE_ID));
        properties.put("controller.listener.names", CONTROLLER_LISTENER);
        properties.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + ports.get(CONTROLLER_LISTENER));
        properties.put(
                "listeners",
                clientListeners + "," + CONTROLLER_LISTENER + "://" + HOST + ":" + ports.get(CONTROLLER_LISTENER));
        properties.put("advertised.listeners", clientListeners);
        properties.put("listener.security.protocol.map", protocolMap + "," + CONTROLLER_LISTENER + ":PLAINTEXT");
        properties.put("log.dirs", logDir.toString());
        return properties;
    }

    /** What {@code kafka-storage.sh format} does: meta.properties and the bootstrap metadata checkpoint. */
    private void format(KafkaConfig config) {
        Formatter formatter = new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setUnstableFeatureVersionsEnabled(config.unstableFeatureVersionsEnabled())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setMetadataLogDirectory(config.metadataLogDir())
                .addDirectory(logDir.toString());
        try {
            formatter.run();
        } catch (Exception e) {
            throw new IllegalStateException(
                    "Could not format the embedded Kafka log directory " + logDir + ": " + e.getMessage(), e);
        }
    }

    private void awaitLeaders(Admin admin, Map<String, Integer> partitionsByTopic) {
        long deadline = System.nanoTime() + TOPIC_TIMEOUT.toNanos();
        while (true) {
            try {
                Map<String, TopicDescription> descriptions =
                        await(admin.describeTopics(partitionsByTopic.keySet()).allTopicNames(), "describing topics");
                boolean ready = partitionsByTopic.entrySet().stream().allMatch(e -> {
                    List<TopicPartitionInfo> partitions =
                            descriptions.get(e.getKey()).partitions();
                    return partitions.size() == e.getValue()
                            && partitions.stream().allMatch(p -> p.leader() != null);
                });
                if (ready) {
                    return;
                }
            } catch (UnknownTopicOrPartitionException e) {
                // The broker has not applied the controller's records yet.
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "Topics " + partitionsByTopic.keySet() + " got no partition leaders within " + TOPIC_TIMEOUT);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for topic metadata", e);
            }
        }
    }

    private static <T> T await(org.apache.kafka.common.KafkaFuture<T> future, String what) {
        try {
            return future.get(TOPIC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("Failed " + what + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Timed out " + what + " after " + TOPIC_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while " + what, e);
        }
    }

    /**
     * Server sockets bound before the configuration is written, so the ports are known up front and no
     * other process can take them between choosing and binding (the approach of Kafka's own test kit).
     */
    private static final class PreboundSockets implements ServerSocketFactory {
        private final Map<String, ServerSocketChannel> unused = new HashMap<>();

        synchronized int bind(String listener) throws IOException {
            ServerSocketChannel channel =
                    ServerSocketFactory.INSTANCE.openServerSocket(listener, new InetSocketAddress(HOST, 0), -1, -1);
            unused.put(listener, channel);
            return channel.socket().getLocalPort();
        }

        @Override
        public synchronized ServerSocketChannel openServerSocket(
                String listenerName, InetSocketAddress address, int backlog, int receiveBufferSize) throws IOException {
            ServerSocketChannel channel = unused.remove(listenerName);
            // Handed over once; the SocketServer that takes a channel closes it.
            return channel != null
                    ? channel
                    : ServerSocketFactory.INSTANCE.openServerSocket(listenerName, address, backlog, receiveBufferSize);
        }

        synchronized void closeUnused() {
            unused.values().forEach(channel -> Utils.closeQuietly(channel, "embedded Kafka server socket"));
            unused.clear();
        }
    }

    /**
     * Kafka's standard handler halts the JVM on a fatal fault; inside the demo or a test JVM we log the
     * fault, record it, and report it from {@link #close()} instead.
     */
    private static final class RecordingFaultHandlerFactory implements FaultHandlerFactory {
        final AtomicReference<Throwable> firstFatal = new AtomicReference<>();

        @Override
        public FaultHandler build(String name, boolean fatal, Runnable action) {
            LoggingFaultHandler logging = new LoggingFaultHandler(name, action);
            if (!fatal) {
                return logging;
            }
            return (message, cause) -> {
                RuntimeException fault = logging.handleFault(message, cause);
                firstFatal.compareAndSet(null, cause != null ? new FaultHandlerException(message, cause) : fault);
                return fault;
            };
        }
    }

    /** Configures an {@link EmbeddedKafka}; nothing starts until {@link EmbeddedKafka#start()}. */
    public static final class Builder {
        private final Map<String, SecurityProtocol> listeners = new LinkedHashMap<>();
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private final Map<String, Object> clientProperties = new LinkedHashMap<>();
        private boolean quietLogs = true;

        private Builder() {}

        /**
         * Declares a client listener on a free loopback port. The first one declared is the one
         * {@link EmbeddedKafka#bootstrapServers()} returns and the default inter-broker listener.
         * Without any, there is one {@value EmbeddedKafka#DEFAULT_LISTENER} listener with the PLAINTEXT protocol.
         * Per-listener settings (key stores, JAAS) go in {@link #brokerProperty} as
         * {@code listener.name.<name>.<setting>}.
         */
        public Builder listener(String name, SecurityProtocol protocol) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(protocol, "protocol");
            String upper = name.toUpperCase(Locale.ROOT);
            if (!upper.matches("[A-Z][A-Z0-9_]*")) {
                throw new IllegalArgumentException(
                        "Listener name '" + name + "' must be letters, digits and '_', starting with a letter");
            }
            if (upper.equals(CONTROLLER_LISTENER)) {
                throw new IllegalArgumentException(
                        "Listener name " + CONTROLLER_LISTENER + " is reserved for the KRaft controller");
            }
            if (listeners.putIfAbsent(upper, protocol) != null) {
                throw new IllegalArgumentException("Listener " + upper + " is declared twice");
            }
            return this;
        }

        /**
         * Sets a broker configuration property, overriding the embedded defaults. Properties that define
         * the node layout ({@code listeners}, {@code node.id}, log directories, ...) are set by
         * {@link EmbeddedKafka}; declare listeners with {@link #listener} instead.
         */
        public Builder brokerProperty(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (RESERVED_PROPERTIES.contains(key)) {
                throw new IllegalArgumentException(
                        "Broker property '" + key + "' is set by EmbeddedKafka (it picks the node id, "
                                + "ports and log directory); declare client listeners with listener(name, protocol) instead");
            }
            brokerProperties.put(key, value);
            return this;
        }

        public Builder brokerProperties(Map<String, String> properties) {
            properties.forEach(this::brokerProperty);
            return this;
        }

        /**
         * A client setting that {@link EmbeddedKafka#clientProperties()} includes and the topic admin
         * client uses, e.g. {@code security.protocol} when the first listener is not PLAINTEXT.
         */
        public Builder clientProperty(String key, Object value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (key.equals(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                throw new IllegalArgumentException(
                        "bootstrap.servers is set by EmbeddedKafka from the first listener's port");
            }
            clientProperties.put(key, value);
            return this;
        }

        /**
         * Whether {@link EmbeddedKafka#start()} sets Kafka's loggers ({@code kafka}, {@code org.apache.kafka},
         * {@code state.change.logger}; clients in this JVM included) to WARN, and the in-process controller
         * ({@code org.apache.kafka.controller}) to ERROR. Default true: a broker logs hundreds of INFO lines
         * while starting. False leaves the logging configuration alone.
         */
        public Builder quietLogs(boolean quiet) {
            this.quietLogs = quiet;
            return this;
        }

        public EmbeddedKafka build() {
            if (listeners.isEmpty()) {
                listeners.put(DEFAULT_LISTENER, SecurityProtocol.PLAINTEXT);
            }
            return new EmbeddedKafka(this);
        }
    }
}
