package io.streamcell.demo;

/**
 * One sensor's signal, advanced one step at a time in constant memory (the model is described on
 * {@link SensorSimulator}). The air's signal, the sensor's read noise and the injected anomalies come
 * from separate generators, so the clean signal does not depend on the anomaly rate. Not thread-safe.
 */
final class SimulatedSensor {
    private static final double RADIANS_PER_STEP = 2 * Math.PI / SensorSimulator.STEPS_PER_DAY;
    private static final double MIN_ANOMALY_SDS = 5;
    private static final double MAX_ANOMALY_SDS = 10;
    private static final int MIN_SHIFT_STEPS = 20;
    private static final int MAX_SHIFT_STEPS = 60;

    private final String key;
    private final SensorProfile profile;
    private final double noiseInnovationSd;
    private final SplitMixRandom signalRandom;
    private final SplitMixRandom anomalyRandom;
    private final SplitMixRandom readingRandom;

    private long step;
    private double drift;
    private double noise;
    private int shiftStepsLeft;
    private double shiftOffset;

    SimulatedSensor(String key, long seed) {
        this.key = key;
        this.signalRandom = SplitMixRandom.forStream(seed, key);
        this.anomalyRandom = SplitMixRandom.forStream(seed, key + "#anomalies");
        this.readingRandom = SplitMixRandom.forStream(seed, key + "#reading");
        this.profile = SensorProfile.draw(signalRandom, readingRandom);
        this.noiseInnovationSd = profile.noiseInnovationSd();
        this.noise = profile.noiseSd() * signalRandom.nextGaussian(); // start in the stationary distribution
    }

    String key() {
        return key;
    }

    SensorProfile profile() {
        return profile;
    }

    /** The reading at the current step, then one step forward. */
    SensorReading advance(long startMillis, double anomalyRate) {
        double angle = RADIANS_PER_STEP * (step % SensorSimulator.STEPS_PER_DAY);
        double deviation = profile.dailyAmplitude() * Math.sin(angle + profile.dailyPhase())
                + profile.halfDayAmplitude() * Math.sin(2 * angle + profile.halfDayPhase())
                + drift
                + noise;
        double humidity = profile.baseHumidity()
                - profile.humidityCoupling() * deviation
                + profile.humidityNoiseSd() * signalRandom.nextGaussian();
        humidity = Math.min(100, Math.max(0, humidity));
        double temperature =
                profile.baseTemperature() + deviation + profile.readingNoiseSd() * readingRandom.nextGaussian();

        InjectedAnomaly anomaly = InjectedAnomaly.NONE;
        if (shiftStepsLeft > 0) {
            shiftStepsLeft--;
            temperature += shiftOffset;
            anomaly = InjectedAnomaly.SHIFT;
        } else if (anomalyRate > 0 && anomalyRandom.nextDouble() < anomalyRate) {
            double offset = anomalyMagnitude();
            if (anomalyRandom.nextBoolean()) {
                anomaly = InjectedAnomaly.SPIKE;
            } else {
                anomaly = InjectedAnomaly.SHIFT;
                shiftOffset = offset;
                shiftStepsLeft = anomalyRandom.uniformInt(MIN_SHIFT_STEPS, MAX_SHIFT_STEPS) - 1;
            }
            temperature += offset;
        }

        SensorReading reading = new SensorReading(
                key, step, startMillis + step * SensorSimulator.STEP_INTERVAL_MILLIS, temperature, humidity, anomaly);
        step++;
        drift = reflectIntoDriftLimit(drift + profile.driftStepSd() * signalRandom.nextGaussian());
        noise = profile.noisePhi() * noise + noiseInnovationSd * signalRandom.nextGaussian();
        return reading;
    }

    private double anomalyMagnitude() {
        double size = profile.totalNoiseSd() * anomalyRandom.uniform(MIN_ANOMALY_SDS, MAX_ANOMALY_SDS);
        return anomalyRandom.nextBoolean() ? size : -size;
    }

    private static double reflectIntoDriftLimit(double value) {
        double limit = SensorProfile.DRIFT_LIMIT;
        if (value > limit) {
            return 2 * limit - value;
        }
        if (value < -limit) {
            return -2 * limit - value;
        }
        return value;
    }
}
