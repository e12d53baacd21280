package io.streamcell.job;

import io.streamcell.anomaly.AnomalyDetector;
import io.streamcell.anomaly.ChannelDetector;
import io.streamcell.core.KeyStepper;
import io.streamcell.io.avro.AnomalyAlertRecord;
import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.deadletter.DeadLetterReason;
import io.streamcell.io.deadletter.DeadLetterRecord;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.OutputTag;

/**
 * What the forecast operator emits for a stepped or a late reading, shared by both stepping modes
 * so that their records cannot drift apart.
 */
final class ForecastOutputs {
    /** Alerts raised by the per-key alert policy. */
    static final OutputTag<AnomalyAlertRecord> ALERTS =
            new OutputTag<>("anomaly-alerts", TypeInformation.of(AnomalyAlertRecord.class));

    /** Readings that could not be stepped (late ones, or their key's buffer full), as dead letters. */
    static final OutputTag<DeadLetterRecord> DEAD_LETTERS =
            new OutputTag<>("forecast-dead-letters", TypeInformation.of(DeadLetterRecord.class));

    private ForecastOutputs() {}

    static ForecastRecord forecast(DecodedRecord reading, KeyStepper.Outcome outcome, String modelVersion) {
        return new ForecastRecord(
                reading.key,
                reading.eventTime,
                outcome.forecast(),
                modelVersion,
                outcome.step(),
                outcome.score() == null ? null : outcome.score().anomalyScore());
    }

    /** The alert the outcome raises, or null; {@code targets} are the model's target names. */
    static AnomalyAlertRecord alert(
            DecodedRecord reading, KeyStepper.Outcome outcome, List<String> targets, String modelVersion) {
        if (outcome.alert() == null) {
            return null;
        }
        AnomalyDetector.Score score = outcome.score();
        ChannelDetector.Result detail = score.detail();
        return new AnomalyAlertRecord(
                        reading.key,
                        reading.eventTime,
                        outcome.observed(),
                        outcome.expected(),
                        score.anomalyScore(),
                        (float) score.likelihood(),
                        outcome.alert().label(),
                        modelVersion)
                .withDetail(
                        score.channel() == null ? null : score.channel().label(),
                        score.target() < 0 ? null : targets.get(score.target()),
                        new float[] {(float) detail.modelError(), (float) detail.novelty(), (float) detail.range()},
                        (float) detail.normalisedError());
    }

    /** A late reading's dead letter, saying why it is late; {@code features} name its values. */
    static DeadLetterRecord late(DecodedRecord reading, String reason, List<String> features) {
        return reading.asDeadLetter(DeadLetterReason.LATE, reason, System.currentTimeMillis(), features);
    }

    /** The dead letter of a reading its key had no room to buffer, saying why. */
    static DeadLetterRecord bufferFull(DecodedRecord reading, String reason, List<String> features) {
        return reading.asDeadLetter(DeadLetterReason.BUFFER_FULL, reason, System.currentTimeMillis(), features);
    }
}
