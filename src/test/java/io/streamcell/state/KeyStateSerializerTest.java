package io.streamcell.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamcell.model.CellType;
import io.streamcell.model.RecurrentModel;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class KeyStateSerializerTest {

    private static final KeyStateSerializer SERIALIZER = KeyStateSerializer.INSTANCE;
    private static final int[] LENGTHS = {0, 1, 2, 3, 127, 128, 129, 300, 16_383, 16_384};

    static Stream<KeyState> randomStates() {
        SplittableRandom random = new SplittableRandom(20240501);
        List<KeyState> states = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            states.add(TestStates.random(
                    random,
                    LENGTHS[random.nextInt(LENGTHS.length)],
                    LENGTHS[random.nextInt(4)],
                    LENGTHS[random.nextInt(5)]));
        }
        states.add(KeyState.fresh(0));
        states.add(KeyState.fresh(128));
        return states.stream();
    }

    @ParameterizedTest
    @MethodSource("randomStates")
    void roundTripsEveryBitAndReportsItsSize(KeyState state) throws IOException {
        byte[] bytes = TestStates.serialize(SERIALIZER, state);
        KeyState restored = TestStates.deserialize(SERIALIZER, bytes);

        assertThat(restored).isEqualTo(state);
        assertThat(TestStates.bits(restored.recurrent())).containsExactly(TestStates.bits(state.recurrent()));
        assertThat(TestStates.bits(restored.lastForecast())).containsExactly(TestStates.bits(state.lastForecast()));
        assertThat(TestStates.bits(restored.anomalyStats())).containsExactly(TestStates.bits(state.anomalyStats()));
        assertThat(restored.steps()).isEqualTo(state.steps());
        assertThat(restored.lastEventTime()).isEqualTo(state.lastEventTime());
        assertThat(KeyStateSerializer.serializedSize(state)).isEqualTo(bytes.length);
    }

    @Test
    void preservesNanPayloadsAndTheMinimumEventTime() throws IOException {
        float[] nans = new float[TestStates.NAN_BITS.length];
        for (int i = 0; i < nans.length; i++) {
            nans[i] = Float.intBitsToFloat(TestStates.NAN_BITS[i]);
        }
        KeyState state = new KeyState(nans, new float[] {-0f}, 0, Long.MIN_VALUE, nans.clone());

        KeyState restored = TestStates.deserialize(SERIALIZER, TestStates.serialize(SERIALIZER, state));

        assertThat(TestStates.bits(restored.recurrent())).containsExactly(TestStates.NAN_BITS);
        assertThat(TestStates.bits(restored.anomalyStats())).containsExactly(TestStates.NAN_BITS);
        assertThat(Float.floatToRawIntBits(restored.lastForecast()[0])).isEqualTo(0x80000000);
        assertThat(restored.lastEventTime()).isEqualTo(Long.MIN_VALUE);
        assertThat(restored.hasEventTime()).isFalse();
    }

    @Test
    void deserializingIntoAReusedStateOverwritesItAndKeepsArraysOfTheRightLength() throws IOException {
        SplittableRandom random = new SplittableRandom(7);
        KeyState reuse = TestStates.random(random, 128, 1, 0);
        KeyState[] states = {
            TestStates.random(random, 128, 1, 0),
            TestStates.random(random, 64, 0, 5),
            KeyState.fresh(0),
            TestStates.random(random, 128, 1, 2)
        };
        for (KeyState state : states) {
            DataInputDeserializer in = new DataInputDeserializer(TestStates.serialize(SERIALIZER, state));
            assertThat(SERIALIZER.deserialize(reuse, in)).isSameAs(reuse).isEqualTo(state);
            assertThat(in.available()).isZero();
        }

        KeyState target = KeyState.fresh(128);
        float[] targetRecurrent = target.recurrent();
        KeyState next = TestStates.random(random, 128, 1, 0);
        SERIALIZER.deserialize(target, new DataInputDeserializer(TestStates.serialize(SERIALIZER, next)));
        assertThat(target).isEqualTo(next);
        assertThat(target.recurrent()).isSameAs(targetRecurrent);
    }

    @Test
    void copiesAreIndependentOfTheOriginal() {
        SplittableRandom random = new SplittableRandom(11);
        KeyState original = TestStates.random(random, 32, 2, 1);
        KeyState copy = SERIALIZER.copy(original);
        KeyState reuse = TestStates.random(random, 32, 2, 1);
        float[] reuseArray = reuse.recurrent();
        KeyState copiedIntoReuse = SERIALIZER.copy(original, reuse);

        assertThat(copy).isEqualTo(original).isNotSameAs(original);
        assertThat(copiedIntoReuse).isSameAs(reuse).isEqualTo(original);
        assertThat(reuse.recurrent()).isSameAs(reuseArray).isNotSameAs(original.recurrent());

        KeyState snapshot = original.copy();
        original.recurrent()[0] = 123f;
        original.lastForecast()[0] = 123f;
        original.anomalyStats()[0] = 123f;
        original.advance(5L);
        assertThat(copy).isEqualTo(snapshot);
        assertThat(copiedIntoReuse).isEqualTo(snapshot);
    }

    @Test
    void streamCopyWritesTheSameBytesAsSerializeAfterDeserialize() throws IOException {
        List<KeyState> states = randomStates().toList();
        DataOutputSerializer all = new DataOutputSerializer(1 << 16);
        for (KeyState state : states) {
            SERIALIZER.serialize(state, all);
        }
        byte[] original = all.getCopyOfBuffer();

        DataInputDeserializer source = new DataInputDeserializer(original);
        DataOutputSerializer copied = new DataOutputSerializer(1 << 16);
        DataOutputSerializer viaObjects = new DataOutputSerializer(1 << 16);
        DataInputDeserializer objectSource = new DataInputDeserializer(original);
        for (int i = 0; i < states.size(); i++) {
            SERIALIZER.copy(source, copied);
            SERIALIZER.serialize(SERIALIZER.deserialize(objectSource), viaObjects);
        }

        assertThat(source.available()).isZero();
        assertThat(copied.getCopyOfBuffer())
                .isEqualTo(viaObjects.getCopyOfBuffer())
                .isEqualTo(original);
    }

    @Test
    void lstmH64StateIsWithin64BytesOfItsFloatPayload() throws IOException {
        RecurrentModel model = TestStates.model(CellType.LSTM, 64, 1, 1);
        KeyState state = KeyState.fresh(model);
        System.arraycopy(TestStates.floats(new SplittableRandom(3), 128), 0, state.recurrent(), 0, 128);
        state.setLastForecast(new float[] {21.5f});
        for (long t = 0; t < 1_000; t++) {
            state.advance(1_767_225_600_000L + 60_000L * t);
        }

        int rawPayload = Float.BYTES * (model.stateSize() + model.outputSize());
        int bytes = TestStates.serialize(SERIALIZER, state).length;

        assertThat(model.stateSize()).isEqualTo(128);
        assertThat(rawPayload).isEqualTo(516);
        assertThat(KeyStateSerializer.serializedSize(state)).isEqualTo(bytes);
        assertThat(bytes).isBetween(rawPayload, rawPayload + 64);
        System.out.printf(
                "key state, LSTM H=64, 1 layer, 1 output: %d bytes (float payload %d, overhead %d)%n",
                bytes, rawPayload, bytes - rawPayload);
    }

    @Test
    void serializedSizeCountsVarintLengthBytes() {
        // two longs, six array lengths, the architecture's int
        assertThat(KeyStateSerializer.serializedSize(KeyState.fresh(0))).isEqualTo(16 + 6 + 4);
        assertThat(KeyStateSerializer.serializedSize(KeyState.fresh(127))).isEqualTo(16 + 1 + 508 + 5 + 4);
        assertThat(KeyStateSerializer.serializedSize(KeyState.fresh(128))).isEqualTo(16 + 2 + 512 + 5 + 4);
        assertThat(KeyStateSerializer.serializedSize(KeyState.fresh(16_384))).isEqualTo(16 + 3 + 65_536 + 5 + 4);
        assertThat(KeyStateSerializer.varintSize(KeyStateSerializer.MAX_ARRAY_LENGTH))
                .isEqualTo(3);
    }

    @Test
    void isAStatelessMutableTypeSerializer() {
        assertThat(SERIALIZER.isImmutableType()).isFalse();
        assertThat(SERIALIZER.duplicate()).isSameAs(SERIALIZER);
        assertThat(SERIALIZER.getLength()).isEqualTo(-1);
        assertThat(SERIALIZER.createInstance()).isEqualTo(KeyState.fresh(0));
        assertThat(SERIALIZER.layout()).isEqualTo(KeyStateSerializer.CURRENT_LAYOUT);
        assertThat(KeyStateSerializer.forLayout(KeyStateSerializer.CURRENT_LAYOUT))
                .isSameAs(SERIALIZER);
        assertThatThrownBy(() -> KeyStateSerializer.forLayout(KeyStateSerializer.CURRENT_LAYOUT + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown key-state layout");
    }

    // --- corrupt input ---------------------------------------------------------------------------

    @Test
    void rejectsALengthThatIsNegativeAsAnInt() {
        // 0xFFFFFFFF as a 5-byte varint: what an int reader would take for -1.
        byte[] bytes = corrupt(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f});
        assertCorrupt(bytes, "'recurrent' claims 4294967295 floats (as a signed int: -1)");
    }

    @Test
    void rejectsALengthAboveTheMaximum() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(32);
        out.writeLong(1);
        out.writeLong(0);
        KeyStateSerializer.writeVarint(out, 0); // recurrent
        KeyStateSerializer.writeVarint(out, KeyStateSerializer.MAX_ARRAY_LENGTH + 1); // lastForecast
        assertCorrupt(out.getCopyOfBuffer(), "'lastForecast' claims 1048577 floats");

        byte[] huge = corrupt(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07}); // 2^31 - 1
        assertCorrupt(huge, "'recurrent' claims 2147483647 floats");
    }

    @Test
    void rejectsAVarintLongerThanFiveBytes() {
        byte[] bytes = corrupt(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x00});
        assertCorrupt(bytes, "the length of 'recurrent' is not a valid varint");
    }

    @Test
    void rejectsNegativeSteps() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(32);
        out.writeLong(-3);
        out.writeLong(0);
        out.write(new byte[] {0, 0, 0});
        assertCorrupt(out.getCopyOfBuffer(), "'steps' is negative (-3)");
    }

    @Test
    void failsOnTruncatedInputWithEofException() throws IOException {
        byte[] bytes = TestStates.serialize(SERIALIZER, TestStates.random(new SplittableRandom(5), 10, 1, 1));
        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 1);
        assertThatThrownBy(() -> SERIALIZER.deserialize(new DataInputDeserializer(truncated)))
                .isInstanceOf(EOFException.class);
    }

    @Test
    void refusesToWriteAnArrayAboveTheMaximum() {
        KeyState state =
                new KeyState(new float[0], new float[0], 0, 0, new float[KeyStateSerializer.MAX_ARRAY_LENGTH + 1]);
        assertThatThrownBy(() -> SERIALIZER.serialize(state, new DataOutputSerializer(16)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("'anomalyStats' has 1048577 floats");
    }

    /** Valid steps and time followed by {@code recurrentLength} as the recurrent array's length. */
    private static byte[] corrupt(byte[] recurrentLength) {
        byte[] bytes = new byte[16 + recurrentLength.length];
        bytes[7] = 1;
        System.arraycopy(recurrentLength, 0, bytes, 16, recurrentLength.length);
        return bytes;
    }

    /** Deserialize, deserialize with reuse and stream copy all fail with an IOException. */
    private static void assertCorrupt(byte[] bytes, String message) {
        assertThatThrownBy(() -> SERIALIZER.deserialize(new DataInputDeserializer(bytes)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(message);
        assertThatThrownBy(() -> SERIALIZER.deserialize(KeyState.fresh(4), new DataInputDeserializer(bytes)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(message);
        assertThatThrownBy(() -> SERIALIZER.copy(new DataInputDeserializer(bytes), new DataOutputSerializer(16)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(message);
    }
}
