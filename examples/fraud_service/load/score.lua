-- wrk script for load_test.sh: POSTs SCORE_BODY; each wrk thread stops after MAX_REQUESTS
-- replies (load_test.sh runs one thread); prints one RESULT line that load_test.sh reads.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("SCORE_BODY")

local max_requests = tonumber(os.getenv("MAX_REQUESTS") or "1000000")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  replies, failed = 0, 0
end

function response(status, headers, body)
  replies = replies + 1
  if status ~= 200 then failed = failed + 1 end
  if replies >= max_requests then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local failed_total = 0
  for _, t in ipairs(threads) do failed_total = failed_total + t:get("failed") end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.0f p50_us=%d p99_us=%d p999_us=%d non200=%d " ..
    "socket_errors=%d timeouts=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50),
    latency:percentile(99), latency:percentile(99.9), failed_total,
    e.connect + e.read + e.write, e.timeout))
end
