package io.streamcell.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.streamcell.online.OnlineForecastProtocol.Recipe;
import io.streamcell.online.OnlineForecastProtocol.Result;
import io.streamcell.online.OnlineForecastProtocol.Split;
import io.streamcell.train.TrainingListener;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class OnlineForecastProtocolTest {
    private static final long HOUR = 3_600_000L;
    private static final Recipe SMALL = new Recipe(8, 3, 48, 8, 0.01, 7, 0.999, 1.0);

    /** Two hourly columns with a daily cycle, a shared AR(1) disturbance and noise. */
    static MultivariateTable hourly(int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] times = new long[rows];
        double[][] values = new double[rows][2];
        double ar = 0;
        for (int t = 0; t < rows; t++) {
            times[t] = 1_700_000_000_000L / HOUR * HOUR + t * HOUR;
            ar = 0.8 * ar + random.nextGaussian();
            double day = Math.sin(2 * Math.PI * t / 24);
            values[t][0] = 10 + 5 * day + ar + 0.1 * random.nextGaussian();
            values[t][1] = -3 + 2 * Math.cos(2 * Math.PI * t / 24) - 0.5 * ar + 0.1 * random.nextGaussian();
        }
        return new MultivariateTable(List.of("a", "b"), times, values);
    }

    @Test
    void beatsTheNaiveForecastOnASeasonalSeriesAndCountsEverySample() {
        Result result = OnlineForecastProtocol.run(
                hourly(1400, 1), new Split(600, 200, 600), 1, false, SMALL, TrainingListener.NONE);
        assertThat(result.test().samples()).isEqualTo(600);
        assertThat(result.validation().samples()).isEqualTo(200);
        assertThat(result.naiveTest().samples()).isEqualTo(600);
        assertThat(result.test().mse()).isLessThan(0.75 * result.naiveTest().mse());
        assertThat(result.readoutInputs()).isEqualTo(2 * (1 + 5) + 6 + 8 + 1);

        Result longer = OnlineForecastProtocol.run(
                hourly(1400, 1), new Split(600, 200, 600), 24, false, SMALL, TrainingListener.NONE);
        assertThat(longer.test().samples()).isEqualTo(600 - 24 + 1);
    }

    /** Many columns of AR(0.95) noise on a daily wave, 10-minute rows: the last value is nearly optimal. */
    static MultivariateTable wideAutoregressive(int rows, int columns, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] times = new long[rows];
        double[][] values = new double[rows][columns];
        double[] state = new double[columns];
        for (int t = 0; t < rows; t++) {
            times[t] = 1_600_000_000_000L / HOUR * HOUR + t * 600_000L;
            for (int c = 0; c < columns; c++) {
                double u1 = 1 - random.nextDouble();
                double gaussian = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random.nextDouble());
                state[c] = 0.95 * state[c] + gaussian;
                values[t][c] = state[c] + c * Math.sin(2 * Math.PI * t / 144);
            }
        }
        List<String> names = IntStream.range(0, columns).mapToObj(c -> "c" + c).toList();
        return new MultivariateTable(names, times, values);
    }

    @Test
    void aWideSeriesDoesNotFitNoiseBeyondTheNaiveForecast() {
        // 21 columns: 21·6 + 6 + 8 + 1 = 141 readout inputs; with the recipe's 1000-sample memory the
        // readout's excess error exceeded what it could gain here, so its memory grows with its inputs
        MultivariateTable table = wideAutoregressive(9000, 21, 11);
        Result result =
                OnlineForecastProtocol.run(table, new Split(2500, 500, 6000), 1, false, SMALL, TrainingListener.NONE);
        assertThat(result.readoutInputs()).isEqualTo(141);
        assertThat(OnlineForecastProtocol.forgetting(SMALL, 141)).isEqualTo(1 - 1 / 1410.0);
        assertThat(OnlineForecastProtocol.forgetting(SMALL, 50)).isEqualTo(0.999);
        assertThat(result.test().mse()).isLessThan(result.naiveTest().mse());
    }

    @Test
    void aNoiselessLinearRecurrenceIsLearnedExactlyByTheReadoutAlone() {
        int rows = 900;
        double[][] values = new double[rows][1];
        values[0][0] = 1;
        values[1][0] = 0.5;
        for (int t = 2; t < rows; t++) { // a damped-free oscillation: x_t = 1.6 x_{t-1} - x_{t-2}
            values[t][0] = 1.6 * values[t - 1][0] - values[t - 2][0];
        }
        MultivariateTable table = new MultivariateTable(List.of("x"), null, values);
        Result result = OnlineForecastProtocol.run(
                table, new Split(300, 100, 500), 1, false, SMALL.withHidden(0), TrainingListener.NONE);
        // The change x_{t+1} - x_t is linear in x_t and x_{t-1} - x_t (lag 1 is a feature): nearly exact
        // despite the squashing, which is close to linear for small values.
        assertThat(result.test().mse()).isLessThan(1e-2 * result.naiveTest().mse());
    }

    @Test
    void validationScoresDoNotDependOnTestRows() {
        MultivariateTable table = hourly(1000, 2);
        Result before =
                OnlineForecastProtocol.run(table, new Split(500, 200, 300), 3, false, SMALL, TrainingListener.NONE);
        for (int t = 700; t < 1000; t++) {
            table.values()[t][0] = 1e6 * Math.sin(t); // the test rows change beyond recognition
        }
        Result after =
                OnlineForecastProtocol.run(table, new Split(500, 200, 300), 3, false, SMALL, TrainingListener.NONE);
        assertThat(after.validation()).isEqualTo(before.validation());
        assertThat(after.test()).isNotEqualTo(before.test());
    }

    @Test
    void delayedFeedbackEqualsImmediateAtHorizonOneAndLagsBehindItLonger() {
        MultivariateTable table = hourly(1200, 3);
        Split split = new Split(500, 200, 500);
        Result immediate = OnlineForecastProtocol.run(table, split, 1, false, SMALL, TrainingListener.NONE);
        Result delayed = OnlineForecastProtocol.run(table, split, 1, true, SMALL, TrainingListener.NONE);
        assertThat(delayed.test()).isEqualTo(immediate.test()); // at H=1 "delayed" is the next row: the same updates

        Result immediate12 = OnlineForecastProtocol.run(table, split, 12, false, SMALL, TrainingListener.NONE);
        Result delayed12 = OnlineForecastProtocol.run(table, split, 12, true, SMALL, TrainingListener.NONE);
        assertThat(delayed12.test().samples()).isEqualTo(immediate12.test().samples());
        assertThat(delayed12.test().mse()).isNotEqualTo(immediate12.test().mse());
    }

    @Test
    void isReproducible() {
        MultivariateTable table = hourly(900, 4);
        Split split = new Split(400, 150, 350);
        assertThat(OnlineForecastProtocol.run(table, split, 2, false, SMALL, TrainingListener.NONE))
                .usingRecursiveComparison()
                .ignoringFields("trainingSeconds", "streamSeconds")
                .isEqualTo(OnlineForecastProtocol.run(table, split, 2, false, SMALL, TrainingListener.NONE));
    }

    @Test
    void rejectsSplitsTheFileOrHorizonCannotHold() {
        MultivariateTable table = hourly(300, 5);
        assertThatThrownBy(() -> OnlineForecastProtocol.run(
                        table, new Split(200, 100, 100), 1, false, SMALL, TrainingListener.NONE))
                .hasMessageContaining("needs 400 rows, the file has 300");
        assertThatThrownBy(() -> OnlineForecastProtocol.run(
                        table, new Split(100, 10, 100), 24, false, SMALL, TrainingListener.NONE))
                .hasMessageContaining("longer than the horizon");
        assertThatThrownBy(() -> new Split(0, 1, 1)).hasMessageContaining("three positive");
    }

    @Test
    void lagsFollowTheDailySeasonWhenADayIsAWholeNumberOfRows() {
        assertThat(ReadoutFeatures.lagsFor(HOUR)).containsExactly(1, 2, 3, 23, 24);
        assertThat(ReadoutFeatures.lagsFor(15 * 60_000L)).containsExactly(1, 2, 3, 95, 96);
        assertThat(ReadoutFeatures.lagsFor(7 * 60_000L)).containsExactly(1, 2, 3, 4, 5);
        assertThat(ReadoutFeatures.lagsFor(0)).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void calendarTermsPlaceMondayMidnightAtTheStartOfTheWeek() {
        double[] terms = new double[6];
        long monday = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
        ReadoutFeatures.calendarTerms(monday, terms, 0);
        assertThat(terms).containsExactly(new double[] {0, 1, 0, 1, 0, 1}, within(1e-12));
        ReadoutFeatures.calendarTerms(monday + 6 * HOUR, terms, 0); // a quarter of the day
        assertThat(terms[0]).isCloseTo(1, within(1e-12));
    }
}
