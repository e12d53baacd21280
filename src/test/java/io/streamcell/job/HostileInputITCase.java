package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.avro.DeadLetter;
import io.streamcell.avro.Forecast;
import io.streamcell.io.avro.ReadingLimits;
import io.streamcell.io.avro.SingleObject;
import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.replay.ReplayEngine;
import io.streamcell.testing.EmbeddedKafkaExtension;
import io.streamcell.testing.KafkaTestClients;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bad input end to end: 100,000 records of which a third are hostile (random bytes, truncated Avro,
 * a valid record of the wrong schema, NaN/±Inf values, empty and 1 MB keys, event times in year 0
 * and 9999, a 10^6-entry values map, ...), interleaved with valid readings of 300 keys, through the
 * job on a MiniCluster (event-time ordering, exactly-once sinks) with restarts switched off. The job
 * must finish without a failure, every record must end as exactly one forecast or dead letter, each
 * hostile record as a dead letter with the reason its kind calls for, and the valid readings'
 * forecasts must equal, bit for bit, a replay of the valid readings alone (the clean run).
 */
class HostileInputITCase {
    private static final String CASE = "gru_before_2layer_in3_h20_2targets_horizon2";
    private static final int RECORDS = 100_000;
    private static final int HOSTILE = RECORDS / 3;
    private static final int KEYS = 300;
    private static final long START = Instant.parse("2024-03-01T00:00:00Z").toEpochMilli();
    private static final long STEP_MILLIS = 100; // between consecutive valid readings, over all keys
    private static final int MEGABYTE = 1 << 20;
    /** How far ahead of the clock readings are accepted here: more than Kafka takes as a record timestamp. */
    private static final Duration MAX_AHEAD = Duration.ofDays(1);
    /** The readings topic takes records this large, so the 10^6-entry map (~13 MB) reaches the job. */
    private static final int MAX_MESSAGE_BYTES = 32 * MEGABYTE;

    /** The hostile kinds, each with the dead-letter reason it must get, and how many to send (0: a share of the rest). */
    enum Hostile {
        RANDOM_BYTES("undecodable", 0),
        NO_VALUE("undecodable", 0), // a tombstone
        TRUNCATED("undecodable", 0),
        WRONG_SCHEMA("unknown_schema", 0),
        NAN("non_finite", 0),
        POSITIVE_INFINITY("non_finite", 0),
        NEGATIVE_INFINITY("non_finite", 0),
        BEYOND_FLOAT32("non_finite", 0),
        EMPTY_KEY("missing_key", 0),
        MISSING_FEATURE("missing_feature", 0),
        YEAR_0("bad_timestamp", 0),
        YEAR_9999("bad_timestamp", 0),
        CLOCK_AHEAD("bad_timestamp", 0), // 2150: inside the window, but decades ahead of the clock
        LONG_READING_KEY("oversized", 0), // 2 KiB Avro key, no Kafka key
        TOO_MANY_VALUES("oversized", 40), // 5,000 entries: under the byte limit, over the count limit
        MEGABYTE_RECORD_KEY("oversized", 4), // a valid reading under a 1 MB Kafka record key
        MEGABYTE_READING_KEY("oversized", 4), // a 1 MB Avro key (and Kafka key): value and key over the limits
        MILLION_VALUES("oversized", 3); // a 10^6-entry values map: ~13 MB

        final String reason;
        final int count;

        Hostile(String reason, int count) {
            this.reason = reason;
            this.count = count;
        }
    }

    /** What the dead letter of a hostile record must say: its kind, and the key and value bytes it keeps. */
    private record Expected(Hostile kind, byte[] key, byte[] value) {}

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.builder().build();

    /** Both stepping modes: the hostile records never reach the operator, the valid ones must step alike. */
    @ParameterizedTest
    @EnumSource(JobConfig.SteppingMode.class)
    void hostileRecordsBecomeDeadLettersWithTheirReasonAndValidForecastsEqualACleanRun(JobConfig.SteppingMode mode)
            throws Exception {
        String run = mode.name().toLowerCase(Locale.ROOT);
        JobConfig config = JobConfig.builder()
                .name("hostile-it-" + run)
                .bootstrapServers(kafka.bootstrapServers())
                .readingsTopic("readings-" + run)
                .forecastsTopic("forecasts-" + run)
                .anomaliesTopic("anomalies-" + run)
                .deadLettersTopic("dead-letters-" + run)
                .transactionalIdPrefix("hostile-it-" + run)
                .steppingMode(mode)
                .checkpointInterval(Duration.ofSeconds(1))
                .ordering(JobConfig.OrderingMode.EVENT_TIME) // so a year-9999 timestamp would threaten the watermark
                .maxAheadOfClock(MAX_AHEAD)
                .parallelism(2)
                .modelPath(GoldenFixtures.root().resolve(CASE).resolve("model").toString())
                .build();
        kafka.createTopic(
                config.topics().readings(),
                2,
                Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(MAX_MESSAGE_BYTES)));
        kafka.createTopics(Map.of(
                config.topics().forecasts(),
                2,
                config.topics().anomalies(),
                1,
                config.topics().deadLetters(),
                1));
        GoldenFixtures.Case fixture = GoldenFixtures.load(CASE);
        List<Row> valid = new ArrayList<>();
        Map<String, Expected> hostileAt = produce(config.topics().readings(), fixture, valid);
        assertThat(valid.size() + hostileAt.size()).isEqualTo(RECORDS);

        run(config, fixture); // restarts are off: any exception fails the job, and this with it

        List<DeadLetter> deadLetters = new ArrayList<>();
        int deadLetterCount = readCommitted(
                config.topics().deadLetters(),
                hostileAt.size(),
                bytes -> deadLetters.add(DeadLetter.getDecoder().decode(bytes)));
        Map<String, List<Forecast>> forecastsByKey = new HashMap<>();
        int forecastCount = readCommitted(config.topics().forecasts(), valid.size(), bytes -> {
            Forecast forecast = Forecast.getDecoder().decode(bytes);
            forecastsByKey
                    .computeIfAbsent(forecast.getKey(), k -> new ArrayList<>())
                    .add(forecast);
        });
        assertThat(forecastCount + deadLetterCount)
                .as("forecasts + dead letters (late ones included)")
                .isEqualTo(RECORDS);

        Map<String, Long> expectedReasons = new TreeMap<>();
        hostileAt.values().forEach(e -> expectedReasons.merge(e.kind().reason, 1L, Long::sum));
        Map<String, Long> reasons = new TreeMap<>();
        deadLetters.forEach(d -> reasons.merge(d.getReason(), 1L, Long::sum));
        assertThat(reasons)
                .as("dead letters by reason (no valid reading is late)")
                .isEqualTo(expectedReasons);
        Map<String, DeadLetter> byPosition = new HashMap<>();
        for (DeadLetter deadLetter : deadLetters) {
            String position = deadLetter.getPartition() + "@" + deadLetter.getOffset();
            assertThat(byPosition.put(position, deadLetter))
                    .as("a second dead letter for %s", position)
                    .isNull();
            Expected expected = hostileAt.get(position);
            assertThat(expected).as("the record at %s is hostile", position).isNotNull();
            assertThat(deadLetter.getReason())
                    .as("%s at %s", expected.kind(), position)
                    .isEqualTo(expected.kind().reason);
            assertThat(deadLetter.getSourceTopic()).isEqualTo(config.topics().readings());
            assertThat(bytes(deadLetter.getKey()))
                    .as("%s key bytes", expected.kind())
                    .isEqualTo(expected.key());
            assertThat(bytes(deadLetter.getValue()))
                    .as("%s value bytes", expected.kind())
                    .isEqualTo(expected.value());
        }
        assertThat(byPosition.keySet())
                .as("every hostile record is dead-lettered")
                .isEqualTo(hostileAt.keySet());

        assertForecastsEqualReplay(fixture, valid, forecastsByKey);
    }

    /**
     * Writes RECORDS records: valid readings (into {@code valid}, in order) and HOSTILE hostile ones
     * shuffled among them. Returns what each hostile record's dead letter must say, by "partition@offset".
     */
    private static Map<String, Expected> produce(String topic, GoldenFixtures.Case fixture, List<Row> valid)
            throws Exception {
        List<String> features = fixture.model().config().features();
        Random random = new Random(42);
        List<Hostile> slots = hostileSlots();
        while (slots.size() < RECORDS) {
            slots.add(null); // a valid reading
        }
        Collections.shuffle(slots, random);
        // The first and the last record are valid readings at the edges of what is accepted: 1970,
        // and almost MAX_AHEAD ahead of the clock (far past what Kafka accepts as a record timestamp:
        // the sinks must cap it), as the last of its partition so that no valid reading after it falls
        // behind its watermark (what such a reading does to the readings after it, and why the default
        // bound is minutes, EventTimeProgressITCase shows).
        makeValid(slots, 0);
        makeValid(slots, RECORDS - 1);
        double[][] level = new double[KEYS][features.size()]; // each key's random walk
        for (double[] key : level) {
            key[0] = 6.5;
            key[1] = 20;
            key[2] = 55;
        }
        long[] lastEventTime = new long[KEYS];
        Map<Future<RecordMetadata>, Expected> hostileSent = new HashMap<>();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        Map<String, String> large = Map.of(
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                String.valueOf(MAX_MESSAGE_BYTES),
                ProducerConfig.BUFFER_MEMORY_CONFIG,
                String.valueOf(3L * MAX_MESSAGE_BYTES),
                ProducerConfig.BATCH_SIZE_CONFIG,
                String.valueOf(256 * 1024));
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers(), large)) {
            for (int n = 0; n < RECORDS; n++) {
                Hostile kind = slots.get(n);
                int k = random.nextInt(KEYS);
                String key = key(k);
                long eventTime = n == 0
                        ? ReadingLimits.DEFAULT_MIN_EVENT_TIME_MILLIS
                        : n == RECORDS - 1
                                ? System.currentTimeMillis()
                                        + MAX_AHEAD.toMillis()
                                        - Duration.ofHours(1).toMillis()
                                : START + valid.size() * STEP_MILLIS;
                Map<String, Double> values = new HashMap<>();
                float[] row = new float[features.size()];
                for (int i = 0; i < features.size(); i++) {
                    level[k][i] += random.nextGaussian() * 0.2;
                    values.put(features.get(i), level[k][i]);
                    row[i] = (float) level[k][i];
                }
                if (kind == null) {
                    if (valid.size() % 10 == 0) {
                        values.put("status", Double.NaN); // not a model feature: ignored, whatever it holds
                    }
                    lastEventTime[k] = eventTime;
                    valid.add(new Row(valid.size(), key, String.valueOf(eventTime), eventTime, row));
                    sent.add(producer.send(
                            new ProducerRecord<>(topic, utf8(key), KafkaTestClients.reading(key, eventTime, values))));
                    continue;
                }
                // After the key's last valid reading: if accepted, it would be stepped into the key's state.
                long afterLast = Math.max(lastEventTime[k], START) + STEP_MILLIS / 2;
                ProducerRecord<byte[], byte[]> record = hostile(topic, kind, random, features, key, afterLast, values);
                Future<RecordMetadata> metadata = producer.send(record);
                sent.add(metadata);
                hostileSent.put(
                        metadata,
                        new Expected(
                                kind,
                                kept(record.key(), ReadingLimits.DEFAULT_MAX_KEY_BYTES),
                                kept(record.value(), ReadingLimits.DEFAULT_MAX_VALUE_BYTES)));
            }
        }
        for (Future<RecordMetadata> record : sent) {
            record.get(); // the input is complete, or the test fails here rather than waiting for output
        }
        Map<String, Expected> hostileAt = new HashMap<>();
        for (Map.Entry<Future<RecordMetadata>, Expected> e : hostileSent.entrySet()) {
            RecordMetadata metadata = e.getKey().get();
            hostileAt.put(metadata.partition() + "@" + metadata.offset(), e.getValue());
        }
        return hostileAt;
    }

    /** Swaps a valid slot into position {@code n}. */
    private static void makeValid(List<Hostile> slots, int n) {
        Collections.swap(slots, n, slots.subList(1, RECORDS - 1).indexOf(null) + 1);
    }

    /** HOSTILE kinds: the fixed counts of the large ones, the rest of the third shared by the cheap ones in turn. */
    private static List<Hostile> hostileSlots() {
        List<Hostile> slots = new ArrayList<>();
        List<Hostile> cheap = new ArrayList<>();
        for (Hostile kind : Hostile.values()) {
            if (kind.count == 0) {
                cheap.add(kind);
            }
            slots.addAll(Collections.nCopies(kind.count, kind));
        }
        for (int i = 0; slots.size() < HOSTILE; i++) {
            slots.add(cheap.get(i % cheap.size()));
        }
        return slots;
    }

    /**
     * One hostile record; {@code key}, {@code eventTime} and {@code values} (finite, every feature)
     * make a valid reading for an existing key, which most kinds spoil in one way.
     */
    private static ProducerRecord<byte[], byte[]> hostile(
            String topic,
            Hostile kind,
            Random random,
            List<String> features,
            String key,
            long eventTime,
            Map<String, Double> values) {
        byte[] kafkaKey = utf8(key);
        byte[] value = switch (kind) {
            case RANDOM_BYTES -> {
                byte[] bytes = new byte[1 + random.nextInt(200)];
                random.nextBytes(bytes);
                bytes[0] = bytes[0] == (byte) 0xC3 ? 0 : bytes[0]; // never the single-object marker
                yield bytes;
            }
            case NO_VALUE -> null;
            case TRUNCATED -> {
                byte[] whole = KafkaTestClients.reading(key, eventTime, values);
                yield Arrays.copyOf(whole, 1 + random.nextInt(whole.length - 1));
            }
            case WRONG_SCHEMA -> wrongSchema(key, eventTime, values);
            case NAN, POSITIVE_INFINITY, NEGATIVE_INFINITY, BEYOND_FLOAT32 -> {
                double bad = switch (kind) {
                    case NAN -> Double.NaN;
                    case POSITIVE_INFINITY -> Double.POSITIVE_INFINITY;
                    case NEGATIVE_INFINITY -> Double.NEGATIVE_INFINITY;
                    default -> 1e300;
                };
                values.put(features.get(random.nextInt(features.size())), bad);
                yield KafkaTestClients.reading(key, eventTime, values);
            }
            case EMPTY_KEY -> {
                kafkaKey = new byte[0];
                yield KafkaTestClients.reading("", eventTime, values);
            }
            case MISSING_FEATURE -> {
                values.remove(features.get(random.nextInt(features.size())));
                yield KafkaTestClients.reading(key, eventTime, values);
            }
            case YEAR_0 ->
                KafkaTestClients.reading(
                        key, Instant.parse("0000-06-01T00:00:00Z").toEpochMilli(), values);
            case YEAR_9999 ->
                KafkaTestClients.reading(
                        key, Instant.parse("9999-06-01T00:00:00Z").toEpochMilli(), values);
            case CLOCK_AHEAD ->
                KafkaTestClients.reading(
                        key, Instant.parse("2150-06-01T00:00:00Z").toEpochMilli(), values);
            case LONG_READING_KEY -> {
                kafkaKey = null;
                yield KafkaTestClients.reading("k".repeat(2048), eventTime, values);
            }
            case TOO_MANY_VALUES -> KafkaTestClients.reading(key, eventTime, withExtraValues(values, 5_000));
            case MEGABYTE_RECORD_KEY -> {
                kafkaKey = new byte[MEGABYTE];
                random.nextBytes(kafkaKey);
                yield KafkaTestClients.reading(key, eventTime, values);
            }
            case MEGABYTE_READING_KEY -> {
                String huge = "m".repeat(MEGABYTE);
                kafkaKey = utf8(huge);
                yield KafkaTestClients.reading(huge, eventTime, values);
            }
            case MILLION_VALUES -> KafkaTestClients.reading(key, eventTime, withExtraValues(values, 1_000_000));
        };
        return new ProducerRecord<>(topic, kafkaKey, value);
    }

    /** The values plus finite entries of other names, {@code total} entries in all. */
    private static Map<String, Double> withExtraValues(Map<String, Double> values, int total) {
        Map<String, Double> many = new HashMap<>(values);
        for (int i = 0; many.size() < total; i++) {
            many.put(Integer.toString(i, 36), (double) i);
        }
        return many;
    }

    /**
     * A well-formed single-object message of another schema: a producer's own "SensorReading"
     * with float values, whose fingerprint the job does not know.
     */
    private static byte[] wrongSchema(String key, long eventTime, Map<String, Double> values) {
        Schema schema = new Schema.Parser().parse("""
                {"type": "record", "name": "SensorReading", "namespace": "io.streamcell.avro", "fields": [
                  {"name": "key", "type": "string"},
                  {"name": "event_time", "type": "long"},
                  {"name": "values", "type": {"type": "map", "values": "float"}}]}""");
        Map<String, Float> floats = new HashMap<>();
        values.forEach((name, v) -> floats.put(name, v.floatValue()));
        GenericRecord record = new GenericData.Record(schema);
        record.put("key", key);
        record.put("event_time", eventTime);
        record.put("values", floats);
        return SingleObject.encode(new BinaryMessageEncoder<>(GenericData.get(), schema), record);
    }

    /** Runs the job over everything in the readings topic (a bounded source) to completion, with no restarts. */
    private static void run(JobConfig config, GoldenFixtures.Case fixture) throws Exception {
        Configuration noRestarts = new Configuration();
        noRestarts.set(RestartStrategyOptions.RESTART_STRATEGY, "none"); // "never restarts", strictly
        BoundedForecastJob.run(config, fixture.model().config(), noRestarts, "hostile input ITCase");
    }

    /** Per key, in order: the job's forecasts and anomaly scores equal a replay of the valid readings alone. */
    private static void assertForecastsEqualReplay(
            GoldenFixtures.Case fixture, List<Row> valid, Map<String, List<Forecast>> forecastsByKey) throws Exception {
        Map<String, List<Row>> rows = new HashMap<>();
        Map<String, List<float[]>> replayed = new HashMap<>();
        Map<String, List<Float>> replayedScores = new HashMap<>();
        try (ReplayEngine engine = new ReplayEngine(fixture.model(), 1)) {
            for (Row row : valid) {
                engine.accept(row, (r, outcome) -> {
                    rows.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
                    replayed.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(outcome.forecast());
                    replayedScores
                            .computeIfAbsent(r.key(), k -> new ArrayList<>())
                            .add(
                                    outcome.score() == null
                                            ? null
                                            : outcome.score().anomalyScore());
                });
            }
        }
        assertThat(forecastsByKey.keySet()).as("keys with forecasts").isEqualTo(replayed.keySet());
        forecastsByKey.forEach((key, forecasts) -> {
            List<float[]> expected = replayed.get(key);
            assertThat(forecasts).as(key).hasSameSizeAs(expected);
            for (int i = 0; i < forecasts.size(); i++) {
                Forecast forecast = forecasts.get(i);
                assertThat(forecast.getStep()).as("%s step", key).isEqualTo(i + 1);
                assertThat(forecast.getEventTime().toEpochMilli())
                        .as("%s event time %d", key, i)
                        .isEqualTo(rows.get(key).get(i).epochMillis());
                assertThat(KafkaTestClients.flatten(forecast))
                        .as("%s forecast %d", key, i)
                        .containsExactly(expected.get(i));
                assertThat(forecast.getAnomalyScore())
                        .as("%s anomaly score %d", key, i)
                        .isEqualTo(replayedScores.get(key).get(i));
            }
        });
    }

    private static int readCommitted(String topic, int expected, KafkaTestClients.ValueConsumer each) throws Exception {
        return KafkaTestClients.readCommitted(kafka.bootstrapServers(), topic, expected, Duration.ofSeconds(2), each);
    }

    private static String key(int k) {
        return String.format("sensor-%03d", k);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The bytes a dead letter keeps: none over the limit. */
    private static byte[] kept(byte[] bytes, int limit) {
        return bytes != null && bytes.length <= limit ? bytes : null;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
