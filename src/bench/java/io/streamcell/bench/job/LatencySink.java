package io.streamcell.bench.job;

import io.streamcell.io.avro.ForecastRecord;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Records event-to-forecast latency: each forecast's event time is the {@link System#nanoTime()} at
 * which its reading was generated ({@link GeneratedReadings} in latency mode). Keeps every sample
 * once {@link #startRecording} is called, up to a fixed capacity, for exact percentiles.
 */
public final class LatencySink implements Sink<ForecastRecord> {
    private static final long serialVersionUID = 1L;
    private static final ConcurrentHashMap<String, Samples> SAMPLES = new ConcurrentHashMap<>();

    private final String run;
    private final int capacity;

    public LatencySink(String run, int capacity) {
        this.run = run;
        this.capacity = capacity;
    }

    /** Latency samples of one run, written by one sink writer (parallelism 1). */
    public static final class Samples {
        private final long[] nanos;
        private volatile boolean recording;
        private volatile int size;

        Samples(int capacity) {
            nanos = new long[capacity];
        }

        void add(long latencyNanos) {
            if (recording && size < nanos.length) {
                nanos[size] = latencyNanos;
                size = size + 1;
            }
        }

        public void startRecording() {
            recording = true;
        }

        /** Sorted copy of the samples recorded so far. */
        public long[] sorted() {
            long[] copy = Arrays.copyOf(nanos, size);
            Arrays.sort(copy);
            return copy;
        }
    }

    public static Samples samples(String run) {
        return SAMPLES.get(run);
    }

    @Override
    public SinkWriter<ForecastRecord> createWriter(WriterInitContext context) {
        Samples samples = SAMPLES.computeIfAbsent(run, r -> new Samples(capacity));
        return new SinkWriter<>() {
            @Override
            public void write(ForecastRecord forecast, Context context) {
                samples.add(System.nanoTime() - forecast.eventTime);
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }

    /** The {@code q}-quantile (0..1) of sorted samples, nearest rank. */
    public static long quantile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
    }
}
