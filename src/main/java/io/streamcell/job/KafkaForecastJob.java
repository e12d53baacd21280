package io.streamcell.job;

import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ModelUpdateMessage;
import io.streamcell.io.kafka.AvroRecordSerializationSchema;
import io.streamcell.io.kafka.JobTopics;
import io.streamcell.io.kafka.KafkaConnections;
import io.streamcell.io.kafka.ModelUpdateDeserializationSchema;
import io.streamcell.io.kafka.ReadingDeserializationSchema;
import io.streamcell.io.kafka.StartingOffsets;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The forecast job wired to Kafka from a {@link JobConfig}: the readings source, the forecasts and
 * dead-letters sinks. {@code streamcell run} and {@code streamcell demo} both start it; on a cluster
 * it is submitted with {@code flink run target/streamcell.jar run --config job.yaml}.
 */
public final class KafkaForecastJob {
    private KafkaForecastJob() {}

    /** A new environment configured for the job (local, or the cluster's under {@code flink run}), with the job in it. */
    public static StreamExecutionEnvironment environment(JobConfig config) throws IOException {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(config));
        addTo(env, config);
        return env;
    }

    /** The Flink settings the job needs (see {@link ForecastJob#flinkConfiguration}). */
    public static Configuration flinkConfiguration(JobConfig config) {
        return ForecastJob.flinkConfiguration(config);
    }

    /** Adds the job, wired to Kafka, to {@code env} (which must be configured with {@link #flinkConfiguration}). */
    public static void addTo(StreamExecutionEnvironment env, JobConfig config) throws IOException {
        // Reading the model here validates it before anything starts and tells the serde its
        // features and targets; the operator loads it again in open() on the task managers.
        RecurrentModel model = ModelDirectory.load(config.modelPath());
        ModelConfig modelConfig = model.config();
        KafkaConnections kafka = KafkaConnections.builder()
                .bootstrapServers(config.kafka().bootstrapServers())
                .properties(config.kafka().properties())
                .deliveryGuarantee(
                        config.kafka().delivery() == JobConfig.Delivery.EXACTLY_ONCE
                                ? DeliveryGuarantee.EXACTLY_ONCE
                                : DeliveryGuarantee.AT_LEAST_ONCE)
                .transactionalIdPrefix(config.kafka().transactionalIdPrefix())
                .transactionTimeout(config.kafka().transactionTimeout())
                .build();
        requireTopics(kafka, config);
        KafkaSource<DecodedRecord> readings = kafka.readingsSource(
                config.topics().readings(),
                config.kafka().groupId(),
                StartingOffsets.parse(config.kafka().startingOffsets().name().toLowerCase(Locale.ROOT)),
                new ReadingDeserializationSchema(
                        modelConfig.features(), config.ordering().readingLimits(), List.of()));
        // Model updates: a new job reads the whole topic (the last valid update wins); a restored one
        // resumes from its checkpoint, which also holds the model that was serving.
        KafkaSource<ModelUpdateMessage> models = config.topics().hotSwap()
                ? kafka.source(
                        config.topics().models(),
                        config.kafka().groupId() + "-models",
                        OffsetsInitializer.earliest(),
                        new ModelUpdateDeserializationSchema())
                : null;
        new ForecastJob(
                        config,
                        readings,
                        models,
                        kafka.sink(
                                "forecasts",
                                AvroRecordSerializationSchema.forecasts(
                                        config.topics().forecasts(), modelConfig.targets(), modelConfig.horizon())),
                        kafka.sink(
                                "anomalies",
                                AvroRecordSerializationSchema.anomalyAlerts(
                                        config.topics().anomalies(), modelConfig.targets())),
                        kafka.sink(
                                "dead-letters",
                                AvroRecordSerializationSchema.deadLetters(
                                        config.topics().deadLetters())))
                .build(env);
    }

    /**
     * The {@code max.message.bytes} the dead-letters topic needs: a dead letter keeps a record's value
     * up to 512 KiB ({@link io.streamcell.io.avro.ReadingLimits#DEFAULT_MAX_VALUE_BYTES}, and the same
     * for model updates) and its key up to 1 KiB (also the Kafka record key), plus a message of at most
     * 1,000 characters, names and the record batch framing.
     */
    static final long DEAD_LETTER_TOPIC_MIN_MESSAGE_BYTES = 544L * 1024;

    /**
     * Fails with one clear message, instead of a restart loop now or a failing sink later, if no broker
     * answers within {@code kafka.connect-timeout}, a topic the job reads or writes is missing, or the
     * dead-letters topic would refuse the largest dead letter.
     */
    private static void requireTopics(KafkaConnections kafka, JobConfig config) {
        JobConfig.Topics topics = config.topics();
        List<String> used = new ArrayList<>(
                List.of(topics.readings(), topics.forecasts(), topics.anomalies(), topics.deadLetters()));
        if (topics.hotSwap()) {
            used.add(topics.models());
        }
        List<String> missing = JobTopics.missing(kafka, used, config.kafka().connectTimeout());
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("Kafka topic" + (missing.size() > 1 ? "s " : " ") + missing
                    + " not found on " + kafka.bootstrapServers() + ": create "
                    + (missing.size() > 1 ? "them" : "it") + " (docs/operations.md \"Running the job on Kafka\")"
                    + (missing.contains(topics.models())
                            ? ", or set topics.models: none to run without model hot-swap"
                            : ""));
        }
        OptionalLong deadLetterLimit = JobTopics.maxMessageBytes(
                kafka, topics.deadLetters(), config.kafka().connectTimeout());
        if (deadLetterLimit.isPresent() && deadLetterLimit.getAsLong() < DEAD_LETTER_TOPIC_MIN_MESSAGE_BYTES) {
            throw new IllegalArgumentException("Kafka topic " + topics.deadLetters() + " has max.message.bytes "
                    + deadLetterLimit.getAsLong() + ", below the " + DEAD_LETTER_TOPIC_MIN_MESSAGE_BYTES
                    + " bytes a dead letter can take (it keeps a record of up to 512 KiB): raise it, or the "
                    + "dead-letters sink fails on the first large bad record");
        }
    }
}
