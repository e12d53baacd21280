package io.streamcell.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.streamcell.avro.SensorReading;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ReadingDecoder;
import io.streamcell.io.avro.ReadingLimits;
import io.streamcell.io.avro.SingleObject;
import io.streamcell.io.deadletter.DeadLetterReason;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ReadingDecoder#decode}, which turns every Kafka record on the readings topic into a
 * reading or a dead letter. Contract (stricter than the parsers': it runs inside the Flink source):
 * it never throws; a reading has a key within the limits, an event time in the window and one finite
 * float per model feature; a dead letter has a known reason and a non-blank message of at most
 * 1000 chars.
 *
 * <p>The decoder also knows an older writer schema (with an extra {@code unit} field), so the
 * schema-resolving path is fuzzed too. The last input byte picks the mode: raw bytes as the record
 * value, or a structure-aware one: a valid single-object encoding of a reading built from fuzzed
 * key, time and values (current or older schema), then mutated — a byte overwritten, a varint length
 * prefix spliced in, truncated or extended — so that mutations land behind a known fingerprint.
 */
class ReadingDecoderFuzzTest {
    private static final List<String> FEATURES = List.of("value", "temp");
    private static final ReadingLimits LIMITS =
            ReadingLimits.DEFAULTS.withMaxValueBytes(2048).withMaxKeyBytes(64).withMaxValues(16);
    private static final Schema OLDER_SCHEMA = new Schema.Parser().parse("""
            {"type": "record", "name": "SensorReading", "namespace": "io.streamcell.avro", "fields": [
              {"name": "key", "type": "string"},
              {"name": "event_time", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "values", "type": {"type": "map", "values": "double"}},
              {"name": "unit", "type": "string", "default": ""}
            ]}""");
    private static final Set<String> REASONS = Arrays.stream(DeadLetterReason.values())
            .map(DeadLetterReason::wireName)
            .collect(Collectors.toSet());
    private static final String[] NAMES = {"value", "temp", "other", ""};

    /**
     * The decoder's clock: the top of the event-time range the structured inputs draw from (2096), so
     * that the ahead-of-the-clock check turns away only times beyond it, and the feature checks after
     * it see the rest (a clock in 1970 refused nearly every input there).
     */
    static final long CLOCK = 4_000_000_000_000L;

    /** One decoder for the whole run, as in a Flink task: a bad record must not break the next one. */
    static final ReadingDecoder DECODER =
            new ReadingDecoder(FEATURES, LIMITS, List.of(OLDER_SCHEMA.toString()), () -> CLOCK);

    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void decode(FuzzedDataProvider data) {
        byte[] key = data.consumeBoolean() ? null : data.consumeBytes(data.consumeInt(0, 80));
        byte[] value = data.consumeBoolean() ? mutatedReading(data) : data.consumeRemainingAsBytes();
        DecodedRecord record = DECODER.decode("readings", 0, 7L, 1L, key, value);
        if (record.isReading()) {
            FuzzContract.check(
                    record.key != null
                            && !record.key.isEmpty()
                            && record.key.getBytes(StandardCharsets.UTF_8).length <= LIMITS.maxKeyBytes(),
                    "bad key " + record);
            FuzzContract.check(
                    record.eventTime >= LIMITS.minEventTimeMillis() && record.eventTime < LIMITS.maxEventTimeMillis(),
                    "event time outside the window: " + record);
            FuzzContract.check(record.features.length == FEATURES.size(), "wrong feature count: " + record);
            for (float feature : record.features) {
                FuzzContract.check(Float.isFinite(feature), "non-finite feature: " + record);
            }
        } else {
            FuzzContract.check(REASONS.contains(record.reason), "unknown dead-letter reason " + record.reason);
            FuzzContract.check(
                    record.errorMessage != null
                            && !record.errorMessage.isBlank()
                            && record.errorMessage.length() <= 1000,
                    "unclear dead-letter message: " + record.errorMessage);
            FuzzContract.check(
                    record.originalValue == null || record.originalValue.length <= LIMITS.maxValueBytes(),
                    "an oversized value kept in a dead letter");
        }
    }

    /** A valid encoding of a fuzzed reading, then damaged in one of a few ways the fuzzer chooses. */
    private static byte[] mutatedReading(FuzzedDataProvider data) {
        String key = data.consumeString(16);
        long eventTime = data.consumeBoolean() ? data.consumeLong(0, CLOCK) : data.consumeLong();
        Map<String, Double> values = new HashMap<>();
        int count = data.consumeInt(0, 4);
        for (int i = 0; i < count; i++) {
            String name = data.consumeBoolean() ? data.pickValue(NAMES) : data.consumeString(8);
            values.put(name, data.consumeBoolean() ? data.consumeRegularDouble(-1e3, 1e3) : data.consumeDouble());
        }
        byte[] message = data.consumeBoolean()
                ? SingleObject.encode(
                        SensorReading.getEncoder(),
                        new SensorReading(
                                key,
                                Instant.ofEpochMilli(
                                        Math.max(-31557014167219200L, Math.min(31556889864403199L, eventTime))),
                                values))
                : olderEncoding(key, eventTime, values, data.consumeString(8));
        int mutations = data.consumeInt(0, 3);
        for (int m = 0; m < mutations; m++) {
            int at = data.consumeInt(0, message.length);
            message = switch (data.consumeInt(0, 3)) {
                case 0 -> overwrite(message, at, data.consumeByte());
                case 1 ->
                    splice(message, at, varint(data.consumeBoolean() ? data.consumeInt(-2, 64) : data.consumeLong()));
                case 2 -> Arrays.copyOf(message, at);
                default -> splice(message, at, data.consumeBytes(8));
            };
        }
        return message;
    }

    private static byte[] olderEncoding(String key, long eventTime, Map<String, Double> values, String unit) {
        GenericRecord record = new GenericData.Record(OLDER_SCHEMA);
        record.put("key", key);
        record.put("event_time", eventTime);
        record.put("values", values);
        record.put("unit", unit);
        return SingleObject.encode(new BinaryMessageEncoder<>(GenericData.get(), OLDER_SCHEMA), record);
    }

    private static byte[] overwrite(byte[] message, int at, byte value) {
        if (at < message.length) {
            message[at] = value;
        }
        return message;
    }

    private static byte[] splice(byte[] message, int at, byte[] inserted) {
        byte[] result = new byte[message.length + inserted.length];
        System.arraycopy(message, 0, result, 0, at);
        System.arraycopy(inserted, 0, result, at, inserted.length);
        System.arraycopy(message, at, result, at + inserted.length, message.length - at);
        return result;
    }

    /** Avro's zig-zag varint. */
    private static byte[] varint(long n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long z = (n << 1) ^ (n >> 63);
        while ((z & ~0x7FL) != 0) {
            out.write((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.write((int) z);
        return out.toByteArray();
    }
}
