package io.streamcell.job;

import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.deadletter.DeadLetterRecord;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Passes readings on and turns records the source could not use into dead letters on a side
 * output, counting them by reason (metric group {@code streamcell.deadLetters.<reason>}).
 */
public class DeadLetterSplitter extends ProcessFunction<DecodedRecord, DecodedRecord> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetterRecord> DEAD_LETTERS =
            new OutputTag<>("source-dead-letters", TypeInformation.of(DeadLetterRecord.class));

    private transient MetricGroup deadLetterMetrics;
    private transient Map<String, Counter> byReason;

    @Override
    public void open(OpenContext openContext) {
        deadLetterMetrics =
                getRuntimeContext().getMetricGroup().addGroup("streamcell").addGroup("deadLetters");
        byReason = new HashMap<>();
    }

    @Override
    public void processElement(DecodedRecord record, Context ctx, Collector<DecodedRecord> out) {
        if (record.isReading()) {
            out.collect(record);
            return;
        }
        byReason.computeIfAbsent(record.reason, deadLetterMetrics::counter).inc();
        ctx.output(DEAD_LETTERS, record.toDeadLetter());
    }
}
