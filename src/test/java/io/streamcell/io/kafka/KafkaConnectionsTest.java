package io.streamcell.io.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.deadletter.DeadLetterRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.junit.jupiter.api.Test;

class KafkaConnectionsTest {
    private static final Map<String, String> SECURITY = Map.of(
            "security.protocol", "SASL_SSL",
            "sasl.mechanism", "SCRAM-SHA-512",
            "ssl.truststore.location", "/etc/kafka/truststore.jks");

    private static KafkaConnections.Builder exactlyOnce() {
        return KafkaConnections.builder().bootstrapServers("broker:9092").transactionalIdPrefix("streamcell-test");
    }

    @Test
    void shouldDefaultToExactlyOnceWithTenMinuteTransactions() {
        KafkaConnections kafka = exactlyOnce().build();

        assertThat(kafka.deliveryGuarantee()).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        assertThat(kafka.transactionTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(kafka.producerProperties().getProperty("transaction.timeout.ms"))
                .isEqualTo("600000");
    }

    @Test
    void shouldRequireTransactionalIdPrefixForExactlyOnceOnly() {
        assertThatThrownBy(() -> KafkaConnections.builder()
                        .bootstrapServers("broker:9092")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("EXACTLY_ONCE requires a transactionalIdPrefix")
                .hasMessageContaining("AT_LEAST_ONCE");

        KafkaConnections atLeastOnce = KafkaConnections.builder()
                .bootstrapServers("broker:9092")
                .deliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
        assertThat(atLeastOnce.transactionalIdPrefix("forecasts")).isNull();
    }

    @Test
    void shouldRequireBootstrapServers() {
        assertThatThrownBy(() ->
                        KafkaConnections.builder().transactionalIdPrefix("p").build())
                .hasMessageContaining("bootstrapServers is required");
    }

    @Test
    void shouldPassClientPropertiesThroughToConsumersAndProducers() {
        Properties fromFile = new Properties();
        fromFile.setProperty("isolation.level", "read_committed");
        KafkaConnections kafka =
                exactlyOnce().properties(SECURITY).properties(fromFile).build();

        Properties consumer = kafka.consumerProperties();
        Properties producer = kafka.producerProperties();

        SECURITY.forEach((k, v) -> {
            assertThat(consumer.getProperty(k)).isEqualTo(v);
            assertThat(producer.getProperty(k)).isEqualTo(v);
        });
        assertThat(consumer.getProperty("isolation.level")).isEqualTo("read_committed");
        assertThat(consumer).doesNotContainKey("transaction.timeout.ms");
    }

    @Test
    void shouldRefusePropertiesItSetsItselfSayingWhereToSetThem() {
        assertThatThrownBy(
                        () -> exactlyOnce().property("bootstrap.servers", "x:1").build())
                .hasMessageContaining("'bootstrap.servers'")
                .hasMessageContaining("bootstrapServers(...)");
        assertThatThrownBy(() -> exactlyOnce().property("transactional.id", "x").build())
                .hasMessageContaining("transactionalIdPrefix(...)");
        assertThatThrownBy(() -> exactlyOnce().property("group.id", "g").build())
                .hasMessageContaining("given per source");
        assertThatThrownBy(
                        () -> exactlyOnce().property("value.deserializer", "x").build())
                .hasMessageContaining("read as bytes");
    }

    @Test
    void shouldTakeTransactionTimeoutFromSetterOrPropertyButNotConflictingBoth() {
        assertThat(exactlyOnce()
                        .transactionTimeout(Duration.ofMinutes(5))
                        .build()
                        .producerProperties()
                        .getProperty("transaction.timeout.ms"))
                .isEqualTo("300000");
        assertThat(exactlyOnce()
                        .property("transaction.timeout.ms", "120000")
                        .build()
                        .transactionTimeout())
                .isEqualTo(Duration.ofMinutes(2));
        assertThatThrownBy(() -> exactlyOnce()
                        .property("transaction.timeout.ms", "120000")
                        .transactionTimeout(Duration.ofMinutes(5))
                        .build())
                .hasMessageContaining("set twice, differently");
        assertThatThrownBy(() ->
                        exactlyOnce().property("transaction.timeout.ms", "10m").build())
                .hasMessageContaining("must be milliseconds");
        assertThatThrownBy(() -> exactlyOnce().transactionTimeout(Duration.ZERO).build())
                .hasMessageContaining("must be positive");
    }

    @Test
    void shouldGiveEachSinkItsOwnStableTransactionalIdPrefix() {
        KafkaConnections kafka = exactlyOnce().build();

        KafkaSink<ForecastRecord> forecasts =
                kafka.sink("forecasts", AvroRecordSerializationSchema.forecasts("forecasts", List.of("t"), 1));
        KafkaSink<DeadLetterRecord> deadLetters =
                kafka.sink("dead-letters", AvroRecordSerializationSchema.deadLetters("dead-letters"));

        assertThat(forecasts).isNotNull();
        assertThat(deadLetters).isNotNull();
        assertThat(kafka.transactionalIdPrefix("forecasts")).isEqualTo("streamcell-test-forecasts");
        assertThatThrownBy(() -> kafka.sink("forecasts", AvroRecordSerializationSchema.deadLetters("x")))
                .hasMessageContaining("sink name 'forecasts' is already used");
        assertThatThrownBy(() -> kafka.sink("my sink", AvroRecordSerializationSchema.deadLetters("x")))
                .hasMessageContaining("letters, digits");
    }

    @Test
    void shouldBuildAtLeastOnceSinkWithoutPrefix() {
        KafkaConnections kafka = KafkaConnections.builder()
                .bootstrapServers("broker:9092")
                .deliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();

        assertThat(kafka.sink("alerts", AvroRecordSerializationSchema.anomalyAlerts("anomalies", List.of("t"))))
                .isNotNull();
    }

    @Test
    void shouldBuildUnboundedReadingsSource() {
        KafkaConnections kafka = exactlyOnce().properties(SECURITY).build();

        KafkaSource<DecodedRecord> source = kafka.readingsSource(
                "readings",
                "streamcell-test",
                StartingOffsets.parse("earliest"),
                new ReadingDeserializationSchema(List.of("t")));

        assertThat(source.getBoundedness()).isEqualTo(Boundedness.CONTINUOUS_UNBOUNDED);
        assertThat(source.getProducedType().getTypeClass()).isEqualTo(DecodedRecord.class);
        assertThatThrownBy(() -> kafka.readingsSource(
                        "readings",
                        " ",
                        StartingOffsets.parse("earliest"),
                        new ReadingDeserializationSchema(List.of("t"))))
                .hasMessageContaining("groupId must not be empty");
    }
}
