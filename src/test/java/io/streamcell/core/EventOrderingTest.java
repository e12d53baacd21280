package io.streamcell.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamcell.state.KeyState;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EventOrderingTest {
    private final EventOrdering eventTime = new EventOrdering(true, Duration.ofSeconds(5), Duration.ofSeconds(2));

    @Test
    void aReadingAheadOfTheWatermarkWaitsInEventTimeModeOnly() {
        assertThat(eventTime.waits(1_001, 1_000)).isTrue();
        assertThat(eventTime.waits(1_000, 1_000)).isFalse();
        assertThat(EventOrdering.ARRIVAL.waits(1_001, 1_000)).isFalse();
    }

    @Test
    void behindTheWatermarkAReadingIsLateBeyondTheAllowedLatenessOrBeforeItsKeysLast() {
        long watermark = 10_000;
        assertThat(eventTime.isLate(8_000, watermark, KeyState.NO_EVENT_TIME)).isFalse();
        assertThat(eventTime.isLate(7_999, watermark, KeyState.NO_EVENT_TIME)).isTrue();
        assertThat(eventTime.isLate(9_000, watermark, 9_500)).isTrue();
        assertThat(eventTime.isLate(9_500, watermark, 9_500))
                .as("equal times keep arrival order")
                .isFalse();
        assertThat(EventOrdering.ARRIVAL.isLate(0, watermark, 9_500)).isFalse();
    }

    @Test
    void aKeyMayHaveOnlySoManyReadingsAndBytesWaiting() {
        EventOrdering bounded =
                new EventOrdering(true, Duration.ofSeconds(5), Duration.ZERO, new PendingLimits(3, 1_000));
        long reading = PendingLimits.readingBytes("sensör", 3);

        assertThat(reading).as("64 + UTF-8 key + 4 per feature").isEqualTo(64 + 7 + 12);
        assertThat(bounded.admits(2, 2 * reading, reading)).isTrue();
        assertThat(bounded.admits(3, 3 * reading, reading)).as("the count").isFalse();
        assertThat(bounded.admits(0, 1_000 - reading + 1, reading))
                .as("the bytes")
                .isFalse();
        assertThat(bounded.pending().fullReason(3, 249))
                .contains("already has 3 readings (249 bytes) waiting for the watermark")
                .contains("ordering.max-buffered-readings 3, ordering.max-buffered-bytes 1000");
        assertThat(eventTime.pending()).isEqualTo(PendingLimits.DEFAULTS);
    }

    @Test
    void theReasonSaysWhichRuleTheReadingBroke() {
        assertThat(eventTime.lateReason(9_000, 10_000, 9_500))
                .isEqualTo("event time 9000 is older than the key's last stepped reading at 9500");
        assertThat(eventTime.lateReason(7_000, 10_000, KeyState.NO_EVENT_TIME))
                .isEqualTo("event time 7000 is behind the watermark 10000 by more than the allowed lateness");
    }

    @Test
    void theWatermarkTrailsTheNewestEventTimeAsFlinksBoundedOutOfOrdernessStrategy() {
        assertThat(eventTime.watermarkAfter(60_000)).isEqualTo(60_000 - 5_000 - 1);
        assertThat(eventTime.watermarkAfter(Long.MIN_VALUE)).isEqualTo(Long.MIN_VALUE);
    }
}
