package io.streamcell.io.avro;

import io.streamcell.avro.SensorReading;
import io.streamcell.io.deadletter.DeadLetterReason;
import io.streamcell.io.deadletter.DeadLetterRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;

/**
 * Turns the bytes of a Kafka record on the readings topic into either a valid reading (key, event
 * time, the model's features in model order as float32) or a dead letter with a
 * {@link DeadLetterReason}. It never throws on bad input.
 *
 * <p>Checks, in this order (the first failure is the reason): no value ({@code undecodable});
 * value or record key bytes over the limits ({@code oversized}); not single-object encoding
 * ({@code undecodable}); unknown schema fingerprint ({@code unknown_schema}); corrupt, truncated or
 * trailing bytes ({@code undecodable}); empty {@code key} ({@code missing_key}); key length or
 * number of values over the limits ({@code oversized}); {@code event_time} outside the window
 * ({@code bad_timestamp}); a model feature absent ({@code missing_feature}, all absent names in the
 * message); a model feature NaN, infinite or beyond float32 ({@code non_finite}). Values whose names
 * are not model features are ignored, whatever they hold.
 *
 * <p>The key is the Avro {@code key} field; a Kafka record key that differs is ignored (and counted,
 * see {@link #kafkaKeyMismatches()}), because the Avro message is what the producer signed up to.
 *
 * <p>Not thread-safe: one instance per task. Plain Java, no Flink.
 */
public final class ReadingDecoder {
    private static final int MAX_MESSAGE_CHARS = 1000;
    private static final Schema READER_SCHEMA = SensorReading.getClassSchema();

    private final List<String> featureNames;
    private final ReadingLimits limits;
    private final LongSupplier clock;
    /** The clock when last read for the ahead-of-clock check (ms). */
    private long clockSeen = Long.MIN_VALUE;
    /** Every writer schema we can decode, by CRC-64-AVRO fingerprint: the current one and registered older ones. */
    private final Map<Long, Schema> writerSchemas = new HashMap<>();

    private final SchemaStore.Cache olderWriterSchemas = new SchemaStore.Cache();
    private BinaryMessageDecoder<SensorReading> messageDecoder;
    private long kafkaKeyMismatches;

    /** A decoder with the default limits that accepts only the current {@code SensorReading} schema. */
    public ReadingDecoder(List<String> featureNames) {
        this(featureNames, ReadingLimits.DEFAULTS, List.of());
    }

    /**
     * @param featureNames        the model's feature names, in model order
     * @param limits              size and event-time limits
     * @param olderWriterSchemas  JSON of earlier {@code SensorReading} schema versions still being
     *                            produced; each must resolve to the current schema
     */
    public ReadingDecoder(List<String> featureNames, ReadingLimits limits, List<String> olderWriterSchemas) {
        this(featureNames, limits, olderWriterSchemas, System::currentTimeMillis);
    }

    /** As above, with the clock that stamps {@code detected_at} on dead letters and that event times may not run far ahead of. */
    public ReadingDecoder(
            List<String> featureNames, ReadingLimits limits, List<String> olderWriterSchemas, LongSupplier clock) {
        this.featureNames = Names.checkUnique(featureNames, "featureNames");
        this.limits = checkNotNull(limits, "limits");
        this.clock = checkNotNull(clock, "clock");
        writerSchemas.put(SchemaNormalization.parsingFingerprint64(READER_SCHEMA), READER_SCHEMA);
        for (String json : checkNotNull(olderWriterSchemas, "olderWriterSchemas")) {
            Schema writer = parseOlderWriterSchema(json);
            writerSchemas.put(SchemaNormalization.parsingFingerprint64(writer), writer);
            this.olderWriterSchemas.addSchema(writer);
        }
        this.messageDecoder = newMessageDecoder();
    }

    /** The feature names, in the order of {@link DecodedRecord#features}. */
    public List<String> featureNames() {
        return featureNames;
    }

    public ReadingLimits limits() {
        return limits;
    }

    /** How many decoded readings had a Kafka record key different from their Avro {@code key}. */
    public long kafkaKeyMismatches() {
        return kafkaKeyMismatches;
    }

    /**
     * Decodes one Kafka record. Never throws.
     *
     * @param timestamp the Kafka record timestamp (-1 when none), copied into dead letters
     */
    public DecodedRecord decode(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
        try {
            // A reading keeps where it came from, not its bytes: the job may still dead-letter it (late),
            // with the reading encoded again, and carrying the bytes would cost state while it waits.
            return validate(decodeAvro(key, value), key).withSource(topic, partition, offset, timestamp);
        } catch (Rejected rejected) {
            String message = rejected.getMessage();
            if (message.length() > MAX_MESSAGE_CHARS) {
                message = message.substring(0, MAX_MESSAGE_CHARS - 3) + "...";
            }
            // Bytes over the limits are dropped: they would not fit the dead-letter topic either.
            byte[] keptKey = key != null && key.length <= limits.maxKeyBytes() ? key : null;
            byte[] keptValue = value != null && value.length <= limits.maxValueBytes() ? value : null;
            Throwable cause = rejected.getCause();
            return DecodedRecord.deadLetter(new DeadLetterRecord(
                    topic,
                    partition,
                    offset,
                    timestamp,
                    keptKey,
                    keptValue,
                    rejected.reason.wireName(),
                    cause == null ? "" : cause.getClass().getName(),
                    message,
                    clock.getAsLong()));
        }
    }

    private SensorReading decodeAvro(byte[] key, byte[] value) throws Rejected {
        if (value == null || value.length == 0) {
            throw new Rejected(DeadLetterReason.UNDECODABLE, "the record has no value", null);
        }
        if (value.length > limits.maxValueBytes()) {
            throw new Rejected(
                    DeadLetterReason.OVERSIZED,
                    "the value is " + value.length + " bytes, more than maxValueBytes " + limits.maxValueBytes()
                            + "; the bytes are not kept",
                    null);
        }
        if (key != null && key.length > limits.maxKeyBytes()) {
            throw new Rejected(
                    DeadLetterReason.OVERSIZED,
                    "the record key is " + key.length + " bytes, more than maxKeyBytes " + limits.maxKeyBytes()
                            + "; the key bytes are not kept",
                    null);
        }
        if (!SingleObject.hasHeader(value)) {
            throw new Rejected(
                    DeadLetterReason.UNDECODABLE,
                    "not Avro single-object encoding (marker C3 01 and an" + " 8-byte schema fingerprint): "
                            + value.length + " bytes starting " + hexPrefix(value),
                    null);
        }
        long fingerprint = SingleObject.fingerprint(value);
        Schema writer = writerSchemas.get(fingerprint);
        if (writer == null) {
            throw new Rejected(
                    DeadLetterReason.UNKNOWN_SCHEMA,
                    String.format(
                            "schema fingerprint %016x is neither"
                                    + " SensorReading's (%016x) nor a registered older SensorReading schema",
                            fingerprint, SchemaNormalization.parsingFingerprint64(READER_SCHEMA)),
                    null);
        }
        checkBodyStructure(writer, value);
        try {
            return messageDecoder.decode(value);
        } catch (MissingSchemaException e) {
            throw new Rejected(
                    DeadLetterReason.UNKNOWN_SCHEMA, "Avro does not know the writer schema: " + e.getMessage(), e);
        } catch (Exception e) {
            // FLINK-31951: an Avro decoder that threw may hold broken state; never reuse it.
            messageDecoder = newMessageDecoder();
            throw new Rejected(
                    DeadLetterReason.UNDECODABLE, "Avro could not decode the SensorReading: " + e.getMessage(), e);
        }
    }

    /**
     * Walks the body with the writer schema without materialising it. Avro's reader allocates what
     * a length prefix claims before reading it, so garbage that claims a 2 GiB string would exhaust
     * the heap; the walk checks every length against the bytes that are really there first.
     *
     * <p>Not {@code GenericDatumReader.skip}: for a map or array block written with its byte size
     * (a negative item count) it jumps over that many bytes unread, so the items inside, which the
     * real reader then decodes one by one, were never checked (fuzzing found a string length of
     * ~2^62 hidden in such a block).
     */
    private void checkBodyStructure(Schema writer, byte[] value) throws Rejected {
        int bodyLength = value.length - SingleObject.HEADER_LENGTH;
        BinaryDecoder body = DecoderFactory.get().binaryDecoder(value, SingleObject.HEADER_LENGTH, bodyLength, null);
        boolean atEnd;
        try {
            new BodyWalk(body, bodyLength + (long) limits.maxValues()).walk(writer, 0);
            atEnd = body.isEnd();
        } catch (Exception e) {
            throw new Rejected(
                    DeadLetterReason.UNDECODABLE,
                    "corrupt or truncated " + writer.getName() + " body (" + bodyLength + " bytes): " + e,
                    e);
        }
        if (!atEnd) {
            throw new Rejected(
                    DeadLetterReason.UNDECODABLE,
                    "bytes left over after the " + writer.getName() + " body: not a single Avro message",
                    null);
        }
    }

    /**
     * Reads every value of a body as the writer schema says, keeping nothing: each string or bytes
     * length is skipped over, which fails on a length beyond the end of the input. Map and array
     * items are walked one by one, and their total is bounded, so items of zero bytes (nulls,
     * empty records) cannot make the walk spin on a huge count.
     */
    private static final class BodyWalk {
        private static final int MAX_DEPTH = 32;
        private final BinaryDecoder in;
        private long itemsLeft;

        BodyWalk(BinaryDecoder in, long maxItems) {
            this.in = in;
            this.itemsLeft = maxItems;
        }

        void walk(Schema schema, int depth) throws IOException {
            if (depth > MAX_DEPTH) {
                throw new IOException("values nested more than " + MAX_DEPTH + " deep");
            }
            switch (schema.getType()) {
                case RECORD -> {
                    for (Schema.Field field : schema.getFields()) {
                        walk(field.schema(), depth + 1);
                    }
                }
                case ARRAY -> {
                    for (long n = in.readArrayStart(); n != 0; n = in.arrayNext()) {
                        items(n);
                        for (long i = 0; i < n; i++) {
                            walk(schema.getElementType(), depth + 1);
                        }
                    }
                }
                case MAP -> {
                    for (long n = in.readMapStart(); n != 0; n = in.mapNext()) {
                        items(n);
                        for (long i = 0; i < n; i++) {
                            in.skipString();
                            walk(schema.getValueType(), depth + 1);
                        }
                    }
                }
                case UNION -> {
                    int branch = in.readIndex();
                    if (branch < 0 || branch >= schema.getTypes().size()) {
                        throw new IOException("union branch " + branch + " of "
                                + schema.getTypes().size());
                    }
                    walk(schema.getTypes().get(branch), depth + 1);
                }
                case ENUM -> {
                    int symbol = in.readEnum();
                    if (symbol < 0 || symbol >= schema.getEnumSymbols().size()) {
                        throw new IOException("enum symbol " + symbol + " of "
                                + schema.getEnumSymbols().size());
                    }
                }
                case FIXED -> in.skipFixed(schema.getFixedSize());
                case STRING -> in.skipString();
                case BYTES -> in.skipBytes();
                case INT -> in.readInt();
                case LONG -> in.readLong();
                case FLOAT -> in.readFloat();
                case DOUBLE -> in.readDouble();
                case BOOLEAN -> in.readBoolean();
                case NULL -> in.readNull();
            }
        }

        private void items(long n) throws IOException {
            if (n < 0 || n > itemsLeft) {
                throw new IOException("a block of " + n + " items, more than the body can hold");
            }
            itemsLeft -= n;
        }
    }

    private DecodedRecord validate(SensorReading reading, byte[] kafkaKey) throws Rejected {
        String key = reading.getKey();
        if (key == null || key.isEmpty()) {
            throw new Rejected(DeadLetterReason.MISSING_KEY, "the reading's key is empty", null);
        }
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        if (keyBytes.length > limits.maxKeyBytes()) {
            throw new Rejected(
                    DeadLetterReason.OVERSIZED,
                    "the reading's key is " + keyBytes.length + " UTF-8 bytes, more than maxKeyBytes "
                            + limits.maxKeyBytes(),
                    null);
        }
        Map<String, Double> values = reading.getValues();
        if (values.size() > limits.maxValues()) {
            throw new Rejected(
                    DeadLetterReason.OVERSIZED,
                    "the reading of key '" + key + "' has " + values.size() + " values, more than maxValues "
                            + limits.maxValues(),
                    null);
        }
        long eventTime = reading.getEventTime().toEpochMilli();
        if (!limits.acceptsEventTime(eventTime)) {
            throw new Rejected(
                    DeadLetterReason.BAD_TIMESTAMP,
                    "event_time " + eventTime + " ("
                            + Instant.ofEpochMilli(eventTime) + ") of key '" + key
                            + "' is outside the accepted window ["
                            + Instant.ofEpochMilli(limits.minEventTimeMillis()) + ", "
                            + Instant.ofEpochMilli(limits.maxEventTimeMillis()) + ")",
                    null);
        }
        // The clock only moves on: an event time within the bound of its last reading needs no new one.
        if (eventTime - limits.maxAheadOfClockMillis() > clockSeen) {
            clockSeen = clock.getAsLong();
            if (limits.aheadOfClock(eventTime, clockSeen)) {
                throw new Rejected(
                        DeadLetterReason.BAD_TIMESTAMP,
                        "event_time " + eventTime + " ("
                                + Instant.ofEpochMilli(eventTime) + ") of key '" + key + "' is more than "
                                + Duration.ofMillis(limits.maxAheadOfClockMillis()) + " ahead of the clock ("
                                + Instant.ofEpochMilli(clockSeen)
                                + "): it would move the watermark past every other reading",
                        null);
            }
        }
        List<String> missing = new ArrayList<>();
        for (String name : featureNames) {
            if (!values.containsKey(name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new Rejected(
                    DeadLetterReason.MISSING_FEATURE,
                    "the reading of key '" + key + "' lacks the model feature(s) " + missing,
                    null);
        }
        float[] features = new float[featureNames.size()];
        for (int i = 0; i < features.length; i++) {
            String name = featureNames.get(i);
            double v = values.get(name);
            float f = (float) v;
            if (!Float.isFinite(f)) {
                String what = Double.isFinite(v) ? v + ", too large for float32" : String.valueOf(v);
                throw new Rejected(
                        DeadLetterReason.NON_FINITE, "feature '" + name + "' of key '" + key + "' is " + what, null);
            }
            features[i] = f;
        }
        if (kafkaKey != null && kafkaKey.length > 0 && !Arrays.equals(kafkaKey, keyBytes)) {
            kafkaKeyMismatches++;
        }
        return DecodedRecord.reading(key, eventTime, features);
    }

    private BinaryMessageDecoder<SensorReading> newMessageDecoder() {
        return SensorReading.createDecoder(olderWriterSchemas);
    }

    private static Schema parseOlderWriterSchema(String json) {
        Schema writer;
        try {
            writer = new Schema.Parser().parse(json);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "an older SensorReading writer schema is not valid Avro JSON: " + e.getMessage(), e);
        }
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(READER_SCHEMA, writer);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new IllegalArgumentException("the older writer schema " + writer.getFullName()
                    + " cannot be read as the current SensorReading: " + compatibility.getDescription());
        }
        return writer;
    }

    private static <T> T checkNotNull(T value, String name) {
        if (value == null) {
            throw new NullPointerException(name + " must not be null");
        }
        return value;
    }

    private static String hexPrefix(byte[] bytes) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, 4); i++) {
            hex.append(String.format("%02X ", bytes[i]));
        }
        return hex.toString().trim();
    }

    /** A rejection on its way to becoming a dead letter; stackless because it is control flow. */
    private static final class Rejected extends Exception {
        final DeadLetterReason reason;

        Rejected(DeadLetterReason reason, String message, Throwable cause) {
            super(message, cause, false, false);
            this.reason = reason;
        }
    }
}
