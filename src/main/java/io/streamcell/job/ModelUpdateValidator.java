package io.streamcell.job;

import io.streamcell.core.ModelSwitch;
import io.streamcell.io.avro.ModelUpdateMessage;
import io.streamcell.io.deadletter.DeadLetterRecord;
import io.streamcell.model.io.ModelDirectory;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates each model update once, where the models topic is read (parallelism 1), before it is
 * broadcast to the forecast operator: an invalid one becomes one {@code invalid_model} dead letter
 * and goes no further, so every instance of the forecast operator sees the same, valid updates.
 * The check is the operator's own ({@link ModelSwitch#validate}: decoding, the hot-swap limits,
 * digest, model, compatibility with the configured model), and the model it loads stays in the
 * TaskManager's model cache for the instances there. Metric: {@code streamcell.modelUpdatesRejected}.
 */
final class ModelUpdateValidator extends ProcessFunction<ModelUpdateMessage, ModelUpdateMessage> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ModelUpdateValidator.class);

    /** Updates that cannot be used, as {@code invalid_model} dead letters. */
    static final OutputTag<DeadLetterRecord> DEAD_LETTERS =
            new OutputTag<>("invalid-model-updates", TypeInformation.of(DeadLetterRecord.class));

    private final String modelLocation;
    private final JobConfig.HotSwap hotSwap;

    private transient ModelSwitch models;
    private transient Counter rejected;

    ModelUpdateValidator(String modelLocation, JobConfig.HotSwap hotSwap) {
        this.modelLocation = modelLocation;
        this.hotSwap = hotSwap;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        models = new ModelSwitch(ModelDirectory.load(modelLocation), hotSwap.policy());
        rejected = getRuntimeContext().getMetricGroup().addGroup("streamcell").counter("modelUpdatesRejected");
    }

    @Override
    public void processElement(ModelUpdateMessage update, Context ctx, Collector<ModelUpdateMessage> out) {
        try {
            models.validate(update.value);
        } catch (Exception e) {
            rejected.inc();
            LOG.warn("Rejected model update {}: {}; the serving model keeps serving", update, e.getMessage());
            ctx.output(DEAD_LETTERS, update.asDeadLetter(e, System.currentTimeMillis()));
            return;
        }
        out.collect(update);
    }
}
