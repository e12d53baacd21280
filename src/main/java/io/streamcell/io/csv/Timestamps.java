package io.streamcell.io.csv;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** Parses the timestamp column of a readings CSV: epoch milliseconds or ISO-8601. */
public final class Timestamps {
    static final int MAX_SHOWN_CHARS = 60;

    private Timestamps() {}

    /**
     * Epoch milliseconds for {@code text}: an integer is epoch milliseconds; otherwise ISO-8601 with
     * an offset ({@code 2024-01-01T00:00:00Z}, {@code ...+02:00}), or without one (read as UTC), or a
     * date alone (midnight UTC). A space may stand for the {@code T}.
     *
     * @throws IllegalArgumentException if the text is none of these
     */
    public static long parseEpochMillis(String text) {
        String value = text.trim();
        if (!value.isEmpty() && isInteger(value)) {
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("timestamp '" + abbreviate(text) + "' is out of range", e);
            }
        }
        String iso = value.length() > 10 && value.charAt(10) == ' '
                ? value.substring(0, 10) + 'T' + value.substring(11)
                : value;
        try {
            return OffsetDateTime.parse(iso).toInstant().toEpochMilli();
        } catch (DateTimeParseException withoutOffset) {
            try {
                return LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC).toEpochMilli();
            } catch (DateTimeParseException notDateTime) {
                try {
                    return LocalDate.parse(iso)
                            .atStartOfDay()
                            .toInstant(ZoneOffset.UTC)
                            .toEpochMilli();
                } catch (DateTimeParseException notDate) {
                    throw new IllegalArgumentException("timestamp '" + abbreviate(text)
                            + "' is neither epoch milliseconds nor ISO-8601 (e.g. " + Instant.EPOCH + ")");
                }
            }
        }
    }

    /** Cell text for an error message: at most {@value #MAX_SHOWN_CHARS} chars, longer text cut with "...". */
    static String abbreviate(String text) {
        return text.length() <= MAX_SHOWN_CHARS ? text : text.substring(0, MAX_SHOWN_CHARS - 3) + "...";
    }

    private static boolean isInteger(String value) {
        int start = value.charAt(0) == '-' ? 1 : 0;
        if (start == value.length()) {
            return false;
        }
        for (int i = start; i < value.length(); i++) {
            if (!Character.isDigit(value.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
