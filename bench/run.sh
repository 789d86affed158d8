#!/usr/bin/env bash
# Runs grove's benchmark suite in one command and prints a Markdown summary.
#
#   bench/run.sh                          everything (about 10 minutes on 2 cores; the first run
#                                         also trains the models, about 3 minutes, then cached)
#   bench/run.sh --benchmark_filter=binary/   extra arguments go to grove-bench
#
# Then grove-bench-contribs (SHAP contributions against XGBoost's pred_contribs, about 3 minutes;
# CONTRIBS=0 skips it).
#
# Environment: BUILD_DIR (default build-bench), REPETITIONS (default 3), OMP_WAIT_POLICY (default
# passive, see bench/README.md: with libgomp's default spinning, XGBoost with 2 threads takes ~8 ms
# per small batch on this kind of VM).
# Output: $BUILD_DIR/bench/results.json (Google Benchmark JSON, medians), $BUILD_DIR/bench/summary.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${BUILD_DIR:-build-bench}"
reps="${REPETITIONS:-3}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"

bash tools/install-deps.sh --bench

machine() {
  local model flags cores
  model="$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
  cores="$(nproc)"
  flags=""
  for f in avx512f avx512bw avx512vl avx512dq avx512vbmi avx2 fma; do
    if grep -qw "$f" /proc/cpuinfo; then flags+="$f "; fi
  done
  echo "Machine: ${model:-unknown CPU}, ${cores} cores; flags present: ${flags:-none}"
  echo "Compiler: $(${CXX:-c++} --version | head -1); kernel $(uname -r); OMP_WAIT_POLICY=$OMP_WAIT_POLICY"
}
machine_text="$(machine)"
echo "$machine_text"

# Tests off: they need packages (Catch2, qemu) the benchmarks do not.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DGROVE_BUILD_BENCHMARKS=ON \
  -DGROVE_BUILD_TESTS=OFF -DCMAKE_CXX_FLAGS="-march=native" >/dev/null
cmake --build "$build" --target grove-bench grove-bench-contribs -j "$(nproc)"

mkdir -p "$build/bench"
results="$build/bench/results.json"
start=$(date +%s)
"$build/bench/grove-bench" \
  --benchmark_repetitions="$reps" \
  --benchmark_report_aggregates_only=true \
  --benchmark_out="$results" --benchmark_out_format=json \
  "$@"
echo "grove-bench took $(( $(date +%s) - start )) s; results in $results"

{
  echo "$machine_text"
  echo
  /usr/bin/python3 bench/summarize.py "$results"
} | tee "$build/bench/summary.md"

if [ "${CONTRIBS:-1}" != 0 ]; then
  "$build/bench/grove-bench-contribs" \
    --benchmark_repetitions="$reps" \
    --benchmark_report_aggregates_only=true \
    --benchmark_out="$build/bench/contribs.json" --benchmark_out_format=json \
    --grove_summary_reps=5 | tee "$build/bench/contribs.txt"
fi
