package io.streamcell.anomaly.nab;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;

/** NAB timestamps: {@code 2014-04-10 07:15:00} in data files, {@code 2014-04-10 07:15:00.000000} in labels. */
public final class NabTimestamps {
    private static final DateTimeFormatter FORMAT = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd")
            .optionalStart()
            .appendLiteral(' ')
            .optionalEnd()
            .optionalStart()
            .appendLiteral('T')
            .optionalEnd()
            .appendPattern("HH:mm:ss")
            .optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .optionalEnd()
            .toFormatter();

    private NabTimestamps() {}

    public static LocalDateTime parse(String text) {
        try {
            return LocalDateTime.parse(text.strip(), FORMAT);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "not a NAB timestamp (expected yyyy-MM-dd HH:mm:ss[.ffffff]): '" + text + "'", e);
        }
    }
}
