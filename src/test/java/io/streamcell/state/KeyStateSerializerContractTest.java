package io.streamcell.state;

import java.util.SplittableRandom;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink's own serializer contract tests (copy, reuse, stream copy, snapshot, duplicate, threads). */
class KeyStateSerializerContractTest extends SerializerTestBase<KeyState> {

    @Override
    protected TypeSerializer<KeyState> createSerializer() {
        return KeyStateSerializer.INSTANCE;
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<KeyState> getTypeClass() {
        return KeyState.class;
    }

    @Override
    protected KeyState[] getTestData() {
        SplittableRandom random = new SplittableRandom(99);
        KeyState lstm = KeyState.fresh(128);
        lstm.setLastForecast(new float[] {1.25f});
        lstm.advance(1_767_225_600_000L);
        return new KeyState[] {
            KeyState.fresh(0),
            KeyState.fresh(64),
            lstm,
            TestStates.random(random, 128, 1, 0),
            TestStates.random(random, 3, 0, 4),
            TestStates.random(random, 2048, 24, 8),
            TestStates.random(random, 0, 1, 0),
        };
    }
}
