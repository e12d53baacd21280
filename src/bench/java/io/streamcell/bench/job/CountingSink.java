package io.streamcell.bench.job;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A discarding sink that counts what reaches it, in a JVM-wide counter per run name: the
 * benchmark reads the counter while the job runs on the MiniCluster in the same JVM, so steady-state
 * throughput is measured between two readings, without the job's start-up and shut-down.
 */
public final class CountingSink<T> implements Sink<T> {
    private static final long serialVersionUID = 1L;
    private static final ConcurrentHashMap<String, LongAdder> COUNTS = new ConcurrentHashMap<>();

    private final String run;

    public CountingSink(String run) {
        this.run = run;
    }

    /** Records all writers of {@code run} have received so far. */
    public static long count(String run) {
        LongAdder adder = COUNTS.get(run);
        return adder == null ? 0 : adder.sum();
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        LongAdder adder = COUNTS.computeIfAbsent(run, r -> new LongAdder());
        return new SinkWriter<>() {
            private long unreported;

            @Override
            public void write(T element, Context context) {
                if (++unreported == 256) { // a LongAdder add per record would cost more than the sink
                    adder.add(unreported);
                    unreported = 0;
                }
            }

            @Override
            public void flush(boolean endOfInput) {
                adder.add(unreported);
                unreported = 0;
            }

            @Override
            public void close() {
                adder.add(unreported);
                unreported = 0;
            }
        };
    }
}
