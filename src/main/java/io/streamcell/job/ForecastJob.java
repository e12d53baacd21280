package io.streamcell.job;

import io.streamcell.io.avro.AnomalyAlertRecord;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.deadletter.DeadLetterRecord;
import java.util.Locale;
import java.util.Objects;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The forecast job's graph, with its sources and sinks passed in (Kafka in production, anything in
 * tests):
 * <pre>
 *   readings ─► split dead letters ─► keyBy(key) ─► ForecastFunction ─► forecasts
 *                     │                                     └──── alerts ───► anomalies
 *                     └──────────────── dead letters (source + late) ─────► dead-letters
 * </pre>
 * With {@code stepping.mode: bundled}, {@link BundledForecastOperator} takes ForecastFunction's place
 * (same uid, state and outputs).
 */
public final class ForecastJob {
    private final JobConfig config;
    private final Source<DecodedRecord, ?, ?> readings;
    private final Sink<ForecastRecord> forecasts;
    private final Sink<AnomalyAlertRecord> anomalies;
    private final Sink<DeadLetterRecord> deadLetters;

    public ForecastJob(JobConfig config, Source<DecodedRecord, ?, ?> readings, Sink<ForecastRecord> forecasts,
            Sink<AnomalyAlertRecord> anomalies, Sink<DeadLetterRecord> deadLetters) {
        this.config = Objects.requireNonNull(config, "config");
        this.readings = Objects.requireNonNull(readings, "readings");
        this.forecasts = Objects.requireNonNull(forecasts, "forecasts");
        this.anomalies = Objects.requireNonNull(anomalies, "anomalies");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
    }

    /** The Flink settings the job depends on (checkpointing, state backend, no Kryo), for the environment. */
    public static Configuration flinkConfiguration(JobConfig config) {
        Configuration flink = new Configuration();
        flink.set(PipelineOptions.GENERIC_TYPES, false); // every type has its own serializer; Kryo would be a bug
        flink.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, config.checkpoints().interval());
        flink.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        flink.set(StateBackendOptions.STATE_BACKEND, config.state().backend().name().toLowerCase(Locale.ROOT));
        if (config.checkpoints().directory() != null) {
            flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, config.checkpoints().directory());
        }
        return flink;
    }

    /** Adds the job's graph to {@code env}. */
    public void build(StreamExecutionEnvironment env) {
        if (config.parallelism() > 0) {
            // Every operator, sinks included: a sink at another parallelism than the forecast operator
            // would get its records round-robin, and two sink writers would interleave a key's forecasts.
            env.setParallelism(config.parallelism());
        }
        WatermarkStrategy<DecodedRecord> watermarks = WatermarkStrategy
                .<DecodedRecord>forBoundedOutOfOrderness(config.ordering().maxOutOfOrderness())
                // A dead letter carries no event time; its Kafka timestamp (wall clock) must not drag the
                // watermark ahead of the readings, which would make them all late. MIN_VALUE never advances it.
                .withTimestampAssigner((record, kafkaTimestamp) -> record.isReading() ? record.eventTime : Long.MIN_VALUE)
                .withIdleness(config.ordering().idleTimeout());
        SingleOutputStreamOperator<DecodedRecord> decoded = env.fromSource(readings, watermarks, "readings")
                .uid("readings-source")
                .process(new DeadLetterSplitter())
                .uid("dead-letter-splitter")
                .name("split dead letters");
        KeyedStream<DecodedRecord, String> byKey = decoded.keyBy(record -> record.key);
        // Either mode under one uid and with the same state: a savepoint of one restores into the other.
        SingleOutputStreamOperator<ForecastRecord> forecastStream = config.stepping().mode()
                == JobConfig.SteppingMode.BUNDLED
                ? byKey.transform("recurrent forecast (bundled)", TypeInformation.of(ForecastRecord.class),
                        new BundledForecastOperator(config.modelPath(), config.ordering(), config.state(),
                                config.stepping()))
                : byKey.process(new ForecastFunction(config.modelPath(), config.ordering(), config.state()))
                        .name("recurrent forecast");
        forecastStream.uid(ForecastStateDescriptors.OPERATOR_UID);
        forecastStream.sinkTo(forecasts).uid("forecasts-sink").name("forecasts");
        forecastStream.getSideOutput(ForecastFunction.ALERTS).sinkTo(anomalies).uid("anomalies-sink").name("anomalies");
        DataStream<DeadLetterRecord> allDeadLetters = decoded.getSideOutput(DeadLetterSplitter.DEAD_LETTERS)
                .union(forecastStream.getSideOutput(ForecastFunction.DEAD_LETTERS));
        allDeadLetters.sinkTo(deadLetters).uid("dead-letters-sink").name("dead letters");
    }
}
