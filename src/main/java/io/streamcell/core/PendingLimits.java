package io.streamcell.core;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * How many readings one key may have waiting for the watermark (event-time mode), by count and by
 * bytes. A reading that would go over either bound is not buffered: the job sends it to the dead
 * letters with reason {@code buffer_full}, and replay reports it the same way. The bound holds
 * whatever the watermark does, so a watermark held back (a silent partition inside its idle
 * timeout, a lagging one) costs dead letters, never unbounded state.
 *
 * <p>The bytes of a reading are {@link #readingBytes}: an estimate of what it takes in state, the
 * same in the job and in replay, so that both turn away the same readings.
 *
 * @param maxReadings readings one key may have waiting, at least 1
 * @param maxBytes estimated bytes one key's waiting readings may take, at least one reading's
 */
public record PendingLimits(int maxReadings, long maxBytes) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Fixed cost of a waiting reading besides its key and features (event time, fields, framing). */
    public static final int READING_OVERHEAD_BYTES = 64;

    public static final int DEFAULT_MAX_READINGS = 10_000;
    public static final long DEFAULT_MAX_BYTES = 4L << 20;

    public static final PendingLimits DEFAULTS = new PendingLimits(DEFAULT_MAX_READINGS, DEFAULT_MAX_BYTES);

    public PendingLimits {
        if (maxReadings < 1) {
            throw new IllegalArgumentException("at least one reading must be allowed to wait, got " + maxReadings);
        }
        if (maxBytes < READING_OVERHEAD_BYTES) {
            throw new IllegalArgumentException("the bytes allowed to wait must hold one reading ("
                    + READING_OVERHEAD_BYTES + "), got " + maxBytes);
        }
    }

    /** The bytes a waiting reading of {@code key} with {@code features} values is counted for. */
    public static long readingBytes(String key, int features) {
        return READING_OVERHEAD_BYTES + (long) key.getBytes(StandardCharsets.UTF_8).length + 4L * features;
    }

    /**
     * Whether one more reading of {@code readingBytes} fits beside {@code waiting} readings of
     * {@code waitingBytes} in all.
     */
    public boolean admits(long waiting, long waitingBytes, long readingBytes) {
        return waiting + 1 <= maxReadings && waitingBytes + readingBytes <= maxBytes;
    }

    /** Why a reading was turned away, for its dead letter. */
    public String fullReason(long waiting, long waitingBytes) {
        return "the key already has " + waiting + " readings (" + waitingBytes + " bytes) waiting for the watermark,"
                + " the most allowed (ordering.max-buffered-readings " + maxReadings + ", ordering.max-buffered-bytes "
                + maxBytes + ")";
    }
}
