package io.streamcell.testing;

import io.streamcell.embedded.EmbeddedKafka;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An {@link EmbeddedKafka} broker for the tests of a class, stopped (and its log directory deleted)
 * after them whether they passed, failed or never ran because the set-up failed.
 *
 * <p>Registered on a static field, one broker serves the whole class: it starts before the class's
 * {@code @BeforeAll} methods and stops after its {@code @AfterAll} methods, so those may use it.
 * Registered on an instance field, every test gets a fresh broker. With {@link Builder#startedByTest()}
 * the test starts it itself ({@link #start()}), e.g. once it has made the certificates the broker
 * needs, and it is stopped after that test at the latest.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedKafkaExtension kafka =
 *         EmbeddedKafkaExtension.builder().topic("readings", 2).build();
 *
 * @Test
 * void readsReadings() {
 *     JobConfig config = JobConfig.builder().bootstrapServers(kafka.bootstrapServers()) ...
 * }
 * }</pre>
 */
public final class EmbeddedKafkaExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private final List<Consumer<EmbeddedKafka.Builder>> settings;
    private final Map<String, Integer> topics;
    private final boolean startedByTest;

    private EmbeddedKafka broker;
    /** The unique id of the class whose {@code beforeAll} started the broker, if one did. */
    private String perClass;

    private EmbeddedKafkaExtension(Builder builder) {
        this.settings = List.copyOf(builder.settings);
        this.topics = new LinkedHashMap<>(builder.topics);
        this.startedByTest = builder.startedByTest;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        // Only an extension on a static field sees this callback: one broker for the class (and for
        // any @Nested classes in it, which call this again).
        if (!startedByTest && perClass == null) {
            perClass = context.getUniqueId();
            start();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!startedByTest && perClass == null) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (perClass == null) {
            stop();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (context.getUniqueId().equals(perClass)) {
            perClass = null;
            stop();
        }
    }

    /**
     * Starts the broker with the builder's settings and creates its topics. The extension calls this
     * itself unless built with {@link Builder#startedByTest()}. Closing the returned broker stops it
     * early; the extension stops it otherwise.
     *
     * @throws IllegalStateException if the broker is already running
     */
    public synchronized EmbeddedKafka start() {
        if (broker != null && broker.isRunning()) {
            throw new IllegalStateException("The embedded Kafka broker is already running on " + bootstrapServers());
        }
        EmbeddedKafka.Builder builder = EmbeddedKafka.builder();
        settings.forEach(setting -> setting.accept(builder));
        EmbeddedKafka started = builder.build();
        broker = started; // before start(): stop() then cleans up whatever a failed start left behind
        started.start();
        started.createTopics(topics);
        return started;
    }

    /** Stops the broker and deletes its log directory; does nothing when it is not running. */
    public synchronized void stop() {
        EmbeddedKafka running = broker;
        broker = null;
        if (running != null) {
            running.close();
        }
    }

    /** The running broker, for code that takes an {@link EmbeddedKafka}. */
    public synchronized EmbeddedKafka broker() {
        if (broker == null || !broker.isRunning()) {
            throw new IllegalStateException(
                    startedByTest
                            ? "The embedded Kafka broker is not running: this extension is started by the test, "
                                    + "call start() first"
                            : "The embedded Kafka broker is not running: register the extension with "
                                    + "@RegisterExtension and use it within the tests of its class");
        }
        return broker;
    }

    /** {@link EmbeddedKafka#bootstrapServers()}: {@code host:port} of the first declared listener. */
    public String bootstrapServers() {
        return broker().bootstrapServers();
    }

    /** {@link EmbeddedKafka#bootstrapServers(String)}: {@code host:port} of the named listener. */
    public String bootstrapServers(String listener) {
        return broker().bootstrapServers(listener);
    }

    /** {@link EmbeddedKafka#clientProperties()}: what a client needs to reach the first listener. */
    public Map<String, Object> clientProperties() {
        return broker().clientProperties();
    }

    /** An admin client on the first listener; close it. */
    public Admin admin() {
        return Admin.create(clientProperties());
    }

    /** {@link EmbeddedKafka#createTopics(Map)}: returns once every partition has a leader. */
    public void createTopics(Map<String, Integer> partitionsByTopic) {
        broker().createTopics(partitionsByTopic);
    }

    /** {@link EmbeddedKafka#createTopics(int, String...)}: each topic with {@code partitions} partitions. */
    public void createTopics(int partitions, String... topics) {
        broker().createTopics(partitions, topics);
    }

    /** {@link EmbeddedKafka#createTopic(String, int, Map)}: one topic with topic-level configuration. */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        broker().createTopic(name, partitions, configs);
    }

    /**
     * Configures an {@link EmbeddedKafkaExtension}. The settings are those of {@link EmbeddedKafka.Builder}
     * and are checked here, so a wrong one fails where the extension is declared.
     */
    public static final class Builder {
        private final List<Consumer<EmbeddedKafka.Builder>> settings = new ArrayList<>();
        private final Map<String, Integer> topics = new LinkedHashMap<>();
        private final EmbeddedKafka.Builder check = EmbeddedKafka.builder();
        private boolean startedByTest;

        private Builder() {}

        /** {@link EmbeddedKafka.Builder#listener}: a client listener; the first is the one clients use. */
        public Builder listener(String name, SecurityProtocol protocol) {
            return add(broker -> broker.listener(name, protocol));
        }

        /** {@link EmbeddedKafka.Builder#brokerProperty}: a broker setting over the embedded defaults. */
        public Builder brokerProperty(String key, String value) {
            return add(broker -> broker.brokerProperty(key, value));
        }

        /** {@link EmbeddedKafka.Builder#clientProperty}: a setting of {@link #clientProperties()} and the admin client. */
        public Builder clientProperty(String key, Object value) {
            return add(broker -> broker.clientProperty(key, value));
        }

        /** {@link EmbeddedKafka.Builder#quietLogs}: Kafka's loggers at WARN while it runs (default true). */
        public Builder quietLogs(boolean quiet) {
            return add(broker -> broker.quietLogs(quiet));
        }

        /**
         * Settings known only when the broker starts (a key store the test writes first, say): applied to
         * the broker's builder at every start, after the settings given before.
         */
        public Builder configure(Consumer<EmbeddedKafka.Builder> setting) {
            Objects.requireNonNull(setting, "setting");
            settings.add(setting);
            return this;
        }

        /** A topic created (replication factor 1) each time the broker starts, before any test uses it. */
        public Builder topic(String name, int partitions) {
            Objects.requireNonNull(name, "name");
            if (partitions < 1) {
                throw new IllegalArgumentException(
                        "Topic '" + name + "' needs at least 1 partition, got " + partitions);
            }
            if (topics.putIfAbsent(name, partitions) != null) {
                throw new IllegalArgumentException("Topic '" + name + "' is declared twice");
            }
            return this;
        }

        /** {@link #topic} for each entry. */
        public Builder topics(Map<String, Integer> partitionsByTopic) {
            partitionsByTopic.forEach(this::topic);
            return this;
        }

        /**
         * The test starts the broker itself with {@link EmbeddedKafkaExtension#start()}, when what the
         * broker needs exists or within what the test observes (a log capture, say); the extension still
         * stops it after that test.
         */
        public Builder startedByTest() {
            this.startedByTest = true;
            return this;
        }

        public EmbeddedKafkaExtension build() {
            return new EmbeddedKafkaExtension(this);
        }

        private Builder add(Consumer<EmbeddedKafka.Builder> setting) {
            setting.accept(check);
            settings.add(setting);
            return this;
        }
    }
}
