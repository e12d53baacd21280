package io.streamcell.online;

import java.util.Arrays;

/**
 * The inputs φ_t of the online readout, built from a normalised multivariate series up to and
 * including row t (nothing later), for forecasting rows t+1..t+H as changes from row t:
 * <ol>
 *   <li>the current level of every column, squashed: {@code s(z_t)};
 *   <li>the recent and seasonal shape: {@code s(z_{t-l} - z_t)} for each lag l ({@link #lagsFor});
 *   <li>calendar terms of the next row's time (when the series has one): sine and cosine of the
 *       time of day (two harmonics) and of the time of week;
 *   <li>the recurrent model's top hidden state after row t (when there is one);
 *   <li>a constant 1.
 * </ol>
 * {@code s(x) = sign(x)·ln(1 + |x|)} keeps the scale of ordinary values (about linear within ±1)
 * while a sensor that jumps to 50 standard deviations cannot dominate the least-squares fit;
 * levels and differences are squashed separately so both stay informative after a level shift.
 */
public final class ReadoutFeatures {
    static final long DAY_MILLIS = 86_400_000L;
    static final int CALENDAR_TERMS = 6;

    private final int columns;
    private final int[] lags;
    private final boolean calendar;
    private final int hidden;

    /**
     * @param lags row offsets into the past, each ≥ 1
     * @param calendar whether to add the calendar terms (the series has a time column)
     * @param hidden size of the recurrent state appended (0: none)
     */
    public ReadoutFeatures(int columns, int[] lags, boolean calendar, int hidden) {
        this.columns = columns;
        this.lags = lags.clone();
        this.calendar = calendar;
        this.hidden = hidden;
    }

    /**
     * The lags for a series sampled every {@code intervalMillis}: the last three rows, and when a
     * day is a whole number of rows P (2 ≤ P ≤ 1440) the same time yesterday and the row after it
     * (offsets P and P-1); otherwise the last five rows.
     */
    public static int[] lagsFor(long intervalMillis) {
        if (intervalMillis > 0 && DAY_MILLIS % intervalMillis == 0) {
            long period = DAY_MILLIS / intervalMillis;
            if (period >= 5 && period <= 1440) {
                return new int[] {1, 2, 3, (int) period - 1, (int) period};
            }
        }
        return new int[] {1, 2, 3, 4, 5};
    }

    public int size() {
        return columns * (1 + lags.length) + (calendar ? CALENDAR_TERMS : 0) + hidden + 1;
    }

    public int[] lags() {
        return lags.clone();
    }

    /** The largest lag: rows before it reuse row 0 for the missing past. */
    public int history() {
        return Arrays.stream(lags).max().orElse(0);
    }

    /**
     * Writes φ_t to {@code phi}.
     *
     * @param z the normalised series, {@code z[row][column]}
     * @param nextTime epoch milliseconds of row t+1 (ignored without calendar terms)
     * @param hiddenState the recurrent state after row t, {@code hidden} values from {@code hiddenOffset}
     */
    public void build(double[][] z, int t, long nextTime, float[] hiddenState, int hiddenOffset, double[] phi) {
        int p = 0;
        double[] now = z[t];
        for (int c = 0; c < columns; c++) {
            phi[p++] = squash(now[c]);
        }
        for (int lag : lags) {
            double[] past = z[Math.max(0, t - lag)];
            for (int c = 0; c < columns; c++) {
                phi[p++] = squash(past[c] - now[c]);
            }
        }
        if (calendar) {
            p = calendarTerms(nextTime, phi, p);
        }
        for (int i = 0; i < hidden; i++) {
            phi[p++] = hiddenState[hiddenOffset + i];
        }
        phi[p] = 1;
    }

    /** Writes the {@value #CALENDAR_TERMS} calendar terms of {@code epochMillis} (UTC) at {@code p}. */
    static int calendarTerms(long epochMillis, double[] out, int p) {
        double dayFraction = Math.floorMod(epochMillis, DAY_MILLIS) / (double) DAY_MILLIS;
        long days = Math.floorDiv(epochMillis, DAY_MILLIS);
        double weekFraction = (Math.floorMod(days + 3, 7) + dayFraction) / 7; // 1970-01-01 was a Thursday: Monday = 0
        double a = 2 * Math.PI * dayFraction;
        double b = 2 * Math.PI * weekFraction;
        out[p++] = Math.sin(a);
        out[p++] = Math.cos(a);
        out[p++] = Math.sin(2 * a);
        out[p++] = Math.cos(2 * a);
        out[p++] = Math.sin(b);
        out[p++] = Math.cos(b);
        return p;
    }

    static double squash(double x) {
        return Math.copySign(Math.log1p(Math.abs(x)), x);
    }
}
