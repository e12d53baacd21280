package io.streamcell.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamcell.io.avro.MessageJson;
import io.streamcell.job.Durations;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code streamcell consume}: prints the committed messages of one of the job's topics (forecasts,
 * anomalies, dead letters; readings and model updates too) as one JSON object per line, so its
 * Avro output can be read, piped to {@code jq} or into a file.
 */
@Command(
        name = "consume",
        mixinStandardHelpOptions = true,
        versionProvider = StreamCellCli.Version.class,
        showDefaultValues = true,
        footerHeading = "%nExample:%n",
        footer = {
            "  streamcell consume --topic anomalies --from-beginning",
            "  streamcell consume --topic forecasts --max-messages 5 | jq .forecasts"
        },
        description = {
            "Print the committed messages of a topic of the job (forecasts, anomalies, dead-letters; readings and "
                    + "models too) as one JSON object per line on stdout: the message's fields, times as ISO-8601 "
                    + "(UTC), bytes as Base64, and \"schema\" naming its type.",
            "Reads with isolation.level=read_committed (what the job's exactly-once output needs), without a "
                    + "consumer group: nothing is committed. Ends after --max-messages, after --idle-timeout "
                    + "without a new message, or on Ctrl-C."
        })
final class ConsumeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    private CommandSpec spec;

    @Option(names = "--topic", required = true, paramLabel = "NAME", description = "Topic to read.")
    private String topic;

    @Option(
            names = "--bootstrap-servers",
            defaultValue = "localhost:9092",
            paramLabel = "HOST:PORT",
            description = "Kafka brokers.")
    private String bootstrapServers;

    @Option(
            names = "--from-beginning",
            description = "Start at the oldest message of each partition instead of the newest.")
    private boolean fromBeginning;

    @Option(
            names = "--max-messages",
            paramLabel = "N",
            description = {"Stop after N messages.", "  Default: no limit."})
    private Long maxMessages;

    @Option(
            names = "--idle-timeout",
            paramLabel = "DURATION",
            description = {"Stop when no message came for this long (e.g. 10s).", "  Default: wait for more."})
    private String idleTimeout;

    @Option(
            names = "--property",
            paramLabel = "key=value",
            showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "Kafka consumer property (security.protocol, sasl.*, ssl.*, ...); repeatable.")
    private Map<String, String> properties = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        if (maxMessages != null && maxMessages < 1) {
            throw new IllegalArgumentException("--max-messages must be at least 1, got " + maxMessages);
        }
        Duration idle = idleTimeout == null ? null : Durations.parse(idleTimeout);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Properties config = new Properties();
        config.putAll(properties);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        CountDownLatch closed = new CountDownLatch(1);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            Thread stop = new Thread(
                    () -> {
                        consumer.wakeup();
                        try {
                            closed.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    },
                    "streamcell-consume-stop");
            Runtime.getRuntime().addShutdownHook(stop);
            try {
                List<TopicPartition> partitions = partitions(consumer);
                consumer.assign(partitions);
                if (fromBeginning) {
                    consumer.seekToBeginning(partitions);
                } else {
                    consumer.seekToEnd(partitions);
                }
                long printed = 0;
                long lastMessage = System.nanoTime();
                while (maxMessages == null || printed < maxMessages) {
                    boolean any = false;
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                        any = true;
                        if (record.value() == null) {
                            continue; // a tombstone: no message
                        }
                        try {
                            out.println(JSON.writeValueAsString(MessageJson.toJson(record.value())));
                            printed++;
                        } catch (IllegalArgumentException unreadable) {
                            err.printf(
                                    "consume: partition %d offset %d: %s%n",
                                    record.partition(), record.offset(), unreadable.getMessage());
                        }
                        if (maxMessages != null && printed >= maxMessages) {
                            break;
                        }
                    }
                    out.flush();
                    err.flush();
                    if (any) {
                        lastMessage = System.nanoTime();
                    } else if (idle != null && System.nanoTime() - lastMessage >= idle.toNanos()) {
                        break;
                    }
                }
            } catch (WakeupException interrupted) {
                // Ctrl-C: end quietly
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(stop);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the hook runs and waits for `closed`
                }
            }
        } finally {
            out.flush();
            closed.countDown();
        }
        return 0;
    }

    /** The topic's partitions; an error naming the topic and the brokers if it has none or is missing. */
    private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer) {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        } catch (TimeoutException e) {
            throw new IllegalArgumentException(
                    "no Kafka broker answered at " + bootstrapServers + " within 30 s: check --bootstrap-servers");
        }
        if (infos == null || infos.isEmpty()) {
            throw new IllegalArgumentException("topic '" + topic + "' not found on " + bootstrapServers);
        }
        return infos.stream()
                .map(info -> new TopicPartition(info.topic(), info.partition()))
                .toList();
    }
}
