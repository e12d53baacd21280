package io.streamcell.anomaly.nab;

import java.util.List;
import java.util.Objects;

/**
 * A NAB application profile: the weights of the cost matrix ({@code config/profiles.json} of
 * numenta/NAB). {@code tnWeight} is listed there but never used by the scorer; it is kept for completeness.
 */
public record Profile(String name, double tpWeight, double fpWeight, double fnWeight, double tnWeight) {
    /** {@code standard}: A_TP = 1, A_FP = 0.11, A_FN = 1. */
    public static final Profile STANDARD = new Profile("standard", 1.0, 0.11, 1.0, 1.0);
    /** {@code reward_low_FP_rate}: A_TP = 1, A_FP = 0.22, A_FN = 1. */
    public static final Profile REWARD_LOW_FP = new Profile("reward_low_FP_rate", 1.0, 0.22, 1.0, 1.0);
    /** {@code reward_low_FN_rate}: A_TP = 1, A_FP = 0.11, A_FN = 2. */
    public static final Profile REWARD_LOW_FN = new Profile("reward_low_FN_rate", 1.0, 0.11, 2.0, 1.0);

    public Profile {
        Objects.requireNonNull(name, "name");
        if (!(tpWeight > 0) || !(fpWeight >= 0) || !(fnWeight >= 0) || !(tnWeight >= 0)) {
            throw new IllegalArgumentException(
                    "profile " + name + ": weights must be finite, tpWeight > 0 and " + "the others >= 0, got tp="
                            + tpWeight + " fp=" + fpWeight + " fn=" + fnWeight + " tn=" + tnWeight);
        }
    }

    /** The three published profiles, in the order of NAB's results tables. */
    public static List<Profile> published() {
        return List.of(STANDARD, REWARD_LOW_FP, REWARD_LOW_FN);
    }
}
