package io.streamcell.core;

import io.streamcell.state.KeyState;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * In which order a key's readings are stepped, and which come too late to be stepped at all.
 *
 * <p>In event-time mode a reading waits until the watermark passes its event time; readings are
 * then stepped in event-time order (equal times in arrival order). A reading that arrives behind
 * the watermark can still go in order if everything earlier for its key has been stepped: it is
 * stepped if it is within the allowed lateness and not older than the key's last stepped reading,
 * and is late otherwise (a dead letter in the job). A reading that must wait while its key's
 * waiting readings are at their bound ({@link PendingLimits}) is not stepped either. In arrival
 * mode readings are stepped as they come, never late.
 *
 * @param eventTime whether readings wait for the watermark (event-time mode) or not (arrival mode)
 * @param maxOutOfOrderness how far the watermark trails the newest event time seen (used where the
 *     watermark is simulated, as in replay; the job's watermark strategy applies it in Flink)
 * @param allowedLateness how far behind the watermark a reading may still be stepped
 * @param pending how many readings one key may have waiting for the watermark ({@link #admits})
 */
public record EventOrdering(
        boolean eventTime, Duration maxOutOfOrderness, Duration allowedLateness, PendingLimits pending)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Arrival order: every reading is stepped as it comes. */
    public static final EventOrdering ARRIVAL = new EventOrdering(false, Duration.ZERO, Duration.ZERO);

    public EventOrdering {
        if (maxOutOfOrderness.isNegative() || allowedLateness.isNegative()) {
            throw new IllegalArgumentException("out-of-orderness and lateness must not be negative");
        }
        Objects.requireNonNull(pending, "pending");
    }

    /** With the default {@link PendingLimits}. */
    public EventOrdering(boolean eventTime, Duration maxOutOfOrderness, Duration allowedLateness) {
        this(eventTime, maxOutOfOrderness, allowedLateness, PendingLimits.DEFAULTS);
    }

    /** Whether a reading at {@code eventTime} must wait for the watermark before it is stepped. */
    public boolean waits(long eventTime, long watermark) {
        return this.eventTime && eventTime > watermark;
    }

    /**
     * Whether a reading that must wait ({@link #waits}) fits its key's buffer beside the
     * {@code waiting} readings of {@code waitingBytes} already there; one that does not is not
     * stepped ({@code buffer_full}). Readings that need not wait are never turned away.
     */
    public boolean admits(long waiting, long waitingBytes, long readingBytes) {
        return pending.admits(waiting, waitingBytes, readingBytes);
    }

    /**
     * Whether a reading that need not wait is late.
     *
     * @param lastStepped event time of the key's last stepped (or queued to be stepped) reading, or
     *     {@link KeyState#NO_EVENT_TIME}
     */
    public boolean isLate(long eventTime, long watermark, long lastStepped) {
        if (!this.eventTime) {
            return false;
        }
        return eventTime < watermark - allowedLateness.toMillis() || olderThan(eventTime, lastStepped);
    }

    /** Why a late reading is late, for its dead letter. */
    public String lateReason(long eventTime, long watermark, long lastStepped) {
        return olderThan(eventTime, lastStepped)
                ? "event time " + eventTime + " is older than the key's last stepped reading at " + lastStepped
                : "event time " + eventTime + " is behind the watermark " + watermark
                        + " by more than the allowed lateness";
    }

    /**
     * The watermark after readings up to {@code maxEventTime} were seen, as Flink's bounded
     * out-of-orderness strategy computes it.
     */
    public long watermarkAfter(long maxEventTime) {
        return maxEventTime == Long.MIN_VALUE ? Long.MIN_VALUE : maxEventTime - maxOutOfOrderness.toMillis() - 1;
    }

    private static boolean olderThan(long eventTime, long lastStepped) {
        return lastStepped != KeyState.NO_EVENT_TIME && eventTime < lastStepped;
    }
}
