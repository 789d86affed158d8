#!/usr/bin/env bash
# The hardening stage of CI: sanitizer builds of the test suite (tests/sanitize.sh: ASan+UBSan
# on everything, TSan on the concurrency tests) and a fixed number of libFuzzer inputs per fuzz target
# (tests/fuzz/run.sh). Both always run; the exit status is non-zero if either failed.
#   tests/run-hardening.sh [fuzz-seconds-per-target]      (default 60)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-60}"
status=0
begin=$(date +%s)

start=$(date +%s)
bash "$root/tests/sanitize.sh" || { echo "hardening: tests/sanitize.sh FAILED" >&2; status=1; }
sanitize_time=$(( $(date +%s) - start ))

start=$(date +%s)
bash "$root/tests/fuzz/run.sh" "$seconds" || { echo "hardening: tests/fuzz/run.sh FAILED" >&2; status=1; }
fuzz_time=$(( $(date +%s) - start ))

echo "hardening: sanitize ${sanitize_time}s, fuzz ${fuzz_time}s, total $(( $(date +%s) - begin ))s," \
     "$([ "$status" -eq 0 ] && echo passed || echo FAILED)"
exit "$status"
