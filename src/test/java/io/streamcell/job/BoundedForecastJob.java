package io.streamcell.job;

import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.kafka.AvroRecordSerializationSchema;
import io.streamcell.io.kafka.KafkaConnections;
import io.streamcell.io.kafka.ReadingDeserializationSchema;
import io.streamcell.model.ModelConfig;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The forecast job of the ITCases: {@link ForecastJob} as {@code run} wires it, with exactly-once
 * sinks, but over a bounded Kafka source (everything in the readings topic when it starts), so
 * the job ends by itself and its committed output can be read back.
 */
final class BoundedForecastJob {
    private BoundedForecastJob() {}

    /**
     * Runs the job to completion on a local MiniCluster configured by {@code config} plus
     * {@code flinkOverrides}; the source's consumer group is the config's transactional-id prefix.
     */
    static void run(JobConfig config, ModelConfig model, Configuration flinkOverrides, String name) throws Exception {
        KafkaConnections connections = KafkaConnections.builder()
                .bootstrapServers(config.kafka().bootstrapServers())
                .deliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .transactionalIdPrefix(config.kafka().transactionalIdPrefix())
                .transactionTimeout(config.kafka().transactionTimeout())
                .build();
        KafkaSource<DecodedRecord> source = KafkaSource.<DecodedRecord>builder()
                .setBootstrapServers(config.kafka().bootstrapServers())
                .setTopics(config.topics().readings())
                .setGroupId(config.kafka().transactionalIdPrefix())
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setBounded(OffsetsInitializer.latest())
                .setDeserializer(new ReadingDeserializationSchema(
                        model.features(), config.ordering().readingLimits(), List.of()))
                .build();
        ForecastJob job = new ForecastJob(
                config,
                source,
                connections.sink(
                        "forecasts",
                        AvroRecordSerializationSchema.forecasts(
                                config.topics().forecasts(), model.targets(), model.horizon())),
                connections.sink(
                        "anomalies",
                        AvroRecordSerializationSchema.anomalyAlerts(
                                config.topics().anomalies(), model.targets())),
                connections.sink(
                        "dead-letters",
                        AvroRecordSerializationSchema.deadLetters(
                                config.topics().deadLetters())));
        Configuration flink = ForecastJob.flinkConfiguration(config);
        flink.addAll(flinkOverrides);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        job.build(env);
        env.execute(name);
    }
}
