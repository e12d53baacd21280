package io.streamcell.cluster;

import io.streamcell.avro.DeadLetter;
import io.streamcell.avro.Forecast;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ReadingDecoder;
import io.streamcell.testing.KafkaTestClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Accounts for every record of a soak run by identity, not by count (a lost reading and a doubled
 * one would cancel out in counts): each valid reading is its key and event time, each malformed
 * record its partition and offset. It reads the readings topic back as the job's decoder does, then
 * the committed forecasts (a reading's identity) and dead letters (the partition and offset of the
 * record they stand for), and counts, per identity, how often it came out. Compact: per record a
 * long and a byte, so the nine million records of a 30-minute run fit in about 150 MB.
 */
final class SoakLedger {
    /**
     * @param readings valid readings sent; {@code malformed} the other records
     * @param lost identities that came out not at all
     * @param duplicated outputs beyond the first for an identity, and outputs for no identity sent
     * @param examples a few of the identities lost or doubled
     */
    record Result(long readings, long malformed, long lost, long duplicated, List<String> examples) {}

    private static final long MALFORMED = -1;
    private static final long IGNORED = -2;
    private static final int EXAMPLES = 10;

    private final Map<String, Integer> keyIndex = new HashMap<>();
    private final List<String> keys = new ArrayList<>();
    private final List<LongList> times = new ArrayList<>();
    /** Per partition of the readings topic, per offset: {@code key << 32 | index}, or MALFORMED / IGNORED. */
    private long[][] records;

    private byte[][] readingSeen;
    private byte[][] malformedSeen;
    private final List<String> examples = new ArrayList<>();
    private long extra;

    private SoakLedger() {}

    /**
     * @param ignored keys of readings outside the accounting (the watermark flush readings)
     */
    static Result account(
            String bootstrapServers,
            String readingsTopic,
            List<String> features,
            String forecastsTopic,
            String deadLettersTopic,
            Predicate<String> ignored) {
        SoakLedger ledger = new SoakLedger();
        ledger.readInput(bootstrapServers, readingsTopic, features, ignored);
        readAll(bootstrapServers, forecastsTopic, record -> ledger.forecast(record.value(), ignored));
        readAll(bootstrapServers, deadLettersTopic, record -> ledger.deadLetter(record.value(), readingsTopic));
        return ledger.result();
    }

    private void readInput(String bootstrapServers, String topic, List<String> features, Predicate<String> ignored) {
        ReadingDecoder decoder = new ReadingDecoder(features);
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers)) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            records = new long[partitions.size()][];
            for (TopicPartition partition : partitions) {
                records[partition.partition()] = new long[Math.toIntExact(ends.get(partition))];
            }
            drain(consumer, partitions, ends, record -> {
                DecodedRecord decoded = decoder.decode(
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        record.timestamp(),
                        record.key(),
                        record.value());
                long entry;
                if (!decoded.isReading()) {
                    entry = MALFORMED;
                } else if (ignored.test(decoded.key)) {
                    entry = IGNORED;
                } else {
                    int key = keyIndex.computeIfAbsent(decoded.key, k -> {
                        keys.add(k);
                        times.add(new LongList());
                        return keys.size() - 1;
                    });
                    LongList keyTimes = times.get(key);
                    if (keyTimes.size > 0 && keyTimes.values[keyTimes.size - 1] >= decoded.eventTime) {
                        throw new IllegalStateException("the readings of " + decoded.key
                                + " are not in strictly increasing event time: key and event time do not identify"
                                + " a reading (at " + record.partition() + "@" + record.offset() + ")");
                    }
                    entry = ((long) key << 32) | keyTimes.size;
                    keyTimes.add(decoded.eventTime);
                }
                records[record.partition()][(int) record.offset()] = entry;
            });
        }
        readingSeen = new byte[keys.size()][];
        for (int k = 0; k < keys.size(); k++) {
            readingSeen[k] = new byte[times.get(k).size];
        }
        malformedSeen = new byte[records.length][];
        for (int p = 0; p < records.length; p++) {
            malformedSeen[p] = new byte[records[p].length];
        }
    }

    private void forecast(byte[] value, Predicate<String> ignored) {
        Forecast forecast = decode(() -> Forecast.getDecoder().decode(value));
        String key = forecast.getKey();
        if (ignored.test(key)) {
            return;
        }
        long eventTime = forecast.getEventTime().toEpochMilli();
        Integer k = keyIndex.get(key);
        int i = k == null ? -1 : Arrays.binarySearch(times.get(k).values, 0, times.get(k).size, eventTime);
        if (i < 0) {
            extra("a forecast of " + key + "@" + eventTime + ", which was never sent");
        } else {
            seen(readingSeen[k], i, "forecast of " + key + "@" + eventTime);
        }
    }

    private void deadLetter(byte[] value, String readingsTopic) {
        DeadLetter deadLetter = decode(() -> DeadLetter.getDecoder().decode(value));
        int p = deadLetter.getPartition();
        long o = deadLetter.getOffset();
        if (!deadLetter.getSourceTopic().equals(readingsTopic)
                || p < 0
                || p >= records.length
                || o < 0
                || o >= records[p].length) {
            extra("a dead letter of " + deadLetter.getSourceTopic() + "-" + p + "@" + o + ", never sent");
            return;
        }
        long entry = records[p][(int) o];
        if (entry == MALFORMED) {
            seen(malformedSeen[p], (int) o, "dead letter of the malformed record at " + p + "@" + o);
        } else if (entry != IGNORED) {
            int k = (int) (entry >>> 32);
            int i = (int) entry;
            seen(
                    readingSeen[k],
                    i,
                    deadLetter.getReason() + " dead letter of " + keys.get(k) + "@" + times.get(k).values[i]);
        }
    }

    private void seen(byte[] counts, int index, String what) {
        if (counts[index] > 0) {
            extra("a second " + what);
        }
        if (counts[index] < Byte.MAX_VALUE) {
            counts[index]++;
        }
    }

    private void extra(String what) {
        extra++;
        if (examples.size() < EXAMPLES) {
            examples.add(what);
        }
    }

    private Result result() {
        long readings = 0;
        long lost = 0;
        for (int k = 0; k < keys.size(); k++) {
            readings += readingSeen[k].length;
            for (int i = 0; i < readingSeen[k].length; i++) {
                if (readingSeen[k][i] == 0) {
                    lost++;
                    if (examples.size() < EXAMPLES) {
                        examples.add("no output for " + keys.get(k) + "@" + times.get(k).values[i]);
                    }
                }
            }
        }
        long malformed = 0;
        for (int p = 0; p < records.length; p++) {
            for (int o = 0; o < records[p].length; o++) {
                if (records[p][o] == MALFORMED) {
                    malformed++;
                    if (malformedSeen[p][o] == 0) {
                        lost++;
                        if (examples.size() < EXAMPLES) {
                            examples.add("no dead letter for the malformed record at " + p + "@" + o);
                        }
                    }
                }
            }
        }
        return new Result(readings, malformed, lost, extra, List.copyOf(examples));
    }

    /** Every committed record of {@code topic} from the start to its current end. */
    private static void readAll(String bootstrapServers, String topic, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaTestClients.readCommittedConsumer(bootstrapServers)) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            drain(consumer, partitions, consumer.endOffsets(partitions), each);
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrapServers) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        return new KafkaConsumer<>(properties);
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(info -> new TopicPartition(topic, info.partition()))
                .sorted((a, b) -> Integer.compare(a.partition(), b.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return partitions;
    }

    private static void drain(
            KafkaConsumer<byte[], byte[]> consumer,
            List<TopicPartition> partitions,
            Map<TopicPartition, Long> ends,
            Consumer<ConsumerRecord<byte[], byte[]>> each) {
        long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("reading " + partitions + " back took too long");
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                if (record.offset() < ends.get(new TopicPartition(record.topic(), record.partition()))) {
                    each.accept(record);
                }
            }
        }
    }

    private interface Decoding<T> {
        T decode() throws Exception;
    }

    private static <T> T decode(Decoding<T> decoding) {
        try {
            return decoding.decode();
        } catch (Exception e) {
            throw new IllegalStateException("an output record that does not decode", e);
        }
    }

    /** A growable array of longs. */
    private static final class LongList {
        long[] values = new long[64];
        int size;

        void add(long value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }
    }
}
