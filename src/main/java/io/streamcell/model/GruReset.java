package io.streamcell.model;

/**
 * Where a GRU applies its reset gate when forming the candidate state n.
 *
 * <ul>
 *   <li>{@link #AFTER} (PyTorch {@code nn.GRU}, Keras {@code reset_after=True}):
 *       {@code n = tanh(W_in x + b_in + r * (W_hn h + b_hn))}.
 *   <li>{@link #BEFORE} (Cho et al. 2014, Keras {@code reset_after=False}):
 *       {@code n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)}.
 * </ul>
 */
public enum GruReset {
    AFTER("after"),
    BEFORE("before");

    private final String configName;

    GruReset(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static GruReset fromConfigName(String name) {
        for (GruReset reset : values()) {
            if (reset.configName.equals(name)) {
                return reset;
            }
        }
        throw new IllegalArgumentException(
                "unknown gru_reset '" + ModelConfig.shown(name) + "' (expected \"after\" or \"before\")");
    }
}
