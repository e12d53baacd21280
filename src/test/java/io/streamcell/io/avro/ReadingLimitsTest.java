package io.streamcell.io.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReadingLimitsTest {
    @Test
    void shouldDefaultToDocumentedLimits() {
        ReadingLimits limits = ReadingLimits.DEFAULTS;

        assertThat(limits.maxValueBytes()).isEqualTo(512 * 1024);
        assertThat(limits.maxKeyBytes()).isEqualTo(1024);
        assertThat(limits.maxValues()).isEqualTo(4096);
        assertThat(limits.acceptsEventTime(0L)).isTrue();
        assertThat(limits.acceptsEventTime(-1L)).isFalse();
        assertThat(limits.acceptsEventTime(
                        Instant.parse("2199-12-31T23:59:59.999Z").toEpochMilli()))
                .isTrue();
        assertThat(limits.acceptsEventTime(Instant.parse("2200-01-01T00:00:00Z").toEpochMilli()))
                .isFalse();
        assertThat(limits.aheadOfClock(300_000L, 0L)).isFalse();
        assertThat(limits.aheadOfClock(300_001L, 0L)).isTrue();
        assertThat(limits.withMaxAheadOfClock(null).aheadOfClock(Long.MAX_VALUE, 0L))
                .isFalse();
    }

    @Test
    void shouldChangeOnlyTheLimitAsked() {
        ReadingLimits limits = ReadingLimits.DEFAULTS.withMaxValues(10);

        assertThat(limits.maxValues()).isEqualTo(10);
        assertThat(limits.withMaxValues(ReadingLimits.DEFAULT_MAX_VALUES)).isEqualTo(ReadingLimits.DEFAULTS);
    }

    @Test
    void shouldRefuseLimitsThatAcceptNothing() {
        assertThatThrownBy(() -> ReadingLimits.DEFAULTS.withMaxValueBytes(10))
                .hasMessageContaining("maxValueBytes must be more than 10");
        assertThatThrownBy(() -> ReadingLimits.DEFAULTS.withMaxKeyBytes(0)).hasMessageContaining("maxKeyBytes");
        assertThatThrownBy(() -> ReadingLimits.DEFAULTS.withMaxValues(0)).hasMessageContaining("maxValues");
        Instant t = Instant.parse("2025-01-01T00:00:00Z");
        assertThatThrownBy(() -> ReadingLimits.DEFAULTS.withEventTimeWindow(t, t))
                .hasMessageContaining("event-time window is empty");
    }
}
