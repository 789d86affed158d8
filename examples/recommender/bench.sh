#!/usr/bin/env bash
# Latency of one ranking request (sparse rows, scores, top 10) with grove (csr_rows) and with
# XGBoost (XGBoosterPredictFromCSR), same run: builds grove-recommender-bench, trains a
# rank:pairwise model with XGBoost (MODEL_TREES x MODEL_DEPTH, default 300 x 6) and times
# N = 100, 1,000, 10,000 candidates on 1 and 2 threads.
#   bash examples/recommender/bench.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
bash tools/install-deps.sh --load
build="${BUILD_DIR:-$root/build-load}"
trees="${MODEL_TREES:-300}"
depth="${MODEL_DEPTH:-6}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DGROVE_BUILD_TESTS=OFF \
  -DGROVE_EXAMPLES_WITH_XGBOOST=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target grove-recommender-bench >/dev/null
model="$build/ranker-${trees}x${depth}/ranker.json"
# Trained again when make_model.py changed since (its rows may have changed).
[ "$model" -nt examples/recommender/make_model.py ] || /usr/bin/python3 examples/recommender/make_model.py \
  --out "$(dirname "$model")" --trees "$trees" --depth "$depth"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
# XGBoost's OpenMP threads sleep rather than spin while they wait, as in bench/: on a machine
# shared with other work, spinning threads slow it down far more than they help.
OMP_WAIT_POLICY=passive "$build/examples/recommender/grove-recommender-bench" --model "$model" \
  --sizes 100,1000,10000 --threads 1,2 --seconds "${SECONDS_PER_CELL:-4}"
