#!/usr/bin/env python3
"""PyTorch CPU training throughput on a readings CSV, for comparison with `streamcell train`.

Same work as the Java trainer's defaults: each key's series (training part: all but the last
10%) cut into windows of --window steps with the hidden state carried across a key's windows,
batches of --batch keys' windows, LSTM(features, hidden) + Linear, MSE on the next step's targets,
Adam, gradient-norm clipping 1.0. Reports training time steps per second (one time step of one
key = one sample), single thread. Run with /usr/bin/python3 (Debian's python3-torch):

    taskset -c 0 /usr/bin/python3 tools/bench_train_pytorch.py --input data.csv \\
        --features temperature,humidity --targets temperature --hidden 64 --epochs 2
"""
import argparse
import csv
import time
from collections import OrderedDict

import torch


def read(path, features, targets):
    series = OrderedDict()
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            series.setdefault(row.get("key", ""), []).append(
                [float(row[c]) for c in features] + [float(row[c]) for c in targets])
    return [torch.tensor(rows, dtype=torch.float32) for rows in series.values()]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--input", required=True)
    p.add_argument("--features", required=True)
    p.add_argument("--targets", required=True)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--window", type=int, default=64)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--val", type=float, default=0.1)
    a = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(42)
    features, targets = a.features.split(","), a.targets.split(",")
    data = read(a.input, features, targets)
    n_in = len(features)
    train = [s[: len(s) - round(len(s) * a.val)] for s in data]
    stacked = torch.cat(train)
    mean, std = stacked.mean(0), stacked.std(0).clamp_min(1e-6)
    train = [(s - mean) / std for s in train]
    rnn = torch.nn.LSTM(n_in, a.hidden, batch_first=True)
    head = torch.nn.Linear(a.hidden, len(targets))
    opt = torch.optim.Adam(list(rnn.parameters()) + list(head.parameters()), lr=2e-3)
    steps = 0
    start = time.perf_counter()
    for _ in range(a.epochs):
        for first in range(0, len(train), a.batch):
            group = train[first:first + a.batch]
            length = min(len(s) for s in group) - 1
            x = torch.stack([s[:length, :n_in] for s in group])
            y = torch.stack([s[1:length + 1, n_in:] for s in group])
            state = None
            for w in range(0, length, a.window):
                out, state = rnn(x[:, w:w + a.window], state)
                state = tuple(t.detach() for t in state)
                loss = torch.nn.functional.mse_loss(head(out), y[:, w:w + a.window])
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(list(rnn.parameters()) + list(head.parameters()), 1.0)
                opt.step()
                steps += x[:, w:w + a.window].shape[0] * x[:, w:w + a.window].shape[1]
    seconds = time.perf_counter() - start
    print(f"pytorch {torch.__version__}: {steps} training steps in {seconds:.2f} s = {steps / seconds:,.0f} steps/s "
          f"(LSTM H={a.hidden}, window {a.window}, batch {a.batch}, 1 thread)")


if __name__ == "__main__":
    main()
