#!/usr/bin/env bash
# Retrains the two models bundled in the jar with StreamCell's own trainer (`streamcell train`),
# from generated data only, reproducibly: the same commands give the same weights on the same
# machine (seeded data, seeded initialisation and batch order, single-threaded trainer).
#
#   tools/train_bundled_models.sh [demo|default|all]      # demo ~2 min, default ~3 min on 2 cores
#
# demo    src/main/resources/models/demo     demo-lstm-3: next temperature of a simulated sensor
#         (features temperature, humidity): the forecast recipe over an LSTM of 32 units whose hidden
#         state feeds the per-key readout, trained on 200 simulated sensors x 2000 steps without
#         injected anomalies (`streamcell generate`, seed 42).
# default src/main/resources/models/default  default-gru16-3: the zero-shot univariate model (feature
#         value): the forecast recipe in each key's own running units, a GRU of 16 units whose hidden
#         state feeds the per-key readout, the readout one least-squares fit over the generated
#         signals (`streamcell generate-signals`, seed 0, hourly, each series starting at a random
#         hour of the week).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$root/target/bundled-model-data"
mkdir -p "$work"
which="${1:-all}"

if [[ "$which" == demo || "$which" == all ]]; then
  "$root/streamcell" generate --keys 200 --steps 2000 --seed 42 --anomaly-rate 0 --output "$work/demo-train.csv"
  "$root/streamcell" train --input "$work/demo-train.csv" --features temperature,humidity --targets temperature \
      --cell lstm --hidden 32 --layers 1 --horizon 1 --epochs 10 --recurrent-features hidden --val 0.1 --seed 0 \
      --quiet --model-version demo-lstm-3 --out "$root/src/main/resources/models/demo" --force
fi

if [[ "$which" == default || "$which" == all ]]; then
  "$root/streamcell" generate-signals --keys 600 --steps 2000 --seed 0 --interval 1h --stagger \
      --output "$work/default-train.csv"
  "$root/streamcell" train --input "$work/default-train.csv" --features value --targets value --units online \
      --recurrent-features hidden --cell gru --hidden 16 --layers 1 --horizon 1 --epochs 20 --patience 5 \
      --window 200 --batch 32 --lr 0.005 --val 0.1 --seed 42 --quiet --model-version default-gru16-3 \
      --out "$root/src/main/resources/models/default" --force
fi
