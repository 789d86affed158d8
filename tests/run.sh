#!/usr/bin/env bash
# Builds grove and runs every test. Installs missing Debian packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh --tests
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DGROVE_BUILD_TESTS=ON -DGROVE_BUILD_EXAMPLES=ON
cmake --build build -j"$(nproc)"
cd build
ctest --output-on-failure -j"$(nproc)"
