package io.streamcell.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;

/** The builder's checks and the not-started state; the broker itself is exercised by {@link EmbeddedKafkaITCase}. */
class EmbeddedKafkaTest {

    @Test
    void shouldRejectPropertiesThatDefineTheNodeLayout() {
        for (String reserved : EmbeddedKafka.RESERVED_PROPERTIES) {
            assertThatThrownBy(() -> EmbeddedKafka.builder().brokerProperty(reserved, "x"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(reserved)
                    .hasMessageContaining("listener(name, protocol)");
        }
    }

    @Test
    void shouldRejectTheControllerListenerNameAndDuplicates() {
        assertThatThrownBy(() -> EmbeddedKafka.builder().listener("controller", SecurityProtocol.PLAINTEXT))
                .hasMessageContaining("reserved for the KRaft controller");
        assertThatThrownBy(() -> EmbeddedKafka.builder()
                        .listener("EXTERNAL", SecurityProtocol.PLAINTEXT)
                        .listener("external", SecurityProtocol.SSL))
                .hasMessageContaining("declared twice");
        assertThatThrownBy(() -> EmbeddedKafka.builder().listener("bad-name", SecurityProtocol.PLAINTEXT))
                .hasMessageContaining("letters, digits and '_'");
    }

    @Test
    void shouldRejectBootstrapServersAsAClientProperty() {
        assertThatThrownBy(() -> EmbeddedKafka.builder().clientProperty("bootstrap.servers", "localhost:9092"))
                .hasMessageContaining("set by EmbeddedKafka");
    }

    @Test
    void shouldExplainThatANewInstanceIsNotRunning() {
        EmbeddedKafka kafka = EmbeddedKafka.builder()
                .brokerProperties(Map.of("num.io.threads", "2"))
                .build();

        assertThat(kafka.isRunning()).isFalse();
        assertThatThrownBy(kafka::bootstrapServers).hasMessageContaining("call start() first");
        kafka.close();
    }
}
