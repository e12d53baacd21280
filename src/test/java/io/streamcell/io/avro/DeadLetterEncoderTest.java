package io.streamcell.io.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.avro.DeadLetter;
import io.streamcell.io.deadletter.DeadLetterReason;
import io.streamcell.io.deadletter.DeadLetterRecord;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DeadLetterEncoderTest {
    private final DeadLetterEncoder encoder = new DeadLetterEncoder();

    @Test
    void shouldCarryOriginalBytesAndKeyByOriginalKey() throws Exception {
        byte[] key = {0, 1, (byte) 0xFF};
        byte[] value = {(byte) 0xC3, 0x01, 9, 9};
        DeadLetterRecord record = new DeadLetterRecord(
                "readings", 2, 99L, 1_000L, key, value, "unknown_schema", "", "schema fingerprint ...", 2_000L);

        DeadLetter letter = DeadLetter.getDecoder().decode(encoder.value(record));

        assertThat(encoder.key(record)).isEqualTo(key);
        assertThat(letter.getSourceTopic()).isEqualTo("readings");
        assertThat(letter.getPartition()).isEqualTo(2);
        assertThat(letter.getOffset()).isEqualTo(99L);
        assertThat(letter.getTimestamp()).isEqualTo(Instant.ofEpochMilli(1_000L));
        assertThat(letter.getKey()).isEqualTo(ByteBuffer.wrap(key));
        assertThat(letter.getValue()).isEqualTo(ByteBuffer.wrap(value));
        assertThat(letter.getReason()).isEqualTo("unknown_schema");
        assertThat(letter.getErrorClass()).isEmpty();
        assertThat(letter.getErrorMessage()).isEqualTo("schema fingerprint ...");
        assertThat(letter.getDetectedAt()).isEqualTo(Instant.ofEpochMilli(2_000L));
    }

    @Test
    void shouldKeepMissingBytesNullAndNoTimestampAsMinusOne() throws Exception {
        DeadLetterRecord record =
                new DeadLetterRecord("readings", 0, 0L, -1L, null, null, "undecodable", null, null, 5L);

        DeadLetter letter = DeadLetter.getDecoder().decode(encoder.value(record));

        assertThat(encoder.key(record)).isNull();
        assertThat(letter.getKey()).isNull();
        assertThat(letter.getValue()).isNull();
        assertThat(letter.getTimestamp().toEpochMilli()).isEqualTo(-1L);
        assertThat(letter.getErrorClass()).isEmpty();
        assertThat(letter.getErrorMessage()).isEmpty();
    }

    @Test
    void shouldRefuseDeadLetterWithoutReason() {
        DeadLetterRecord record = new DeadLetterRecord("readings", 0, 0L, 0L, null, null, null, "", "", 0L);

        assertThatThrownBy(() -> encoder.value(record)).hasMessageContaining("needs a reason");
    }

    @Test
    void shouldUseLowerCaseWireNames() {
        assertThat(DeadLetterReason.UNKNOWN_SCHEMA.wireName()).isEqualTo("unknown_schema");
        assertThat(DeadLetterReason.NON_FINITE.wireName()).isEqualTo("non_finite");
    }
}
