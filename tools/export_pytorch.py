#!/usr/bin/env python3
"""Export a PyTorch LSTM/GRU forecaster to a StreamCell model directory.

A StreamCell model directory holds two files:

  config.json          format "streamcell-model/1", cell, gru_reset, sizes,
                       feature/target names, horizon, scalers, version,
                       provenance
  weights.safetensors  the tensors rnn.weight_ih_l{k}, rnn.weight_hh_l{k},
                       rnn.bias_ih_l{k}, rnn.bias_hh_l{k}, head.weight,
                       head.bias (PyTorch state_dict names and layouts)

The safetensors file is written by hand (no `safetensors` package needed):
8-byte little-endian u64 header length N, N bytes of UTF-8 JSON header
(padded with spaces to a multiple of 8), then the raw little-endian tensor
bytes, contiguous, in offset order.

Use as a library:

    from export_pytorch import export_model
    export_model(model, "models/temp", features=["temperature", "humidity"],
                 targets=["temperature"], horizon=1,
                 input_scaler={"mean": [20.0, 50.0], "std": [5.0, 10.0]})

where `model` has submodules `rnn` (nn.LSTM / nn.GRU, batch_first=True) and
`head` (nn.Linear(hidden, len(targets) * horizon)), or is an (rnn, head) pair.

Or from the command line (run with the system python that has torch):

    /usr/bin/python3 tools/export_pytorch.py --module model.pt \\
        --features temperature,humidity --targets temperature --horizon 1 \\
        --input-mean 20,50 --input-std 5,10 --out models/temp

Depends only on torch, numpy and the standard library.
"""

import argparse
import datetime
import importlib
import json
import math
import os
import struct
import sys
import tempfile

import numpy as np
import torch
from torch import nn

FORMAT = "streamcell-model/1"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"
DTYPES = ("F32", "F64", "F16", "BF16")
GRU_RESETS = ("after", "before")


class ExportError(ValueError):
    """Raised when a module or an argument cannot be exported as asked."""


# ---------------------------------------------------------------------------
# safetensors
# ---------------------------------------------------------------------------

def _tensor_bytes(t, dtype):
    """Raw little-endian bytes of tensor `t` converted to `dtype`."""
    t = t.detach().cpu().contiguous()
    if not torch.is_floating_point(t):
        raise ExportError("only floating point tensors can be written, got %s" % t.dtype)
    if dtype == "F32":
        arr = t.to(torch.float32).numpy().astype("<f4", copy=False)
    elif dtype == "F64":
        arr = t.to(torch.float64).numpy().astype("<f8", copy=False)
    elif dtype == "F16":
        if t.numel() and float(t.abs().max()) > 65504.0:
            raise ExportError("a value exceeds the F16 range (65504)")
        arr = t.to(torch.float16).numpy().astype("<f2", copy=False)
    elif dtype == "BF16":
        # torch rounds to nearest even; view the 16 bits as int16 for numpy.
        arr = t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2", copy=False)
    else:
        raise ExportError("unsupported dtype %r (expected one of %s)" % (dtype, ", ".join(DTYPES)))
    return np.ascontiguousarray(arr).tobytes()


def write_safetensors(path, tensors, dtype="F32", metadata=None):
    """Write an ordered list of (name, tensor) pairs as a safetensors file.

    All tensors are stored with the same `dtype` ("F32", "F64", "F16", "BF16"),
    in the given order. `metadata` is an optional {str: str} dict stored as
    "__metadata__".
    """
    header = {}
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise ExportError("safetensors metadata must map str to str")
        header["__metadata__"] = dict(metadata)
    chunks = []
    offset = 0
    for name, t in tensors:
        if name in header:
            raise ExportError("duplicate tensor name %r" % name)
        data = _tensor_bytes(t, dtype)
        header[name] = {
            "dtype": dtype,
            "shape": [int(s) for s in t.shape],
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    hjson = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    hjson += b" " * ((-len(hjson)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for c in chunks:
            f.write(c)


def read_safetensors(path):
    """Read a safetensors file written by write_safetensors (or any F32/F64/F16/BF16 one).

    Returns (tensors, metadata): tensors is a dict name -> numpy array (float32
    for F32/F16/BF16, float64 for F64), in header order; metadata a dict or {}.
    """
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ExportError("%s: too short for a safetensors file" % path)
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ExportError("%s: header length %d exceeds file size" % (path, n))
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    buf = raw[8 + n:]
    metadata = header.pop("__metadata__", None) or {}
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        shape = tuple(info["shape"])
        data = buf[b:e]
        dt = info["dtype"]
        if dt == "F32":
            a = np.frombuffer(data, dtype="<f4")
        elif dt == "F64":
            a = np.frombuffer(data, dtype="<f8")
        elif dt == "F16":
            a = np.frombuffer(data, dtype="<f2").astype(np.float32)
        elif dt == "BF16":
            a = (np.frombuffer(data, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ExportError("%s: unsupported dtype %s for %s" % (path, dt, name))
        expected = int(np.prod(shape)) if shape else 1
        if a.size != expected:
            raise ExportError("%s: tensor %s has %d values, shape %s needs %d"
                              % (path, name, a.size, list(shape), expected))
        out[name] = a.reshape(shape).copy()
    return out, metadata


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------

def _names(value, what):
    if isinstance(value, str):
        value = [s.strip() for s in value.split(",")]
    value = list(value)
    if not value:
        raise ExportError("%s must not be empty" % what)
    for v in value:
        if not isinstance(v, str) or not v:
            raise ExportError("%s must be non-empty strings, got %r" % (what, v))
        if "," in v or "\n" in v or '"' in v:
            raise ExportError("%s name %r must not contain commas, quotes or newlines" % (what, v))
    if len(set(value)) != len(value):
        raise ExportError("%s contains duplicates: %r" % (what, value))
    return value


def _scaler(scaler, n, what):
    if scaler is None:
        return None
    if not isinstance(scaler, dict) or set(scaler) - {"mean", "std"} or "mean" not in scaler or "std" not in scaler:
        raise ExportError('%s must be {"mean": [...], "std": [...]}' % what)
    mean = [float(v) for v in np.asarray(scaler["mean"], dtype=np.float64).reshape(-1)]
    std = [float(v) for v in np.asarray(scaler["std"], dtype=np.float64).reshape(-1)]
    if len(mean) != n or len(std) != n:
        raise ExportError("%s needs %d means and %d stds, got %d and %d" % (what, n, n, len(mean), len(std)))
    for m in mean:
        if not math.isfinite(m):
            raise ExportError("%s mean must be finite, got %r" % (what, m))
    for s in std:
        if not math.isfinite(s) or s <= 0:
            raise ExportError("%s std must be finite and > 0, got %r" % (what, s))
    return {"mean": mean, "std": std}


def _split(module_or_pair):
    if isinstance(module_or_pair, (tuple, list)):
        if len(module_or_pair) != 2:
            raise ExportError("expected an (rnn, head) pair, got %d items" % len(module_or_pair))
        rnn, head = module_or_pair
    elif isinstance(module_or_pair, nn.Module):
        rnn = getattr(module_or_pair, "rnn", None)
        head = getattr(module_or_pair, "head", None)
        if rnn is None or head is None:
            raise ExportError("module %s has no `rnn` and `head` submodules; pass an (rnn, head) pair instead"
                              % type(module_or_pair).__name__)
    else:
        raise ExportError("expected an nn.Module or an (rnn, head) pair, got %s" % type(module_or_pair).__name__)
    return rnn, head


def check_modules(rnn, head):
    """Validate an (rnn, head) pair; returns the cell name "lstm" or "gru"."""
    if isinstance(rnn, nn.LSTM):
        cell = "lstm"
        if getattr(rnn, "proj_size", 0):
            raise ExportError("LSTM with proj_size=%d is not supported" % rnn.proj_size)
    elif isinstance(rnn, nn.GRU):
        cell = "gru"
    else:
        raise ExportError("rnn must be torch.nn.LSTM or torch.nn.GRU, got %s" % type(rnn).__name__)
    if not rnn.batch_first:
        raise ExportError("rnn must be built with batch_first=True (StreamCell feeds one event per step; "
                          "the weights do not depend on it, so set rnn.batch_first = True before exporting)")
    if rnn.bidirectional:
        raise ExportError("bidirectional RNNs cannot run on a stream; use bidirectional=False")
    if not rnn.bias:
        raise ExportError("rnn must have bias=True")
    if not isinstance(head, nn.Linear):
        raise ExportError("head must be torch.nn.Linear, got %s" % type(head).__name__)
    if head.bias is None:
        raise ExportError("head must have bias=True")
    if head.in_features != rnn.hidden_size:
        raise ExportError("head.in_features (%d) != rnn.hidden_size (%d)" % (head.in_features, rnn.hidden_size))
    return cell


def _state_tensors(rnn, head):
    tensors = []
    for k in range(rnn.num_layers):
        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            name = "%s_l%d" % (kind, k)
            tensors.append(("rnn." + name, getattr(rnn, name)))
    tensors.append(("head.weight", head.weight))
    tensors.append(("head.bias", head.bias))
    for name, t in tensors:
        if not torch.isfinite(t.detach()).all():
            raise ExportError("tensor %s contains NaN or Inf" % name)
    return tensors


# ---------------------------------------------------------------------------
# export / load
# ---------------------------------------------------------------------------

def export_model(module_or_pair, out_dir, features, targets, horizon=1, input_scaler=None,
                 target_scaler=None, version="1", gru_reset="after", dtype="F32", provenance=None,
                 overwrite=False):
    """Write `out_dir`/config.json and `out_dir`/weights.safetensors.

    module_or_pair: a module with `rnn` and `head` submodules, or an (rnn, head) pair.
    features / targets: lists of names (or comma-separated strings).
    input_scaler / target_scaler: {"mean": [...], "std": [...]} or None (identity).
    gru_reset: "after" (PyTorch nn.GRU) or "before" (Cho 2014 / Keras reset_after=False);
        GRU only.
    dtype: storage dtype of the weights: "F32" (default), "F64", "F16" or "BF16".
    provenance: extra provenance entries; merged over {"tool", "torch", "created"}.
    Returns the config dict that was written.
    """
    rnn, head = _split(module_or_pair)
    cell = check_modules(rnn, head)
    features = _names(features, "features")
    targets = _names(targets, "targets")
    if isinstance(horizon, bool) or int(horizon) != horizon or int(horizon) < 1:
        raise ExportError("horizon must be an integer >= 1, got %r" % (horizon,))
    horizon = int(horizon)
    if len(features) != rnn.input_size:
        raise ExportError("%d features given but rnn.input_size is %d" % (len(features), rnn.input_size))
    if head.out_features != len(targets) * horizon:
        raise ExportError("head.out_features is %d but len(targets) * horizon = %d * %d = %d"
                          % (head.out_features, len(targets), horizon, len(targets) * horizon))
    if gru_reset not in GRU_RESETS:
        raise ExportError("gru_reset must be 'after' or 'before', got %r" % (gru_reset,))
    if cell == "lstm" and gru_reset != "after":
        raise ExportError("gru_reset=%r only makes sense for a GRU" % (gru_reset,))
    if dtype not in DTYPES:
        raise ExportError("dtype must be one of %s, got %r" % (", ".join(DTYPES), dtype))
    input_scaler = _scaler(input_scaler, len(features), "input_scaler")
    target_scaler = _scaler(target_scaler, len(targets), "target_scaler")
    if not isinstance(version, str) or not version:
        raise ExportError("version must be a non-empty string")

    prov = {
        "tool": "export_pytorch.py",
        "torch": torch.__version__,
        "created": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        .isoformat().replace("+00:00", "Z"),
    }
    if provenance:
        prov.update(provenance)

    config = {"format": FORMAT, "cell": cell}
    if cell == "gru":
        config["gru_reset"] = gru_reset
    config.update({
        "input_size": int(rnn.input_size),
        "hidden_size": int(rnn.hidden_size),
        "num_layers": int(rnn.num_layers),
        "features": features,
        "targets": targets,
        "horizon": horizon,
    })
    if input_scaler is not None:
        config["input_scaler"] = input_scaler
    if target_scaler is not None:
        config["target_scaler"] = target_scaler
    config["version"] = version
    config["provenance"] = prov

    tensors = _state_tensors(rnn, head)

    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ExportError("%s exists and is not a directory" % out_dir)
    os.makedirs(out_dir, exist_ok=True)
    cfg_path = os.path.join(out_dir, CONFIG_FILE)
    w_path = os.path.join(out_dir, WEIGHTS_FILE)
    if not overwrite:
        for p in (cfg_path, w_path):
            if os.path.exists(p):
                raise ExportError("%s already exists (pass overwrite=True / --force)" % p)
    # write to temp files in the same directory, then rename
    fd, tmp_w = tempfile.mkstemp(dir=out_dir, prefix=".weights-")
    os.close(fd)
    fd, tmp_c = tempfile.mkstemp(dir=out_dir, prefix=".config-")
    os.close(fd)
    try:
        write_safetensors(tmp_w, tensors, dtype=dtype, metadata={"format": "pt", "streamcell": FORMAT})
        with open(tmp_c, "w", encoding="utf-8") as f:
            json.dump(config, f, indent=2)
            f.write("\n")
        umask = os.umask(0)
        os.umask(umask)
        for p in (tmp_w, tmp_c):  # mkstemp creates 0600 files
            os.chmod(p, 0o666 & ~umask)
        os.replace(tmp_w, w_path)
        os.replace(tmp_c, cfg_path)
    finally:
        for p in (tmp_w, tmp_c):
            if os.path.exists(p):
                os.remove(p)
    return config


def modules_from_state_dict(sd):
    """Rebuild (rnn, head) from a state_dict with rnn.* and head.* entries."""
    if "rnn.weight_ih_l0" not in sd or "rnn.weight_hh_l0" not in sd:
        raise ExportError("state_dict has no rnn.weight_ih_l0 / rnn.weight_hh_l0")
    for name in ("head.weight", "head.bias"):
        if name not in sd:
            raise ExportError("state_dict has no %s" % name)
    wih = sd["rnn.weight_ih_l0"]
    whh = sd["rnn.weight_hh_l0"]
    hidden = int(whh.shape[1])
    gates = int(whh.shape[0]) // hidden
    if gates == 4:
        cls = nn.LSTM
    elif gates == 3:
        cls = nn.GRU
    else:
        raise ExportError("rnn.weight_hh_l0 has shape %s: neither LSTM (4H x H) nor GRU (3H x H)"
                          % list(whh.shape))
    layers = 0
    while "rnn.weight_ih_l%d" % layers in sd:
        layers += 1
    rnn = cls(int(wih.shape[1]), hidden, num_layers=layers, batch_first=True)
    head = nn.Linear(hidden, int(sd["head.weight"].shape[0]))
    with torch.no_grad():
        for name, p in list(rnn.named_parameters()):
            p.copy_(torch.as_tensor(np.asarray(sd["rnn." + name])).to(p.dtype))
        head.weight.copy_(torch.as_tensor(np.asarray(sd["head.weight"])).to(torch.float32))
        head.bias.copy_(torch.as_tensor(np.asarray(sd["head.bias"])).to(torch.float32))
    return rnn, head


def load_model(model_dir):
    """Load a model directory back: returns (config, rnn, head) with float32 weights."""
    with open(os.path.join(model_dir, CONFIG_FILE), encoding="utf-8") as f:
        config = json.load(f)
    if config.get("format") != FORMAT:
        raise ExportError("%s: format is %r, expected %r" % (model_dir, config.get("format"), FORMAT))
    tensors, _ = read_safetensors(os.path.join(model_dir, WEIGHTS_FILE))
    rnn, head = modules_from_state_dict({k: v.astype(np.float32) for k, v in tensors.items()})
    return config, rnn, head


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------

def _floats(s, what):
    if s is None:
        return None
    try:
        return [float(v) for v in s.split(",")]
    except ValueError:
        raise ExportError("%s must be a comma-separated list of numbers, got %r" % (what, s))


def _cli_scaler(mean, std, what):
    if mean is None and std is None:
        return None
    if mean is None or std is None:
        raise ExportError("%s needs both --%s-mean and --%s-std" % (what, what, what))
    return {"mean": _floats(mean, what + " mean"), "std": _floats(std, what + " std")}


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Export a torch.save'd LSTM/GRU forecaster (module with `rnn` and `head` submodules, "
                    "or a state_dict with rnn.* / head.* entries) to a StreamCell model directory.")
    p.add_argument("--module", required=True, help="file written by torch.save(model) or torch.save(model.state_dict())")
    p.add_argument("--import", dest="imports", action="append", default=[], metavar="PYMODULE",
                   help="import this Python module first (defines the model class for unpickling); repeatable")
    p.add_argument("--features", required=True, help="comma-separated input feature names (input_size of them)")
    p.add_argument("--targets", required=True, help="comma-separated target names")
    p.add_argument("--horizon", type=int, default=1, help="steps ahead (head outputs = targets * horizon)")
    p.add_argument("--input-mean", help="comma-separated input scaler means")
    p.add_argument("--input-std", help="comma-separated input scaler stds")
    p.add_argument("--target-mean", help="comma-separated target scaler means")
    p.add_argument("--target-std", help="comma-separated target scaler stds")
    p.add_argument("--gru-reset", choices=GRU_RESETS, default="after",
                   help="GRU variant: after = PyTorch nn.GRU (default), before = Cho 2014 / Keras reset_after=False")
    p.add_argument("--dtype", choices=DTYPES, default="F32", help="weight storage dtype (default F32)")
    p.add_argument("--version", default="1", help="model version string (default 1)")
    p.add_argument("--out", required=True, help="output model directory")
    p.add_argument("--force", action="store_true", help="overwrite an existing config.json / weights.safetensors")
    a = p.parse_args(argv)

    try:
        sys.path.insert(0, os.getcwd())
        for m in a.imports:
            try:
                importlib.import_module(m)
            except ImportError as e:
                raise ExportError("cannot import %s: %s" % (m, e))
        try:
            try:
                obj = torch.load(a.module, map_location="cpu", weights_only=False)
            except TypeError:  # torch < 1.13 has no weights_only
                obj = torch.load(a.module, map_location="cpu")
        except (AttributeError, ModuleNotFoundError, ImportError) as e:
            raise ExportError("cannot unpickle %s: %s (the model's class must be importable: "
                              "use --import MODULE, or save a state_dict instead)" % (a.module, e))
        except Exception as e:
            raise ExportError("cannot load %s with torch.load: %s" % (a.module, e))
        if isinstance(obj, dict):
            obj = modules_from_state_dict(obj)
        config = export_model(
            obj, a.out, features=a.features, targets=a.targets, horizon=a.horizon,
            input_scaler=_cli_scaler(a.input_mean, a.input_std, "input"),
            target_scaler=_cli_scaler(a.target_mean, a.target_std, "target"),
            version=a.version, gru_reset=a.gru_reset, dtype=a.dtype,
            provenance={"source": os.path.basename(a.module)}, overwrite=a.force)
    except (ExportError, OSError) as e:
        print("export_pytorch: error: %s" % e, file=sys.stderr)
        return 2
    print("wrote %s (%s, %d layer(s), hidden %d, %s)" % (
        a.out, config["cell"], config["num_layers"], config["hidden_size"], a.dtype))
    return 0


if __name__ == "__main__":
    sys.exit(main())
