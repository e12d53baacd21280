/**
 * Training building blocks, independent of Flink: {@link io.streamcell.train.Parameters} (the
 * PyTorch {@code state_dict} tensors in double precision) and {@link io.streamcell.train.SequenceLoss}
 * (MSE over a sequence and its gradient by hand-written backpropagation through time, checked
 * against finite differences and PyTorch float64 autograd), and on them {@link io.streamcell.train.Trainer}
 * (truncated BPTT over per-key windows, mini-batches, Adam, clipping, learning-rate schedule, early
 * stopping, scalers and validation metrics against naive baselines), used by {@code streamcell train}.
 */
package io.streamcell.train;
