package io.streamcell.io.avro;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;

/**
 * Limits a reading must respect, or it becomes a dead letter ({@code oversized} or
 * {@code bad_timestamp}). Immutable; start from {@link #DEFAULTS} and change what you need:
 *
 * <pre>{@code
 * ReadingLimits limits = ReadingLimits.DEFAULTS.withMaxValues(100).withEventTimeWindow(from, until);
 * }</pre>
 *
 * @param maxValueBytes      largest accepted record value, in bytes. The default, 512 KiB, is half of
 *                           Kafka's default maximum message size, so a dead letter that carries the
 *                           original bytes still fits the dead-letter topic.
 * @param maxKeyBytes        largest accepted record key and reading key, in UTF-8 bytes (default 1 KiB)
 * @param maxValues          most entries accepted in a reading's {@code values} map (default 4096)
 * @param minEventTimeMillis earliest accepted {@code event_time}, inclusive (default 1970-01-01T00:00:00Z)
 * @param maxEventTimeMillis latest accepted {@code event_time}, exclusive (default 2200-01-01T00:00:00Z)
 * @param maxAheadOfClockMillis how far an {@code event_time} may be ahead of the decoder's clock (default
 *                           five minutes; {@link Long#MAX_VALUE} for no bound). A sensor whose clock runs
 *                           ahead would move its partition's watermark past every other sensor's
 *                           readings, which would then all be late (while the other partitions are idle,
 *                           one reading is enough); its readings are refused instead.
 */
public record ReadingLimits(
        int maxValueBytes,
        int maxKeyBytes,
        int maxValues,
        long minEventTimeMillis,
        long maxEventTimeMillis,
        long maxAheadOfClockMillis)
        implements Serializable {

    public static final int DEFAULT_MAX_VALUE_BYTES = 512 * 1024;
    public static final int DEFAULT_MAX_KEY_BYTES = 1024;
    public static final int DEFAULT_MAX_VALUES = 4096;
    public static final long DEFAULT_MIN_EVENT_TIME_MILLIS = 0L;
    public static final long DEFAULT_MAX_EVENT_TIME_MILLIS =
            Instant.parse("2200-01-01T00:00:00Z").toEpochMilli();

    public static final long DEFAULT_MAX_AHEAD_OF_CLOCK_MILLIS =
            Duration.ofMinutes(5).toMillis();

    public static final ReadingLimits DEFAULTS = new ReadingLimits(
            DEFAULT_MAX_VALUE_BYTES,
            DEFAULT_MAX_KEY_BYTES,
            DEFAULT_MAX_VALUES,
            DEFAULT_MIN_EVENT_TIME_MILLIS,
            DEFAULT_MAX_EVENT_TIME_MILLIS,
            DEFAULT_MAX_AHEAD_OF_CLOCK_MILLIS);

    public ReadingLimits {
        // A value shorter than the single-object header can never be a reading.
        if (maxValueBytes <= SingleObject.HEADER_LENGTH) {
            throw new IllegalArgumentException("maxValueBytes must be more than " + SingleObject.HEADER_LENGTH
                    + " (the single-object header), got " + maxValueBytes);
        }
        if (maxKeyBytes < 1) {
            throw new IllegalArgumentException("maxKeyBytes must be at least 1, got " + maxKeyBytes);
        }
        if (maxValues < 1) {
            throw new IllegalArgumentException("maxValues must be at least 1, got " + maxValues);
        }
        if (minEventTimeMillis >= maxEventTimeMillis) {
            throw new IllegalArgumentException("the event-time window is empty: min " + minEventTimeMillis
                    + " must be before max " + maxEventTimeMillis + " (epoch milliseconds)");
        }
        if (maxAheadOfClockMillis < 0) {
            throw new IllegalArgumentException(
                    "maxAheadOfClockMillis must not be negative, got " + maxAheadOfClockMillis);
        }
    }

    public ReadingLimits withMaxValueBytes(int bytes) {
        return new ReadingLimits(
                bytes, maxKeyBytes, maxValues, minEventTimeMillis, maxEventTimeMillis, maxAheadOfClockMillis);
    }

    public ReadingLimits withMaxKeyBytes(int bytes) {
        return new ReadingLimits(
                maxValueBytes, bytes, maxValues, minEventTimeMillis, maxEventTimeMillis, maxAheadOfClockMillis);
    }

    public ReadingLimits withMaxValues(int entries) {
        return new ReadingLimits(
                maxValueBytes, maxKeyBytes, entries, minEventTimeMillis, maxEventTimeMillis, maxAheadOfClockMillis);
    }

    /** Accept event times in {@code [from, until)}. */
    public ReadingLimits withEventTimeWindow(Instant from, Instant until) {
        return new ReadingLimits(
                maxValueBytes,
                maxKeyBytes,
                maxValues,
                from.toEpochMilli(),
                until.toEpochMilli(),
                maxAheadOfClockMillis);
    }

    /** Accept event times at most {@code ahead} past the clock; null for no bound. */
    public ReadingLimits withMaxAheadOfClock(Duration ahead) {
        return new ReadingLimits(
                maxValueBytes,
                maxKeyBytes,
                maxValues,
                minEventTimeMillis,
                maxEventTimeMillis,
                ahead == null ? Long.MAX_VALUE : ahead.toMillis());
    }

    /** Whether {@code millis} is more than {@link #maxAheadOfClockMillis} past {@code nowMillis}. */
    boolean aheadOfClock(long millis, long nowMillis) {
        return millis > nowMillis && millis - nowMillis > maxAheadOfClockMillis;
    }

    boolean acceptsEventTime(long millis) {
        return millis >= minEventTimeMillis && millis < maxEventTimeMillis;
    }
}
