#!/usr/bin/env bash
# Fuzzes grove's loaders and predictor with clang-14's libFuzzer (+ ASan + UBSan).
#   tests/fuzz/run.sh [seconds-per-target]      (default 60)
# Each target runs a fixed number of inputs (GROVE_FUZZ_RUNS, else a per-target count that takes
# about half of the given seconds on a 2-core machine) with a fixed seed, so a run explores the
# same inputs every time: a CI run fails only on a change, not on luck. The seconds are a cap
# (twice the given value) that ends a run early on a slow machine.
# Targets: model_json, model_ubjson, dump_json, predict (tests/fuzz/fuzz_*.cpp, all built on
# tests/fuzz/entry.hpp). Seed corpora are copied at run time from tests/fixtures/*/ (model.json,
# model.ubj, dump.json) plus the saved regressions, into a temporary directory.
# A crash / timeout / OOM input is copied to tests/fuzz/regressions/<target>/ (commit it: the
# Catch2 cases of tests/test_fuzz_regressions.cpp replay it) and the script exits non-zero.
# Environment: GROVE_FUZZ_BUILD (build dir, default build-fuzz), GROVE_FUZZ_JOBS (targets run at
# once and build jobs, default: the core count).
set -euo pipefail
seconds="${1:-60}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
bash tools/install-deps.sh --fuzz

build="${GROVE_FUZZ_BUILD:-$root/build-fuzz}"
jobs="${GROVE_FUZZ_JOBS:-$(nproc)}"
targets=(model_ubjson model_json dump_json predict)  # the longest first
work="$(mktemp -d "${TMPDIR:-/tmp}/grove-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# --- build (tests/fuzz/CMakeLists.txt, clang++-14) ----------------------------------------
start=$(date +%s)
mkdir -p "$build"
cmake -S tests/fuzz -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log" >&2; exit 1; }
cmake --build "$build" -j"$jobs" >"$build/build.log" 2>&1 ||
  { tail -n 80 "$build/build.log" >&2; echo "fuzz: build failed" >&2; exit 1; }
echo "fuzz: built ${#targets[@]} targets in $(( $(date +%s) - start ))s"

# --- seed corpora --------------------------------------------------------------------------
seed() {  # seed <target> <file names...>
  local dir="$work/corpus/$1"; shift
  mkdir -p "$dir"
  for name in "$@"; do
    for f in tests/fixtures/*/"$name"; do cp "$f" "$dir/$(basename "$(dirname "$f")")-$name"; done
  done
}
seed model_json model.json
seed model_ubjson model.ubj
seed dump_json dump.json
seed predict model.json model.ubj dump.json
for t in "${targets[@]}"; do
  if [ -d "tests/fuzz/regressions/$t" ]; then
    cp tests/fuzz/regressions/"$t"/* "$work/corpus/$t/" 2>/dev/null || true
  fi
done

# --- fuzz ----------------------------------------------------------------------------------
# Without address randomisation and corpus reloads a run is repeatable: the same inputs, the same
# coverage (addresses otherwise leak into what the fuzzer sees).
fixed_addresses=""
if setarch "$(uname -m)" -R true 2>/dev/null; then fixed_addresses="setarch $(uname -m) -R"; fi
# Inputs per target at 60 s (scaled with the seconds given), each about 30 to 40 s on a 2-core
# machine with two targets running. predict's inputs cost most: each loaded model is also
# predicted by XGBoost and compared.
declare -A runs_at_60=([model_json]=25000 [model_ubjson]=40000 [dump_json]=8000 [predict]=8000)
run_one() {
  local t="$1" dir="$work/out/$1"
  local runs="${GROVE_FUZZ_RUNS:-$(( ${runs_at_60[$t]} * seconds / 60 ))}"
  mkdir -p "$dir/artifacts"
  local begin=$(date +%s) rc=0
  # Leak detection stays on (ASan's default under libFuzzer). The seed is fixed unless
  # GROVE_FUZZ_SEED says otherwise (0: random).
  $fixed_addresses "$build/fuzz_$t" -runs="$runs" -reload=0 -max_total_time="$(( 2 * seconds ))" -max_len=1000000 -rss_limit_mb=2048 -timeout=10 \
    -seed="${GROVE_FUZZ_SEED:-1}" \
    -print_final_stats=1 -dict="$root/tests/fuzz/grove.dict" -artifact_prefix="$dir/artifacts/" \
    "$work/corpus/$t" \
    >"$dir/fuzz.log" 2>&1 || rc=$?
  echo "$rc $(( $(date +%s) - begin ))" >"$dir/status"
}
pids=()
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
wait

# --- report --------------------------------------------------------------------------------
failed=0
printf '%-14s %12s %8s %8s  %s\n' target executions seconds coverage result
for t in "${targets[@]}"; do
  dir="$work/out/$t"
  read -r rc secs <"$dir/status"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log" | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' "$dir/fuzz.log" | tail -1 | cut -d' ' -f2 || true)
  result=ok
  shopt -s nullglob
  artifacts=("$dir"/artifacts/*)
  shopt -u nullglob
  if [ "$rc" -ne 0 ] || [ ${#artifacts[@]} -gt 0 ]; then
    failed=1
    result="FAILED (exit $rc)"
    mkdir -p "tests/fuzz/regressions/$t"
    for a in "${artifacts[@]}"; do
      cp "$a" "tests/fuzz/regressions/$t/"
      result+=" saved tests/fuzz/regressions/$t/$(basename "$a")"
    done
    echo "----- fuzz_$t log (tail) -----" >&2
    tail -n 60 "$dir/fuzz.log" >&2
  fi
  printf '%-14s %12s %8s %8s  %s\n' "$t" "${execs:-?}" "$secs" "${cov:-?}" "$result"
done
[ "$failed" -eq 0 ] || echo "fuzz: findings saved under tests/fuzz/regressions/; replay: the suite's cases of tests/test_fuzz_regressions.cpp" >&2
exit "$failed"
