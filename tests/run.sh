#!/usr/bin/env bash
# Builds grove and runs every test: the suite (Release), the Python package's tests, then the
# hardening stage (the suite under AddressSanitizer + UndefinedBehaviorSanitizer, the
# concurrency tests under ThreadSanitizer, a fixed number of libFuzzer inputs per fuzz target).
# Installs missing Debian packages first.
# GROVE_SKIP_HARDENING=1 runs the Release suite only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh --tests
# Portable flags (a build directory configured by hand with -march=native would put AVX-512
# code where the runtime-dispatch tests expect none).
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DGROVE_BUILD_TESTS=ON -DGROVE_BUILD_EXAMPLES=ON \
  -DCMAKE_CXX_FLAGS=
cmake --build build -j"$(nproc)"
(cd build && ctest --output-on-failure -j"$(nproc)")
# The Python package, installed into a venv under build/, and its tests (Dask included).
bash tests/python/run.sh
if [ "${GROVE_SKIP_HARDENING:-0}" != 1 ]; then
  bash tests/run-hardening.sh 60
fi
