#!/usr/bin/env bash
# Builds grove and runs every test: the suite (Release), the Python package's tests, then the
# hardening stage (the suite under AddressSanitizer + UndefinedBehaviorSanitizer, the
# concurrency tests under ThreadSanitizer, a fixed number of libFuzzer inputs per fuzz target).
# Installs missing Debian packages first.
# GROVE_SKIP_HARDENING=1 runs the Release suite only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh --tests
begin=$(date +%s)
# Portable flags (a build directory configured by hand with -march=native would put AVX-512
# code where the runtime-dispatch tests expect none).
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DGROVE_BUILD_TESTS=ON -DGROVE_BUILD_EXAMPLES=ON \
  -DCMAKE_CXX_FLAGS=
cmake --build build -j"$(nproc)"
(cd build && ctest --output-on-failure -j"$(nproc)")
# What this machine verified: test_engine's line naming the targets and plans it compared (a
# target or plan needing a CPU feature this machine lacks is not in it; see README.md).
# Catch2 wraps the line at 80 columns: take it up to the blank line after it, joined.
verified="$(sed -n '/engine plans verified/,/^$/p' build/Testing/Temporary/LastTest.log |
            head -n 12 | tr -s ' \n' ' ')"
[ -n "$verified" ] || { echo "run.sh: test_engine printed no coverage line" >&2; exit 1; }
suite=$(( $(date +%s) - begin ))
# The Python package, installed into a venv under build/, and its tests (Dask included).
start=$(date +%s)
bash tests/python/run.sh
python=$(( $(date +%s) - start ))
hardening=skipped
if [ "${GROVE_SKIP_HARDENING:-0}" != 1 ]; then
  start=$(date +%s)
  bash tests/run-hardening.sh 60
  hardening="$(( $(date +%s) - start ))s"
fi
echo "run.sh: Release build and suite ${suite}s, Python ${python}s, hardening ${hardening}," \
     "total $(( $(date +%s) - begin ))s"
echo "$verified"
