package io.streamcell.io.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.io.avro.AnomalyAlertRecord;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.deadletter.DeadLetterRecord;
import java.io.IOException;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The records that flow between operators serialize as POJOs with generic types (Kryo) disabled. */
class FlinkPojoTypesTest {

    private static <T> T roundTrip(Class<T> type, T value) throws IOException {
        TypeInformation<T> info = TypeInformation.of(type);
        assertThat(info).as(type.getSimpleName()).isInstanceOf(PojoTypeInfo.class);
        SerializerConfigImpl noKryo = new SerializerConfigImpl();
        noKryo.setGenericTypes(false);
        // Throws UnsupportedOperationException if any field would need Kryo.
        TypeSerializer<T> serializer = info.createSerializer(noKryo);
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(value, out);
        return serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }

    @Test
    void decodedReadingShouldRoundTripAsPojo() throws IOException {
        DecodedRecord copy = roundTrip(DecodedRecord.class, DecodedRecord.reading("s1", 5L, new float[] {1f, 2f}));

        assertThat(copy.isReading()).isTrue();
        assertThat(copy.key).isEqualTo("s1");
        assertThat(copy.eventTime).isEqualTo(5L);
        assertThat(copy.features).containsExactly(1f, 2f);
    }

    @Test
    void decodedDeadLetterShouldRoundTripAsPojo() throws IOException {
        DeadLetterRecord letter =
                new DeadLetterRecord("readings", 1, 2L, 3L, null, new byte[] {7}, "oversized", "", "too big", 4L);

        DecodedRecord copy = roundTrip(DecodedRecord.class, DecodedRecord.deadLetter(letter));

        assertThat(copy.isReading()).isFalse();
        assertThat(copy.toDeadLetter()).isEqualTo(letter);
    }

    @Test
    void outputRecordsShouldRoundTripAsPojos() throws IOException {
        ForecastRecord forecast = new ForecastRecord("s1", 5L, new float[] {1f}, "v1", 9L, null);
        ForecastRecord withInterval = new ForecastRecord("s1", 5L, new float[] {1f}, "v1", 9L, 0.5f)
                .withInterval(new float[] {0f}, new float[] {2f});
        AnomalyAlertRecord alert =
                new AnomalyAlertRecord("s1", 5L, new float[] {3f}, new float[] {1f}, 0.9f, null, "high", "v1");
        DeadLetterRecord letter = new DeadLetterRecord(
                "readings", 0, 0L, -1L, new byte[] {1}, null, "undecodable", "java.io.EOFException", "truncated", 4L);

        assertThat(roundTrip(ForecastRecord.class, forecast).toString()).isEqualTo(forecast.toString());
        assertThat(roundTrip(ForecastRecord.class, withInterval).toString()).isEqualTo(withInterval.toString());
        assertThat(roundTrip(AnomalyAlertRecord.class, alert).toString()).isEqualTo(alert.toString());
        assertThat(roundTrip(DeadLetterRecord.class, letter)).isEqualTo(letter);
    }
}
