#!/usr/bin/env python3
"""Regenerate the golden test fixtures in src/test/resources/golden/.

Run with the system python that has torch:

    /usr/bin/python3 tools/make_golden.py [--out DIR]

Deletes the output directory and rewrites it from scratch. Everything is
deterministic (fixed seeds; torch runs single-threaded), so re-running on the
same machine gives byte-identical files.

Each case golden/<case>/ holds:
  model/             model directory written by export_pytorch.export_model
  input.csv          key,timestamp,<features...> rows, keys interleaved
                     (one case has no key column and ISO-8601 timestamps)
  expected.csv       key,timestamp,forecast_<target>[_h<k>]... one row per input row
  final_state.json   {key: {"h": [[layer floats]...], "c": [...]}} after each key's last event
and golden/cases.json lists the cases.

References are computed in float32 with torch (nn.LSTM / nn.GRU forward, or a
hand-written float32 loop for the GRU "before" variant) using the weights
exactly as stored in weights.safetensors. The script re-reads the safetensors
bytes with an independent parser, checks them against the torch parameters,
and re-runs every case in float64 numpy; it fails loudly if anything disagrees.
"""

import argparse
import datetime
import json
import os
import shutil
import struct
import sys
import zlib

import numpy as np
import torch
from torch import nn

sys.dont_write_bytecode = True  # no tools/__pycache__ in the work tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_pytorch  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO, "src", "test", "resources", "golden")
FIXED_CREATED = "2024-01-01T00:00:00Z"
EPOCH_MS_START = 1704067200000  # 2024-01-01T00:00:00Z
F64_TOL = 1e-5  # max |float32 torch - float64 numpy| on normalized outputs and states

# Realistic raw-unit scalers; all values are exact in binary (no float32/float64 ambiguity).
FEATURE_SCALES = {
    "temperature": (20.0, 5.0),
    "humidity": (55.0, 12.5),
    "pressure": (1013.25, 8.0),
    "wind_speed": (6.5, 3.25),
    "vibration": (0.75, 0.125),
    "current": (12.5, 2.5),
    "voltage": (230.0, 4.5),
    "rpm": (1500.0, 250.0),
    "flow": (42.0, 6.0),
    "load": (0.625, 0.25),
    "value": (0.0, 1.0),
}
FEATURE_POOL = ["temperature", "humidity", "pressure", "wind_speed", "vibration", "current", "voltage", "rpm"]


def case(name, cell, layers, inp, hidden, features=None, targets=None, horizon=1, gru_reset="after",
         dtype="F32", keys=None, scalers="both", k_init=1.0, bias_init=None, timestamps="epoch_ms",
         key_column=True):
    if features is None:
        features = FEATURE_POOL[:inp]
    assert len(features) == inp, name
    if targets is None:
        targets = [features[0]]
    if keys is None:
        keys = {"sensor-a": 520, "sensor-b": 540, "sensor-c": 500, "sensor-d": 560}
    return dict(name=name, cell=cell, layers=layers, input=inp, hidden=hidden, features=features,
                targets=targets, horizon=horizon, gru_reset=gru_reset if cell == "gru" else "after",
                dtype=dtype, keys=keys, scalers=scalers, k_init=k_init, bias_init=bias_init, timestamps=timestamps,
                key_column=key_column)


CASES = [
    case("lstm_1layer_in8_h16", "lstm", 1, 8, 16),
    case("lstm_2layer_in3_h32_2targets_horizon3", "lstm", 2, 3, 32,
         features=["temperature", "humidity", "pressure"], targets=["temperature", "humidity"], horizon=3,
         keys={"sensor-a": 510, "sensor-b": 530, "sensor-c": 520}, k_init=1.2),
    case("lstm_3layer_in1_h1_noscaler", "lstm", 3, 1, 1, features=["value"], targets=["value"],
         scalers="none", k_init=2.5, bias_init=0.1, keys={"sensor-a": 500, "sensor-b": 520, "sensor-c": 540}),
    case("lstm_1layer_in4_h256_2targets", "lstm", 1, 4, 256,
         features=["current", "voltage", "rpm", "vibration"], targets=["rpm", "vibration"],
         keys={"sensor-a": 500, "sensor-b": 510}, k_init=1.0),
    case("gru_after_1layer_in8_h16", "gru", 1, 8, 16, gru_reset="after"),
    case("gru_after_2layer_in2_h24_horizon4", "gru", 2, 2, 24, gru_reset="after",
         features=["flow", "pressure"], targets=["flow"], horizon=4,
         keys={"sensor-a": 530, "sensor-b": 500, "sensor-c": 515}, k_init=1.2),
    case("gru_after_3layer_in1_h1_inputscaler", "gru", 3, 1, 1, gru_reset="after",
         features=["temperature"], targets=["temperature"], scalers="input", k_init=2.0, bias_init=0.3,
         keys={"sensor-a": 505, "sensor-b": 525, "sensor-c": 545}),
    case("gru_before_1layer_in8_h16", "gru", 1, 8, 16, gru_reset="before"),
    case("gru_before_2layer_in3_h20_2targets_horizon2", "gru", 2, 3, 20, gru_reset="before",
         features=["wind_speed", "temperature", "humidity"], targets=["wind_speed", "temperature"], horizon=2,
         keys={"sensor-a": 520, "sensor-b": 500, "sensor-c": 540, "sensor-d": 510}, k_init=1.2),
    case("lstm_2layer_in4_h12_f64", "lstm", 2, 4, 12, dtype="F64",
         features=["temperature", "humidity", "pressure", "wind_speed"], targets=["temperature"],
         keys={"turbine-01": 500, "turbine-02": 530, "turbine-03": 515}, k_init=1.5),
    case("lstm_1layer_in5_h24_bf16", "lstm", 1, 5, 24, dtype="BF16",
         features=["current", "voltage", "rpm", "vibration", "load"], targets=["load"],
         keys={"pump-07": 520, "pump-11": 505, "pump-12": 540}, k_init=1.3),
    case("gru_after_2layer_in3_h16_f16", "gru", 2, 3, 16, gru_reset="after", dtype="F16",
         features=["flow", "pressure", "temperature"], targets=["flow", "pressure"],
         keys={"sensor-a": 510, "sensor-b": 525, "sensor-c": 500, "sensor-d": 535}, k_init=1.2),
    case("lstm_1layer_in2_h8_nokey_iso8601", "lstm", 1, 2, 8, features=["temperature", "humidity"],
         targets=["temperature"], keys={"": 600}, timestamps="iso8601", key_column=False),
]


# ---------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------

def f9(v):
    """float32 value as text with 9 significant digits (round-trips float32)."""
    return format(float(np.float32(v)), ".9g")


def j9(v):
    """float32 value as a Python float whose repr has <= 9 significant digits (for json)."""
    return float(f9(v))


def write_final_state(path, states, cell):
    lines = ["{"]
    items = list(states.items())
    for i, (key, st) in enumerate(items):
        lines.append("  %s: {" % json.dumps(key))
        parts = ["h", "c"] if cell == "lstm" else ["h"]
        for p_i, part in enumerate(parts):
            lines.append('    "%s": [' % part)
            layers = st[part]
            for l_i, layer in enumerate(layers):
                row = json.dumps([j9(v) for v in layer], separators=(", ", ": "))
                lines.append("      " + row + ("," if l_i < len(layers) - 1 else ""))
            lines.append("    ]" + ("," if p_i < len(parts) - 1 else ""))
        lines.append("  }" + ("," if i < len(items) - 1 else ""))
    lines.append("}")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

def decimals_for(std):
    return int(min(6, max(1, 3 - np.floor(np.log10(std)))))


def make_signal(rng, T):
    """Smooth-ish standardized signal: a few sinusoids + AR(1) noise + per-key offset."""
    t = np.arange(T, dtype=np.float64)
    z = np.zeros(T)
    n = int(rng.integers(2, 4))
    amps = rng.uniform(0.4, 1.0, size=n)
    amps /= np.sqrt(np.sum(amps ** 2) / 2.0)  # total sinusoid variance ~ 1
    amps *= 0.9
    for a in amps:
        period = rng.uniform(15.0, 250.0)
        z += a * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
    eps = rng.normal(0.0, 1.0, size=T)
    ar = np.zeros(T)
    phi = 0.8
    for i in range(T):
        ar[i] = (phi * ar[i - 1] if i else 0.0) + np.sqrt(1 - phi ** 2) * eps[i]
    z += 0.35 * ar + rng.uniform(-0.4, 0.4)
    return z


def make_inputs(rng, c, in_mean, in_std):
    """Returns rows: list of (key, ts_text, [value texts]) in file order, plus per-key raw sequences."""
    keys = list(c["keys"].keys())
    per_key_text = {}
    for k in keys:
        T = c["keys"][k]
        cols = []
        for fi in range(c["input"]):
            z = make_signal(rng, T)
            raw = in_mean[fi] + in_std[fi] * z
            d = decimals_for(in_std[fi])
            txt = []
            for v in raw:
                s = "%.*f" % (d, v)
                if float(s) == 0.0:
                    s = "%.*f" % (d, 0.0)  # no "-0.000"
                txt.append(s)
            cols.append(txt)
        per_key_text[k] = [[cols[fi][i] for fi in range(c["input"])] for i in range(T)]

    order = np.concatenate([np.full(c["keys"][k], i) for i, k in enumerate(keys)])
    rng.shuffle(order)
    rows = []
    pos = {k: 0 for k in keys}
    if c["timestamps"] == "epoch_ms":
        ts = EPOCH_MS_START + int(rng.integers(0, 3_600_000))
        for ki in order:
            k = keys[ki]
            ts += int(rng.integers(40, 1200))
            rows.append((k, str(ts), per_key_text[k][pos[k]]))
            pos[k] += 1
    else:
        t0 = datetime.datetime(2024, 1, 1, 0, 0, 0, tzinfo=datetime.timezone.utc)
        cur = t0
        first = True
        for ki in order:
            k = keys[ki]
            if not first:
                cur = cur + datetime.timedelta(seconds=int(rng.integers(30, 91)))
            first = False
            rows.append((k, cur.strftime("%Y-%m-%dT%H:%M:%SZ"), per_key_text[k][pos[k]]))
            pos[k] += 1
    return rows


# ---------------------------------------------------------------------------
# model + float32 reference
# ---------------------------------------------------------------------------

def build_modules(rng, c):
    I, H, L = c["input"], c["hidden"], c["layers"]
    out = len(c["targets"]) * c["horizon"]
    cls = nn.LSTM if c["cell"] == "lstm" else nn.GRU
    rnn = cls(I, H, num_layers=L, batch_first=True)
    head = nn.Linear(H, out)
    a = c["k_init"] / np.sqrt(H)
    ba = a if c["bias_init"] is None else c["bias_init"]
    ha = 2.0 / np.sqrt(H)
    f64 = c["dtype"] == "F64"
    if f64:
        rnn = rnn.double()
        head = head.double()
    with torch.no_grad():
        for n, p in rnn.named_parameters():
            lim = ba if n.startswith("bias") else a
            p.copy_(torch.from_numpy(rng.uniform(-lim, lim, size=tuple(p.shape))))
        head.weight.copy_(torch.from_numpy(rng.uniform(-ha, ha, size=tuple(head.weight.shape))))
        head.bias.copy_(torch.from_numpy(rng.uniform(-0.3, 0.3, size=tuple(head.bias.shape))))
    return rnn, head


def as_stored_float32(rnn, head, dtype):
    """Copies of rnn/head in float32 holding the weights exactly as stored in `dtype`."""
    tdt = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16}[dtype]
    r32 = type(rnn)(rnn.input_size, rnn.hidden_size, num_layers=rnn.num_layers, batch_first=True)
    h32 = nn.Linear(head.in_features, head.out_features)
    with torch.no_grad():
        for (n, p), (_, q) in zip(r32.named_parameters(), rnn.named_parameters()):
            p.copy_(q.detach().to(tdt).to(torch.float32))
        h32.weight.copy_(head.weight.detach().to(tdt).to(torch.float32))
        h32.bias.copy_(head.bias.detach().to(tdt).to(torch.float32))
    return r32.eval(), h32.eval()


def gru_before_torch(rnn, x):
    """GRU with reset applied before the hidden matmul (Cho 2014), float32 torch ops.

    x: (T, I) float32. Returns (top-layer outputs (T, H), final h per layer (L, H)).
    """
    H = rnn.hidden_size
    finals = []
    for l in range(rnn.num_layers):
        wih = getattr(rnn, "weight_ih_l%d" % l)
        whh = getattr(rnn, "weight_hh_l%d" % l)
        bih = getattr(rnn, "bias_ih_l%d" % l)
        bhh = getattr(rnn, "bias_hh_l%d" % l)
        gi = x @ wih.t() + bih  # (T, 3H)
        h = torch.zeros(H, dtype=torch.float32)
        outs = []
        for t in range(x.shape[0]):
            gh = h @ whh[:2 * H].t() + bhh[:2 * H]
            r = torch.sigmoid(gi[t, :H] + gh[:H])
            z = torch.sigmoid(gi[t, H:2 * H] + gh[H:2 * H])
            n = torch.tanh(gi[t, 2 * H:] + (r * h) @ whh[2 * H:].t() + bhh[2 * H:])
            h = (1 - z) * n + z * h
            outs.append(h)
        x = torch.stack(outs)
        finals.append(h)
    return x, torch.stack(finals)


def reference_f32(rnn, head, c, x32, in_mean, in_std):
    """x32: (T, I) float32 raw inputs. Returns (normalized head outputs (T, O), h (L,H), c (L,H) or None)."""
    with torch.no_grad():
        x = torch.from_numpy(x32)
        if in_mean is not None:
            x = (x - torch.tensor(in_mean, dtype=torch.float32)) / torch.tensor(in_std, dtype=torch.float32)
        if c["cell"] == "gru" and c["gru_reset"] == "before":
            out, hn = gru_before_torch(rnn, x)
            cn = None
        elif c["cell"] == "gru":
            out, hn = rnn(x[None])
            out, hn, cn = out[0], hn[:, 0, :], None
        else:
            out, (hn, cn) = rnn(x[None])
            out, hn, cn = out[0], hn[:, 0, :], cn[:, 0, :]
        y = head(out)
    return (y.numpy(), out.numpy(), hn.numpy(), None if cn is None else cn.numpy())


# ---------------------------------------------------------------------------
# independent float64 check (own safetensors parser + numpy)
# ---------------------------------------------------------------------------

def parse_safetensors_f64(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    assert n % 8 == 0, "header length not a multiple of 8"
    hdr = json.loads(raw[8:8 + n].decode("utf-8"))
    body = raw[8 + n:]
    hdr.pop("__metadata__", None)
    items = sorted(hdr.items(), key=lambda kv: kv[1]["data_offsets"][0])
    end = 0
    out = {}
    for name, info in items:
        b, e = info["data_offsets"]
        assert b == end, "tensors not contiguous at %s" % name
        end = e
        dt = info["dtype"]
        if dt == "F32":
            a = np.frombuffer(body[b:e], "<f4").astype(np.float64)
        elif dt == "F64":
            a = np.frombuffer(body[b:e], "<f8").astype(np.float64)
        elif dt == "F16":
            a = np.frombuffer(body[b:e], "<f2").astype(np.float64)
        elif dt == "BF16":
            bits = np.frombuffer(body[b:e], "<u2").astype(np.uint32) << 16
            a = bits.view("<f4").astype(np.float64)
        else:
            raise AssertionError("unexpected dtype %s" % dt)
        out[name] = a.reshape(info["shape"])
    assert end == len(body), "trailing bytes after tensors"
    return out


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def forward_f64(W, cfg, x):
    """Float64 re-implementation. x: (T, I) float64 raw. Returns (y_norm, top_h, h_final, c_final)."""
    sc = cfg.get("input_scaler")
    if sc:
        x = (x - np.array(sc["mean"])) / np.array(sc["std"])
    H, L = cfg["hidden_size"], cfg["num_layers"]
    hf, cf = [], []
    for l in range(L):
        wih, whh = W["rnn.weight_ih_l%d" % l], W["rnn.weight_hh_l%d" % l]
        bih, bhh = W["rnn.bias_ih_l%d" % l], W["rnn.bias_hh_l%d" % l]
        h = np.zeros(H)
        cst = np.zeros(H)
        outs = np.zeros((x.shape[0], H))
        for t in range(x.shape[0]):
            gi = wih @ x[t] + bih
            if cfg["cell"] == "lstm":
                g = gi + whh @ h + bhh
                i_, f_, g_, o_ = sigmoid(g[:H]), sigmoid(g[H:2 * H]), np.tanh(g[2 * H:3 * H]), sigmoid(g[3 * H:])
                cst = f_ * cst + i_ * g_
                h = o_ * np.tanh(cst)
            else:
                ghrz = whh[:2 * H] @ h + bhh[:2 * H]
                r = sigmoid(gi[:H] + ghrz[:H])
                z = sigmoid(gi[H:2 * H] + ghrz[H:2 * H])
                if cfg.get("gru_reset", "after") == "before":
                    n = np.tanh(gi[2 * H:] + whh[2 * H:] @ (r * h) + bhh[2 * H:])
                else:
                    n = np.tanh(gi[2 * H:] + r * (whh[2 * H:] @ h + bhh[2 * H:]))
                h = (1 - z) * n + z * h
            outs[t] = h
        x = outs
        hf.append(h)
        cf.append(cst)
    y = x @ W["head.weight"].T + W["head.bias"]
    return y, x, np.array(hf), (np.array(cf) if cfg["cell"] == "lstm" else None)


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def scalers_for(rng, c):
    in_mean = [FEATURE_SCALES[f][0] for f in c["features"]]
    in_std = [FEATURE_SCALES[f][1] for f in c["features"]]
    input_scaler = target_scaler = None
    if c["scalers"] in ("both", "input"):
        input_scaler = {"mean": in_mean, "std": in_std}
    if c["scalers"] == "both":
        # target scalers differ a little from the matching input scaler (as if fitted on another window),
        # so that mixing the two up shows; values stay exact in binary.
        tm, ts = [], []
        for t in c["targets"]:
            m, s = FEATURE_SCALES[t]
            tm.append(m + s * int(rng.integers(-4, 5)) / 16.0)
            ts.append(s * int(rng.integers(12, 21)) / 16.0)
        target_scaler = {"mean": tm, "std": ts}
    return in_mean, in_std, input_scaler, target_scaler


def out_columns(c):
    if c["horizon"] == 1:
        return ["forecast_%s" % t for t in c["targets"]]
    return ["forecast_%s_h%d" % (t, k) for k in range(1, c["horizon"] + 1) for t in c["targets"]]


def generate_case(root, c):
    seed = zlib.crc32(c["name"].encode("utf-8"))
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    cdir = os.path.join(root, c["name"])
    mdir = os.path.join(cdir, "model")
    os.makedirs(cdir)

    rnn, head = build_modules(rng, c)
    in_mean, in_std, input_scaler, target_scaler = scalers_for(rng, c)
    export_pytorch.export_model(
        (rnn, head), mdir, features=c["features"], targets=c["targets"], horizon=c["horizon"],
        input_scaler=input_scaler, target_scaler=target_scaler, version="golden-1",
        gru_reset=c["gru_reset"], dtype=c["dtype"],
        provenance={"created": FIXED_CREATED, "generator": "tools/make_golden.py", "case": c["name"],
                    "seed": str(seed)})
    r32, h32 = as_stored_float32(rnn, head, c["dtype"])

    # --- the writer wrote exactly the (rounded) weights: independent parse vs torch parameters
    W = parse_safetensors_f64(os.path.join(mdir, "weights.safetensors"))
    expected_names = []
    for l in range(c["layers"]):
        expected_names += ["rnn.%s_l%d" % (k, l) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    expected_names += ["head.weight", "head.bias"]
    assert list(W.keys()) == expected_names, (c["name"], list(W.keys()))
    ref_params = dict(("rnn." + n, p) for n, p in r32.named_parameters())
    ref_params.update({"head.weight": h32.weight, "head.bias": h32.bias})
    for n in expected_names:
        stored = W[n]
        ref = ref_params[n].detach().numpy().astype(np.float64)
        if c["dtype"] == "F64":
            orig = dict(("rnn." + k, p) for k, p in rnn.named_parameters())
            orig.update({"head.weight": head.weight, "head.bias": head.bias})
            assert np.array_equal(stored, orig[n].detach().numpy()), "F64 bytes differ for %s" % n
            assert np.array_equal(stored.astype(np.float32).astype(np.float64), ref), n
        else:
            assert np.array_equal(stored, ref), "stored %s differs from the reference weights" % n
    # round trip through the exporter's own loader too
    cfg_back, rb, hb = export_pytorch.load_model(mdir)
    for (n, p), (_, q) in zip(rb.named_parameters(), r32.named_parameters()):
        assert torch.equal(p, q), n
    with open(os.path.join(mdir, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)

    rows = make_inputs(rng, c, in_mean, in_std)
    keys = list(c["keys"].keys())
    per_key_idx = {k: [] for k in keys}
    for i, (k, _, _) in enumerate(rows):
        per_key_idx[k].append(i)

    O = len(c["targets"]) * c["horizon"]
    nt = len(c["targets"])
    tmean = np.array(target_scaler["mean"] if target_scaler else [0.0] * nt, dtype=np.float32)
    tstd = np.array(target_scaler["std"] if target_scaler else [1.0] * nt, dtype=np.float32)
    forecasts = [None] * len(rows)
    states = {}
    max_diff = 0.0
    y_stats = []
    for k in keys:
        idx = per_key_idx[k]
        assert len(idx) == c["keys"][k]
        texts = [rows[i][2] for i in idx]
        x32 = np.array([[np.float32(float(s)) for s in r] for r in texts], dtype=np.float32)
        y, top, hn, cn = reference_f32(r32, h32, c, x32, in_mean if input_scaler else None,
                                       in_std if input_scaler else None)
        assert np.isfinite(y).all()
        # denormalize in float32: step-major (horizon, targets)
        yd = (torch.from_numpy(y).reshape(-1, c["horizon"], nt) * torch.from_numpy(tstd)
              + torch.from_numpy(tmean)).reshape(-1, O).numpy()
        for j, i in enumerate(idx):
            forecasts[i] = yd[j]
        states[k] = {"h": hn.tolist()}
        if cn is not None:
            states[k]["c"] = cn.tolist()

        if c["cell"] == "gru" and c["gru_reset"] == "before":
            # the variant must matter: PyTorch's reset-after GRU with the same weights differs clearly
            with torch.no_grad():
                z = torch.from_numpy(x32)
                if input_scaler:
                    z = (z - torch.tensor(in_mean)) / torch.tensor(in_std)
                y_after = h32(r32(z[None])[0][0]).numpy()
            if not np.abs(y_after - y).max() > 1e-2:
                raise SystemExit("FAIL %s: reset before/after give nearly the same outputs" % c["name"])

        # independent float64 check (inputs as the float32 values the reference used)
        y64, top64, h64, c64 = forward_f64(W, cfg, x32.astype(np.float64))
        d = max(np.abs(y64 - y).max(), np.abs(top64 - top).max(), np.abs(h64 - hn).max(),
                0.0 if cn is None else np.abs(c64 - cn).max())
        if not d <= F64_TOL:
            raise SystemExit("FAIL %s key %r: float64 check differs by %.3g (> %g)" % (c["name"], k, d, F64_TOL))
        max_diff = max(max_diff, float(d))
        y_stats.append(float(np.std(y)))
        if not np.std(y) >= 0.02:
            raise SystemExit("FAIL %s key %r: outputs barely move (std %.3g); pick other weights"
                             % (c["name"], k, np.std(y)))

    # --- files
    feats = c["features"]
    with open(os.path.join(cdir, "input.csv"), "w", encoding="utf-8", newline="\n") as f:
        if c["key_column"]:
            f.write(",".join(["key", "timestamp"] + feats) + "\n")
            for k, ts, vals in rows:
                f.write(",".join([k, ts] + vals) + "\n")
        else:
            f.write(",".join(["timestamp"] + feats) + "\n")
            for k, ts, vals in rows:
                f.write(",".join([ts] + vals) + "\n")
    with open(os.path.join(cdir, "expected.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(["key", "timestamp"] + out_columns(c)) + "\n")
        for (k, ts, _), yv in zip(rows, forecasts):
            f.write(",".join([k, ts] + [f9(v) for v in yv]) + "\n")
    write_final_state(os.path.join(cdir, "final_state.json"), states, c["cell"])

    return {
        "name": c["name"],
        "cell": c["cell"],
        "gru_reset": c["gru_reset"] if c["cell"] == "gru" else None,
        "layers": c["layers"],
        "input": c["input"],
        "hidden": c["hidden"],
        "features": feats,
        "targets": c["targets"],
        "horizon": c["horizon"],
        "dtype": c["dtype"],
        "scalers": {"both": "input+target", "input": "input only", "none": "none (identity)"}[c["scalers"]],
        "key_column": c["key_column"],
        "timestamp_format": c["timestamps"],
        "keys": keys,
        "steps_per_key": dict(c["keys"]),
        "rows": len(rows),
        "f64_check_max_abs_diff": float("%.2g" % max_diff),
    }, y_stats


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=DEFAULT_OUT, help="output directory (deleted and rewritten), default %(default)s")
    p.add_argument("--only", action="append", help="generate only this case (repeatable; still wipes --out)")
    a = p.parse_args(argv)

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    out = os.path.abspath(a.out)
    if os.path.basename(out) != "golden" and os.path.exists(out) and os.listdir(out):
        raise SystemExit("refusing to wipe %s: not a directory named 'golden'" % out)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)

    listed = []
    for c in CASES:
        if a.only and c["name"] not in a.only:
            continue
        info, y_stats = generate_case(out, c)
        listed.append(info)
        print("%-48s rows=%5d  f64 diff=%.1e  std(y_norm)=%.3f" % (
            c["name"], info["rows"], info["f64_check_max_abs_diff"], min(y_stats)))
    with open(os.path.join(out, "cases.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump({
            "format": export_pytorch.FORMAT,
            "generator": "tools/make_golden.py",
            "reference": "float32 torch %s; checked against float64 numpy (tolerance %g)" % (torch.__version__, F64_TOL),
            "cases": listed,
        }, f, indent=2)
        f.write("\n")
    print("wrote %d cases to %s" % (len(listed), out))


if __name__ == "__main__":
    main()
