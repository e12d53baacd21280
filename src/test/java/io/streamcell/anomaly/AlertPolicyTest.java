package io.streamcell.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertPolicyTest {
    private final AlertPolicy policy = new AlertPolicy(new AlertPolicy.Settings(0.5f, 0.8f, 0.3f, 3));

    private List<String> run(float... scores) {
        float[] state = new float[AlertPolicy.STATE_SIZE];
        List<String> alerts = new ArrayList<>();
        for (float score : scores) {
            AlertPolicy.Severity severity = policy.apply(score, state, 0);
            alerts.add(severity == null ? "-" : severity.label());
        }
        return alerts;
    }

    @Test
    void oneAlertPerEpisode() {
        assertThat(run(0.1f, 0.6f, 0.7f, 0.6f, 0.2f)).containsExactly("-", "warning", "-", "-", "-");
    }

    @Test
    void escalationWithinAnEpisodeAlertsAgainOnce() {
        assertThat(run(0.6f, 0.9f, 0.95f, 0.6f)).containsExactly("warning", "critical", "-", "-");
    }

    @Test
    void episodeEndsOnlyAfterEnoughQuietSteps() {
        // two quiet steps, then high again: same episode; three quiet steps end it
        assertThat(run(0.6f, 0.1f, 0.1f, 0.6f, 0.1f, 0.1f, 0.1f, 0.6f))
                .containsExactly("warning", "-", "-", "-", "-", "-", "-", "warning");
    }

    @Test
    void scoresBetweenResetAndWarningNeitherAlertNorCountAsQuiet() {
        assertThat(run(0.6f, 0.1f, 0.1f, 0.4f, 0.1f, 0.1f, 0.6f))
                .containsExactly("warning", "-", "-", "-", "-", "-", "-");
    }

    @Test
    void criticalFromTheStart() {
        assertThat(run(0.85f, 0.9f)).containsExactly("critical", "-");
    }

    @Test
    void inconsistentThresholdsAreRejected() {
        assertThatThrownBy(() -> new AlertPolicy.Settings(0.5f, 0.4f, 0.3f, 3))
                .hasMessageContaining("0 < reset <= warning <= critical <= 1");
    }
}
