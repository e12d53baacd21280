package io.streamcell.cli;

import io.streamcell.io.csv.ReadingsCsvReader;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The period of train's seasonal-naive baseline when {@code --season} is not given: a day in steps,
 * from the typical spacing of a key's timestamps (288 for 5-minute readings), or a week for daily
 * data.
 *
 * @param steps the period in steps (1: no season, the baseline is then the naive one)
 * @param explanation how it was found, for the options line
 */
record SeasonalPeriod(int steps, String explanation) {
    private static final long DAY = Duration.ofDays(1).toMillis();
    private static final long WEEK = Duration.ofDays(7).toMillis();

    /** From the median spacing of consecutive readings of the same key in a readings CSV. */
    static SeasonalPeriod fromTimestamps(Path readingsCsv) throws IOException {
        Map<String, Long> last = new HashMap<>();
        long[] gaps = new long[1024];
        int count = 0;
        try (ReadingsCsvReader reader = ReadingsCsvReader.open(readingsCsv, List.of())) {
            for (ReadingsCsvReader.Row row = reader.next(); row != null; row = reader.next()) {
                Long previous = last.put(row.key(), row.epochMillis());
                if (previous != null && row.epochMillis() > previous) {
                    if (count == gaps.length) {
                        gaps = Arrays.copyOf(gaps, count * 2);
                    }
                    gaps[count++] = row.epochMillis() - previous;
                }
            }
        }
        if (count == 0) {
            return new SeasonalPeriod(24, "24 steps: the timestamps do not move forward within a key");
        }
        Arrays.sort(gaps, 0, count);
        return fromSpacing(gaps[count / 2]);
    }

    /** A day (or, for steps of half a day or more, a week) in steps of {@code spacingMillis}. */
    static SeasonalPeriod fromSpacing(long spacingMillis) {
        String step = describe(spacingMillis);
        if (spacingMillis * 2 <= DAY) {
            return new SeasonalPeriod(
                    (int) Math.round((double) DAY / spacingMillis), "a day of " + step + " steps, from the timestamps");
        }
        if (spacingMillis * 2 <= WEEK) {
            return new SeasonalPeriod(
                    (int) Math.round((double) WEEK / spacingMillis),
                    "a week of " + step + " steps, from the timestamps");
        }
        return new SeasonalPeriod(1, "none: " + step + " steps are too far apart for a daily or weekly season");
    }

    private static String describe(long millis) {
        Duration d = Duration.ofMillis(millis);
        if (millis % DAY == 0) {
            return d.toDays() + "-day";
        }
        if (millis % 3_600_000 == 0) {
            return d.toHours() + "-hour";
        }
        if (millis % 60_000 == 0) {
            return d.toMinutes() + "-minute";
        }
        if (millis % 1000 == 0) {
            return d.toSeconds() + "-second";
        }
        return millis + "-millisecond";
    }
}
