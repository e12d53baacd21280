package io.streamcell.model;

import java.util.Locale;

/** The recurrent cell of every layer of a model. */
public enum CellType {
    /** PyTorch {@code nn.LSTM}: gates i, f, g, o; state h and c. */
    LSTM(4, true),
    /** PyTorch {@code nn.GRU}: gates r, z, n; state h. */
    GRU(3, false);

    private final int gateCount;
    private final boolean hasCellState;

    CellType(int gateCount, boolean hasCellState) {
        this.gateCount = gateCount;
        this.hasCellState = hasCellState;
    }

    /** Number of H-sized gate blocks in PyTorch's {@code weight_ih_l{k}} (4 for LSTM, 3 for GRU). */
    public int gateCount() {
        return gateCount;
    }

    public boolean hasCellState() {
        return hasCellState;
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static CellType fromConfigName(String name) {
        for (CellType type : values()) {
            if (type.configName().equals(name)) {
                return type;
            }
        }
        throw new IllegalArgumentException(
                "unknown cell type '" + ModelConfig.shown(name) + "' (expected \"lstm\" or \"gru\")");
    }
}
