package io.streamcell.io.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.avro.SensorReading;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ReadingLimits;
import io.streamcell.io.avro.SingleObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.Collector;
import org.apache.flink.util.InstantiationUtil;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class ReadingDeserializationSchemaTest {
    private static final List<String> FEATURES = List.of("temperature", "humidity");

    private static ConsumerRecord<byte[], byte[]> record(long offset, String key, byte[] value) {
        byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        return new ConsumerRecord<>(
                "readings",
                4,
                offset,
                777L,
                TimestampType.CREATE_TIME,
                keyBytes == null ? -1 : keyBytes.length,
                value == null ? -1 : value.length,
                keyBytes,
                value,
                new RecordHeaders(),
                Optional.empty());
    }

    private static byte[] reading(String key, double temperature, double humidity) {
        return SingleObject.encode(
                SensorReading.getEncoder(),
                new SensorReading(
                        key, Instant.ofEpochMilli(1_000L), Map.of("temperature", temperature, "humidity", humidity)));
    }

    private static List<DecodedRecord> deserialize(
            ReadingDeserializationSchema schema, List<ConsumerRecord<byte[], byte[]>> records) {
        List<DecodedRecord> out = new ArrayList<>();
        Collector<DecodedRecord> collector = new Collector<>() {
            @Override
            public void collect(DecodedRecord record) {
                out.add(record);
            }

            @Override
            public void close() {}
        };
        for (ConsumerRecord<byte[], byte[]> record : records) {
            schema.deserialize(record, collector);
        }
        return out;
    }

    @Test
    void shouldEmitOneRecordPerKafkaRecordGoodOrBad() {
        ReadingDeserializationSchema schema = new ReadingDeserializationSchema(FEATURES);

        List<DecodedRecord> out = deserialize(
                schema,
                List.of(
                        record(0, "s1", reading("s1", 20, 0.5)),
                        record(1, "s1", new byte[] {1, 2, 3}),
                        record(2, null, null),
                        record(3, "s2", reading("s2", Double.NaN, 0.5)),
                        record(4, "s2", reading("s2", 21, 0.6))));

        assertThat(out)
                .extracting(r -> r.reason)
                .containsExactly(null, "undecodable", "undecodable", "non_finite", null);
        assertThat(out.get(0).features).containsExactly(20f, 0.5f);
        assertThat(out.get(1).sourceTopic).isEqualTo("readings");
        assertThat(out.get(1).partition).isEqualTo(4);
        assertThat(out.get(1).offset).isEqualTo(1L);
        assertThat(out.get(1).kafkaTimestamp).isEqualTo(777L);
        assertThat(out.get(4).key).isEqualTo("s2");
    }

    @Test
    void shouldProducePojoTypeInfo() {
        assertThat(new ReadingDeserializationSchema(FEATURES).getProducedType()).isInstanceOf(PojoTypeInfo.class);
    }

    @Test
    void shouldWorkAfterJavaSerializationLikeOnATaskManager() throws Exception {
        ReadingDeserializationSchema schema =
                new ReadingDeserializationSchema(FEATURES, ReadingLimits.DEFAULTS.withMaxKeyBytes(8), List.of());

        ReadingDeserializationSchema shipped = InstantiationUtil.clone(schema);
        List<DecodedRecord> out = deserialize(
                shipped,
                List.of(record(0, "s1", reading("s1", 1, 2)), record(1, "s1", reading("a-much-longer-key", 1, 2))));

        assertThat(out.get(0).features).containsExactly(1f, 2f);
        assertThat(out.get(1).reason).isEqualTo("oversized");
    }

    @Test
    void shouldCountDecodedRejectedAndKeyMismatches() throws Exception {
        Map<String, Counter> counters = new HashMap<>();
        Map<String, Gauge<?>> gauges = new HashMap<>();
        MetricGroup metrics = new UnregisteredMetricsGroup() {
            @Override
            public Counter counter(String name) {
                return counter(name, new SimpleCounter());
            }

            @Override
            public <C extends Counter> C counter(String name, C counter) {
                counters.put(name, counter);
                return counter;
            }

            @Override
            public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
                gauges.put(name, gauge);
                return gauge;
            }
        };
        ReadingDeserializationSchema schema = new ReadingDeserializationSchema(FEATURES);
        schema.open(new DeserializationSchema.InitializationContext() {
            @Override
            public MetricGroup getMetricGroup() {
                return metrics;
            }

            @Override
            public UserCodeClassLoader getUserCodeClassLoader() {
                return SimpleUserCodeClassLoader.create(getClass().getClassLoader());
            }
        });

        deserialize(
                schema,
                List.of(
                        record(0, "s1", reading("s1", 1, 2)),
                        record(1, "other", reading("s1", 1, 2)),
                        record(2, "s1", new byte[] {9})));

        assertThat(counters.get("readingsDecoded").getCount()).isEqualTo(2);
        assertThat(counters.get("readingsRejected").getCount()).isEqualTo(1);
        assertThat(gauges.get("kafkaKeyMismatches").getValue()).isEqualTo(1L);
    }

    @Test
    void shouldReportBadConfigurationWhenTheJobIsBuilt() {
        assertThatThrownBy(() -> new ReadingDeserializationSchema(List.of("a", "a")))
                .hasMessageContaining("'a' twice");
    }
}
