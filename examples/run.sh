#!/usr/bin/env bash
# Builds grove-predict and predicts with the bundled example model on the bundled rows.
# Installs missing Debian packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DGROVE_BUILD_TESTS=OFF >/dev/null
cmake --build build --target grove-predict -j"$(nproc)" >/dev/null
./build/grove-predict examples/model.json examples/rows.csv
