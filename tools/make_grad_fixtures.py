#!/usr/bin/env python3
"""Regenerate the PyTorch autograd gradient fixtures in src/test/resources/grad/.

For each case (LSTM, GRU with reset after = nn.GRU, and a hand-written GRU with
reset before = Cho 2014 / Keras reset_after=False; 1 and 2 layers) this script
makes a model with PyTorch's default initialisation (float32, then widened to
float64 exactly), a random scaled input sequence, random scaled targets with a
few NaN (masked) entries and, for some cases, a random carried initial state.
It computes, in float64,

    y_t  = head(h_top,t)                      (T x targets*horizon, step-major)
    loss = mse_loss(y[mask], targets[mask])   (mask = targets not NaN)

and loss.backward() (the initial state is a constant, as a detached state is
in truncated BPTT), and writes to src/test/resources/grad/<case>/:

    model/config.json, model/weights.safetensors   (export_pytorch.export_model, F32:
                                                    the weights are float32 values, so
                                                    F32 storage is exact)
    case.json   inputs, targets (null = masked), initial_state (or null), outputs,
                final_state, loss and the gradient of every parameter
                (PyTorch state_dict name -> {"shape", "values" row-major})

and grad/cases.json listing the cases. Floats are written with Python's repr
(shortest round-trip), so a double parser reads back the exact float64 values.

Run with the system Python that has torch:

    /usr/bin/python3 tools/make_grad_fixtures.py

Depends only on torch (and the numpy it brings, via export_pytorch) and the
standard library.
"""

import argparse
import json
import math
import os
import shutil
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_pytorch  # noqa: E402

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "grad")

CASES = [
    # name, cell, gru_reset, layers, input, hidden, targets, horizon, steps, carried initial state
    ("lstm_1layer_in3_h4", "lstm", "after", 1, 3, 4, 1, 1, 7, False),
    ("lstm_2layer_in3_h5_2targets_horizon2_carried", "lstm", "after", 2, 3, 5, 2, 2, 6, True),
    ("gru_after_1layer_in3_h4_2targets_horizon2", "gru", "after", 1, 3, 4, 2, 2, 7, False),
    ("gru_after_2layer_in3_h4_2targets_horizon2_carried", "gru", "after", 2, 3, 4, 2, 2, 6, True),
    ("gru_before_1layer_in3_h4_2targets_horizon2", "gru", "before", 1, 3, 4, 2, 2, 7, False),
    ("gru_before_2layer_in2_h5_2targets_horizon2_carried", "gru", "before", 2, 2, 5, 2, 2, 6, True),
]


def gru_before(rnn, x, h0):
    """GRU with the reset gate applied before the hidden matmul, float64 autograd.

    n = tanh(W_in x + b_in + W_hn (r * h) + b_hn); x: (T, I); h0: (L, H).
    Returns (top-layer outputs (T, H), final h (L, H)).
    """
    H = rnn.hidden_size
    finals = []
    for l in range(rnn.num_layers):
        wih = getattr(rnn, "weight_ih_l%d" % l)
        whh = getattr(rnn, "weight_hh_l%d" % l)
        bih = getattr(rnn, "bias_ih_l%d" % l)
        bhh = getattr(rnn, "bias_hh_l%d" % l)
        h = h0[l]
        outs = []
        for t in range(x.shape[0]):
            gi = wih @ x[t] + bih
            gh = whh[:2 * H] @ h + bhh[:2 * H]
            r = torch.sigmoid(gi[:H] + gh[:H])
            z = torch.sigmoid(gi[H:2 * H] + gh[H:])
            n = torch.tanh(gi[2 * H:] + whh[2 * H:] @ (r * h) + bhh[2 * H:])
            h = (1 - z) * n + z * h
            outs.append(h)
        x = torch.stack(outs)
        finals.append(h)
    return x, torch.stack(finals)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def rows(t):
    return [[None if math.isnan(v) else float(v) for v in row] for row in t.tolist()]


def generate(root, spec, seed):
    name, cell, reset, L, I, H, n_targets, horizon, T, carried = spec
    torch.manual_seed(seed)
    cls = nn.LSTM if cell == "lstm" else nn.GRU
    rnn = cls(I, H, num_layers=L, batch_first=True)  # PyTorch default init, float32
    head = nn.Linear(H, n_targets * horizon)
    rnn, head = rnn.double(), head.double()           # exact: every float32 is a float64
    O = n_targets * horizon

    x = torch.randn(T, I, dtype=torch.float64)
    targets = torch.randn(T, O, dtype=torch.float64)
    targets[1, 0] = float("nan")
    targets[T - 1, O - 1] = float("nan")
    if O > 1:
        targets[T - 2, 1] = float("nan")
    h0 = 0.5 * torch.randn(L, H, dtype=torch.float64) if carried else torch.zeros(L, H, dtype=torch.float64)
    c0 = 0.5 * torch.randn(L, H, dtype=torch.float64) if carried else torch.zeros(L, H, dtype=torch.float64)

    if cell == "gru" and reset == "before":
        out, hn = gru_before(rnn, x, h0)
        cn = None
    elif cell == "gru":
        out, hn = rnn(x[None], h0[:, None, :])
        out, hn, cn = out[0], hn[:, 0, :], None
    else:
        out, (hn, cn) = rnn(x[None], (h0[:, None, :], c0[:, None, :]))
        out, hn, cn = out[0], hn[:, 0, :], cn[:, 0, :]
    y = head(out)
    mask = ~torch.isnan(targets)
    loss = F.mse_loss(y[mask], targets[mask])
    loss.backward()

    tensors = export_pytorch._state_tensors(rnn, head)
    for tname, p in tensors:
        if not torch.equal(p.detach().float().double(), p.detach()):
            raise SystemExit("FAIL %s: %s is not float32-exact" % (name, tname))
        if p.grad is None or not torch.isfinite(p.grad).all():
            raise SystemExit("FAIL %s: no finite gradient for %s" % (name, tname))

    case_dir = os.path.join(root, name)
    export_pytorch.export_model(
        (rnn, head), os.path.join(case_dir, "model"),
        features=["x%d" % i for i in range(I)], targets=["y%d" % i for i in range(n_targets)],
        horizon=horizon, version="grad-fixture", gru_reset=reset, dtype="F32",
        provenance={"tool": "make_grad_fixtures.py", "created": "fixed", "seed": seed})
    state = {"h": [flat(h) for h in h0]}
    final = {"h": [flat(h) for h in hn]}
    if cell == "lstm":
        state["c"] = [flat(c) for c in c0]
        final["c"] = [flat(c) for c in cn]
    doc = {
        "name": name,
        "cell": cell,
        "gru_reset": reset if cell == "gru" else None,
        "layers": L,
        "seed": seed,
        "loss_definition": "mse_loss(y[mask], targets[mask]), mask = targets not null; float64 autograd",
        "inputs": rows(x),
        "targets": rows(targets),
        "initial_state": state if carried else None,
        "outputs": rows(y.detach()),
        "final_state": final,
        "loss": float(loss.item()),
        "gradients": {tname: {"shape": list(p.shape), "values": flat(p.grad)} for tname, p in tensors},
    }
    with open(os.path.join(case_dir, "case.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    return {"name": name, "cell": cell, "gru_reset": doc["gru_reset"], "layers": L, "input": I, "hidden": H,
            "targets": n_targets, "horizon": horizon, "steps": T, "carried_state": carried, "seed": seed,
            "loss": doc["loss"]}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=DEFAULT_OUT, help="output directory (deleted and rewritten), default %(default)s")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    out = os.path.abspath(a.out)
    if os.path.basename(out) != "grad" and os.path.exists(out) and os.listdir(out):
        raise SystemExit("refusing to wipe %s: not a directory named 'grad'" % out)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    listed = []
    for i, spec in enumerate(CASES):
        info = generate(out, spec, seed=1000 + i)
        listed.append(info)
        print("%-52s loss=%.6f" % (info["name"], info["loss"]))
    with open(os.path.join(out, "cases.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump({"generator": "tools/make_grad_fixtures.py", "torch": torch.__version__, "cases": listed}, f, indent=2)
        f.write("\n")
    print("wrote %d cases to %s" % (len(listed), out))


if __name__ == "__main__":
    main()
