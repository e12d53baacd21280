package io.streamcell.demo;

/**
 * The fixed parameters of one simulated sensor, drawn once from the sensor's own seeded generator
 * (see {@link SensorSimulator} for how they shape the signal). Temperatures in °C, humidity in %RH.
 *
 * @param baseTemperature mean temperature, U(5, 30)
 * @param dailyAmplitude amplitude of the 24-hour cycle, U(1, 8)
 * @param dailyPhase phase of the 24-hour cycle in radians, U(0, 2π)
 * @param halfDayAmplitude amplitude of the 12-hour harmonic, 0.1–0.3 times the daily amplitude
 * @param halfDayPhase phase of the 12-hour harmonic in radians, U(0, 2π)
 * @param driftStepSd standard deviation of the drift's random-walk step, U(0.002, 0.02) per step
 * @param noisePhi AR(1) coefficient of the measurement noise, U(0.7, 0.9)
 * @param noiseSd stationary standard deviation of the AR(1) noise, U(0.05, 0.5)
 * @param baseHumidity humidity at the base temperature, U(35, 75)
 * @param humidityCoupling how many %RH humidity falls per °C above the base temperature, U(1.3, 1.7)
 * @param humidityNoiseSd standard deviation of the humidity's own white noise, U(0.3, 1.5)
 * @param readingNoiseSd standard deviation of the temperature sensor's own white read noise (its
 *     electronics and resolution), U(0.05, 0.3), on top of the air's temperature
 */
public record SensorProfile(
        double baseTemperature,
        double dailyAmplitude,
        double dailyPhase,
        double halfDayAmplitude,
        double halfDayPhase,
        double driftStepSd,
        double noisePhi,
        double noiseSd,
        double baseHumidity,
        double humidityCoupling,
        double humidityNoiseSd,
        double readingNoiseSd) {

    /** The drift stays within ± this many °C of the base temperature (it reflects at the bounds). */
    public static final double DRIFT_LIMIT = 2.0;

    /**
     * @param random the sensor's signal generator (the parameters of the air's temperature and humidity)
     * @param reading the generator of the sensor's read noise
     */
    static SensorProfile draw(SplitMixRandom random, SplitMixRandom reading) {
        double dailyAmplitude = random.uniform(1, 8);
        return new SensorProfile(
                random.uniform(5, 30),
                dailyAmplitude,
                random.uniform(0, 2 * Math.PI),
                dailyAmplitude * random.uniform(0.1, 0.3),
                random.uniform(0, 2 * Math.PI),
                random.uniform(0.002, 0.02),
                random.uniform(0.7, 0.9),
                random.uniform(0.05, 0.5),
                random.uniform(35, 75),
                random.uniform(1.3, 1.7),
                random.uniform(0.3, 1.5),
                reading.uniform(0.05, 0.3));
    }

    /** Standard deviation of the noise around the daily cycle and the drift: the AR(1) and read noise together. */
    public double totalNoiseSd() {
        return Math.sqrt(noiseSd * noiseSd + readingNoiseSd * readingNoiseSd);
    }

    /** Standard deviation of the AR(1) innovation that gives the stationary {@link #noiseSd()}. */
    public double noiseInnovationSd() {
        return noiseSd * Math.sqrt(1 - noisePhi * noisePhi);
    }
}
