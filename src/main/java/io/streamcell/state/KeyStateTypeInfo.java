package io.streamcell.state;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Flink type information of {@link KeyState}: always {@link KeyStateSerializer#INSTANCE}, whatever
 * the serializer config (never Kryo, never a POJO serializer).
 *
 * <pre>{@code
 * ValueStateDescriptor<KeyState> descriptor = new ValueStateDescriptor<>("key-state", new KeyStateTypeInfo());
 * }</pre>
 * {@link KeyState} also carries {@code @TypeInfo(KeyStateTypeInfo.Factory.class)}, so
 * {@code TypeInformation.of(KeyState.class)} and descriptors built from the class resolve here too.
 */
public final class KeyStateTypeInfo extends TypeInformation<KeyState> {

    private static final long serialVersionUID = 1L;

    /** Used by Flink's type extraction through {@link KeyState}'s {@code @TypeInfo} annotation. */
    public static final class Factory extends TypeInfoFactory<KeyState> {
        @Override
        public TypeInformation<KeyState> createTypeInfo(Type type, Map<String, TypeInformation<?>> genericParameters) {
            return new KeyStateTypeInfo();
        }
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<KeyState> getTypeClass() {
        return KeyState.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<KeyState> createSerializer(SerializerConfig config) {
        return KeyStateSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "KeyStateTypeInfo";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KeyStateTypeInfo;
    }

    @Override
    public int hashCode() {
        return KeyStateTypeInfo.class.getName().hashCode();
    }

    @Override
    public boolean canEqual(Object other) {
        return other instanceof KeyStateTypeInfo;
    }
}
