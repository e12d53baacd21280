package io.streamcell.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.kafka.AvroRecordSerializationSchema;
import io.streamcell.io.kafka.KafkaConnections;
import io.streamcell.io.kafka.ReadingDeserializationSchema;
import io.streamcell.model.GoldenFixtures;
import io.streamcell.model.ModelConfig;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.state.rocksdb.RocksDBNativeMetricOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** The Flink settings the job carries with it, whatever the cluster's defaults are. */
class ForecastJobSettingsTest {
    private static final String CASE = "gru_before_2layer_in3_h20_2targets_horizon2";

    private static JobConfig.Builder config() {
        return JobConfig.builder()
                .name("settings")
                .bootstrapServers("localhost:1")
                .modelsTopic("none")
                .modelPath(GoldenFixtures.root().resolve(CASE).resolve("model").toString());
    }

    /** The job's graph as Flink would submit it (the Kafka clients connect only when it runs). */
    private static JobGraph graph(JobConfig config) throws Exception {
        ModelConfig model = GoldenFixtures.load(CASE).model().config();
        KafkaConnections kafka = KafkaConnections.builder()
                .bootstrapServers(config.kafka().bootstrapServers())
                .transactionalIdPrefix(config.kafka().transactionalIdPrefix())
                .transactionTimeout(config.kafka().transactionTimeout())
                .build();
        KafkaSource<DecodedRecord> readings = kafka.readingsSource(
                "readings", "group", OffsetsInitializer.earliest(), new ReadingDeserializationSchema(model.features()));
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(ForecastJob.flinkConfiguration(config));
        new ForecastJob(
                        config,
                        readings,
                        kafka.sink(
                                "forecasts",
                                AvroRecordSerializationSchema.forecasts("forecasts", model.targets(), model.horizon())),
                        kafka.sink(
                                "anomalies", AvroRecordSerializationSchema.anomalyAlerts("anomalies", model.targets())),
                        kafka.sink("dead-letters", AvroRecordSerializationSchema.deadLetters("dead-letters")))
                .build(env);
        return env.getStreamGraph().getJobGraph();
    }

    @Test
    void theKeyGroupsAreFixedByTheJobNotByItsFirstParallelism() throws Exception {
        // Flink would choose 128 key groups at parallelism 2 and 256 at 100: a savepoint taken at 100
        // could then never be restored at more than 256, nor one taken at 2 at more than 128.
        for (int parallelism : new int[] {2, 100}) {
            JobGraph graph = graph(config().parallelism(parallelism).build());
            assertThat(graph.getVertices())
                    .as("key groups at parallelism %d", parallelism)
                    .extracting(JobVertex::getMaxParallelism)
                    .containsOnly(JobConfig.DEFAULT_MAX_PARALLELISM);
        }
        assertThat(graph(config().parallelism(2).maxParallelism(1024).build()).getVertices())
                .extracting(JobVertex::getMaxParallelism)
                .containsOnly(1024);
    }

    @Test
    void aCheckpointLongerThanItsTimeoutFailsTheJob() {
        Configuration flink = ForecastJob.flinkConfiguration(
                config().checkpointTimeout(Duration.ofMinutes(3)).build());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);

        assertThat(env.getCheckpointConfig().getCheckpointTimeout())
                .isEqualTo(Duration.ofMinutes(3).toMillis());
        assertThat(env.getCheckpointConfig().getTolerableCheckpointFailureNumber())
                .as("not one tolerated: a checkpoint that failed leaves its transactions to expire")
                .isZero();
    }

    @Test
    void onRocksDbTheBackendsOwnKeyEstimateIsReported() {
        assertThat(ForecastJob.flinkConfiguration(config().stateBackend(JobConfig.StateBackend.ROCKSDB)
                                .build())
                        .get(RocksDBNativeMetricOptions.ESTIMATE_NUM_KEYS))
                .isTrue();
        assertThat(ForecastJob.flinkConfiguration(config().build()).get(RocksDBNativeMetricOptions.ESTIMATE_NUM_KEYS))
                .isFalse();
    }
}
