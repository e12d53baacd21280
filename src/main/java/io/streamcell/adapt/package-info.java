/**
 * Online adaptation, independent of Flink: linear readouts that learn from each revealed
 * observation after it has been scored ({@link io.streamcell.adapt.RecursiveLeastSquares},
 * {@link io.streamcell.adapt.NormalisedLms}), with their per-key state in a plain {@code float[]}
 * so it fits keyed state and savepoints.
 */
package io.streamcell.adapt;
