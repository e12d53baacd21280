package io.streamcell.demo;

import java.time.Instant;

/**
 * One simulated reading.
 *
 * @param key the sensor, e.g. {@code sensor-0001}
 * @param step the sensor's step count, 0 for its first reading
 * @param epochMillis event time: the simulation start plus {@code step} times the 5-minute interval
 * @param temperature degrees Celsius
 * @param humidity relative humidity in percent, within [0, 100]
 * @param anomaly what the simulator injected into this reading's temperature (ground truth, not a feature)
 */
public record SensorReading(
        String key, long step, long epochMillis, double temperature, double humidity, InjectedAnomaly anomaly) {

    public Instant eventTime() {
        return Instant.ofEpochMilli(epochMillis);
    }
}
