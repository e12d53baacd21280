package io.streamcell.anomaly.nab;

import java.time.LocalDateTime;
import java.util.Objects;

/**
 * One labelled anomaly window of a NAB data file: the rows whose timestamps lie in {@code [start, end]}
 * (both inclusive). In NAB both limits are timestamps of rows of the file.
 */
public record Window(LocalDateTime start, LocalDateTime end) {
    public Window {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        if (end.isBefore(start)) {
            throw new IllegalArgumentException("window ends (" + end + ") before it starts (" + start + ")");
        }
    }

    /** A window from two NAB timestamps such as {@code 2014-04-10 07:15:00.000000}. */
    public static Window of(String start, String end) {
        return new Window(NabTimestamps.parse(start), NabTimestamps.parse(end));
    }

    @Override
    public String toString() {
        return "[" + start + ", " + end + "]";
    }
}
