package io.streamcell.demo;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A deterministic stream of realistic temperature/humidity readings from many sensors: the input of
 * the embedded demo and of {@code streamcell generate}.
 *
 * <p><b>Order.</b> The stream runs in rounds: in each round every sensor yields its next reading, in
 * key order or, with {@link Builder#shuffleWithinRound(boolean)}, in an order shuffled by the seeded
 * generator. So each key's readings arrive in event-time order, interleaved with the other keys'.
 * The stream never ends.
 *
 * <p><b>Time.</b> Every sensor has its own clock: reading {@code t} (0-based) of a sensor has event
 * time {@code start + t × 5 minutes}, so a day is {@value #STEPS_PER_DAY} steps.
 *
 * <p><b>Signal.</b> Each sensor draws its {@link SensorProfile} from its own generator, seeded by the
 * simulator seed and the key name, so a key's series does not depend on the other keys or the order.
 * With {@code d = 2π t / 288}, its temperature at step {@code t} is
 * <pre>
 *   T_t = base + A sin(d + φ) + B sin(2d + ψ) + drift_t + e_t + w_t  (+ injected anomaly)
 *   drift_t = drift_{t-1} + N(0, σ_drift²), reflected into [-2, 2] °C      (drift_0 = 0)
 *   e_t     = ρ e_{t-1} + N(0, σ²(1 - ρ²)), stationary sd σ              (e_0 ~ N(0, σ²))
 *   w_t     ~ N(0, σ_w²), the sensor's own read noise (independent of the air's temperature)
 * </pre>
 * with base ~ U(5, 30) °C, daily amplitude A ~ U(1, 8), half-day amplitude B ~ A·U(0.1, 0.3), phases
 * φ, ψ ~ U(0, 2π), σ_drift ~ U(0.002, 0.02), ρ ~ U(0.7, 0.9), σ ~ U(0.05, 0.5), σ_w ~ U(0.05, 0.3).
 * The humidity follows the air temperature's deviation from base (without the read noise),
 * inversely, with its own white noise:
 * <pre>
 *   H_t = clip(H_base - c (T_t - base) + N(0, σ_H²), 0, 100)     (T_t here without w_t and the anomaly)
 * </pre>
 * with H_base ~ U(35, 75) %RH, c ~ U(1.3, 1.7), σ_H ~ U(0.3, 1.5).
 *
 * <p><b>Anomalies.</b> At each step outside a shift, with probability {@code anomalyRate} (default
 * {@value #DEFAULT_ANOMALY_RATE}) an anomaly starts on the temperature channel (a sensor fault: the
 * humidity is untouched), a spike or a level shift with equal odds, of ±U(5, 10)·√(σ² + σ_w²) (the
 * sensor's noise around its cycle and drift): a spike moves one
 * reading; a shift moves 20–60 consecutive readings by the same amount (all flagged). Each reading
 * carries the ground truth as {@link SensorReading#anomaly()}. Anomalies are drawn from a generator
 * of their own, so the clean signal is the same at every anomaly rate.
 *
 * <p><b>Cost.</b> Constant memory per sensor; no allocation per reading beyond the returned record.
 * Not thread-safe.
 *
 * <pre>{@code
 * SensorSimulator simulator = SensorSimulator.builder().seed(42).keyCount(200).build();
 * SensorReading reading = simulator.next();  // sensor-0001 at 2024-01-01T00:00:00Z, then sensor-0002, ...
 * }</pre>
 */
public final class SensorSimulator {
    public static final int STEPS_PER_DAY = 288;
    public static final Duration STEP_INTERVAL = Duration.ofMinutes(5);
    public static final long STEP_INTERVAL_MILLIS = STEP_INTERVAL.toMillis();
    public static final double DEFAULT_ANOMALY_RATE = 0.002;
    public static final Instant DEFAULT_START = Instant.parse("2024-01-01T00:00:00Z");
    public static final long DEFAULT_SEED = 42;
    public static final String KEY_PREFIX = "sensor-";

    private final long seed;
    private final Instant start;
    private final long startMillis;
    private final double anomalyRate;
    private final List<String> keys;
    private final SimulatedSensor[] sensors;
    private final int[] order;
    private final SplitMixRandom orderRandom;
    private int positionInRound;
    private long readings;

    private SensorSimulator(Builder builder, List<String> keys) {
        this.seed = builder.seed;
        this.start = builder.start;
        this.startMillis = builder.start.toEpochMilli();
        this.anomalyRate = builder.anomalyRate;
        this.keys = List.copyOf(keys);
        this.sensors = new SimulatedSensor[keys.size()];
        this.order = new int[keys.size()];
        for (int i = 0; i < sensors.length; i++) {
            sensors[i] = new SimulatedSensor(keys.get(i), seed);
            order[i] = i;
        }
        this.orderRandom = builder.shuffleWithinRound ? SplitMixRandom.forStream(seed, "#round-order") : null;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code sensor-0001} ... {@code sensor-<count>}, zero-padded to four digits (more when count > 9999). */
    public static List<String> keyNames(int count) {
        List<String> names = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            names.add(String.format("%s%04d", KEY_PREFIX, i));
        }
        return names;
    }

    /** The next reading: the next sensor of the current round, one step further than its previous reading. */
    public SensorReading next() {
        if (positionInRound == 0 && orderRandom != null) {
            shuffleOrder();
        }
        SimulatedSensor sensor = sensors[order[positionInRound]];
        positionInRound = positionInRound + 1 == order.length ? 0 : positionInRound + 1;
        readings++;
        return sensor.advance(startMillis, anomalyRate);
    }

    /** The keys, in the order given to (or made by) the builder. */
    public List<String> keys() {
        return keys;
    }

    /** The parameters drawn for {@code key}. */
    public SensorProfile profile(String key) {
        int index = keys.indexOf(key);
        if (index < 0) {
            throw new IllegalArgumentException("no simulated sensor '" + key + "'");
        }
        return sensors[index].profile();
    }

    public long seed() {
        return seed;
    }

    public Instant start() {
        return start;
    }

    public double anomalyRate() {
        return anomalyRate;
    }

    /** Readings returned so far. */
    public long readings() {
        return readings;
    }

    private void shuffleOrder() {
        for (int i = order.length - 1; i > 0; i--) { // Fisher-Yates
            int j = orderRandom.uniformInt(0, i);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
    }

    @Override
    public String toString() {
        return "SensorSimulator[" + keys.size() + " keys, seed " + seed + ", start " + start + ", anomaly rate "
                + anomalyRate + (orderRandom != null ? ", shuffled rounds" : "") + "]";
    }

    /** Configures a {@link SensorSimulator}; every setting has a default. */
    public static final class Builder {
        private long seed = DEFAULT_SEED;
        private List<String> keys = keyNames(1);
        private Instant start = DEFAULT_START;
        private double anomalyRate = DEFAULT_ANOMALY_RATE;
        private boolean shuffleWithinRound;

        private Builder() {}

        /** Seed of every generator in the simulation (default {@value SensorSimulator#DEFAULT_SEED}). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Simulates {@code count} sensors named by {@link #keyNames(int)} (default 1). */
        public Builder keyCount(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("the number of keys must be >= 1, got " + count);
            }
            this.keys = keyNames(count);
            return this;
        }

        /** Simulates sensors with these names, in this order. */
        public Builder keys(List<String> keys) {
            this.keys = new ArrayList<>(Objects.requireNonNull(keys, "keys"));
            return this;
        }

        /** Event time of every sensor's first reading (default {@code 2024-01-01T00:00:00Z}). */
        public Builder start(Instant start) {
            this.start = Objects.requireNonNull(start, "start");
            return this;
        }

        /**
         * Probability per step and sensor that an anomaly starts, within [0, 1] (default
         * {@value SensorSimulator#DEFAULT_ANOMALY_RATE}); none starts while a level shift lasts.
         */
        public Builder anomalyRate(double anomalyRate) {
            this.anomalyRate = anomalyRate;
            return this;
        }

        /** Shuffles the key order of every round with the seeded generator (default: key order). */
        public Builder shuffleWithinRound(boolean shuffle) {
            this.shuffleWithinRound = shuffle;
            return this;
        }

        public SensorSimulator build() {
            sanityCheck();
            return new SensorSimulator(this, keys);
        }

        private void sanityCheck() {
            if (!(anomalyRate >= 0 && anomalyRate <= 1)) {
                throw new IllegalArgumentException("the anomaly rate is a probability per step: it must be within "
                        + "[0, 1], got " + anomalyRate + " (the default is " + DEFAULT_ANOMALY_RATE + ")");
            }
            if (keys.isEmpty()) {
                throw new IllegalArgumentException("at least one key is needed");
            }
            Set<String> seen = new HashSet<>();
            for (String key : keys) {
                if (key == null || key.isEmpty()) {
                    throw new IllegalArgumentException("keys must be non-empty strings");
                }
                if (!seen.add(key)) {
                    throw new IllegalArgumentException("the keys must be distinct: '" + key + "' appears twice");
                }
            }
        }
    }
}
