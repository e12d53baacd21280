package io.streamcell.io.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class StartingOffsetsTest {
    private static final TopicPartition PARTITION = new TopicPartition("readings", 0);

    /** Answers with a different offset per question, so a test can tell which was asked. */
    private static final OffsetsInitializer.PartitionOffsetsRetriever RETRIEVER =
            new OffsetsInitializer.PartitionOffsetsRetriever() {
                @Override
                public Map<TopicPartition, Long> committedOffsets(Collection<TopicPartition> partitions) {
                    return Map.of(PARTITION, 100L);
                }

                @Override
                public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
                    return Map.of(PARTITION, 900L);
                }

                @Override
                public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
                    return Map.of(PARTITION, 10L);
                }

                @Override
                public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> times) {
                    Map<TopicPartition, OffsetAndTimestamp> offsets = new HashMap<>();
                    times.forEach((p, t) -> offsets.put(p, new OffsetAndTimestamp(t / 1000, t)));
                    return offsets;
                }
            };

    private static long startOf(String spec) {
        return StartingOffsets.parse(spec)
                .getPartitionOffsets(List.of(PARTITION), RETRIEVER)
                .get(PARTITION);
    }

    @Test
    void shouldMapEachSpellingToItsStartingPoint() {
        assertThat(startOf("committed")).isEqualTo(KafkaPartitionSplit.COMMITTED_OFFSET);
        assertThat(StartingOffsets.parse(StartingOffsets.DEFAULT)
                        .getAutoOffsetResetStrategy()
                        .toString())
                .isEqualToIgnoringCase("earliest");
        assertThat(startOf("earliest")).isEqualTo(KafkaPartitionSplit.EARLIEST_OFFSET);
        assertThat(startOf(" latest ")).isEqualTo(900L); // resolved to the end offsets up front
        assertThat(startOf("timestamp:5000000")).isEqualTo(5000L);
    }

    @Test
    void shouldExplainSpellingsItDoesNotKnow() {
        for (String bad : new String[] {"", "newest", "timestamp:", "timestamp:-1", "timestamp:soon"}) {
            assertThatThrownBy(() -> StartingOffsets.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("use committed, earliest, latest or timestamp:");
        }
    }
}
