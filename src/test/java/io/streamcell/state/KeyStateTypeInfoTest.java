package io.streamcell.state;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.junit.jupiter.api.Test;

class KeyStateTypeInfoTest {

    @Test
    void alwaysCreatesTheKeyStateSerializerEvenWhenKryoIsForced() {
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setForceKryo(true);

        assertThat(new KeyStateTypeInfo().createSerializer(config)).isSameAs(KeyStateSerializer.INSTANCE);
    }

    @Test
    void valueStateDescriptorsNeverFallBackToKryo() {
        Configuration configuration = new Configuration();
        configuration.set(PipelineOptions.GENERIC_TYPES, false); // a Kryo fallback would throw
        ExecutionConfig executionConfig = new ExecutionConfig(configuration);

        ValueStateDescriptor<KeyState> fromTypeInfo = new ValueStateDescriptor<>("key-state", new KeyStateTypeInfo());
        ValueStateDescriptor<KeyState> fromClass = new ValueStateDescriptor<>("key-state", KeyState.class);
        fromTypeInfo.initializeSerializerUnlessSet(executionConfig);
        fromClass.initializeSerializerUnlessSet(executionConfig);

        assertThat(fromTypeInfo.getSerializer()).isSameAs(KeyStateSerializer.INSTANCE);
        assertThat(fromClass.getSerializer()).isSameAs(KeyStateSerializer.INSTANCE);
    }

    @Test
    void typeExtractionFindsTheTypeInfoThroughTheAnnotation() {
        assertThat(TypeInformation.of(KeyState.class)).isEqualTo(new KeyStateTypeInfo());
    }

    @Test
    void describesAnOpaqueNonKeyType() {
        KeyStateTypeInfo info = new KeyStateTypeInfo();
        assertThat(info.getTypeClass()).isEqualTo(KeyState.class);
        assertThat(info.isKeyType()).isFalse();
        assertThat(info.isBasicType()).isFalse();
        assertThat(info.isTupleType()).isFalse();
        assertThat(info.getArity()).isEqualTo(1);
        assertThat(info.getTotalFields()).isEqualTo(1);
        assertThat(info).isEqualTo(new KeyStateTypeInfo()).hasSameHashCodeAs(new KeyStateTypeInfo());
        assertThat(info.canEqual(new KeyStateTypeInfo())).isTrue();
        assertThat(info.toString()).isEqualTo("KeyStateTypeInfo");
    }
}
