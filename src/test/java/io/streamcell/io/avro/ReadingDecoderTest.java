package io.streamcell.io.avro;

import static io.streamcell.io.avro.ReadingMessages.concat;
import static io.streamcell.io.avro.ReadingMessages.reading;
import static io.streamcell.io.avro.ReadingMessages.varint;
import static io.streamcell.io.avro.ReadingMessages.withCurrentHeader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.avro.Forecast;
import io.streamcell.avro.TargetForecast;
import io.streamcell.io.deadletter.DeadLetterReason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReadingDecoderTest {
    private static final List<String> FEATURES = List.of("temperature", "humidity");
    private static final long NOW = Instant.parse("2025-06-15T00:00:00Z").toEpochMilli();
    private static final long T = Instant.parse("2025-06-01T12:00:00Z").toEpochMilli();

    private final ReadingDecoder decoder = decoder(ReadingLimits.DEFAULTS);

    private static ReadingDecoder decoder(ReadingLimits limits) {
        return new ReadingDecoder(FEATURES, limits, List.of(), () -> NOW);
    }

    private DecodedRecord decode(byte[] value) {
        return decoder.decode("readings", 3, 42L, 1234L, "s1".getBytes(StandardCharsets.UTF_8), value);
    }

    private static Map<String, Double> values(double temperature, double humidity) {
        return Map.of("temperature", temperature, "humidity", humidity);
    }

    @Test
    void shouldDecodeFeaturesInModelOrderAndIgnoreExtraValues() {
        DecodedRecord r = decode(reading(
                "s1", T, Map.of("humidity", 0.5, "pressure", 1013.0, "temperature", 21.25, "junk", Double.NaN)));

        assertThat(r.isReading()).isTrue();
        assertThat(r.key).isEqualTo("s1");
        assertThat(r.eventTime).isEqualTo(T);
        assertThat(r.features).containsExactly(21.25f, 0.5f);
        assertThat(r.reason).isNull();
    }

    @Test
    void shouldKeepWhereAReadingCameFromButNotItsRecordsBytes() {
        DecodedRecord r = decode(reading("s1", T, values(21.25, 0.5)));

        assertThat(r.isReading()).isTrue();
        assertThat(r.sourceTopic).isEqualTo("readings");
        assertThat(r.partition).isEqualTo(3);
        assertThat(r.offset).isEqualTo(42L);
        assertThat(r.originalKey)
                .as("a reading waits in state; its bytes would cost memory there")
                .isNull();
        assertThat(r.originalValue).isNull();
    }

    @Test
    void shouldKeepOriginalBytesAndCoordinatesInDeadLetter() {
        byte[] key = "s1".getBytes(StandardCharsets.UTF_8);
        byte[] garbage = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

        DecodedRecord r = decoder.decode("readings", 3, 42L, 1234L, key, garbage);

        assertThat(r.isReading()).isFalse();
        assertThat(r.reason).isEqualTo("undecodable");
        assertThat(r.sourceTopic).isEqualTo("readings");
        assertThat(r.partition).isEqualTo(3);
        assertThat(r.offset).isEqualTo(42L);
        assertThat(r.kafkaTimestamp).isEqualTo(1234L);
        assertThat(r.originalKey).isEqualTo(key);
        assertThat(r.originalValue).isEqualTo(garbage);
        assertThat(r.detectedAt).isEqualTo(NOW);
        assertThat(r.errorClass).isEmpty();
        assertThat(r.errorMessage).contains("single-object").contains("01 02 03 04");
        assertThat(r.toDeadLetter().value).isEqualTo(garbage);
    }

    @Test
    void shouldRejectMissingValueAsUndecodable() {
        assertThat(decode(null).reason).isEqualTo("undecodable");
        assertThat(decode(new byte[0]).errorMessage).contains("no value");
    }

    @Test
    void shouldRejectAvroWithoutSingleObjectHeader() {
        byte[] message = reading("s1", T, values(1, 2));
        byte[] bodyOnly = Arrays.copyOfRange(message, SingleObject.HEADER_LENGTH, message.length);
        byte[] wrongMagic = message.clone();
        wrongMagic[1] = 0x02;

        assertThat(decode(bodyOnly).reason).isEqualTo("undecodable");
        assertThat(decode(wrongMagic).reason).isEqualTo("undecodable");
    }

    @Test
    void shouldRejectTruncatedMessage() {
        byte[] message = reading("s1", T, values(1, 2));

        DecodedRecord r = decode(Arrays.copyOf(message, message.length - 3));

        assertThat(r.reason).isEqualTo("undecodable");
        assertThat(r.errorMessage).contains("corrupt or truncated SensorReading");
        assertThat(r.errorClass).isEqualTo("java.io.EOFException");
    }

    @Test
    void shouldRejectTrailingBytes() {
        byte[] message = reading("s1", T, values(1, 2));

        DecodedRecord r = decode(concat(message, new byte[] {0}));

        assertThat(r.reason).isEqualTo("undecodable");
        assertThat(r.errorMessage).contains("left over");
    }

    @Test
    void shouldRejectHugeClaimedLengthWithoutAllocatingIt() {
        // Avro's own reader would allocate ~2 GiB for this key before noticing the bytes are not there.
        byte[] message = withCurrentHeader(concat(varint(Integer.MAX_VALUE - 100), new byte[] {'k'}));

        DecodedRecord r = decode(message);

        assertThat(r.reason).isEqualTo("undecodable");
        assertThat(r.errorMessage).contains("corrupt or truncated");
    }

    @Test
    void shouldRejectMessageOfAnotherSchemaAsUnknownSchema() {
        Forecast forecast = new Forecast(
                "s1",
                Instant.ofEpochMilli(T),
                List.of(new TargetForecast("temperature", List.of(1f))),
                "v1",
                1L,
                null,
                null);
        byte[] message = SingleObject.encode(Forecast.getEncoder(), forecast);

        DecodedRecord r = decode(message);

        assertThat(r.reason).isEqualTo("unknown_schema");
        assertThat(r.errorMessage).contains(String.format("%016x", SingleObject.fingerprint(message)));
        assertThat(r.originalValue).isEqualTo(message);
    }

    @Test
    void shouldDecodeRegisteredOlderWriterSchemaAndRejectItOtherwise() {
        byte[] message = ReadingMessages.withSchema(ReadingMessages.readingWithUnit("s1", T, values(3, 4), "celsius"));
        ReadingDecoder withHistory = new ReadingDecoder(
                FEATURES,
                ReadingLimits.DEFAULTS,
                List.of(ReadingMessages.readingSchemaWithUnit().toString()),
                () -> NOW);

        DecodedRecord unknown = decode(message);
        DecodedRecord known = withHistory.decode("readings", 0, 0, 0, null, message);

        assertThat(unknown.reason).isEqualTo("unknown_schema");
        assertThat(known.isReading()).isTrue();
        assertThat(known.features).containsExactly(3f, 4f);
    }

    @Test
    void shouldRefuseOlderWriterSchemaThatCannotBeRead() {
        String incompatible = """
                {"type": "record", "name": "SensorReading", "namespace": "io.streamcell.avro", "fields": [
                  {"name": "key", "type": "string"},
                  {"name": "event_time", "type": "long"},
                  {"name": "values", "type": {"type": "map", "values": "string"}}
                ]}""";

        assertThatThrownBy(() -> new ReadingDecoder(FEATURES, ReadingLimits.DEFAULTS, List.of(incompatible)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be read as the current SensorReading");
        assertThatThrownBy(() -> new ReadingDecoder(FEATURES, ReadingLimits.DEFAULTS, List.of("{not json")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid Avro JSON");
    }

    @Test
    void shouldRejectEmptyKey() {
        DecodedRecord r = decode(reading("", T, values(1, 2)));

        assertThat(r.reason).isEqualTo("missing_key");
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e300, -1e39})
    void shouldRejectNonFiniteOrFloatOverflowingFeature(double bad) {
        DecodedRecord r = decode(reading("s1", T, values(1, bad)));

        assertThat(r.reason).isEqualTo("non_finite");
        assertThat(r.errorMessage).contains("'humidity'");
    }

    @Test
    void shouldAcceptLargestFloatAndUnderflowToZero() {
        DecodedRecord r = decode(reading("s1", T, values(Float.MAX_VALUE, 1e-50)));

        assertThat(r.isReading()).isTrue();
        assertThat(r.features).containsExactly(Float.MAX_VALUE, 0f);
    }

    @Test
    void shouldNameEveryMissingFeature() {
        DecodedRecord r = decode(reading("s1", T, Map.of("pressure", 1.0)));

        assertThat(r.reason).isEqualTo("missing_feature");
        assertThat(r.errorMessage).contains("[temperature, humidity]");
    }

    @Test
    void shouldRejectEventTimeOutsideDefaultWindow() {
        long year2200 = Instant.parse("2200-01-01T00:00:00Z").toEpochMilli();

        assertThat(decode(reading("s1", -1L, values(1, 2))).reason).isEqualTo("bad_timestamp");
        assertThat(decode(reading("s1", year2200, values(1, 2))).reason).isEqualTo("bad_timestamp");
        assertThat(decode(reading("s1", Long.MAX_VALUE, values(1, 2))).reason).isEqualTo("bad_timestamp");
        assertThat(decode(reading("s1", Long.MIN_VALUE, values(1, 2))).errorMessage)
                .contains("outside the accepted window [1970-01-01T00:00:00Z, 2200-01-01T00:00:00Z)");
        assertThat(decode(reading("s1", 0L, values(1, 2))).isReading()).isTrue();
        ReadingDecoder anyFuture = decoder(ReadingLimits.DEFAULTS.withMaxAheadOfClock(null));
        assertThat(anyFuture
                        .decode("readings", 3, 42L, 1234L, null, reading("s1", year2200 - 1, values(1, 2)))
                        .isReading())
                .isTrue();
    }

    @Test
    void shouldJudgeAheadOfTheClockByTheClockAsItMovesOn() {
        long day = Duration.ofDays(1).toMillis();
        AtomicLong now = new AtomicLong(NOW);
        ReadingDecoder moving = new ReadingDecoder(
                FEATURES, ReadingLimits.DEFAULTS.withMaxAheadOfClock(Duration.ofDays(1)), List.of(), now::get);
        byte[] early = reading("s1", NOW + day + 1, values(1, 2));

        assertThat(moving.decode("readings", 3, 42L, 1234L, null, early).reason).isEqualTo("bad_timestamp");
        now.addAndGet(Duration.ofHours(1).toMillis());
        assertThat(moving.decode("readings", 3, 43L, 1234L, null, early).isReading())
                .isTrue();
        assertThat(moving.decode("readings", 3, 44L, 1234L, null, reading("s1", NOW + 2 * day, values(1, 2))).reason)
                .isEqualTo("bad_timestamp");
    }

    @Test
    void shouldRejectEventTimeMoreThanFiveMinutesAheadOfTheClockByDefault() {
        long five = Duration.ofMinutes(5).toMillis();

        assertThat(decode(reading("s1", NOW + five, values(1, 2))).isReading()).isTrue();
        DecodedRecord ahead = decode(reading("s1", NOW + five + 1, values(1, 2)));
        assertThat(ahead.reason).isEqualTo("bad_timestamp");
        assertThat(ahead.errorMessage).contains("more than PT5M ahead of the clock (2025-06-15T00:00:00Z)");
        assertThat(decode(reading("s1", NOW + Duration.ofHours(23).toMillis(), values(1, 2))).reason)
                .as("a day ahead: one such reading would move its partition's watermark a day ahead")
                .isEqualTo("bad_timestamp");
        ReadingDecoder hourly = decoder(ReadingLimits.DEFAULTS.withMaxAheadOfClock(Duration.ofHours(1)));
        assertThat(hourly.decode("readings", 3, 42L, 1234L, null, reading("s1", NOW + 3_600_001L, values(1, 2))).reason)
                .isEqualTo("bad_timestamp");
    }

    @Test
    void shouldApplyConfiguredEventTimeWindow() {
        ReadingDecoder recent = decoder(ReadingLimits.DEFAULTS.withEventTimeWindow(
                Instant.parse("2020-01-01T00:00:00Z"), Instant.parse("2030-01-01T00:00:00Z")));

        assertThat(recent.decode("t", 0, 0, 0, null, reading("s1", T, values(1, 2)))
                        .isReading())
                .isTrue();
        assertThat(recent.decode("t", 0, 0, 0, null, reading("s1", 1_000L, values(1, 2))).reason)
                .isEqualTo("bad_timestamp");
    }

    @Test
    void shouldRejectOversizedValueWithoutKeepingItsBytes() {
        ReadingDecoder small = decoder(ReadingLimits.DEFAULTS.withMaxValueBytes(40));
        byte[] big = reading("s1", T, Map.of("temperature", 1.0, "humidity", 2.0, "pressure", 3.0));
        byte[] key = "s1".getBytes(StandardCharsets.UTF_8);

        DecodedRecord r = small.decode("readings", 0, 7, 0, key, big);

        assertThat(big.length).isGreaterThan(40);
        assertThat(r.reason).isEqualTo("oversized");
        assertThat(r.errorMessage).contains(big.length + " bytes").contains("maxValueBytes 40");
        assertThat(r.originalValue).isNull();
        assertThat(r.originalKey).isEqualTo(key);
    }

    @Test
    void shouldRejectOversizedKafkaKeyWithoutKeepingIt() {
        ReadingDecoder small = decoder(ReadingLimits.DEFAULTS.withMaxKeyBytes(4));
        byte[] value = reading("s1", T, values(1, 2));

        DecodedRecord r = small.decode("readings", 0, 7, 0, "a-long-key".getBytes(StandardCharsets.UTF_8), value);

        assertThat(r.reason).isEqualTo("oversized");
        assertThat(r.originalKey).isNull();
        assertThat(r.originalValue).isEqualTo(value);
    }

    @Test
    void shouldRejectOversizedReadingKeyAndTooManyValues() {
        ReadingDecoder small = decoder(ReadingLimits.DEFAULTS.withMaxKeyBytes(4).withMaxValues(2));

        DecodedRecord longKey = small.decode("t", 0, 0, 0, null, reading("sensor-1", T, values(1, 2)));
        DecodedRecord manyValues = small.decode(
                "t", 0, 0, 0, null, reading("s1", T, Map.of("temperature", 1.0, "humidity", 2.0, "pressure", 3.0)));

        assertThat(longKey.reason).isEqualTo("oversized");
        assertThat(longKey.errorMessage).contains("8 UTF-8 bytes");
        assertThat(manyValues.reason).isEqualTo("oversized");
        assertThat(manyValues.errorMessage).contains("3 values");
    }

    @Test
    void shouldTakeKeyFromAvroAndCountDifferingKafkaKeys() {
        byte[] value = reading("s1", T, values(1, 2));

        DecodedRecord differing = decoder.decode("t", 0, 0, 0, "other".getBytes(StandardCharsets.UTF_8), value);
        decoder.decode("t", 0, 1, 0, "s1".getBytes(StandardCharsets.UTF_8), value);
        decoder.decode("t", 0, 2, 0, null, value);

        assertThat(differing.key).isEqualTo("s1");
        assertThat(decoder.kafkaKeyMismatches()).isEqualTo(1);
    }

    @Test
    void shouldRejectAHugeLengthHiddenInASizedMapBlockWithoutAllocatingIt() {
        // Found by ReadingDecoderFuzzTest: Avro's reader allocated a 2^40-byte key (OutOfMemoryError).
        byte[] key = varint(1L << 40);
        byte[] hidden = withCurrentHeader(
                concat(varint(2), new byte[] {'s', '2'}, varint(T), varint(-1), varint(key.length), key, varint(0)));

        DecodedRecord rejected = decode(hidden);

        assertThat(rejected.reason).isEqualTo("undecodable");
        assertThat(rejected.errorMessage).contains("corrupt or truncated SensorReading body");
    }

    @Test
    void shouldDecodeCorrectlyAfterACorruptMapBlock() {
        // A map block whose byte count (1) hides an entry that claims a 63-byte key. This used to
        // pass the structural check (GenericDatumReader.skip jumps over the block by its byte count)
        // and fail inside Avro's reader; the walk now reads the entry and rejects the record first.
        // The decoder must still be sound afterwards.
        byte[] poisoned = withCurrentHeader(concat(
                varint(2), new byte[] {'s', '2'}, varint(T), varint(-1), varint(1), new byte[] {0x7E}, varint(0)));

        DecodedRecord first = decode(reading("s1", T, values(1.5, 2.5)));
        DecodedRecord failed = decode(poisoned);
        DecodedRecord after = decode(reading("s3", T + 1, values(-7, 8)));

        assertThat(first.features).containsExactly(1.5f, 2.5f);
        assertThat(failed.reason).isEqualTo("undecodable");
        assertThat(failed.errorMessage).contains("corrupt or truncated SensorReading body");
        assertThat(failed.errorClass).isNotEmpty();
        assertThat(after.isReading()).isTrue();
        assertThat(after.key).isEqualTo("s3");
        assertThat(after.eventTime).isEqualTo(T + 1);
        assertThat(after.features).containsExactly(-7f, 8f);
    }

    @Test
    void shouldNeverThrowOnRandomOrMutatedBytes() {
        Random random = new Random(20250601L);
        Set<String> reasons = Stream.of(DeadLetterReason.values())
                .map(DeadLetterReason::wireName)
                .collect(Collectors.toSet());
        Set<String> seen = new HashSet<>();
        Map<String, Double> goodValues = new HashMap<>(values(20.5, 0.4));
        goodValues.put("pressure", 1000.0);
        byte[] good = reading("sensor-7", T, goodValues);
        int readings = 0;

        for (int i = 0; i < 30_000; i++) {
            byte[] bytes = switch (i % 4) {
                case 0 -> randomBytes(random, random.nextInt(80));
                case 1 -> withCurrentHeader(randomBytes(random, random.nextInt(60)));
                case 2 -> mutate(random, good);
                default -> Arrays.copyOf(good, random.nextInt(good.length + 1));
            };
            DecodedRecord r = decoder.decode("readings", 0, i, 0, null, bytes);
            if (r.isReading()) {
                readings++;
                assertThat(r.features).hasSize(2);
                assertThat(Float.isFinite(r.features[0]) && Float.isFinite(r.features[1]))
                        .isTrue();
                assertThat(r.key).isNotEmpty();
            } else {
                assertThat(reasons).contains(r.reason);
                assertThat(r.originalValue).isEqualTo(bytes);
                seen.add(r.reason);
            }
        }

        // The mutations reach past the header into validation, not just the first check.
        assertThat(readings).isPositive();
        assertThat(seen).contains("undecodable", "unknown_schema", "missing_feature");
        assertThat(decode(good).features).containsExactly(20.5f, 0.4f);
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] mutate(Random random, byte[] original) {
        byte[] bytes = original.clone();
        int flips = 1 + random.nextInt(3);
        for (int f = 0; f < flips; f++) {
            int at = random.nextInt(bytes.length);
            bytes[at] = (byte) (random.nextBoolean() ? random.nextInt(256) : bytes[at] ^ (1 << random.nextInt(8)));
        }
        return bytes;
    }
}
