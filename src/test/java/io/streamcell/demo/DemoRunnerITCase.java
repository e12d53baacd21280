package io.streamcell.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The embedded demo, shortened: broker, simulator, job and summary all run and shut down cleanly. */
class DemoRunnerITCase {
    @Test
    void demoPrintsForecastsAndDeadLettersAndEndsCleanly() throws Exception {
        StringWriter text = new StringWriter();
        DemoRunner demo = new DemoRunner(
                new DemoRunner.Settings(Duration.ofSeconds(12), 50, 400, 7, Duration.ofSeconds(4)),
                new PrintWriter(text, true));

        DemoSummary.Totals totals = demo.run(new CountDownLatch(1));

        assertThat(text.toString())
                .contains("Flink web UI on http://localhost:")
                .contains("forecasts")
                .contains("done:");
        assertThat(totals.forecasts()).isPositive();
        assertThat(totals.malformed()).isPositive();
        assertThat(totals.deadLettersByReason().keySet())
                .isSubsetOf("undecodable", "non_finite", "missing_feature", "missing_key");
        // every record is a forecast, a dead letter, or one of the last readings still held for the watermark
        assertThat(totals.forecasts() + totals.deadLetters()).isLessThanOrEqualTo(totals.sent());
        assertThat(totals.unaccounted()).isLessThanOrEqualTo(2L * 50);
        assertThat(totals.forecastMae()).isFinite();
    }
}
