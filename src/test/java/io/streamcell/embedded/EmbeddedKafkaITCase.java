package io.streamcell.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.testing.EmbeddedKafkaExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real KRaft broker in this JVM: topics, transactions as exactly-once sinks use them, and a clean restart. */
class EmbeddedKafkaITCase {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.builder().build();

    @Test
    void createsTopicsWithTheRequestedPartitionCounts() throws Exception {
        kafka.createTopics(Map.of("readings", 3, "forecasts", 1));
        kafka.createTopics(2, "anomalies", "dead-letters");

        try (Admin admin = kafka.admin()) {
            Map<String, TopicDescription> topics = admin.describeTopics(
                            List.of("readings", "forecasts", "anomalies", "dead-letters"))
                    .allTopicNames()
                    .get();
            assertThat(topics).hasSize(4);
            assertThat(topics.get("readings").partitions()).hasSize(3);
            assertThat(topics.get("forecasts").partitions()).hasSize(1);
            assertThat(topics.get("anomalies").partitions()).hasSize(2);
            assertThat(topics.get("dead-letters").partitions()).hasSize(2);
        }
        assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
    }

    @Test
    void creatingAnExistingTopicFails() {
        kafka.createTopics(Map.of("twice", 1));

        assertThatThrownBy(() -> kafka.createTopics(Map.of("twice", 1))).isInstanceOf(TopicExistsException.class);
    }

    @Test
    void readCommittedConsumerSeesOnlyCommittedTransactions() {
        String topic = "transactions";
        kafka.createTopics(Map.of(topic, 2));

        try (KafkaProducer<String, String> producer = transactionalProducer("streamcell-it-1")) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "a", "committed-1"));
            producer.send(new ProducerRecord<>(topic, 1, "b", "committed-2"));
            producer.commitTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "a", "aborted-1"));
            producer.send(new ProducerRecord<>(topic, 1, "b", "aborted-2"));
            producer.flush();
            producer.abortTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "a", "committed-3"));
            producer.commitTransaction();
        }

        assertThat(readAll(topic, "read_committed"))
                .containsExactlyInAnyOrder("committed-1", "committed-2", "committed-3");
        // The aborted records were written: only the isolation level hides them.
        assertThat(readAll(topic, "read_uncommitted"))
                .containsExactlyInAnyOrder("committed-1", "committed-2", "aborted-1", "aborted-2", "committed-3");
    }

    @Test
    void restartsInTheSameJvmAndLeavesNoThreadsThatWouldBlockExit() throws Exception {
        Set<Thread> before = nonDaemonThreads();
        List<String> bootstraps = new ArrayList<>();
        List<Path> logDirs = new ArrayList<>();

        EmbeddedKafka restarted = EmbeddedKafka.builder().build();
        try {
            for (int round = 1; round <= 2; round++) {
                restarted.start();
                bootstraps.add(restarted.bootstrapServers());
                logDirs.add(restarted.logDir());
                restarted.createTopics(Map.of("restart", 1));
                try (KafkaProducer<String, String> producer = transactionalProducer(restarted, "streamcell-restart")) {
                    producer.initTransactions();
                    producer.beginTransaction();
                    producer.send(new ProducerRecord<>("restart", "k", "round-" + round));
                    producer.commitTransaction();
                }
                assertThat(readAll(restarted, "restart", "read_committed")).containsExactly("round-" + round);
                restarted.close();
                assertThat(restarted.isRunning()).isFalse();
            }
        } finally {
            restarted.close();
        }

        assertThat(logDirs)
                .hasSize(2)
                .allSatisfy(dir -> assertThat(Files.exists(dir))
                        .as("log dir %s deleted", dir)
                        .isFalse());
        assertThat(bootstraps).hasSize(2);
        assertThat(leakedNonDaemonThreads(before))
                .as("non-daemon threads left after close")
                .isEmpty();
    }

    private static KafkaProducer<String, String> transactionalProducer(String transactionalId) {
        return transactionalProducer(kafka.broker(), transactionalId);
    }

    private static KafkaProducer<String, String> transactionalProducer(EmbeddedKafka broker, String transactionalId) {
        Map<String, Object> properties = new HashMap<>(broker.clientProperties());
        properties.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer());
    }

    private static List<String> readAll(String topic, String isolationLevel) {
        return readAll(kafka.broker(), topic, isolationLevel);
    }

    /** Every value visible at the given isolation level, read from the beginning up to the end offsets. */
    private static List<String> readAll(EmbeddedKafka broker, String topic, String isolationLevel) {
        Map<String, Object> properties = new HashMap<>(broker.clientProperties());
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // read_committed end offsets are the last stable offsets: everything decided is below them.
            // A commit returns before its markers reach the partitions, so the last stable offset can
            // still move: read until the end offsets have stayed put for a second.
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long stableSince = System.nanoTime();
            while (true) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(
                            "did not reach end offsets " + end + " within " + READ_TIMEOUT + "; read " + values);
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                Map<TopicPartition, Long> latest = consumer.endOffsets(partitions);
                if (!latest.equals(end)) {
                    end = latest;
                    stableSince = System.nanoTime();
                }
                Map<TopicPartition, Long> target = end;
                boolean atEnd = partitions.stream().allMatch(p -> consumer.position(p) >= target.get(p));
                if (atEnd
                        && System.nanoTime() - stableSince
                                > Duration.ofSeconds(1).toNanos()) {
                    break;
                }
            }
        }
        return values;
    }

    private static Set<Thread> nonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && !thread.isDaemon())
                .collect(Collectors.toSet());
    }

    /** Threads that are not daemons, were not there before, and do not end within a grace period. */
    private static List<String> leakedNonDaemonThreads(Set<Thread> before) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            List<Thread> extra = nonDaemonThreads().stream()
                    .filter(thread -> !before.contains(thread))
                    .toList();
            if (extra.isEmpty() || System.nanoTime() > deadline) {
                return extra.stream().map(Thread::getName).sorted().toList();
            }
            Thread.sleep(100);
        }
    }
}
