package io.streamcell.job;

import io.streamcell.io.avro.AnomalyAlertRecord;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.avro.ModelUpdateMessage;
import io.streamcell.io.deadletter.DeadLetterRecord;
import java.util.Locale;
import java.util.Objects;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.state.rocksdb.RocksDBNativeMetricOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

/**
 * The forecast job's graph, with its sources and sinks passed in (Kafka in production, anything in
 * tests):
 * <pre>
 *   readings ─► split dead letters ─► keyBy(key) ─► ForecastOperator ─► forecasts
 *                     │                                     └──── alerts ───► anomalies
 *                     └──────────────── dead letters (source + late) ─────► dead-letters
 * </pre>
 * The forecast operator steps each reading on its own or, with {@code stepping.mode: bundled}, in
 * bundles (same uid, state and outputs in both modes).
 *
 * <p>Event time follows the readings alone ({@link ReadingWatermarks}): dead letters neither move
 * a partition's watermark nor keep it from going idle, so a partition carrying nothing but bad
 * records stops holding the job's watermark back after {@code ordering.idle-timeout}.
 *
 * <p>Model hot-swap: model updates (source uid {@code models-source}, parallelism 1) are validated
 * once ({@link ModelUpdateValidator}, uid {@code model-update-validator}; invalid ones join the dead
 * letters) and broadcast to every instance of the forecast operator, which installs them between
 * records. Without a models source (hot-swap off), per-event mode is connected to an empty
 * broadcast stream, and bundled mode runs as a one-input operator.
 */
public final class ForecastJob {
    private final JobConfig config;
    private final Source<DecodedRecord, ?, ?> readings;
    private final Sink<ForecastRecord> forecasts;
    private final Sink<AnomalyAlertRecord> anomalies;
    private final Sink<DeadLetterRecord> deadLetters;
    private final Source<ModelUpdateMessage, ?, ?> models;

    /** A job without model hot-swap. */
    public ForecastJob(
            JobConfig config,
            Source<DecodedRecord, ?, ?> readings,
            Sink<ForecastRecord> forecasts,
            Sink<AnomalyAlertRecord> anomalies,
            Sink<DeadLetterRecord> deadLetters) {
        this(config, readings, null, forecasts, anomalies, deadLetters);
    }

    /** @param models the model updates (the models topic), or null for no hot-swap */
    public ForecastJob(
            JobConfig config,
            Source<DecodedRecord, ?, ?> readings,
            Source<ModelUpdateMessage, ?, ?> models,
            Sink<ForecastRecord> forecasts,
            Sink<AnomalyAlertRecord> anomalies,
            Sink<DeadLetterRecord> deadLetters) {
        this.models = models;
        this.config = Objects.requireNonNull(config, "config");
        this.readings = Objects.requireNonNull(readings, "readings");
        this.forecasts = Objects.requireNonNull(forecasts, "forecasts");
        this.anomalies = Objects.requireNonNull(anomalies, "anomalies");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
    }

    /**
     * The Flink settings the job depends on (checkpointing, state backend, key groups, no Kryo), for
     * the environment.
     */
    public static Configuration flinkConfiguration(JobConfig config) {
        // The user's flink.* options first; the loader refuses those the job sets itself below.
        Configuration flink = Configuration.fromMap(config.flinkOptions());
        flink.set(PipelineOptions.GENERIC_TYPES, false); // every type has its own serializer; Kryo would be a bug
        // Fixed in every savepoint: a job can never be rescaled beyond it, and Flink's own choice
        // depends on the first parallelism.
        flink.set(PipelineOptions.MAX_PARALLELISM, config.maxParallelism());
        flink.set(
                CheckpointingOptions.CHECKPOINTING_INTERVAL,
                config.checkpoints().interval());
        flink.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        // Exactly-once sinks commit a checkpoint's Kafka transactions when it completes. A checkpoint
        // slower than its timeout fails the job, which restarts from the one before (aborting the open
        // transactions and reading their input again), rather than commit transactions that Kafka may
        // have aborted in the meantime: JobConfig checks that the transaction timeout covers it.
        flink.set(
                CheckpointingOptions.CHECKPOINTING_TIMEOUT, config.checkpoints().timeout());
        flink.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 0);
        flink.set(
                StateBackendOptions.STATE_BACKEND,
                config.state().backend().name().toLowerCase(Locale.ROOT));
        if (config.state().backend() == JobConfig.StateBackend.ROCKSDB) {
            // The backend's own key count, read by the metric reporter's thread, not the task's
            // (the keysInState gauge counts only at a restore).
            flink.set(RocksDBNativeMetricOptions.ESTIMATE_NUM_KEYS, true);
        }
        if (config.checkpoints().directory() != null) {
            flink.set(
                    CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                    config.checkpoints().directory());
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
        WatermarkStrategy<DecodedRecord> watermarks = ReadingWatermarks.strategy(
                config.ordering().maxOutOfOrderness(), config.ordering().idleTimeout());
        SingleOutputStreamOperator<DecodedRecord> decoded = env.fromSource(readings, watermarks, "readings")
                .uid("readings-source")
                .process(new DeadLetterSplitter())
                .uid("dead-letter-splitter")
                .name("split dead letters");
        KeyedStream<DecodedRecord, String> byKey = decoded.keyBy(record -> record.key);
        TypeInformation<ForecastRecord> forecastType = TypeInformation.of(ForecastRecord.class);
        boolean bundled = config.stepping().mode() == JobConfig.SteppingMode.BUNDLED;
        DataStream<ModelUpdateMessage> updates = null;
        DataStream<DeadLetterRecord> invalidUpdates = null;
        if (models != null) {
            // One reader keeps the updates in topic order; its watermark never holds the readings' back.
            SingleOutputStreamOperator<ModelUpdateMessage> validated = env.fromSource(
                            models, WatermarkStrategy.forGenerator(context -> new NoEventTime()), "models")
                    .uid("models-source")
                    .setParallelism(1)
                    // Once, here: every instance of the forecast operator then gets the same valid updates.
                    .process(new ModelUpdateValidator(config.modelPath(), config.hotSwap()))
                    .uid("model-update-validator")
                    .name("validate model updates")
                    .setParallelism(1);
            updates = validated;
            invalidUpdates = validated.getSideOutput(ModelUpdateValidator.DEAD_LETTERS);
        } else if (!bundled) {
            updates = env
                    // fromData(emptyList) fails at run time (an empty sequence source); one number filtered away
                    // instead
                    .fromSequence(0, 0)
                    .uid("no-models-source")
                    .name("no model updates")
                    .flatMap(new NoUpdates())
                    .uid("no-models")
                    .name("no model updates");
        }
        // Either mode under one uid and with the same state: a savepoint of one restores into the other.
        ForecastOperator operator = new ForecastOperator(
                config.modelPath(), config.ordering(), config.state(), config.stepping(), config.hotSwap());
        String name = bundled ? "recurrent forecast (bundled)" : "recurrent forecast";
        // A two-input operator when updates come: they reach every instance, which keeps them in its
        // own broadcast state. Per-event mode is always two-input (savepoints of earlier releases
        // hold the state of its empty updates source).
        SingleOutputStreamOperator<ForecastRecord> forecastStream = updates != null
                ? byKey.connect(updates.broadcast()).transform(name, forecastType, operator)
                : byKey.transform(name, forecastType, operator);
        forecastStream.uid(ForecastStateDescriptors.OPERATOR_UID);
        forecastStream.sinkTo(forecasts).uid("forecasts-sink").name("forecasts");
        forecastStream
                .getSideOutput(ForecastOperator.ALERTS)
                .sinkTo(anomalies)
                .uid("anomalies-sink")
                .name("anomalies");
        DataStream<DeadLetterRecord> allDeadLetters = decoded.getSideOutput(DeadLetterSplitter.DEAD_LETTERS)
                .union(forecastStream.getSideOutput(ForecastOperator.DEAD_LETTERS));
        if (invalidUpdates != null) {
            allDeadLetters = allDeadLetters.union(invalidUpdates);
        }
        allDeadLetters.sinkTo(deadLetters).uid("dead-letters-sink").name("dead letters");
    }

    /** Hot-swap off: the per-event operator's broadcast input, which never carries an update. */
    private static final class NoUpdates
            implements FlatMapFunction<Long, ModelUpdateMessage>, ResultTypeQueryable<ModelUpdateMessage> {
        @Override
        public void flatMap(Long ignored, Collector<ModelUpdateMessage> out) {}

        @Override
        public TypeInformation<ModelUpdateMessage> getProducedType() {
            return TypeInformation.of(ModelUpdateMessage.class);
        }
    }

    /**
     * The watermarks of the model updates: always at the end of time, so that the forecast operator,
     * whose event time is the minimum over its two inputs, follows the readings alone.
     */
    private static final class NoEventTime implements WatermarkGenerator<ModelUpdateMessage> {
        @Override
        public void onEvent(ModelUpdateMessage event, long eventTimestamp, WatermarkOutput output) {}

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            output.emitWatermark(new Watermark(Long.MAX_VALUE));
        }
    }
}
