package io.streamcell.core;

import io.streamcell.avro.ModelUpdate;
import io.streamcell.io.avro.ModelUpdateDecoder;
import io.streamcell.io.avro.SingleObject;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelUpdates;
import io.streamcell.model.io.UpdatePolicy;
import java.util.Iterator;
import java.util.Map;

/**
 * Which model serves, and the checks a model update passes before it replaces it. Serving starts
 * with the configured model; an update (the bytes of an Avro {@code ModelUpdate}) is decoded and
 * validated ({@link ModelUpdates}, within an {@link UpdatePolicy}) and must be compatible with the
 * configured model (same features, targets and horizon). Models are loaded through a cache shared
 * by the JVM ({@link ModelCache}), so each is loaded once per TaskManager.
 *
 * <p>The caller keeps the installed update where a restart finds it (the job: its
 * {@link ModelReference} in broadcast state, and inline weights once, in one instance's operator
 * state) and hands both to {@link #restored} to serve that model again.
 */
public final class ModelSwitch {
    /**
     * A validated update, ready to install.
     *
     * @param inlineWeights the weights when they came inline (to keep for a restart), else null
     */
    public record Candidate(ModelReference reference, byte[] inlineWeights, RecurrentModel model) {
        public String modelId() {
            return reference.modelId();
        }
    }

    private final ModelConfig configured;
    private final UpdatePolicy policy;
    private RecurrentModel current;
    private ModelReference currentReference; // null while the configured model serves

    public ModelSwitch(RecurrentModel configured, UpdatePolicy policy) {
        this.configured = configured.config();
        this.policy = policy;
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
        return validate(ModelUpdateDecoder.decode(bytes), policy);
    }

    private Candidate validate(ModelUpdate update, UpdatePolicy rules) throws Exception {
        ModelUpdates.checkPolicy(update, rules);
        ModelReference reference = ModelReference.of(update);
        RecurrentModel model = ModelCache.get(reference, () -> ModelUpdates.toModel(update, rules));
        ModelUpdates.checkCompatible(configured, model.config());
        byte[] inlineWeights = reference.inline() ? ModelReference.bytes(update.getWeights()) : null;
        return new Candidate(reference, inlineWeights, model);
    }

    /** Whether keys' hidden states of the current model mean nothing to the candidate's. */
    public boolean changesArchitecture(Candidate candidate) {
        return !ModelUpdates.sameArchitecture(
                current.config(), candidate.model().config());
    }

    public void install(Candidate candidate) {
        current = candidate.model();
        currentReference = candidate.reference();
    }

    /**
     * The checkpointed update to install after a restore, or null when the broadcast state is empty
     * or holds what already serves. The state holds a {@link ModelReference} (with the inline
     * weights among {@code inlineWeights}, by digest), or the whole update as earlier releases kept
     * it. A restored update is not held to the inline bound: the checkpoint already holds it.
     *
     * @throws IllegalStateException if the checkpointed update no longer validates (a uri that
     *     cannot be read any more, inline weights missing from the state): serving another model than
     *     the checkpoint's would be silent
     */
    public Candidate restored(Iterable<Map.Entry<String, byte[]>> broadcastState, Iterable<byte[]> inlineWeights) {
        Iterator<Map.Entry<String, byte[]>> entries = broadcastState.iterator();
        if (!entries.hasNext()) {
            return null;
        }
        Map.Entry<String, byte[]> entry = entries.next();
        try {
            ModelUpdate update;
            if (ModelReference.isReference(entry.getValue())) {
                ModelReference reference = ModelReference.fromBytes(entry.getValue());
                if (reference.equals(currentReference)) {
                    return null;
                }
                update = reference.toUpdate(reference.inline() ? weights(reference, inlineWeights) : null);
            } else if (SingleObject.hasHeader(entry.getValue())) { // an earlier release's whole update
                update = ModelUpdateDecoder.decode(entry.getValue());
            } else {
                throw new IllegalArgumentException("the checkpointed bytes are neither a model reference nor a update");
            }
            return validate(update, policy.forRestore());
        } catch (Exception e) {
            throw new IllegalStateException(
                    "the checkpointed model update '" + entry.getKey() + "' no longer "
                            + "validates, so the job cannot serve the model version it checkpointed (make its uri readable"
                            + " again, or publish a new update and restore without this state): " + e.getMessage(),
                    e);
        }
    }

    private static byte[] weights(ModelReference reference, Iterable<byte[]> inlineWeights) {
        for (byte[] weights : inlineWeights) {
            if (ModelUpdates.sha256(weights).equals(reference.weightsSha256())) {
                return weights;
            }
        }
        throw new IllegalArgumentException("its inline weights (SHA-256 " + reference.weightsSha256()
                + ") are not in the checkpoint's operator state 'model-update-weights'");
    }
}
