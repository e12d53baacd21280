package io.streamcell.core;

import io.streamcell.avro.ModelUpdate;
import io.streamcell.io.avro.ModelUpdateDecoder;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelUpdates;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * Which model serves, and the checks a model update passes before it replaces it. Serving starts
 * with the configured model; an update (the bytes of an Avro {@code ModelUpdate}) is decoded and
 * validated ({@link ModelUpdates}) and must be compatible with the configured model (same features,
 * targets and horizon). The caller keeps the installed update's bytes where a restart finds them
 * (the job: broadcast state, so a checkpoint holds the current model) and hands them to
 * {@link #restored} to serve that model again.
 */
public final class ModelSwitch {
    /** A validated update, ready to install. */
    public record Candidate(String modelId, byte[] bytes, RecurrentModel model) {}

    private final ModelConfig configured;
    private RecurrentModel current;
    private byte[] currentBytes; // null while the configured model serves

    public ModelSwitch(RecurrentModel configured) {
        this.configured = configured.config();
        this.current = configured;
    }

    public RecurrentModel current() {
        return current;
    }

    /**
     * Decodes and validates an update.
     *
     * @throws Exception (a {@code ModelFormatException} or {@code IOException} for the usual
     *     problems) saying why the update cannot be used
     */
    public Candidate validate(byte[] bytes) throws Exception {
        ModelUpdate update = ModelUpdateDecoder.decode(bytes);
        RecurrentModel model = ModelUpdates.toModel(update);
        ModelUpdates.checkCompatible(configured, model.config());
        return new Candidate(update.getModelId(), bytes.clone(), model);
    }

    /** Whether keys' hidden states of the current model mean nothing to the candidate's. */
    public boolean changesArchitecture(Candidate candidate) {
        return !ModelUpdates.sameArchitecture(
                current.config(), candidate.model().config());
    }

    public void install(Candidate candidate) {
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
    public Candidate restored(Iterable<Map.Entry<String, byte[]>> broadcastState) {
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
