#!/usr/bin/env bash
# Sanitizer runs of the test suite, each in its own build directory:
#   1. AddressSanitizer + UndefinedBehaviorSanitizer (g++): the suite through ctest with the
#      examples' tests, less the tests of the build itself (GROVE_SANITIZER_SUITE, below).
#   2. ThreadSanitizer: the concurrency tests only (ctest -R '^concurrency:'; they do not call
#      XGBoost, whose OpenMP runtime is not instrumented).
#   tests/sanitize.sh [asan|tsan]      (default: both)
# libxgboost (the tests' oracle) is not instrumented; that is fine for ASan and UBSan.
# Environment: GROVE_SANITIZE_BUILD (prefix of the build dirs, default build-), GROVE_JOBS,
# GROVE_ASAN_OPT (optimisation flags of the ASan build, default "-O1 -g1").
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash tools/install-deps.sh --tests
what="${1:-all}"
prefix="${GROVE_SANITIZE_BUILD:-$root/build-}"
jobs="${GROVE_JOBS:-$(nproc)}"
status=0  # a failing ctest run does not stop the other sanitizer: both report
# The examples are built too: the fraud service's integration test sends it hostile requests,
# which is where the sanitizers earn their keep. Their XGBoost-backed variants are not.
# GROVE_SANITIZER_SUITE leaves out the tests of the build itself (tests/CMakeLists.txt says
# which and why): the normal suite runs them.
common=(-DCMAKE_BUILD_TYPE=Debug -DGROVE_BUILD_TESTS=ON -DGROVE_BUILD_EXAMPLES=ON
        -DGROVE_EXAMPLES_WITH_XGBOOST=OFF -DGROVE_BUILD_TOOLS=ON -DGROVE_SANITIZER_SUITE=ON)
command -v ccache >/dev/null && common+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

# Reports must fail the run; leak reports are narrowed by tests/sanitize.supp.
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$root/tests/sanitize.supp:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/sanitize.supp"

if [ "$what" = all ] || [ "$what" = asan ]; then
  start=$(date +%s)
  flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
  # -O1 -g1: at -O0 the SIMD kernels (xsimd's wrappers not inlined) ran many times slower, and
  # one random-forest test took 21 minutes; -O1 inlines them. -g1 keeps file:line in reports.
  cmake -S . -B "${prefix}asan" "${common[@]}" -DCMAKE_CXX_FLAGS_DEBUG="${GROVE_ASAN_OPT:--O1 -g1}" \
    -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
  cmake --build "${prefix}asan" -j"$jobs"
  if (cd "${prefix}asan" && ctest --output-on-failure -j"$jobs" --no-tests=error); then
    echo "sanitize: ASan+UBSan suite passed in $(( $(date +%s) - start ))s"
  else
    echo "sanitize: ASan+UBSan suite FAILED in $(( $(date +%s) - start ))s" >&2
    status=1
  fi
fi

if [ "$what" = all ] || [ "$what" = tsan ]; then
  start=$(date +%s)
  flags="-fsanitize=thread -fno-omit-frame-pointer"
  cmake -S . -B "${prefix}tsan" "${common[@]}" -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
    -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
  cmake --build "${prefix}tsan" -j"$jobs" --target test_concurrency
  # -R selects by test name; --no-tests=error: finding none is a failure, not a pass.
  if (cd "${prefix}tsan" && ctest --output-on-failure -R '^concurrency:' --no-tests=error); then
    echo "sanitize: TSan concurrency tests passed in $(( $(date +%s) - start ))s"
  else
    echo "sanitize: TSan concurrency tests FAILED in $(( $(date +%s) - start ))s" >&2
    status=1
  fi
fi
exit "$status"
