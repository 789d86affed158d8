#!/usr/bin/env bash
# Installs, with apt-get, the Debian packages grove needs that are missing.
#   tools/install-deps.sh            what building grove-predict and the examples needs
#   tools/install-deps.sh --tests    also what the test suite needs (the Python package's too)
#   tools/install-deps.sh --bench    also what the benchmarks need (the Python ones' too)
#   tools/install-deps.sh --fuzz     also clang-14 with libFuzzer (tests/fuzz/run.sh)
#   tools/install-deps.sh --load     also wrk and XGBoost (examples/fraud_service/load_test.sh)
set -euo pipefail

packages=(cmake make g++ libxsimd-dev nlohmann-json3-dev libcpp-httplib-dev pkgconf)
# Building the Python package (pip install ./python in a venv) and its tests and benchmarks.
python=(python3-dev python3-venv python3-pip python3-setuptools python3-wheel pybind11-dev
        python3-pybind11 python3-numpy python3-pandas python3-scipy python3-pytest python3-xgboost
        python3-dask python3-distributed python3-cloudpickle)
for arg in "$@"; do
  case "$arg" in
    --tests) packages+=(catch2 libxgboost-dev qemu-user "${python[@]}") ;;
    --bench) packages+=(libbenchmark-dev libxgboost-dev "${python[@]}") ;;
    --fuzz) packages+=(clang-14 libclang-rt-14-dev) ;;
    --load) packages+=(wrk curl libxgboost-dev python3-xgboost) ;;
    *) echo "install-deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y --no-install-recommends "${missing[@]}" ||
  { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends "${missing[@]}"; }
