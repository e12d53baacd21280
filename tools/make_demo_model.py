#!/usr/bin/env python3
"""Train the bundled demo model and export it to src/main/resources/models/demo/.

The model forecasts a simulated sensor's NEXT temperature from its current reading:

    features temperature, humidity  ->  target temperature, horizon 1
    nn.LSTM(2, 32, batch_first=True) + nn.Linear(32, 1)

Data come from the sensor simulator (`./streamcell generate`, io.streamcell.demo.SensorSimulator):
by default 300 training sensors and 60 validation sensors x 2000 steps (5-minute steps, so about
7 days each). The validation sensors come from a different simulation seed, so they have their own
profiles (base, daily amplitude, phase, noise, ...). Pass --train-input / --val-input to use CSV
files made by `streamcell generate` instead of running it.

Training: input and target scalers (mean/std) fitted on the training split; truncated BPTT over
consecutive windows of each sensor's sequence (the state is carried from window to window and
detached, as the stream carries it), Adam with a cosine learning-rate decay, MSE on the scaled
target; steps whose target reading is an injected anomaly are left out of the loss. Seeds are fixed
and torch runs on 2 threads, so a re-run on the same machine gives the same model.

Validation runs each validation sensor's whole sequence from a zero state, exactly as
`streamcell replay` does, and compares the forecast of every step whose next reading is not an
anomaly with the naive forecast "next = current". Both are written into the model's provenance.

Run it with the system python that has torch (Debian's python3-torch):

    /usr/bin/python3 tools/make_demo_model.py            # about 5 minutes on 2 cores

The script fails (exit code 1, no model written) if the model does not beat the naive forecast
on validation MAE.
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_pytorch import export_model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "src", "main", "resources", "models", "demo")
FEATURES = ["temperature", "humidity"]
TARGETS = ["temperature"]
VERSION = "demo-lstm-1"
ANOMALY_RATE = 0.002


class Forecaster(nn.Module):
    """What StreamCell runs: an LSTM stack and a linear head on the top hidden state."""

    def __init__(self, inputs, hidden, outputs):
        super().__init__()
        self.rnn = nn.LSTM(inputs, hidden, batch_first=True)
        self.head = nn.Linear(hidden, outputs)

    def forward(self, x, state=None):
        h, state = self.rnn(x, state)
        return self.head(h), state


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

def generate(keys, steps, seed, path):
    """Runs `./streamcell generate` (which builds the jar on first use)."""
    cmd = [os.path.join(ROOT, "streamcell"), "generate", "--keys", str(keys), "--steps", str(steps),
           "--seed", str(seed), "--anomaly-rate", str(ANOMALY_RATE), "--output", path]
    print("+ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def read_readings(path):
    """Reads a `streamcell generate` CSV into (keys, X [K, T, 2] float32, anomalous [K, T] bool)."""
    series = {}
    with open(path, newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        header = next(rows)
        col = {name: header.index(name) for name in ["key", "temperature", "humidity", "anomaly"]}
        for row in rows:
            values, flags = series.setdefault(row[col["key"]], ([], []))
            values.append((float(row[col["temperature"]]), float(row[col["humidity"]])))
            flags.append(row[col["anomaly"]] != "none")
    keys = list(series)
    lengths = {len(v) for v, _ in series.values()}
    if len(lengths) != 1:
        raise SystemExit("%s: the sensors have different numbers of readings %s" % (path, sorted(lengths)))
    x = np.array([series[k][0] for k in keys], dtype=np.float32)
    anomalous = np.array([series[k][1] for k in keys], dtype=bool)
    return keys, x, anomalous


def describe(source, keys, x, anomalous):
    """`source`: the generate command, or the file given."""
    return {"source": source, "keys": len(keys), "steps_per_key": int(x.shape[1]),
            "anomalous_readings": int(anomalous.sum())}


# ---------------------------------------------------------------------------
# training and validation
# ---------------------------------------------------------------------------

def fit_scalers(x, anomalous):
    normal = x[~anomalous]
    input_scaler = {"mean": normal.mean(axis=0).astype(np.float64).tolist(),
                    "std": normal.std(axis=0).astype(np.float64).tolist()}
    target_scaler = {"mean": [input_scaler["mean"][0]], "std": [input_scaler["std"][0]]}
    return input_scaler, target_scaler


def scaled_tensors(x, anomalous, input_scaler, target_scaler):
    """Inputs for steps 0..T-2, targets = next temperature, mask = target reading is normal."""
    z = (x - np.float32(input_scaler["mean"])) / np.float32(input_scaler["std"])
    y = (x[:, 1:, :1] - np.float32(target_scaler["mean"])) / np.float32(target_scaler["std"])
    mask = ~anomalous[:, 1:, None]
    return (torch.from_numpy(np.ascontiguousarray(z[:, :-1])), torch.from_numpy(np.ascontiguousarray(y)),
            torch.from_numpy(mask.astype(np.float32)))


def train(model, z, y, mask, epochs, batch, window, lr, seed):
    rng = np.random.RandomState(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    windows = (z.shape[1] + window - 1) // window
    batches = (z.shape[0] + batch - 1) // batch
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * batches * windows,
                                                          eta_min=lr / 30)
    for epoch in range(epochs):
        start = time.time()
        order = rng.permutation(z.shape[0])
        total, count = 0.0, 0.0
        for b in range(batches):
            rows = torch.from_numpy(order[b * batch:(b + 1) * batch])
            zb, yb, mb = z[rows], y[rows], mask[rows]
            state = None
            for w in range(windows):
                span = slice(w * window, (w + 1) * window)
                out, state = model(zb[:, span], state)
                state = tuple(s.detach() for s in state)
                m = mb[:, span]
                loss = ((out - yb[:, span]) ** 2 * m).sum() / m.sum().clamp(min=1)
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                total += float(loss) * float(m.sum())
                count += float(m.sum())
        print("epoch %2d  train MSE (scaled) %.5f  %.1f s" % (epoch + 1, total / count, time.time() - start),
              flush=True)


def validate(model, x, anomalous, input_scaler, target_scaler):
    """Forecast errors in degrees C on steps whose next reading is normal, model and naive."""
    z, _, _ = scaled_tensors(x, anomalous, input_scaler, target_scaler)
    with torch.no_grad():
        out, _ = model(z)
    forecast = out.numpy()[:, :, 0] * target_scaler["std"][0] + target_scaler["mean"][0]
    actual = x[:, 1:, 0].astype(np.float64)
    naive = x[:, :-1, 0].astype(np.float64)
    normal = ~anomalous[:, 1:]
    model_err = (forecast - actual)[normal]
    naive_err = (naive - actual)[normal]
    return {
        "steps": int(normal.sum()),
        "model_mse": float(np.mean(model_err ** 2)),
        "model_mae": float(np.mean(np.abs(model_err))),
        "naive_mse": float(np.mean(naive_err ** 2)),
        "naive_mae": float(np.mean(np.abs(naive_err))),
    }


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(description="Train the bundled demo model (LSTM, next temperature) on "
                                            "simulated sensors and export it.")
    p.add_argument("--train-input", help="training readings CSV from `streamcell generate` (default: generate)")
    p.add_argument("--val-input", help="validation readings CSV from `streamcell generate` (default: generate)")
    p.add_argument("--train-keys", type=int, default=300)
    p.add_argument("--val-keys", type=int, default=60)
    p.add_argument("--steps", type=int, default=2000, help="readings per simulated sensor")
    p.add_argument("--train-seed", type=int, default=42, help="simulation seed of the training sensors")
    p.add_argument("--val-seed", type=int, default=4242, help="simulation seed of the validation sensors")
    p.add_argument("--torch-seed", type=int, default=0, help="seed of the weights and the batch order")
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--batch", type=int, default=32, help="sensors per batch")
    p.add_argument("--window", type=int, default=128, help="truncated-BPTT window in steps")
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--out", default=DEFAULT_OUT, help="model directory (default: the bundled demo model)")
    a = p.parse_args(argv)

    if not a.train_input and not a.val_input and a.train_seed == a.val_seed:
        p.error("--val-seed must differ from --train-seed: the validation sensors must not be training sensors")
    torch.set_num_threads(2)
    torch.manual_seed(a.torch_seed)
    began = time.time()

    with tempfile.TemporaryDirectory(prefix="streamcell-demo-") as tmp:
        train_path = a.train_input or os.path.join(tmp, "train.csv")
        val_path = a.val_input or os.path.join(tmp, "val.csv")
        if not a.train_input:
            generate(a.train_keys, a.steps, a.train_seed, train_path)
        if not a.val_input:
            generate(a.val_keys, a.steps, a.val_seed, val_path)
        train_keys, train_x, train_anomalous = read_readings(train_path)
        val_keys, val_x, val_anomalous = read_readings(val_path)

    input_scaler, target_scaler = fit_scalers(train_x, train_anomalous)
    z, y, mask = scaled_tensors(train_x, train_anomalous, input_scaler, target_scaler)
    model = Forecaster(len(FEATURES), a.hidden, len(TARGETS))
    print("training on %d sensors x %d steps (%d anomalous readings), validating on %d sensors"
          % (len(train_keys), train_x.shape[1], int(train_anomalous.sum()), len(val_keys)), flush=True)
    train(model, z, y, mask, a.epochs, a.batch, a.window, a.lr, a.torch_seed)

    scores = validate(model, val_x, val_anomalous, input_scaler, target_scaler)
    print("validation (%d steps, degrees C): model MSE %.5f MAE %.5f | naive MSE %.5f MAE %.5f"
          % (scores["steps"], scores["model_mse"], scores["model_mae"], scores["naive_mse"], scores["naive_mae"]))
    if scores["model_mae"] >= scores["naive_mae"]:
        print("FAIL: the model does not beat the naive last-value forecast; nothing written", file=sys.stderr)
        return 1

    generated = "streamcell generate --keys %d --steps %d --seed %d --anomaly-rate " + str(ANOMALY_RATE)
    provenance = {
        "tool": "make_demo_model.py",
        "task": "next temperature from the current temperature and humidity of a simulated sensor",
        "data": {
            "simulator": "io.streamcell.demo.SensorSimulator (5-minute steps)",
            "train": describe(os.path.basename(a.train_input) if a.train_input
                              else generated % (a.train_keys, a.steps, a.train_seed),
                              train_keys, train_x, train_anomalous),
            "validation": describe(os.path.basename(a.val_input) if a.val_input
                                   else generated % (a.val_keys, a.steps, a.val_seed),
                                   val_keys, val_x, val_anomalous),
        },
        "training": {
            "torch_seed": a.torch_seed, "epochs": a.epochs, "batch_sensors": a.batch, "bptt_window": a.window,
            "optimizer": "Adam, lr %g, cosine decay to %g, grad-norm clip 1" % (a.lr, a.lr / 30),
            "loss": "MSE of the scaled target, anomalous targets excluded",
            "threads": 2, "seconds": round(time.time() - began, 1),
        },
        "validation": {
            "definition": "every step of each validation sensor from a zero state; errors in degrees C on the "
                          "steps whose next reading is not an injected anomaly; naive = last value",
            "steps": scores["steps"],
            "model_mse": round(scores["model_mse"], 6), "model_mae": round(scores["model_mae"], 6),
            "naive_mse": round(scores["naive_mse"], 6), "naive_mae": round(scores["naive_mae"], 6),
        },
    }
    export_model(model, a.out, features=FEATURES, targets=TARGETS, horizon=1, input_scaler=input_scaler,
                 target_scaler=target_scaler, version=VERSION, provenance=provenance, overwrite=True)
    print("wrote %s (%s) in %.0f s" % (a.out, VERSION, time.time() - began))
    return 0


if __name__ == "__main__":
    sys.exit(main())
