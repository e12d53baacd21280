package io.streamcell.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.io.csv.ReadingsCsvReader.Row;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.io.ModelDirectory;
import io.streamcell.replay.ReplayEngine;
import io.streamcell.state.KeyState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The savepoint fixture's keys without a cluster: a key saved with an earlier anomaly detector
 * ({@link SavepointFixture#restoredFromAnEarlierDetector}) continues with the same forecasts; its
 * anomaly statistics start afresh, so it scores nothing until they have learned again.
 */
class SavepointFixtureMigrationTest {
    private static final int SAVED_AT = 54; // the fixture's 648 forecasts over 12 keys

    private record Replay(Map<String, List<float[]>> forecasts, Map<String, List<Float>> scores) {}

    private static Replay replay(RecurrentModel model, ClusterInput input, int restoreAt) throws Exception {
        Replay out = new Replay(new HashMap<>(), new HashMap<>());
        try (ReplayEngine engine = new ReplayEngine(model, 1)) {
            for (Row row : input.rows) {
                engine.accept(row, (r, outcome) -> {
                    out.forecasts()
                            .computeIfAbsent(r.key(), k -> new ArrayList<>())
                            .add(outcome.forecast());
                    List<Float> scores = out.scores().computeIfAbsent(r.key(), k -> new ArrayList<>());
                    scores.add(outcome.score() == null ? 0f : outcome.score().anomalyScore());
                    if (scores.size() == restoreAt) {
                        KeyState state = engine.state(r.key());
                        state.setAnomalyStats(SavepointFixture.restoredFromAnEarlierDetector(state.anomalyStats()));
                    }
                });
            }
        }
        return out;
    }

    @Test
    void aKeySavedWithAnEarlierDetectorContinuesWithTheSameForecastsAndFreshAnomalyStatistics() throws Exception {
        RecurrentModel model =
                ModelDirectory.load(SavepointFixture.modelDirectory().toString());
        ClusterInput input = SavepointFixture.input();

        Replay straight = replay(model, input, -1);
        Replay restored = replay(model, input, SAVED_AT);

        assertThat(restored.forecasts().keySet()).hasSize(SavepointFixture.KEYS);
        straight.forecasts().forEach((key, forecasts) -> {
            for (int i = 0; i < forecasts.size(); i++) {
                assertThat(restored.forecasts().get(key).get(i))
                        .as("%s step %d", key, i + 1)
                        .containsExactly(forecasts.get(i));
                if (i >= SAVED_AT) {
                    assertThat(restored.scores().get(key).get(i))
                            .as("%s step %d: the detector learns again first", key, i + 1)
                            .isZero();
                }
            }
        });
    }
}
