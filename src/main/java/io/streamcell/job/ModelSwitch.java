package io.streamcell.job;

import io.streamcell.avro.ModelUpdate;
import io.streamcell.io.avro.ModelUpdateDecoder;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelUpdates;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * Which model a forecast operator instance serves, and the checks a model update passes before it
 * replaces it (shared by both stepping modes). The operator starts with the configured model; an
 * update from the models topic is decoded and validated ({@link ModelUpdates}) and must be
 * compatible with the configured model (same features, targets and horizon). The raw bytes of the
 * installed update live in broadcast state {@link #CURRENT_UPDATE} (model id → bytes, one entry),
 * so a checkpoint holds the current model and a restored job serves it again.
 */
final class ModelSwitch {
    /** Broadcast state: the current update's bytes by model id; empty while the configured model serves. */
    static final MapStateDescriptor<String, byte[]> CURRENT_UPDATE = new MapStateDescriptor<>(
            "model-updates", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    /** A validated update, ready to install. */
    record Candidate(String modelId, byte[] bytes, RecurrentModel model) {}

    private final ModelConfig configured;
    private RecurrentModel current;
    private byte[] currentBytes; // null while the configured model serves

    ModelSwitch(RecurrentModel configured) {
        this.configured = configured.config();
        this.current = configured;
    }

    RecurrentModel current() {
        return current;
    }

    /**
     * Decodes and validates an update.
     *
     * @throws Exception (a {@code ModelFormatException} or {@code IOException} for the usual
     *     problems) saying why the update cannot be used
     */
    Candidate validate(byte[] bytes) throws Exception {
        ModelUpdate update = ModelUpdateDecoder.decode(bytes);
        RecurrentModel model = ModelUpdates.toModel(update);
        ModelUpdates.checkCompatible(configured, model.config());
        return new Candidate(update.getModelId(), bytes.clone(), model);
    }

    /** Whether keys' hidden states of the current model mean nothing to the candidate's. */
    boolean changesArchitecture(Candidate candidate) {
        return !ModelUpdates.sameArchitecture(
                current.config(), candidate.model().config());
    }

    void install(Candidate candidate) {
        current = candidate.model();
        currentBytes = candidate.bytes();
    }

    /**
     * The checkpointed update to install after a restore, or null when the broadcast state is empty
     * or holds what already serves.
     *
     * @throws IllegalStateException if the checkpointed update no longer validates (a uri that
     *     cannot be read any more): serving another model than the checkpoint's would be silent
     */
    Candidate restored(Iterable<Map.Entry<String, byte[]>> broadcastState) {
        Iterator<Map.Entry<String, byte[]>> entries = broadcastState.iterator();
        if (!entries.hasNext()) {
            return null;
        }
        Map.Entry<String, byte[]> entry = entries.next();
        if (Arrays.equals(entry.getValue(), currentBytes)) {
            return null;
        }
        try {
            return validate(entry.getValue());
        } catch (Exception e) {
            throw new IllegalStateException(
                    "the checkpointed model update '" + entry.getKey() + "' no longer "
                            + "validates, so the job cannot serve the model version it checkpointed (make its uri readable"
                            + " again, or publish a new update and restore without this state): " + e.getMessage(),
                    e);
        }
    }
}
