#!/usr/bin/python3
"""Measures a univariate model (the bundled zero-shot model by default) on public series, each its own
key, through `streamcell replay` exactly as a user runs it.

    tools/zeroshot_eval.py --nab NAB/data --etth2 DATA/ETTh2.csv [--model DIR] [--adaptation model|off]

ETTh2: every column a key over rows [0, 14400); one-step MSE over rows [3600, 14400) in the space
z-scored with rows [0, 2880) (the online protocol of FSNet and OneNet), next to the last value's.
NAB: every file a key; one-step MSE in the file's own z units (its mean and standard deviation) over
the rows after NAB's probationary period (the first 15 %, at most 750 rows), next to the last value's.
For both, the largest distance of a forecast from the key's last value in running standard deviations
(mean and variance with a half-life of 500 rows, as the forecast recipe keeps them).

Needs numpy and pandas (Debian: python3-numpy, python3-pandas); run from the project root.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd


def running_std(values, half_life=500.0):
    rate = 1 - 0.5 ** (1 / half_life)
    mean = 0.0
    var = 0.0
    out = np.empty(len(values))
    for t, x in enumerate(values):
        w = max(1.0 / (t + 1), rate)
        d = x - mean
        mean += w * d
        var = (1 - w) * (var + w * d * d)
        out[t] = np.sqrt(var)
    return out


def distance(forecasts, values):
    """Largest |forecast - last value| in the key's running standard deviations (values as the key saw them,
    float32); rows where the running deviation is still 0 count only if the forecast moved."""
    seen = values.astype(np.float32).astype(float)
    std = running_std(seen)
    # a float32 round-off (the CSV text parsed straight to float32 in the job) is not a move
    moved = np.abs(forecasts - seen)
    moved = np.where(moved <= 1e-6 * np.maximum(np.abs(seen), 1), 0, moved)
    return np.max(np.where(std > 0, moved / np.where(std > 0, std, 1), np.where(moved > 0, np.inf, 0)))


def replay(streamcell, model, adaptation, readings, output):
    cmd = [streamcell, "replay", "--input", readings, "--output", output, "--adaptation", adaptation]
    if model:
        cmd += ["--model", model]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return pd.read_csv(output)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nab", required=True, help="NAB's data directory")
    parser.add_argument("--etth2", required=True, help="ETTh2.csv")
    parser.add_argument("--model", help="model directory (default: the bundled zero-shot model)")
    parser.add_argument("--adaptation", default="model")
    parser.add_argument("--streamcell", default="./streamcell")
    args = parser.parse_args()
    work = tempfile.mkdtemp()

    ett = pd.read_csv(args.etth2)
    columns = [c for c in ett.columns if c != ett.columns[0]]
    times = pd.to_datetime(ett[ett.columns[0]]).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    long = pd.concat([pd.DataFrame({"key": c, "timestamp": times[:14400], "value": ett[c][:14400]}) for c in columns])
    long.to_csv(os.path.join(work, "ett.csv"), index=False)
    f = replay(args.streamcell, args.model, args.adaptation, os.path.join(work, "ett.csv"), os.path.join(work, "ett-f.csv"))
    total, naive_total, worst = 0.0, 0.0, 0.0
    print("ETTh2 columns, each its own key (test rows, z units of the training rows)")
    print("%-6s %9s %9s %7s %9s" % ("column", "MSE", "naive", "ratio", "max dist"))
    for c in columns:
        v = ett[c].values[:14400].astype(float)
        mu, sd = v[:2880].mean(), v[:2880].std()
        fc = f[f["key"] == c]["forecast_value"].values.astype(float)
        pred, truth, last = (fc[3599:14399] - mu) / sd, (v[3600:14400] - mu) / sd, (v[3599:14399] - mu) / sd
        mse, naive = np.mean((pred - truth) ** 2), np.mean((last - truth) ** 2)
        dist = distance(fc, v)
        worst = max(worst, dist)
        total += mse
        naive_total += naive
        print("%-6s %9.4f %9.4f %7.3f %9.2f" % (c, mse, naive, mse / naive, dist))
    print("%-6s %9.4f %9.4f %7.3f %9.2f" % ("mean", total / len(columns), naive_total / len(columns),
                                           total / naive_total, worst))

    frames = []
    for root, _, files in os.walk(args.nab):
        for name in sorted(files):
            if name.endswith(".csv"):
                key = os.path.relpath(os.path.join(root, name), args.nab)
                d = pd.read_csv(os.path.join(root, name))
                frames.append(pd.DataFrame({"key": key, "timestamp": d["timestamp"], "value": d["value"]}))
    pd.concat(frames).to_csv(os.path.join(work, "nab.csv"), index=False)
    f = replay(args.streamcell, args.model, args.adaptation, os.path.join(work, "nab.csv"), os.path.join(work, "nab-f.csv"))
    ratios, mses, naives, worst, better, counted = [], [], [], 0.0, 0, 0
    for frame in frames:
        key = frame["key"].iloc[0]
        v = frame["value"].values.astype(float)
        fc = f[f["key"] == key]["forecast_value"].values.astype(float)
        sd = v.std()
        dist = distance(fc, v)
        worst = max(worst, dist)
        if sd == 0:
            continue  # a constant series: the forecast is its value
        start = min(int(0.15 * len(v)), 750)
        pred, truth, last = fc[start:-1] / sd, v[start + 1:] / sd, v[start:-1] / sd
        mse, naive = np.mean((pred - truth) ** 2), np.mean((last - truth) ** 2)
        mses.append(mse)
        naives.append(naive)
        counted += 1
        better += mse < naive
    print("NAB, %d series with a spread (each its own key; rows after the probationary period, the file's z units)"
          % counted)
    print("mean MSE %.4f, naive %.4f, ratio %.3f; better than naive on %d of %d; max dist %.2f (all %d series)"
          % (np.mean(mses), np.mean(naives), np.mean(mses) / np.mean(naives), better, counted, worst, len(frames)))


if __name__ == "__main__":
    sys.exit(main())
