package io.streamcell.io.kafka;

import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Where the readings source starts when the job has no checkpoint or savepoint to resume from
 * (a restored job always continues from its checkpointed offsets). Spelled in configuration as:
 * <ul>
 *   <li>{@code committed} (the default): the consumer group's committed offsets, earliest where
 *       there are none;</li>
 *   <li>{@code earliest} / {@code latest}: the start / end of every partition;</li>
 *   <li>{@code timestamp:<epoch millis>}: the first record at or after that Kafka timestamp.</li>
 * </ul>
 */
public final class StartingOffsets {
    public static final String DEFAULT = "committed";

    private StartingOffsets() {}

    /** The initializer for one of the spellings above. */
    @SuppressWarnings("deprecation") // OffsetsInitializer (connector 5.0) still takes the deprecated enum.
    public static OffsetsInitializer parse(String spec) {
        String s = spec == null ? "" : spec.trim();
        switch (s) {
            case "committed":
                return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
            case "earliest":
                return OffsetsInitializer.earliest();
            case "latest":
                return OffsetsInitializer.latest();
            default:
                break;
        }
        if (s.startsWith("timestamp:")) {
            String millis = s.substring("timestamp:".length()).trim();
            try {
                long timestamp = Long.parseLong(millis);
                if (timestamp >= 0) {
                    return OffsetsInitializer.timestamp(timestamp);
                }
            } catch (NumberFormatException e) {
                // Reported below with the accepted spellings.
            }
        }
        throw new IllegalArgumentException("starting offsets '" + spec + "' not understood: use committed,"
                + " earliest, latest or timestamp:<epoch milliseconds, >= 0>");
    }
}
