package io.streamcell.io.avro;

import io.streamcell.avro.SensorReading;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;

/** Builds readings-topic messages for tests, valid and otherwise. */
final class ReadingMessages {
    private ReadingMessages() {}

    /** A {@code SensorReading} in single-object encoding. */
    static byte[] reading(String key, long eventTime, Map<String, Double> values) {
        SensorReading reading = new SensorReading(key, Instant.ofEpochMilli(eventTime), values);
        return SingleObject.encode(SensorReading.getEncoder(), reading);
    }

    /** Single-object encoding of {@code record} written with its own (generic) schema. */
    static byte[] withSchema(GenericRecord record) {
        return SingleObject.encode(new BinaryMessageEncoder<>(GenericData.get(), record.getSchema()), record);
    }

    /** The current SensorReading header (marker + fingerprint) followed by {@code body}. */
    static byte[] withCurrentHeader(byte[] body) {
        byte[] header = reading("k", 0, Map.of());
        byte[] message = new byte[SingleObject.HEADER_LENGTH + body.length];
        System.arraycopy(header, 0, message, 0, SingleObject.HEADER_LENGTH);
        System.arraycopy(body, 0, message, SingleObject.HEADER_LENGTH, body.length);
        return message;
    }

    /** Avro's zig-zag varint of {@code n}. */
    static byte[] varint(long n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long z = (n << 1) ^ (n >> 63);
        while ((z & ~0x7FL) != 0) {
            out.write((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.write((int) z);
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** A SensorReading-named writer schema with an extra field, as a newer producer might send. */
    static Schema readingSchemaWithUnit() {
        return new Schema.Parser().parse("""
                {"type": "record", "name": "SensorReading", "namespace": "io.streamcell.avro", "fields": [
                  {"name": "key", "type": "string"},
                  {"name": "event_time", "type": {"type": "long", "logicalType": "timestamp-millis"}},
                  {"name": "values", "type": {"type": "map", "values": "double"}},
                  {"name": "unit", "type": "string", "default": ""}
                ]}""");
    }

    static GenericRecord readingWithUnit(String key, long eventTime, Map<String, Double> values, String unit) {
        GenericRecord record = new GenericData.Record(readingSchemaWithUnit());
        record.put("key", key);
        record.put("event_time", eventTime);
        record.put("values", values);
        record.put("unit", unit);
        return record;
    }
}
