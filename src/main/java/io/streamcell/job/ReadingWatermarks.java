package io.streamcell.job;

import io.streamcell.io.avro.DecodedRecord;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.eventtime.WatermarksWithIdleness;
import org.apache.flink.util.clock.RelativeClock;

/**
 * The watermarks of one readings partition, from its readings alone: the newest event time minus
 * the out-of-orderness bound, and idle (no longer holding the job's watermark back) after the idle
 * timeout without a reading.
 *
 * <p>Dead letters are invisible to it. They have no event time, and with Flink's own idleness they
 * would still count as activity: a partition that carries nothing but bad records (garbage from
 * one producer, a fleet still on an old schema) would never go idle and would hold the watermark
 * of the whole job back for as long as it lasts, while every key's readings waited for it.
 */
final class ReadingWatermarks implements WatermarkGenerator<DecodedRecord> {
    private final WatermarkGenerator<DecodedRecord> readings;

    ReadingWatermarks(Duration maxOutOfOrderness, Duration idleTimeout, RelativeClock clock) {
        this.readings = new WatermarksWithIdleness<>(
                new BoundedOutOfOrdernessWatermarks<>(maxOutOfOrderness), idleTimeout, clock);
    }

    /** The readings source's strategy: readings carry their event time, dead letters none that counts. */
    static WatermarkStrategy<DecodedRecord> strategy(Duration maxOutOfOrderness, Duration idleTimeout) {
        return WatermarkStrategy.<DecodedRecord>forGenerator(context ->
                        new ReadingWatermarks(maxOutOfOrderness, idleTimeout, context.getInputActivityClock()))
                .withTimestampAssigner(
                        (record, kafkaTimestamp) -> record.isReading() ? record.eventTime : Long.MIN_VALUE);
    }

    @Override
    public void onEvent(DecodedRecord record, long eventTimestamp, WatermarkOutput output) {
        if (record.isReading()) {
            readings.onEvent(record, eventTimestamp, output);
        }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        readings.onPeriodicEmit(output);
    }
}
