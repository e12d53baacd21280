package io.streamcell.state;

import io.streamcell.model.CellType;
import io.streamcell.model.ModelConfig;
import io.streamcell.model.RecurrentModel;
import io.streamcell.model.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/** Models, random states and byte helpers for the state tests. */
final class TestStates {

    /** NaN bit patterns that must survive a round trip: quiet with payloads, signalling, negative. */
    static final int[] NAN_BITS = {0x7fc00000, 0x7fc00001, 0x7fa00000, 0xffc00000, 0xff800001, 0x7fffffff};

    private TestStates() {}

    /** A zero-weight model of the given shape (only its shape matters here). */
    static RecurrentModel model(CellType cell, int hidden, int layers, int outputs) {
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            targets.add("y" + i);
        }
        ModelConfig config = ModelConfig.builder()
                .cell(cell)
                .hiddenSize(hidden)
                .numLayers(layers)
                .features(List.of("x"))
                .targets(targets)
                .version("test")
                .build();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : RecurrentModel.expectedShapes(config).entrySet()) {
            tensors.put(
                    e.getKey(),
                    new Tensor(e.getKey(), e.getValue(), new float[(int) Tensor.elementCount(e.getValue())]));
        }
        return RecurrentModel.fromStateDict(config, tensors, "test");
    }

    /** A state with arrays of the given lengths, random float bits (NaNs included) and random longs. */
    static KeyState random(SplittableRandom random, int recurrent, int forecast, int anomaly) {
        long steps = random.nextInt(4) == 0 ? Long.MAX_VALUE : random.nextLong(0, Long.MAX_VALUE);
        long time = switch (random.nextInt(4)) {
            case 0 -> KeyState.NO_EVENT_TIME;
            case 1 -> Long.MAX_VALUE;
            default -> random.nextLong();
        };
        int input = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(5);
        return new KeyState(
                floats(random, recurrent),
                floats(random, forecast),
                steps,
                time,
                floats(random, anomaly),
                floats(random, input));
    }

    static float[] floats(SplittableRandom random, int length) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = switch (random.nextInt(8)) {
                case 0 -> Float.intBitsToFloat(NAN_BITS[random.nextInt(NAN_BITS.length)]);
                case 1 -> Float.intBitsToFloat(random.nextInt()); // any bit pattern
                default -> (float) random.nextGaussian();
            };
        }
        return values;
    }

    static byte[] serialize(KeyStateSerializer serializer, KeyState state) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(state, out);
        return out.getCopyOfBuffer();
    }

    static KeyState deserialize(KeyStateSerializer serializer, byte[] bytes) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        KeyState state = serializer.deserialize(in);
        if (in.available() != 0) {
            throw new AssertionError(in.available() + " trailing bytes after a key state");
        }
        return state;
    }

    /** The floats' raw bits, for assertions that must tell NaN payloads apart. */
    static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
