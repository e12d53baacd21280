package io.streamcell.io.deadletter;

import java.util.Locale;

/**
 * Why an input record went to the dead-letter topic. The {@link #wireName()} is what the
 * {@code reason} field of an Avro {@code DeadLetter} carries; schemas/README.md documents each one.
 * The set can grow: consumers of dead letters must accept names they do not know.
 */
public enum DeadLetterReason {
    /** Not Avro single-object encoding, a truncated or corrupt body, or no value at all. */
    UNDECODABLE,
    /** Single-object encoding, but the schema fingerprint is neither the current schema nor a registered older one. */
    UNKNOWN_SCHEMA,
    /** The reading's {@code key} is empty. */
    MISSING_KEY,
    /** A model feature is NaN or infinite, or a finite double too large for float32. */
    NON_FINITE,
    /** A model feature is absent from the reading's {@code values}. */
    MISSING_FEATURE,
    /** {@code event_time} is outside the configured window. */
    BAD_TIMESTAMP,
    /** The record's value or key bytes, the reading's key, or its number of values exceed the configured limits. */
    OVERSIZED,
    /**
     * A valid reading the forecast operator could not step in order: more than the allowed lateness
     * behind the watermark, or older than the key's last stepped reading (event-time ordering).
     */
    LATE,
    /**
     * A {@code ModelUpdate} from the models topic that the job could not use (not decodable,
     * malformed, unreadable, a checksum mismatch, or incompatible with the running job); the old
     * model keeps serving.
     */
    INVALID_MODEL,
    /**
     * A valid reading that had to wait for the watermark (event-time ordering) while its key already
     * had the most readings, or bytes, allowed to wait ({@code ordering.max-buffered-readings},
     * {@code ordering.max-buffered-bytes}).
     */
    BUFFER_FULL;

    /** The lower-case name written to the {@code reason} field, e.g. {@code "unknown_schema"}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
