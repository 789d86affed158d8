-- wrk script for load_test.sh's reload run: POSTs SCORE_BODY (several rows) while the server's
-- model is swapped between two; every reply must be a 200 whose scores are exactly the scores of
-- the model whose hash the reply carries (HASH_A/SCORES_A, HASH_B/SCORES_B): a reply mixing two
-- models, or from neither, is counted as mixed.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("SCORE_BODY")

local expected = {
  [os.getenv("HASH_A")] = os.getenv("SCORES_A"),
  [os.getenv("HASH_B")] = os.getenv("SCORES_B"),
}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  replies, failed, mixed, from_a, from_b = 0, 0, 0, 0, 0
end

function response(status, headers, body)
  replies = replies + 1
  if status ~= 200 then
    failed = failed + 1
    return
  end
  local scores = body:match('"scores":(%b[])')
  local hash = body:match('"hash":"(%x+)"')
  if hash == nil or expected[hash] ~= scores then
    mixed = mixed + 1
  elseif hash == os.getenv("HASH_A") then
    from_a = from_a + 1
  else
    from_b = from_b + 1
  end
end

function done(summary, latency, requests)
  local sum = { failed = 0, mixed = 0, from_a = 0, from_b = 0 }
  for _, t in ipairs(threads) do
    for k in pairs(sum) do sum[k] = sum[k] + t:get(k) end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d non200=%d mixed=%d from_a=%d from_b=%d socket_errors=%d timeouts=%d\n",
    summary.requests, sum.failed, sum.mixed, sum.from_a, sum.from_b,
    e.connect + e.read + e.write, e.timeout))
end
