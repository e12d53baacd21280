package io.streamcell.core;

import io.streamcell.model.ForecastSpec;
import java.time.Instant;
import java.time.zone.ZoneRules;

/**
 * The calendar terms of an event time: sine and cosine of the first harmonics of the time of day
 * and of the time of week (Monday 00:00 is 0), in local time of a zone, so that a daily or weekly
 * pattern is a linear function of them. Immutable and thread-safe.
 */
public final class CalendarTerms {
    private static final long DAY_MILLIS = 86_400_000L;

    private final int dayHarmonics;
    private final int weekHarmonics;
    private final ZoneRules zone;
    private final long fixedOffsetMillis; // Long.MIN_VALUE: the zone has transitions

    public CalendarTerms(ForecastSpec.Calendar calendar) {
        this.dayHarmonics = calendar.dayHarmonics();
        this.weekHarmonics = calendar.weekHarmonics();
        this.zone = calendar.zone().getRules();
        this.fixedOffsetMillis =
                zone.isFixedOffset() ? zone.getOffset(Instant.EPOCH).getTotalSeconds() * 1000L : Long.MIN_VALUE;
    }

    /** How many terms {@link #write} writes. */
    public int size() {
        return 2 * (dayHarmonics + weekHarmonics);
    }

    /** Writes the terms of {@code epochMillis} to {@code terms} from {@code offset}. */
    public void write(long epochMillis, double[] terms, int offset) {
        long zoneOffset = fixedOffsetMillis != Long.MIN_VALUE
                ? fixedOffsetMillis
                : zone.getOffset(Instant.ofEpochMilli(epochMillis)).getTotalSeconds() * 1000L;
        long local = epochMillis + zoneOffset;
        double day = Math.floorMod(local, DAY_MILLIS) / (double) DAY_MILLIS;
        long days = Math.floorDiv(local, DAY_MILLIS);
        double week = (Math.floorMod(days + 3, 7) + day) / 7; // 1970-01-01 was a Thursday
        int p = offset;
        for (int h = 1; h <= dayHarmonics; h++) {
            terms[p++] = Math.sin(2 * Math.PI * h * day);
            terms[p++] = Math.cos(2 * Math.PI * h * day);
        }
        for (int h = 1; h <= weekHarmonics; h++) {
            terms[p++] = Math.sin(2 * Math.PI * h * week);
            terms[p++] = Math.cos(2 * Math.PI * h * week);
        }
    }
}
