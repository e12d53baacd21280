package io.streamcell.job;

import io.streamcell.io.avro.DecodedRecord;
import io.streamcell.io.avro.ForecastRecord;
import io.streamcell.io.avro.ModelUpdateMessage;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;

/**
 * Flink's keyed two-input harness around the forecast operator as the job wires it: readings
 * keyed on input 1, model updates broadcast on input 2, whose watermark is at the end of time (as
 * the job's models source), so that event time follows the readings alone.
 */
final class ForecastHarness
        extends KeyedTwoInputStreamOperatorTestHarness<String, DecodedRecord, ModelUpdateMessage, ForecastRecord> {

    private ForecastHarness(
            TwoInputStreamOperator<DecodedRecord, ModelUpdateMessage, ForecastRecord> operator,
            int parallelism,
            int subtask)
            throws Exception {
        super(operator, (DecodedRecord r) -> r.key, null, Types.STRING, 128, parallelism, subtask);
    }

    private ForecastHarness(TwoInputStreamOperator<DecodedRecord, ModelUpdateMessage, ForecastRecord> operator)
            throws Exception {
        this(operator, 1, 0);
    }

    /** The operator stepping per event, as the job wires it (always two-input). */
    static ForecastHarness perEvent(ForecastOperator operator, OperatorSubtaskState restore) throws Exception {
        return open(new ForecastHarness(operator), restore);
    }

    /** Parallel instance {@code subtask} of {@code parallelism}, stepping per event. */
    static ForecastHarness perEvent(
            ForecastOperator operator, OperatorSubtaskState restore, int parallelism, int subtask) throws Exception {
        return open(new ForecastHarness(operator, parallelism, subtask), restore);
    }

    /** The operator stepping bundles, with hot-swap on (two-input). */
    static ForecastHarness bundled(ForecastOperator operator, OperatorSubtaskState restore) throws Exception {
        return open(new ForecastHarness(operator), restore);
    }

    private static ForecastHarness open(ForecastHarness harness, OperatorSubtaskState restore) throws Exception {
        if (restore != null) {
            harness.initializeState(restore);
        }
        harness.open();
        harness.processWatermark2(new Watermark(Long.MAX_VALUE));
        return harness;
    }

    void processElement(StreamRecord<DecodedRecord> reading) throws Exception {
        processElement1(reading);
    }

    void processWatermark(Watermark mark) throws Exception {
        processWatermark1(mark);
    }

    /** The end of the readings (input 1), as the runtime signals it to a bounded two-input operator. */
    void endInput() throws Exception {
        if (getOperator() instanceof BoundedMultiInput bounded) {
            bounded.endInput(1);
        }
    }

    /** A model update (the bytes of an Avro ModelUpdate), on the broadcast input. */
    void processModelUpdate(byte[] value, long offset) throws Exception {
        processElement2(new StreamRecord<>(new ModelUpdateMessage("models", 0, offset, 0L, null, value)));
    }
}
