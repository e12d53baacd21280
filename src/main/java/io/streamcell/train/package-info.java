/**
 * Training building blocks, independent of Flink: {@link io.streamcell.train.Parameters} (the
 * PyTorch {@code state_dict} tensors in double precision) and {@link io.streamcell.train.SequenceLoss}
 * (MSE over a sequence and its gradient by hand-written backpropagation through time, checked
 * against finite differences and PyTorch float64 autograd). An optimizer, batching, gradient
 * clipping and a training command build on these.
 */
package io.streamcell.train;
