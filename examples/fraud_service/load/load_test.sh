#!/usr/bin/env bash
# Load test of grove-fraud-service with wrk, on loopback only, against the same server built on
# XGBoost's C API (grove-fraud-service-xgboost), then a reload under load.
#
#   bash examples/fraud_service/load/load_test.sh
#
# 1. Single-row POST /v1/score at rising concurrency (CONCURRENCY, default "1 2 4 8 16 32 64"
#    connections, one wrk thread), each step bounded by LOAD_SECONDS (default 10) and
#    MAX_REQUESTS (default 1000000): throughput and p50/p99/p99.9 latency, for each server.
#    Every step must end with zero errors (non-200 replies, socket errors, timeouts).
# 2. Reload under load: 16 connections score 24 rows per request for LOAD_SECONDS while the
#    model is swapped between two every 100 ms (by request and by SIGHUP): no request may fail and
#    every reply must carry exactly the scores of the model it names.
# The models are trained by XGBoost (make_models.py, MODEL_TREES x MODEL_DEPTH, default 500 x 6).
# wrk and the server share this machine's cores: the figures are for that set-up.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
here="$root/examples/fraud_service/load"
cd "$root"
bash tools/install-deps.sh --load

build="${BUILD_DIR:-$root/build-load}"
seconds="${LOAD_SECONDS:-10}"
max_requests="${MAX_REQUESTS:-1000000}"
concurrency="${CONCURRENCY:-1 2 4 8 16 32 64}"
trees="${MODEL_TREES:-500}"
depth="${MODEL_DEPTH:-6}"

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DGROVE_BUILD_TESTS=OFF \
  -DGROVE_EXAMPLES_WITH_XGBOOST=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target grove-fraud-service grove-fraud-service-xgboost \
  >/dev/null

models="$build/load-models-${trees}x${depth}"
if [ ! -f "$models/fraud_b.json" ]; then
  /usr/bin/python3 examples/fraud_service/make_models.py --out "$models" --trees "$trees" \
    --depth "$depth"
fi

server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT

# start_server EXE MODEL: starts on a free loopback port, sets $url.
start_server() {
  local out="$build/server.out"
  "$1" --model "$2" --port 0 --host 127.0.0.1 --threads 64 >"$out" 2>"$build/server.log" &
  server_pid=$!
  for _ in $(seq 100); do
    grep -q "^listening on" "$out" 2>/dev/null && break
    sleep 0.1
  done
  url="$(sed -n 's/^listening on //p' "$out")"
  [ -n "$url" ] || { echo "the server did not start:" >&2; cat "$build/server.log" >&2; exit 1; }
}

row_body() {  # the first held-out row as a JSON score request
  /usr/bin/python3 -c '
import json, sys
row = open(sys.argv[1]).readline().rstrip("\n").split(",")
print(json.dumps({"rows": [[None if v == "" else float(v) for v in row]]}))' "$models/rows.csv"
}

all_rows_body() {
  /usr/bin/python3 -c '
import json, sys
rows = [[None if v == "" else float(v) for v in line.rstrip("\n").split(",")] for line in open(sys.argv[1])]
print(json.dumps({"rows": rows}))' "$models/rows.csv"
}

field() {  # field NAME LINE: the value of NAME=... in a RESULT line
  sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"
}

failures=0
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "model: binary:logistic, $trees trees of depth $depth, 12 features; one row per request"
echo "wrk: 1 thread, ${seconds} s per step (at most $max_requests requests), loopback"
echo
echo "| server | connections | requests/s | p50 | p99 | p99.9 | errors |"
echo "|---|---|---|---|---|---|---|"
export SCORE_BODY MAX_REQUESTS="$max_requests"
SCORE_BODY="$(row_body)"
for backend in grove xgboost; do
  exe="$build/examples/fraud_service/grove-fraud-service"
  [ "$backend" = xgboost ] && exe="$exe-xgboost"
  start_server "$exe" "$models/fraud_a.json"
  for c in $concurrency; do
    result="$(wrk -t 1 -c "$c" -d "${seconds}s" --timeout 5s -s "$here/score.lua" \
      "$url/v1/score" | grep '^RESULT')"
    errors=$(( $(field non200 "$result") + $(field socket_errors "$result") +
               $(field timeouts "$result") ))
    [ "$errors" -eq 0 ] || failures=$((failures + 1))
    printf '| %s | %d | %s | %d us | %d us | %d us | %d |\n' "$backend" "$c" \
      "$(field rps "$result")" "$(field p50_us "$result")" "$(field p99_us "$result")" \
      "$(field p999_us "$result")" "$errors"
  done
  stop_server
done

echo
echo "reload under load: 16 connections, 24 rows per request, a reload every 100 ms"
dir="$build/reload-models"
mkdir -p "$dir"
cp "$models/fraud_a.json" "$models/fraud_b.json" "$dir/"
cp "$dir/fraud_a.json" "$dir/serving.json"
start_server "$build/examples/fraud_service/grove-fraud-service" "$dir/serving.json"
SCORE_BODY="$(all_rows_body)"
reply_a="$(curl -sf -X POST --data-binary "$SCORE_BODY" "$url/v1/score")"
curl -sf -X POST -d "{\"model\": \"$dir/fraud_b.json\"}" "$url/v1/reload" >/dev/null
reply_b="$(curl -sf -X POST --data-binary "$SCORE_BODY" "$url/v1/score")"
scores() { sed -n 's/.*"scores":\(\[[^]]*\]\).*/\1/p' <<<"$1"; }
hash() { sed -n 's/.*"hash":"\([0-9a-f]*\)".*/\1/p' <<<"$1"; }
export HASH_A HASH_B SCORES_A SCORES_B
HASH_A="$(hash "$reply_a")" SCORES_A="$(scores "$reply_a")"
HASH_B="$(hash "$reply_b")" SCORES_B="$(scores "$reply_b")"
[ "$HASH_A" != "$HASH_B" ] && [ "$SCORES_A" != "$SCORES_B" ] ||
  { echo "the two models must differ" >&2; exit 1; }

wrk -t 1 -c 16 -d "${seconds}s" --timeout 5s -s "$here/check_models.lua" "$url/v1/score" \
  >"$build/reload.out" &
wrk_pid=$!
reloads=0 refused=0
end=$(( $(date +%s) + seconds - 1 ))
while [ "$(date +%s)" -lt "$end" ]; do
  sleep 0.1
  if [ $((reloads % 2)) -eq 0 ]; then
    status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d "{\"model\": \"$dir/fraud_a.json\"}" \
      "$url/v1/reload")
  else  # replace the served file and signal, as an operator would
    cp "$dir/fraud_b.json" "$dir/serving.json.new" && mv "$dir/serving.json.new" "$dir/serving.json"
    status=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
      -d "{\"model\": \"$dir/serving.json\"}" "$url/v1/reload")
    kill -HUP "$server_pid"
  fi
  [ "$status" = 200 ] || refused=$((refused + 1))
  reloads=$((reloads + 1))
done
wait "$wrk_pid"
result="$(grep '^RESULT' "$build/reload.out")"
stop_server
echo "$result" | sed 's/^RESULT //'
echo "reload requests: $reloads (plus $(( reloads / 2 )) SIGHUP), refused: $refused"
bad=$(( $(field non200 "$result") + $(field mixed "$result") + $(field socket_errors "$result") +
        $(field timeouts "$result") ))
[ "$bad" -eq 0 ] && [ "$refused" -eq 0 ] && [ "$(field from_a "$result")" -gt 0 ] &&
  [ "$(field from_b "$result")" -gt 0 ] || failures=$((failures + 1))

if [ "$failures" -ne 0 ]; then
  echo "load test: $failures step(s) had errors" >&2
  exit 1
fi
echo "load test: no errors"
