package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.avro.Forecast;
import io.streamcell.io.avro.AnomalyAlertRecord;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.deadletter.DeadLetterRecord;
import io.streamcell.io.kafka.AvroRecordSerializationSchema;
import io.streamcell.io.kafka.KafkaConnections;
import io.streamcell.io.kafka.ReadingDeserializationSchema;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.ModelConfig;
import io.streamcell.testing.EmbeddedKafkaExtension;
import io.streamcell.testing.KafkaTestClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Exactly-once output must never lose a checkpoint's records to a Kafka transaction timeout. The
 * job runs with a 20 s transaction timeout on a broker that aborts expired transactions within a
 * second, while readings stream in; one checkpoint is held back for 25 s (a sink of the job's that
 * blocks its barrier), longer than the transaction it covers may stay open, during a lull in the
 * input (so no write into a later transaction notices the abort first). The job must fail that
 * checkpoint after {@code checkpoints.timeout} and restart from the one before, so every reading's
 * forecast is committed exactly once; a job that waited for the checkpoint would commit a
 * transaction the broker had already aborted, log it, and go on without its records.
 */
class TransactionTimeoutITCase {
    private static final String CASE = "gru_before_2layer_in3_h20_2targets_horizon2";
    private static final Duration TRANSACTION_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration HELD_FOR = Duration.ofSeconds(25);
    private static final int KEYS = 10;
    private static final int ROUNDS = 150; // one reading per key every 100 ms: 15 s, and the lull

    @RegisterExtension
    static final EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.builder()
            .brokerProperty("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000")
            .build();

    /** Held a checkpoint already (the restarted job must not hold one again). */
    private static final AtomicBoolean HELD = new AtomicBoolean();
    /** When the hold began (epoch ms). */
    private static final AtomicLong HOLD_STARTED = new AtomicLong();
    /** Writers of the holding sink created: a second one means the job restarted. */
    private static final AtomicInteger WRITERS = new AtomicInteger();

    @Test
    void aCheckpointHeldPastTheTransactionTimeoutFailsTheJobInsteadOfLosingItsRecords() throws Exception {
        JobConfig config = JobConfig.builder()
                .name("transaction-timeout")
                .bootstrapServers(kafka.bootstrapServers())
                .readingsTopic("tt-readings")
                .forecastsTopic("tt-forecasts")
                .anomaliesTopic("tt-anomalies")
                .deadLettersTopic("tt-dead-letters")
                .modelsTopic("none")
                .ordering(JobConfig.OrderingMode.ARRIVAL)
                .transactionTimeout(TRANSACTION_TIMEOUT)
                .checkpointInterval(Duration.ofSeconds(1))
                .checkpointTimeout(Duration.ofSeconds(5))
                .restartMargin(Duration.ofSeconds(10))
                .parallelism(1)
                .modelPath(GoldenFixtures.root().resolve(CASE).resolve("model").toString())
                .build();
        kafka.createTopics(Map.of(config.topics().readings(), 1, config.topics().forecasts(), 1));
        kafka.createTopics(Map.of(config.topics().anomalies(), 1));
        ModelConfig model = GoldenFixtures.load(CASE).model().config();

        JobClient job = start(config, model);
        Set<String> sent = new TreeSet<>();
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            boolean lull = false;
            for (int round = 0; round < ROUNDS; round++) {
                if (HELD.get() && !lull) { // the input pauses until a while after the hold ends
                    lull = true;
                    long resume = HOLD_STARTED.get() + HELD_FOR.toMillis() + 3_000;
                    Thread.sleep(Math.max(0, resume - System.currentTimeMillis()));
                }
                long eventTime = 1_700_000_000_000L + round * 1000L;
                for (int k = 0; k < KEYS; k++) {
                    Map<String, Double> values = new HashMap<>();
                    for (int i = 0; i < model.features().size(); i++) {
                        values.put(model.features().get(i), 20 + Math.sin(0.1 * round + k + i));
                    }
                    String key = "sensor-" + k;
                    producer.send(new ProducerRecord<>(
                            config.topics().readings(),
                            key.getBytes(StandardCharsets.UTF_8),
                            KafkaTestClients.reading(key, eventTime, values)));
                    sent.add(key + "@" + eventTime);
                }
                producer.flush();
                Thread.sleep(100);
            }
        }
        List<String> committed = new ArrayList<>();
        try {
            KafkaTestClients.readCommitted(
                    kafka.bootstrapServers(),
                    config.topics().forecasts(),
                    sent.size(),
                    Duration.ofSeconds(3),
                    bytes -> {
                        Forecast forecast = Forecast.getDecoder().decode(bytes);
                        committed.add(forecast.getKey() + "@"
                                + forecast.getEventTime().toEpochMilli());
                    });
        } finally {
            job.cancel().get();
        }

        assertThat(HELD).as("a checkpoint was held back").isTrue();
        Set<String> missing = new TreeSet<>(sent);
        committed.forEach(missing::remove);
        assertThat(missing).as("readings whose forecast was lost").isEmpty();
        assertThat(committed).as("every forecast once").hasSize(sent.size());
        assertThat(WRITERS.get())
                .as("the job restarted (a new writer of the holding sink)")
                .isGreaterThan(1);
    }

    /** The job with Kafka sources and sinks as {@code run} wires them, but a dead-letters sink that holds a checkpoint. */
    private static JobClient start(JobConfig config, ModelConfig model) throws Exception {
        KafkaConnections connections = KafkaConnections.builder()
                .bootstrapServers(config.kafka().bootstrapServers())
                .deliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .transactionalIdPrefix(config.kafka().transactionalIdPrefix())
                .transactionTimeout(config.kafka().transactionTimeout())
                .build();
        KafkaSource<DecodedRecord> source = connections.readingsSource(
                config.topics().readings(),
                config.kafka().groupId(),
                OffsetsInitializer.earliest(),
                new ReadingDeserializationSchema(model.features()));
        Sink<ForecastRecord> forecasts = connections.sink(
                "forecasts",
                AvroRecordSerializationSchema.forecasts(config.topics().forecasts(), model.targets(), model.horizon()));
        Sink<AnomalyAlertRecord> anomalies = connections.sink(
                "anomalies",
                AvroRecordSerializationSchema.anomalyAlerts(config.topics().anomalies(), model.targets()));
        ForecastJob job = new ForecastJob(config, source, forecasts, anomalies, new CheckpointHoldingSink());
        Configuration flink = ForecastJob.flinkConfiguration(config);
        flink.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        job.build(env);
        return env.executeAsync("transaction timeout ITCase");
    }

    /**
     * Takes the dead letters (there are none) and, at its fifth checkpoint, holds the barrier for
     * {@link #HELD_FOR}: the checkpoint cannot complete before it lets go.
     */
    private static final class CheckpointHoldingSink implements Sink<DeadLetterRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<DeadLetterRecord> createWriter(WriterInitContext context) {
            WRITERS.incrementAndGet();
            return new SinkWriter<>() {
                private int flushes;

                @Override
                public void write(DeadLetterRecord element, Context context) {}

                @Override
                public void flush(boolean endOfInput) throws InterruptedException {
                    if (++flushes == 5 && !HELD.get()) {
                        HOLD_STARTED.set(System.currentTimeMillis());
                        HELD.set(true);
                        Thread.sleep(HELD_FOR.toMillis()); // interrupted when the job fails
                    }
                }

                @Override
                public void close() {}
            };
        }
    }
}
