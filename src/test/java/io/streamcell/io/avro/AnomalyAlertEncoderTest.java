package io.streamcell.io.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.avro.AnomalyAlert;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnomalyAlertEncoderTest {
    private final AnomalyAlertEncoder encoder = new AnomalyAlertEncoder(List.of("temp", "hum"));

    @Test
    void shouldMapPerTargetArraysByNameAndRoundTrip() throws Exception {
        AnomalyAlertRecord record = new AnomalyAlertRecord(
                "s1", 5_000L, new float[] {30.5f, 0.25f}, new float[] {21f, 0.5f}, 0.97f, 0.999f, "high", "v7");

        AnomalyAlert alert = AnomalyAlert.getDecoder().decode(encoder.value(record));

        assertThat(encoder.key(record)).isEqualTo("s1".getBytes(StandardCharsets.UTF_8));
        assertThat(alert.getKey()).isEqualTo("s1");
        assertThat(alert.getEventTime()).isEqualTo(Instant.ofEpochMilli(5_000L));
        assertThat(alert.getObserved()).isEqualTo(Map.of("temp", 30.5, "hum", 0.25));
        assertThat(alert.getExpected()).isEqualTo(Map.of("temp", 21.0, "hum", 0.5));
        assertThat(alert.getScore()).isEqualTo(0.97f);
        assertThat(alert.getLikelihood()).isEqualTo(0.999f);
        assertThat(alert.getSeverity()).isEqualTo("high");
        assertThat(alert.getModelVersion()).isEqualTo("v7");
    }

    @Test
    void shouldLeaveOptionalFieldsNull() {
        AnomalyAlertRecord record =
                new AnomalyAlertRecord("s1", 0L, new float[2], new float[2], 0.5f, null, null, "v7");

        AnomalyAlert alert = encoder.toAvro(record);

        assertThat(alert.getLikelihood()).isNull();
        assertThat(alert.getSeverity()).isNull();
    }

    @Test
    void shouldRefuseArraysOfTheWrongLength() {
        AnomalyAlertRecord record =
                new AnomalyAlertRecord("s1", 0L, new float[3], new float[2], 0.5f, null, null, "v7");

        assertThatThrownBy(() -> encoder.value(record))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has 3 observed values; targets [temp, hum] need 2");
    }
}
