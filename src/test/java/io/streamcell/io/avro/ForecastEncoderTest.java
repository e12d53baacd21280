package io.streamcell.io.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.avro.Forecast;
import io.streamcell.avro.Interval;
import io.streamcell.avro.TargetForecast;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

class ForecastEncoderTest {
    private final ForecastEncoder encoder = new ForecastEncoder(List.of("temp", "hum"), 3);

    /** Step-major: index s * 2 + j is target j at step s + 1. */
    private static final float[] VALUES = {10f, 20f, 11f, 21f, 12f, 22f};

    @Test
    void shouldUnfoldStepMajorValuesIntoOneForecastPerTarget() throws Exception {
        ForecastRecord record = new ForecastRecord("s1", 1_700_000_000_123L, VALUES, "v7", 42L, 0.25f);

        Forecast forecast = Forecast.getDecoder().decode(encoder.value(record));

        assertThat(forecast.getKey()).isEqualTo("s1");
        assertThat(forecast.getEventTime()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_123L));
        assertThat(forecast.getForecasts())
                .containsExactly(
                        new TargetForecast("temp", List.of(10f, 11f, 12f)),
                        new TargetForecast("hum", List.of(20f, 21f, 22f)));
        assertThat(forecast.getModelVersion()).isEqualTo("v7");
        assertThat(forecast.getStep()).isEqualTo(42L);
        assertThat(forecast.getAnomalyScore()).isEqualTo(0.25f);
        assertThat(forecast.getInterval()).isNull();
    }

    @Test
    void shouldWriteSingleObjectEncodingKeyedByUtf8Key() {
        ForecastRecord record = new ForecastRecord("capteur-é", 0L, VALUES, "v7", 1L, null);

        byte[] value = encoder.value(record);

        assertThat(SingleObject.hasHeader(value)).isTrue();
        assertThat(SingleObject.fingerprint(value))
                .isEqualTo(SchemaNormalization.parsingFingerprint64(Forecast.getClassSchema()));
        assertThat(encoder.key(record)).isEqualTo("capteur-é".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldWriteIntervalsPerTargetWhenPresent() {
        float[] lower = {9f, 19f, 10f, 20f, 11f, 21f};
        float[] upper = {11f, 21f, 12f, 22f, 13f, 23f};
        ForecastRecord record = new ForecastRecord("s1", 0L, VALUES, "v7", 1L, null).withInterval(lower, upper);

        Forecast forecast = encoder.toAvro(record);

        assertThat(forecast.getInterval())
                .containsExactly(
                        new Interval("temp", List.of(9f, 10f, 11f), List.of(11f, 12f, 13f)),
                        new Interval("hum", List.of(19f, 20f, 21f), List.of(21f, 22f, 23f)));
        assertThat(forecast.getAnomalyScore()).isNull();
    }

    @Test
    void shouldRefuseArraysThatDoNotMatchTargetsAndHorizon() {
        ForecastRecord shortValues = new ForecastRecord("s1", 0L, new float[4], "v7", 1L, null);
        ForecastRecord halfInterval =
                new ForecastRecord("s1", 0L, VALUES, "v7", 1L, null).withInterval(new float[6], null);
        ForecastRecord shortInterval =
                new ForecastRecord("s1", 0L, VALUES, "v7", 1L, null).withInterval(new float[6], new float[5]);

        assertThatThrownBy(() -> encoder.value(shortValues))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has 4 values")
                .hasMessageContaining("[temp, hum] x horizon 3 need 6");
        assertThatThrownBy(() -> encoder.value(halfInterval)).hasMessageContaining("set both or neither");
        assertThatThrownBy(() -> encoder.value(shortInterval)).hasMessageContaining("has 5 intervalUpper");
    }

    @Test
    void shouldRefuseBadConfiguration() {
        assertThatThrownBy(() -> new ForecastEncoder(List.of(), 1)).hasMessageContaining("targets is empty");
        assertThatThrownBy(() -> new ForecastEncoder(List.of("a", "a"), 1)).hasMessageContaining("'a' twice");
        assertThatThrownBy(() -> new ForecastEncoder(List.of("a"), 0)).hasMessageContaining("horizon");
    }
}
