#!/usr/bin/env python3
"""Train the bundled zero-shot default model (src/main/resources/models/default/).

A univariate forecaster (feature `value`, target `value`, horizon 1) meant to run on any series
without per-series training. Each key's values are normalised ONLINE before the model, by the same
per-key normaliser the Java side runs (config field `online_normalisation`):

  state (n, m, v) = (0, 0, 0); for each new value x_t:
    1. w = max(1/(n+1), a), a = 1 - 0.5**(1/half_life), half_life = 500
       d = x - m;  m = m + w*d;  v = (1-w)*(v + w*d*d);  n = n + 1
    2. s = max(sqrt(v), scale_floor * max(|m|, 1)),  scale_floor = 1e-3
    3. z_t = clip((x_t - m)/s, -clip, clip),  clip = 10   (m, s after the update, i.e. including x_t)
  The LSTM runs over z_1..z_t and outputs zhat_t, the next value in the CURRENT normalised units:
  the training target is y_t = clip((x_{t+1} - m_t)/s_t, -10, 10); StreamCell de-normalises
  forecast = m_t + s_t * zhat_t.

Data: generated signals only (no real data), seeded: random walks, trends, one or several
seasonalities (periods 12..500), regime changes (level shifts, variance changes), spikes, steps,
flatlines (dropouts to a constant), count-like integer series, large offsets (1e6) and tiny scales
(1e-3), sawtooth and square waves, with noise levels from tiny to large. The validation series come
from another seed.

Training: truncated BPTT over consecutive windows of each series (state carried and detached, from a
zero state at the series start, as the stream does), Adam with cosine decay, MSE in normalised units.

Validation: every validation series from a zero state; MSE in normalised units against y_t, model vs
naive zhat_t = z_t (the last value in current units), overall and per signal family. The script fails
(exit 1, nothing written) unless the model beats naive overall.

    /usr/bin/python3 tools/make_default_model.py            # about 7 minutes on 2 cores
"""

import argparse
import os
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_pytorch import export_model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "src", "main", "resources", "models", "default")
VERSION = "default-lstm-1"
HALF_LIFE = 500
SCALE_FLOOR = 1e-3
CLIP = 10.0

FAMILIES = ["random_walk", "trend", "seasonal", "multi_seasonal", "sawtooth_square", "regime", "spikes",
            "steps", "flatline", "counts", "large_offset", "tiny_scale", "mixed"]


class Forecaster(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.rnn = nn.LSTM(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x, state=None):
        h, state = self.rnn(x, state)
        return self.head(h), state


# ---------------------------------------------------------------------------
# online normaliser (float64, vectorised over series; the Java side runs it per key)
# ---------------------------------------------------------------------------

def normalise(x, half_life=HALF_LIFE, scale_floor=SCALE_FLOOR, clip=CLIP):
    """x [K, T] float64 -> (z [K, T], m [K, T], s [K, T]), stats after each step's update."""
    x = np.asarray(x, dtype=np.float64)
    k, t_len = x.shape
    a = 1.0 - 0.5 ** (1.0 / half_life)
    m = np.zeros(k)
    v = np.zeros(k)
    ms = np.empty_like(x)
    ss = np.empty_like(x)
    for t in range(t_len):
        w = max(1.0 / (t + 1), a)  # n = t before the update
        d = x[:, t] - m
        m = m + w * d
        v = (1.0 - w) * (v + w * d * d)
        ms[:, t] = m
        ss[:, t] = np.maximum(np.sqrt(v), scale_floor * np.maximum(np.abs(m), 1.0))
    z = np.clip((x - ms) / ss, -clip, clip)
    return z, ms, ss


def inputs_targets(x):
    """Model inputs z_1..z_{T-1} and targets y_t = clip((x_{t+1} - m_t)/s_t) as float32 tensors."""
    z, m, s = normalise(x)
    y = np.clip((x[:, 1:] - m[:, :-1]) / s[:, :-1], -CLIP, CLIP)
    return (torch.from_numpy(z[:, :-1, None].astype(np.float32)),
            torch.from_numpy(y[:, :, None].astype(np.float32)))


# ---------------------------------------------------------------------------
# signal generator
# ---------------------------------------------------------------------------

def _loguniform(rng, lo, hi):
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _periodic(rng, t, kind):
    period = _loguniform(rng, 12, 500)
    phase = rng.uniform(0, 1)
    u = (t / period + phase) % 1.0
    if kind == "sine":
        y = np.sin(2 * np.pi * u)
        if rng.rand() < 0.3:  # sharper / asymmetric shapes via harmonics
            y = y + rng.uniform(0.2, 0.7) * np.sin(4 * np.pi * u + rng.uniform(0, 2 * np.pi))
    elif kind == "sawtooth":
        y = 2 * u - 1 if rng.rand() < 0.5 else 1 - 2 * u
    elif kind == "square":
        duty = rng.uniform(0.1, 0.9)
        y = np.where(u < duty, 1.0, -1.0)
    else:  # pulse train
        width = rng.uniform(0.02, 0.2)
        y = np.where(u < width, 1.0, 0.0)
    return y


def _noise(rng, n, level):
    if rng.rand() < 0.2:  # heavy tails
        return level * rng.standard_t(3, n) / np.sqrt(3)
    e = rng.randn(n)
    if rng.rand() < 0.2:  # AR(1) coloured noise
        phi = rng.uniform(0.3, 0.95)
        out = np.empty(n)
        acc = 0.0
        for i in range(n):
            acc = phi * acc + e[i]
            out[i] = acc
        e = out * np.sqrt(1 - phi * phi)
    return level * e


def _piecewise(rng, n, changes, scale):
    """Piecewise-constant series with `changes` jumps of size ~scale."""
    y = np.zeros(n)
    for c in rng.randint(1, n, changes):
        y[c:] += scale * rng.randn()
    return y


def make_series(rng, n, family):
    t = np.arange(n, dtype=np.float64)
    sig = np.zeros(n)
    noise_level = _loguniform(rng, 1e-4, 2.0)
    if family == "mixed":
        parts = rng.choice(["random_walk", "trend", "seasonal", "sawtooth_square", "regime", "spikes",
                            "steps", "flatline"], size=rng.randint(2, 5), replace=False)
    else:
        parts = [family]
    for p in parts:
        if p == "random_walk":
            step = _loguniform(rng, 0.01, 1.0)
            sig += np.cumsum(_noise(rng, n, step))
            if rng.rand() < 0.3:  # integrated (smooth) walk
                sig += np.cumsum(np.cumsum(rng.randn(n) * step * 0.01))
        elif p == "trend":
            sig += rng.randn() * _loguniform(rng, 1e-4, 0.05) * t
            if rng.rand() < 0.3:
                sig += rng.randn() * _loguniform(rng, 1e-7, 1e-5) * t * t
            if rng.rand() < 0.3:
                sig += _periodic(rng, t, "sine") * rng.uniform(0.2, 2)
        elif p in ("seasonal", "multi_seasonal"):
            for _ in range(1 if p == "seasonal" else rng.randint(2, 4)):
                sig += _periodic(rng, t, "sine") * _loguniform(rng, 0.1, 3)
            if rng.rand() < 0.3:  # slowly varying amplitude
                sig *= 1 + 0.5 * np.sin(2 * np.pi * t / _loguniform(rng, 300, 3000) + rng.uniform(0, 6.3))
        elif p == "sawtooth_square":
            sig += _periodic(rng, t, rng.choice(["sawtooth", "square", "pulse"])) * _loguniform(rng, 0.2, 3)
        elif p == "regime":
            sig += _piecewise(rng, n, rng.randint(1, 6), _loguniform(rng, 0.3, 5))
            var = np.exp(_piecewise(rng, n, rng.randint(1, 5), 1.0))
            noise_level = _loguniform(rng, 0.01, 1.0)
            sig += _periodic(rng, t, "sine") * rng.uniform(0, 1) + _noise(rng, n, noise_level) * var
            noise_level = 0.0
        elif p == "steps":
            sig += _piecewise(rng, n, rng.randint(1, 12), _loguniform(rng, 0.3, 10))
        elif p == "spikes":
            if not np.any(sig):
                sig += _periodic(rng, t, "sine") * rng.uniform(0, 2)
            k = rng.randint(1, 40)
            idx = rng.randint(0, n, k)
            sig[idx] += rng.randn(k) * _loguniform(rng, 3, 50) * max(noise_level, 0.05)
        elif p == "flatline":
            if not np.any(sig):
                sig += np.cumsum(rng.randn(n) * 0.3) + _periodic(rng, t, "sine")
            for _ in range(rng.randint(1, 5)):
                a = rng.randint(0, n - 10)
                b = min(n, a + int(_loguniform(rng, 10, 600)))
                const = sig[a] if rng.rand() < 0.6 else 0.0
                sig[a:b] = const
                if rng.rand() < 0.5:
                    sig[a:b] += 0.0  # exact constant: no noise added below on this span
            noise_level = noise_level if rng.rand() < 0.5 else 0.0
        elif p == "counts":
            rate = _loguniform(rng, 0.2, 200)
            shape = np.zeros(n)
            if rng.rand() < 0.7:
                shape += _periodic(rng, t, "sine") * rng.uniform(0.2, 1.5)
            if rng.rand() < 0.4:
                shape += _piecewise(rng, n, rng.randint(1, 4), 0.5)
            if rng.rand() < 0.3:
                shape += np.cumsum(rng.randn(n) * 0.02)
            lam = rate * np.exp(np.clip(shape, -20, 5))
            return rng.poisson(lam).astype(np.float64)
        elif p == "large_offset":
            inner = rng.choice(["random_walk", "seasonal", "steps", "trend", "regime"])
            y = make_series(rng, n, inner)
            return 1e6 * rng.choice([1.0, -1.0, 3.7, 1000.0]) + y * _loguniform(rng, 1e-2, 1e3)
        elif p == "tiny_scale":
            inner = rng.choice(["random_walk", "seasonal", "steps", "trend", "sawtooth_square"])
            y = make_series(rng, n, inner)
            return 1e-3 * y + (rng.randn() * 1e-3 if rng.rand() < 0.5 else 0.0)
    if noise_level > 0:
        sig = sig + _noise(rng, n, noise_level)
    if family == "flatline":
        pass
    scale = _loguniform(rng, 1e-2, 1e3)
    offset = rng.randn() * _loguniform(rng, 1e-2, 1e3) if rng.rand() < 0.7 else 0.0
    x = offset + scale * sig
    if rng.rand() < 0.1:
        x = np.round(x)  # integer-valued readings
    return x


def make_dataset(keys, steps, seed):
    rng = np.random.RandomState(seed)
    fam = [FAMILIES[i % len(FAMILIES)] for i in range(keys)]
    rng.shuffle(fam)
    xs = np.stack([make_series(np.random.RandomState(rng.randint(2 ** 31)), steps, f) for f in fam])
    assert np.all(np.isfinite(xs))
    return xs, np.array(fam)


# ---------------------------------------------------------------------------
# training and validation
# ---------------------------------------------------------------------------

def train(model, z, y, epochs, batch, window, lr, seed):
    rng = np.random.RandomState(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    windows = (z.shape[1] + window - 1) // window
    batches = (z.shape[0] + batch - 1) // batch
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * batches * windows,
                                                          eta_min=lr / 30)
    for epoch in range(epochs):
        start = time.time()
        order = rng.permutation(z.shape[0])
        total, count = 0.0, 0
        for b in range(batches):
            rows = torch.from_numpy(order[b * batch:(b + 1) * batch])
            zb, yb = z[rows], y[rows]
            state = None
            for w in range(windows):
                span = slice(w * window, (w + 1) * window)
                out, state = model(zb[:, span], state)
                state = tuple(s.detach() for s in state)
                loss = ((out - yb[:, span]) ** 2).mean()
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                total += float(loss) * yb[:, span].numel()
                count += yb[:, span].numel()
        print("epoch %2d  train MSE (normalised) %.5f  %.1f s" % (epoch + 1, total / count, time.time() - start),
              flush=True)


def validate(model, z, y, fam):
    with torch.no_grad():
        out, _ = model(z)
    pred = out.numpy()[:, :, 0].astype(np.float64)
    yy = y.numpy()[:, :, 0].astype(np.float64)
    naive = z.numpy()[:, :, 0].astype(np.float64)
    me = (pred - yy) ** 2
    ne = (naive - yy) ** 2
    res = {"overall": {"series": int(len(fam)), "steps": int(me.size),
                       "model_mse": float(me.mean()), "naive_mse": float(ne.mean())}}
    for f in FAMILIES:
        sel = fam == f
        if sel.any():
            res[f] = {"series": int(sel.sum()), "model_mse": float(me[sel].mean()), "naive_mse": float(ne[sel].mean())}
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description="Train the bundled zero-shot default model on generated signals.")
    p.add_argument("--train-keys", type=int, default=2000)
    p.add_argument("--val-keys", type=int, default=390)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--train-seed", type=int, default=1)
    p.add_argument("--val-seed", type=int, default=1001)
    p.add_argument("--torch-seed", type=int, default=0)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--window", type=int, default=200)
    p.add_argument("--lr", type=float, default=5e-3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=DEFAULT_OUT)
    a = p.parse_args(argv)
    if a.train_seed == a.val_seed:
        p.error("--val-seed must differ from --train-seed")
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.torch_seed)
    began = time.time()

    train_x, train_fam = make_dataset(a.train_keys, a.steps, a.train_seed)
    val_x, val_fam = make_dataset(a.val_keys, a.steps, a.val_seed)
    z, y = inputs_targets(train_x)
    vz, vy = inputs_targets(val_x)
    print("data ready in %.0f s: train %s, validation %s" % (time.time() - began, tuple(z.shape), tuple(vz.shape)),
          flush=True)

    model = Forecaster(a.hidden)
    train(model, z, y, a.epochs, a.batch, a.window, a.lr, a.torch_seed)
    scores = validate(model, vz, vy, val_fam)
    for f, r in scores.items():
        print("%-16s model MSE %.5f  naive MSE %.5f  ratio %.3f"
              % (f, r["model_mse"], r["naive_mse"], r["model_mse"] / max(r["naive_mse"], 1e-12)))
    if scores["overall"]["model_mse"] >= scores["overall"]["naive_mse"]:
        print("FAIL: the model does not beat the naive last-value forecast; nothing written", file=sys.stderr)
        return 1

    def rounded(r):
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items()}

    provenance = {
        "tool": "make_default_model.py",
        "task": "zero-shot next value of any univariate series, in online-normalised units",
        "data": {
            "description": "generated signals only, families " + ", ".join(FAMILIES) +
                           "; noise levels 1e-4..2 (Gaussian, AR(1), Student-t), scales 1e-2..1e3, "
                           "10% rounded to integers",
            "train": {"series": a.train_keys, "steps_per_series": a.steps, "seed": a.train_seed},
            "validation": {"series": a.val_keys, "steps_per_series": a.steps, "seed": a.val_seed},
        },
        "training": {
            "torch_seed": a.torch_seed, "epochs": a.epochs, "batch_series": a.batch, "bptt_window": a.window,
            "optimizer": "Adam, lr %g, cosine decay to %g, grad-norm clip 1" % (a.lr, a.lr / 30),
            "loss": "MSE of y_t = clip((x_{t+1} - m_t)/s_t, -10, 10)",
            "threads": a.threads, "seconds": round(time.time() - began, 1),
        },
        "validation": {
            "definition": "every step of each validation series from a zero state; MSE in normalised units "
                          "against y_t; naive = z_t (last value in current units)",
            "metrics": {f: rounded(r) for f, r in scores.items()},
        },
    }
    export_model(model, a.out, features=["value"], targets=["value"], horizon=1, version=VERSION,
                 provenance=provenance, overwrite=True)
    # add the online normalisation block (the Java loader accepts it)
    import json
    cfg_path = os.path.join(a.out, "config.json")
    with open(cfg_path, encoding="utf-8") as f:
        cfg = json.load(f)
    ordered = {}
    for k, v in cfg.items():
        if k == "version":
            ordered["online_normalisation"] = {"half_life": HALF_LIFE, "scale_floor": SCALE_FLOOR, "clip": int(CLIP)}
        ordered[k] = v
    with open(cfg_path, "w", encoding="utf-8") as f:
        json.dump(ordered, f, indent=2)
        f.write("\n")
    print("wrote %s (%s) in %.0f s" % (a.out, VERSION, time.time() - began))
    return 0


if __name__ == "__main__":
    sys.exit(main())
