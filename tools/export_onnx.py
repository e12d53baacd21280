#!/usr/bin/env python3
"""Export one time step of a StreamCell LSTM model directory to ONNX, with explicit state.

For the peers benchmark (docs/benchmarks.md "Peers"): ONNX Runtime steps the same weights as
StreamCell's kernels, with each key's h and c carried outside the model, as a Flink operator
carries them in keyed state. Run with the system python that has torch:

    /usr/bin/python3 tools/export_onnx.py MODEL_DIR OUT.onnx

The graph has inputs x[batch, input_size], h[layers, batch, hidden], c[layers, batch, hidden]
and outputs y[batch, outputs], h_out and c_out (shaped as h and c); batch is a dynamic axis.
The weights go through tools/export_pytorch.load_model, so they are the model directory's
PyTorch state_dict tensors (gate order i, f, g, o; bias_ih and bias_hh kept apart) in nn.LSTM.
Models with non-identity input or target scalers are refused: the graph would have to fold them in, and the
benchmark model has none.

The script checks the exported module against a hand-written float64 numpy step of the same
weights before writing (the onnx and onnxruntime Python packages are not needed; the Java
OnnxCheck compares ONNX Runtime with StreamCell's StepKernel).
"""

import argparse
import os
import sys

import numpy as np
import torch
from torch import nn

sys.dont_write_bytecode = True  # no tools/__pycache__ in the work tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_pytorch  # noqa: E402

OPSET = 14
CHECK_TOL = 1e-5


class LstmStep(nn.Module):
    """One step of rnn + head with the state as explicit inputs and outputs."""

    def __init__(self, rnn, head):
        super().__init__()
        self.rnn = rnn
        self.head = head

    def forward(self, x, h, c):
        out, (h_out, c_out) = self.rnn(x.unsqueeze(1), (h, c))  # batch_first: [batch, 1, input]
        return self.head(out[:, 0, :]), h_out, c_out


def numpy_step(sd, layers, x, h, c):
    """Float64 reference of one step, written from the nn.LSTM equations (gate order i, f, g, o)."""
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    inp = x.astype(np.float64)
    h_out = np.empty_like(h, dtype=np.float64)
    c_out = np.empty_like(c, dtype=np.float64)
    for l in range(layers):
        g = (inp @ sd["rnn.weight_ih_l%d" % l].T + sd["rnn.bias_ih_l%d" % l]
             + h[l] @ sd["rnn.weight_hh_l%d" % l].T + sd["rnn.bias_hh_l%d" % l])
        i, f, cand, o = np.split(g, 4, axis=1)
        c_out[l] = sig(f) * c[l] + sig(i) * np.tanh(cand)
        h_out[l] = sig(o) * np.tanh(c_out[l])
        inp = h_out[l]
    return inp @ sd["head.weight"].T + sd["head.bias"], h_out, c_out


def export(model_dir, out_path):
    config, rnn, head = export_pytorch.load_model(model_dir)
    if config["cell"] != "lstm":
        raise SystemExit("export_onnx: error: %s is a %s model; only lstm is supported" % (model_dir, config["cell"]))
    for scaler in ("input_scaler", "target_scaler"):
        s = config.get(scaler)
        if s is not None and (any(m != 0 for m in s["mean"]) or any(d != 1 for d in s["std"])):
            raise SystemExit("export_onnx: error: %s has a non-identity %s; only unscaled models are supported"
                             % (model_dir, scaler))
    step = LstmStep(rnn, head).eval()
    layers, hidden, inputs = rnn.num_layers, rnn.hidden_size, rnn.input_size

    gen = torch.Generator().manual_seed(3)
    x = torch.randn(5, inputs, generator=gen)
    h = torch.randn(layers, 5, hidden, generator=gen) * 0.5
    c = torch.randn(layers, 5, hidden, generator=gen)
    with torch.no_grad():
        got = step(x, h, c)
    sd = {k: v.detach().double().numpy() for k, v in list(rnn.named_parameters(prefix="rnn"))
          + list(head.named_parameters(prefix="head"))}
    want = numpy_step(sd, layers, x.double().numpy(), h.double().numpy(), c.double().numpy())
    for name, a, b in zip(("y", "h_out", "c_out"), got, want):
        err = float(np.max(np.abs(a.double().numpy() - b)))
        if err > CHECK_TOL:
            raise SystemExit("export_onnx: error: torch and the numpy reference differ on %s by %g" % (name, err))

    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    torch.onnx.export(
        step, (x, h, c), out_path,
        input_names=["x", "h", "c"],
        output_names=["y", "h_out", "c_out"],
        dynamic_axes={"x": {0: "batch"}, "h": {1: "batch"}, "c": {1: "batch"},
                      "y": {0: "batch"}, "h_out": {1: "batch"}, "c_out": {1: "batch"}},
        opset_version=OPSET,
        do_constant_folding=True)
    print("wrote %s (%d bytes): lstm input %d, hidden %d, %d layer(s), %d output(s), opset %d"
          % (out_path, os.path.getsize(out_path), inputs, hidden, layers, head.out_features, OPSET))


def main(argv=None):
    p = argparse.ArgumentParser(description="Export one step of a StreamCell LSTM model directory to ONNX "
                                            "with explicit h/c inputs and outputs.")
    p.add_argument("model_dir", help="StreamCell model directory (config.json + weights.safetensors)")
    p.add_argument("out", help="output .onnx file")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    export(a.model_dir, a.out)


if __name__ == "__main__":
    main()
