package io.streamcell.io.kafka;

import io.streamcell.io.avro.DecodedRecord;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;

/**
 * Builds the job's Kafka sources and sinks for one Kafka cluster: bootstrap servers, client
 * properties passed through verbatim (security.protocol, sasl.*, ssl.*, ...), and the sinks'
 * delivery guarantee, EXACTLY_ONCE by default.
 *
 * <pre>{@code
 * KafkaConnections kafka = KafkaConnections.builder()
 *         .bootstrapServers("broker-1:9092,broker-2:9092")
 *         .properties(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512", ...))
 *         .transactionalIdPrefix("streamcell-prod")          // stable across restarts
 *         .build();
 * KafkaSource<DecodedRecord> readings = kafka.readingsSource("readings", "streamcell-prod",
 *         StartingOffsets.parse("committed"), new ReadingDeserializationSchema(model.features()));
 * KafkaSink<ForecastRecord> forecasts = kafka.sink("forecasts",
 *         AvroRecordSerializationSchema.forecasts("forecasts", model.targets(), model.horizon()));
 * }</pre>
 *
 * <p>With EXACTLY_ONCE, records become visible to {@code read_committed} consumers when the
 * checkpoint that covers them completes, so checkpointing must be on and its interval well below
 * the transaction timeout. Each sink gets the transactional id prefix
 * {@code <transactionalIdPrefix>-<sink name>}; keep both stable across restarts, or lingering
 * transactions block {@code read_committed} consumers until they time out.
 */
public final class KafkaConnections {
    public static final DeliveryGuarantee DEFAULT_DELIVERY_GUARANTEE = DeliveryGuarantee.EXACTLY_ONCE;
    /**
     * Below the broker's default {@code transaction.max.timeout.ms} (15 minutes), which rejects
     * longer producer timeouts; the connector's own default (1 hour) would fail against a default broker.
     */
    public static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofMinutes(10);

    public static final String TRANSACTION_TIMEOUT_PROPERTY = "transaction.timeout.ms";

    /** Properties this class sets itself, with where to set them instead. */
    private static final Map<String, String> RESERVED = Map.of(
            "bootstrap.servers", "set it with bootstrapServers(...)",
            "group.id", "it is given per source, readingsSource(topic, groupId, ...)",
            "transactional.id", "it is derived per sink from transactionalIdPrefix(...)",
            "enable.auto.commit", "Flink commits offsets on checkpoints",
            "key.serializer", "records are written as bytes by the serialization schemas",
            "value.serializer", "records are written as bytes by the serialization schemas",
            "key.deserializer", "records are read as bytes by the deserialization schemas",
            "value.deserializer", "records are read as bytes by the deserialization schemas");

    private static final Pattern SINK_NAME = Pattern.compile("[A-Za-z0-9._-]+");

    private final String bootstrapServers;
    private final Map<String, String> properties;
    private final DeliveryGuarantee deliveryGuarantee;
    private final String transactionalIdPrefix;
    private final Duration transactionTimeout;
    /** Two sinks with one transactional id prefix would abort each other's transactions. */
    private final Set<String> sinkNames = ConcurrentHashMap.newKeySet();

    private KafkaConnections(Builder builder, Duration transactionTimeout) {
        this.bootstrapServers = builder.bootstrapServers;
        this.properties = Map.copyOf(builder.properties);
        this.deliveryGuarantee = builder.deliveryGuarantee;
        this.transactionalIdPrefix = builder.transactionalIdPrefix;
        this.transactionTimeout = transactionTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The readings source: one {@link DecodedRecord} (reading or dead letter) per Kafka record. */
    public KafkaSource<DecodedRecord> readingsSource(
            String topic,
            String groupId,
            OffsetsInitializer startingOffsets,
            ReadingDeserializationSchema deserializer) {
        return source(topic, groupId, startingOffsets, deserializer);
    }

    /**
     * An unbounded source on {@code topic}. Offsets are committed to {@code groupId} on checkpoints
     * (for monitoring; a restored job resumes from its checkpoint).
     */
    public <T> KafkaSource<T> source(
            String topic,
            String groupId,
            OffsetsInitializer startingOffsets,
            KafkaRecordDeserializationSchema<T> deserializer) {
        return KafkaSource.<T>builder()
                .setProperties(consumerProperties())
                .setBootstrapServers(bootstrapServers)
                .setTopics(checkNotBlank(topic, "topic"))
                .setGroupId(checkNotBlank(groupId, "groupId"))
                .setStartingOffsets(Objects.requireNonNull(startingOffsets, "startingOffsets"))
                .setDeserializer(Objects.requireNonNull(deserializer, "deserializer"))
                .build();
    }

    /**
     * A sink with this connection's delivery guarantee. {@code name} (letters, digits, '.', '_',
     * '-') must be unique among this job's sinks and stable across restarts: it makes the sink's
     * transactional id prefix.
     */
    public <T> KafkaSink<T> sink(String name, KafkaRecordSerializationSchema<T> serializer) {
        String prefix = transactionalIdPrefix(name);
        if (!sinkNames.add(name)) {
            throw new IllegalArgumentException("sink name '" + name + "' is already used: give every sink its own"
                    + " name, or their transactions (prefix '" + prefix + "') would abort each other");
        }
        var builder = KafkaSink.<T>builder()
                .setBootstrapServers(bootstrapServers)
                .setKafkaProducerConfig(producerProperties())
                .setDeliveryGuarantee(deliveryGuarantee)
                .setRecordSerializer(Objects.requireNonNull(serializer, "serializer"));
        if (prefix != null) {
            builder.setTransactionalIdPrefix(prefix);
        }
        return builder.build();
    }

    /** The transactional id prefix of the sink called {@code name}; null without a connection prefix. */
    public String transactionalIdPrefix(String name) {
        if (name == null || !SINK_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "sink name '" + name + "' must be non-empty letters, digits, '.'," + " '_' or '-'");
        }
        return transactionalIdPrefix == null ? null : transactionalIdPrefix + "-" + name;
    }

    /** The pass-through properties, for consumers (without the producer-only transaction timeout). */
    public Properties consumerProperties() {
        Properties props = new Properties();
        props.putAll(properties);
        props.remove(TRANSACTION_TIMEOUT_PROPERTY);
        return props;
    }

    /** The pass-through properties plus {@code transaction.timeout.ms}, for producers. */
    public Properties producerProperties() {
        Properties props = new Properties();
        props.putAll(properties);
        props.setProperty(TRANSACTION_TIMEOUT_PROPERTY, Long.toString(transactionTimeout.toMillis()));
        return props;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public DeliveryGuarantee deliveryGuarantee() {
        return deliveryGuarantee;
    }

    /** The producers' transaction timeout: the checkpoint interval must stay well below it. */
    public Duration transactionTimeout() {
        return transactionTimeout;
    }

    static String checkNotBlank(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        return value;
    }

    /** Collects the settings; {@link #build()} checks them together. */
    public static final class Builder {
        private String bootstrapServers;
        private final Map<String, String> properties = new TreeMap<>();
        private DeliveryGuarantee deliveryGuarantee = DEFAULT_DELIVERY_GUARANTEE;
        private String transactionalIdPrefix;
        private Duration transactionTimeout;

        private Builder() {}

        /** Comma-separated {@code host:port} list of brokers. Required. */
        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            return this;
        }

        /** Kafka client properties passed to every consumer and producer (security, tuning, ...). */
        public Builder properties(Map<String, String> properties) {
            Objects.requireNonNull(properties, "properties").forEach(this::property);
            return this;
        }

        /** As {@link #properties(Map)}, from {@link Properties} (string values only). */
        public Builder properties(Properties properties) {
            Objects.requireNonNull(properties, "properties")
                    .forEach((k, v) -> property(String.valueOf(k), String.valueOf(v)));
            return this;
        }

        public Builder property(String key, String value) {
            Objects.requireNonNull(key, "property key");
            Objects.requireNonNull(value, () -> "value of property '" + key + "'");
            properties.put(key, value);
            return this;
        }

        /** EXACTLY_ONCE (default), AT_LEAST_ONCE or NONE for every sink. */
        public Builder deliveryGuarantee(DeliveryGuarantee deliveryGuarantee) {
            this.deliveryGuarantee = Objects.requireNonNull(deliveryGuarantee, "deliveryGuarantee");
            return this;
        }

        /**
         * Prefix of the sinks' transactional ids, required for EXACTLY_ONCE. Unique per job on the
         * Kafka cluster and stable across restarts, e.g. {@code streamcell-<job name>}.
         */
        public Builder transactionalIdPrefix(String prefix) {
            this.transactionalIdPrefix = Objects.requireNonNull(prefix, "transactionalIdPrefix");
            return this;
        }

        /**
         * Producer transaction timeout (default 10 minutes); must not exceed the brokers'
         * {@code transaction.max.timeout.ms} (15 minutes by default). Same as the
         * {@code transaction.timeout.ms} property.
         */
        public Builder transactionTimeout(Duration timeout) {
            this.transactionTimeout = Objects.requireNonNull(timeout, "transactionTimeout");
            return this;
        }

        public KafkaConnections build() {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException(
                        "bootstrapServers is required: set it to the brokers," + " e.g. 'broker-1:9092,broker-2:9092'");
            }
            for (String key : properties.keySet()) {
                String instead = RESERVED.get(key);
                if (instead != null) {
                    throw new IllegalArgumentException(
                            "Kafka property '" + key + "' cannot be passed through: " + instead);
                }
            }
            if (deliveryGuarantee == DeliveryGuarantee.EXACTLY_ONCE
                    && (transactionalIdPrefix == null || transactionalIdPrefix.isBlank())) {
                throw new IllegalArgumentException("EXACTLY_ONCE requires a transactionalIdPrefix that is unique"
                        + " to this job on the Kafka cluster and stable across restarts (e.g. 'streamcell-prod');"
                        + " set one, or choose DeliveryGuarantee.AT_LEAST_ONCE");
            }
            return new KafkaConnections(this, resolveTransactionTimeout());
        }

        private Duration resolveTransactionTimeout() {
            String property = properties.get(TRANSACTION_TIMEOUT_PROPERTY);
            Duration fromProperty = null;
            if (property != null) {
                try {
                    fromProperty = Duration.ofMillis(Long.parseLong(property.trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            "Kafka property '" + TRANSACTION_TIMEOUT_PROPERTY + "' must be" + " milliseconds, got '"
                                    + property + "'",
                            e);
                }
            }
            if (fromProperty != null && transactionTimeout != null && !fromProperty.equals(transactionTimeout)) {
                throw new IllegalArgumentException("the transaction timeout is set twice, differently: property '"
                        + TRANSACTION_TIMEOUT_PROPERTY + "' = " + property + " ms and transactionTimeout(...) = "
                        + transactionTimeout.toMillis() + " ms; keep one");
            }
            Duration timeout = fromProperty != null
                    ? fromProperty
                    : transactionTimeout != null ? transactionTimeout : DEFAULT_TRANSACTION_TIMEOUT;
            if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("the transaction timeout must be positive and at most "
                        + Integer.MAX_VALUE + " ms, got " + timeout.toMillis() + " ms");
            }
            return timeout;
        }
    }
}
