package io.streamcell.io.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.avro.DeadLetter;
import io.streamcell.avro.Forecast;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.deadletter.DeadLetterRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.flink.util.InstantiationUtil;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class AvroRecordSerializationSchemaTest {

    @Test
    void shouldWriteForecastToTopicKeyedBySensorKey() throws Exception {
        var schema = InstantiationUtil.clone(AvroRecordSerializationSchema.forecasts("forecasts", List.of("t"), 2));
        ForecastRecord forecast = new ForecastRecord("s1", 1_000L, new float[] {1f, 2f}, "v1", 3L, null);

        ProducerRecord<byte[], byte[]> record = schema.serialize(forecast, null, 1_000L);

        assertThat(record.topic()).isEqualTo("forecasts");
        assertThat(record.partition()).isNull();
        assertThat(record.timestamp()).isEqualTo(1_000L);
        assertThat(record.key()).isEqualTo("s1".getBytes(StandardCharsets.UTF_8));
        assertThat(Forecast.getDecoder()
                        .decode(record.value())
                        .getForecasts()
                        .get(0)
                        .getValues())
                .containsExactly(1f, 2f);
    }

    @Test
    void shouldLeaveMissingOrNegativeTimestampsToTheBroker() {
        var schema = AvroRecordSerializationSchema.forecasts("forecasts", List.of("t"), 1);
        ForecastRecord forecast = new ForecastRecord("s1", 0L, new float[] {1f}, "v1", 1L, null);

        assertThat(schema.serialize(forecast, null, null).timestamp()).isNull();
        assertThat(schema.serialize(forecast, null, -5L).timestamp()).isNull();
    }

    @Test
    void shouldCapFutureTimestampsAtTheWallClockSoTheBrokerAcceptsThem() {
        var schema = AvroRecordSerializationSchema.forecasts("forecasts", List.of("t"), 1);
        long year2199 = Instant.parse("2199-12-31T23:59:59Z").toEpochMilli();
        ForecastRecord forecast = new ForecastRecord("s1", year2199, new float[] {1f}, "v1", 1L, null);

        long before = System.currentTimeMillis();
        Long timestamp = schema.serialize(forecast, null, year2199).timestamp();

        assertThat(timestamp).isBetween(before, System.currentTimeMillis());
        long past = before - 60_000;
        assertThat(schema.serialize(forecast, null, past).timestamp())
                .as("a past event time is kept")
                .isEqualTo(past);
        assertThat(schema.serialize(forecast, null, year2199).timestamp())
                .as("capped again")
                .isBetween(before, System.currentTimeMillis());
    }

    @Test
    void shouldKeyDeadLetterByOriginalKeyBytes() throws Exception {
        var schema = AvroRecordSerializationSchema.deadLetters("dead-letters");
        byte[] key = {(byte) 0xFF, 0};
        DeadLetterRecord letter =
                new DeadLetterRecord("readings", 0, 1L, 2L, key, new byte[] {5}, "undecodable", "", "garbage", 3L);

        ProducerRecord<byte[], byte[]> record = schema.serialize(letter, null, null);

        assertThat(record.topic()).isEqualTo("dead-letters");
        assertThat(record.key()).isEqualTo(key);
        assertThat(DeadLetter.getDecoder().decode(record.value()).getValue())
                .isEqualTo(ByteBuffer.wrap(new byte[] {5}));
    }
}
