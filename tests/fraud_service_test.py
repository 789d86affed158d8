#!/usr/bin/python3
"""Integration test of grove-fraud-service, as a client sees it (Python standard library only).

  fraud_service_test.py SERVICE GROVE_PREDICT MODELS_DIR EXAMPLE_MODEL_DIR

Starts the service on a free loopback port and checks: scores equal grove-predict's on the same
rows and XGBoost's within float rounding, rows by name equal rows by position, reason codes are
XGBoost's largest SHAP contributions, every bad request gets its 4xx and a JSON error, slow and
truncated clients are dropped without stalling others, a reload under concurrent load fails no
request and mixes no models within one, a bad model file is refused while the old one serves,
/metrics counts what happened, and SIGTERM stops the service cleanly.
"""
import http.client
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAILED: " + what, file=sys.stderr)


def f32(x):
    """The float32 nearest to x, as the service and grove-predict compute."""
    return struct.unpack("f", struct.pack("f", x))[0]


def read_csv(path):
    with open(path) as f:
        return [[None if v == "" else float(v) for v in line.rstrip("\n").split(",")] for line in f]


class service:
    def __init__(self, exe, model, *extra):
        self.proc = subprocess.Popen([exe, "--model", model, "--port", "0", *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("listening on http://"):
            self.proc.kill()
            raise RuntimeError("the service did not start: %r %s" % (line, self.proc.stderr.read()))
        self.host, port = line.split("//")[1].strip().split(":")
        self.port = int(port)

    def connect(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=30)

    def request(self, method, path, body=None, conn=None):
        """(status, parsed JSON or text). `body` is sent as is when bytes, else as JSON."""
        own = conn is None
        conn = conn or self.connect()
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
        res = conn.getresponse()
        data = res.read().decode()
        if own:
            conn.close()
        kind = res.getheader("Content-Type", "")
        return res.status, json.loads(data) if kind.startswith("application/json") else data

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = None
        return code, self.proc.stderr.read()


def grove_predict(exe, model, rows_csv, *extra):
    out = subprocess.run([exe, model, rows_csv, *extra], check=True, capture_output=True, text=True)
    return [[float(v) for v in line.split(",")] for line in out.stdout.split()]


def test_scores(svc, args, models):
    rows = read_csv(os.path.join(models, "rows.csv"))
    status, reply = svc.request("POST", "/v1/score", {"rows": rows})
    check(status == 200, "scoring rows as arrays answers 200, got %d %s" % (status, reply))
    scores = reply["scores"]
    by_grove_predict = grove_predict(args[1], os.path.join(models, "fraud_a.json"),
                                     os.path.join(models, "rows.csv"))
    check([f32(s) for s in scores] == [f32(p[0]) for p in by_grove_predict],
          "scores equal grove-predict's on the same rows")
    xgboost = [r[0] for r in read_csv(os.path.join(models, "expected_a.csv"))]
    check(all(abs(s - x) <= 1e-6 for s, x in zip(scores, xgboost)) and len(scores) == len(xgboost),
          "scores equal XGBoost's within float rounding")

    names = svc.request("GET", "/healthz")[1]
    features = ["amount", "hour", "merchant_risk", "card_age_days", "tx_count_1h", "tx_count_24h",
                "distance_km", "foreign", "online", "avg_amount_30d", "amount_to_avg",
                "device_new"]
    check(names["model"]["features"] == len(features), "healthz tells the feature count")
    objects = [{n: v for n, v in zip(features, row) if v is not None} for row in rows]
    status, reply = svc.request("POST", "/v1/score", {"rows": objects})
    check(status == 200 and reply["scores"] == scores,
          "rows by feature name (absent = missing) score as rows by position")

    k = 3
    status, reply = svc.request("POST", "/v1/score", {"rows": rows, "explain": k})
    check(status == 200 and reply["scores"] == scores, "explain keeps the scores")
    contribs = read_csv(os.path.join(models, "contribs_a.csv"))
    for r, (reasons, expected) in enumerate(zip(reply["reasons"], contribs)):
        order = sorted(range(len(features)), key=lambda i: -abs(expected[i]))
        check(len(reasons) == k, "row %d has %d reasons" % (r, k))
        for reason, i in zip(reasons, order):
            # Contributions agree with XGBoost's within 1e-5; only a gap wider than that between
            # neighbours fixes the order.
            check(abs(reason["contribution"] - expected[features.index(reason["feature"])]) <= 1e-5,
                  "row %d: %s's contribution is XGBoost's" % (r, reason["feature"]))
            if all(abs(abs(expected[i]) - abs(expected[j])) > 1e-4 for j in order if j != i):
                check(reason["feature"] == features[i],
                      "row %d: reason %s is XGBoost's next largest (%s)" % (r, reason["feature"],
                                                                           features[i]))
    return scores


def test_default_names(args, example_dir):
    """A model trained without names takes XGBoost's f0, f1, ..."""
    model = os.path.join(example_dir, "model.json")
    svc = service(args[0], model)
    try:
        rows = read_csv(os.path.join(example_dir, "rows.csv"))
        objects = [{"f%d" % i: v for i, v in enumerate(row) if v is not None} for row in rows]
        status, reply = svc.request("POST", "/v1/score", {"rows": objects})
        expected = grove_predict(args[1], model, os.path.join(example_dir, "rows.csv"))
        check(status == 200 and [f32(s) for s in reply["scores"]] == [f32(e[0]) for e in expected],
              "rows keyed f0, f1, ... score as grove-predict on a model without names")
        status, reply = svc.request("POST", "/v1/score", {"rows": [{"amount": 1}]})
        check(status == 400 and "amount" in reply["error"], "a name the model lacks is a 400")
    finally:
        svc.stop()


def test_bad_requests(svc, max_rows, max_body):
    row = [1.0] * 12
    cases = [
        ("malformed JSON", b'{"rows": [[1, 2', 400, "not valid JSON"),
        ("not an object", [row], 400, "must be a JSON object"),
        ("no rows", {"explain": 1}, 400, '"rows" is missing'),
        ("rows not an array", {"rows": {"amount": 1}}, 400, '"rows" must be an array'),
        ("a row of the wrong length", {"rows": [row[:5]]}, 400, "rows[0]: 5 values"),
        ("a string value", {"rows": [row, ["1"] + row[1:]]}, 400, "rows[1][0]: expected a number"),
        ("a boolean value", {"rows": [[True] + row[1:]]}, 400, "got a boolean"),
        ("a row that is a number", {"rows": [3]}, 400, "rows[0]: a row is an array"),
        ("an unknown feature", {"rows": [{"amount": 1, "colour": 2}]}, 400, 'unknown feature "colour"'),
        ("a value out of float range", b'{"rows": [[1e300' + b", 1" * 11 + b"]]}", 400,
         "outside float32"),
        ("an unknown field", {"rows": [row], "explian": 2}, 400, 'unknown field "explian"'),
        ("explain negative", {"rows": [row], "explain": -1}, 400, '"explain" must be an integer'),
        ("explain fractional", {"rows": [row], "explain": 1.5}, 400, '"explain" must be'),
        ("explain too large", {"rows": [row], "explain": 13}, 400, "from 0 to 12"),
        ("too many rows", {"rows": [row] * (max_rows + 1)}, 413, "at most %d" % max_rows),
        ("an oversized body", b'{"rows": [' + b" " * max_body + b"]}", 413, "larger than"),
        ("deep nesting", b"[" * 30000 + b"]" * 30000, 400, "nests deeper"),
    ]
    for what, body, expected_status, message in cases:
        status, reply = svc.request("POST", "/v1/score", body)
        check(status == expected_status and isinstance(reply, dict) and
              message in reply.get("error", ""),
              "%s: expected %d with %r, got %d %r" % (what, expected_status, message, status,
                                                      str(reply)[:200]))
    status, reply = svc.request("GET", "/v1/nothing")
    check(status == 404 and "no route" in reply.get("error", ""), "an unknown route is a JSON 404")
    status, reply = svc.request("POST", "/v1/reload", {"model": "/etc/hostname"})
    check(status == 403, "a reload may not name a file outside the model folder, got %d" % status)
    status, reply = svc.request("POST", "/v1/reload", {"path": "x"})
    check(status == 400, "a reload body other than {\"model\": path} is a 400")


def test_slow_clients(svc, read_timeout, keep_alive_timeout):
    """Clients that stall are answered 400 after the read timeout and dropped after the keep-alive
    timeout; others are served meanwhile."""
    def stalled(data):
        s = socket.create_connection((svc.host, svc.port))
        if data:
            s.sendall(data)
        return s

    silent = stalled(b"")
    slow_headers = stalled(b"POST /v1/score HTTP/1.1\r\nHost: x\r\n")
    slow_body = stalled(b"POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"rows\"")
    start = time.monotonic()
    status, _ = svc.request("GET", "/healthz")
    check(status == 200 and time.monotonic() - start < read_timeout,
          "a request is served while three clients stall")
    for name, s in [("silent", silent), ("slow headers", slow_headers), ("slow body", slow_body)]:
        s.settimeout(read_timeout + 10)
        try:
            data = s.recv(4096)  # the server closes (b"") or answers an error, then closes
            while data and s.recv(4096):
                pass
            closed = True
        except ConnectionResetError:
            closed = True
        except socket.timeout:
            closed = False
        check(closed and time.monotonic() - start < read_timeout + keep_alive_timeout + 3,
              "a %s client is dropped after the timeouts" % name)
        s.close()
    truncated = stalled(b"POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"ro")
    truncated.close()  # a client that goes away mid-body
    status, _ = svc.request("GET", "/healthz")
    check(status == 200, "the service answers after a client left mid-body")


def test_reload_under_load(svc, models, serving, scores_a):
    """Clients score the same rows without pause while the model is swapped between a and b by
    request and by SIGHUP (and a broken file is refused): every reply must be a 200 whose scores
    all come from the model the reply names."""
    rows = read_csv(os.path.join(models, "rows.csv"))
    body = json.dumps({"rows": rows}).encode()
    path_a, path_b = os.path.join(models, "fraud_a.json"), os.path.join(models, "fraud_b.json")
    broken = os.path.join(os.path.dirname(serving), "broken.json")
    with open(broken, "w") as f:
        f.write('{"learner": {"gradient_booster": 1}}')

    # The scores each model gives, and the hash each reply carries.
    status, reply_a = svc.request("POST", "/v1/score", body)
    hash_a = reply_a["model"]["hash"]
    shutil.copyfile(path_b, serving + ".new")
    os.replace(serving + ".new", serving)  # replace the file, then SIGHUP, as an operator would
    svc.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    while svc.request("POST", "/v1/score", body)[1]["model"]["hash"] == hash_a:
        check(time.monotonic() < deadline, "SIGHUP reloads the replaced file")
        if time.monotonic() > deadline:
            return
        time.sleep(0.01)
    reply_b = svc.request("POST", "/v1/score", body)[1]
    hash_b = reply_b["model"]["hash"]
    expected = {hash_a: reply_a["scores"], hash_b: reply_b["scores"]}
    check(reply_a["scores"] == scores_a, "model a's scores are the ones checked against XGBoost")
    xgboost_b = [r[0] for r in read_csv(os.path.join(models, "expected_b.csv"))]
    check(all(abs(s - x) <= 1e-6 for s, x in zip(reply_b["scores"], xgboost_b)),
          "model b's scores equal XGBoost's within float rounding")
    check(all(a != b for a, b in zip(reply_a["scores"], reply_b["scores"])),
          "the two models differ on every row")

    stop = threading.Event()
    results = []  # per client: (replies, bad replies, hashes seen)

    def client():
        conn = svc.connect()
        replies, bad, seen = 0, [], set()
        while not stop.is_set():
            try:
                status, reply = svc.request("POST", "/v1/score", body, conn)
            except (OSError, http.client.HTTPException) as e:
                bad.append(repr(e))
                conn.close()
                conn = svc.connect()
                continue
            replies += 1
            h = reply.get("model", {}).get("hash") if isinstance(reply, dict) else None
            if status != 200 or h not in expected or reply["scores"] != expected[h]:
                bad.append("%d %s" % (status, str(reply)[:200]))
            seen.add(h)
        conn.close()
        results.append((replies, bad, seen))

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    reloads = []
    for i in range(8):
        time.sleep(0.1)
        if i == 4:
            status, reply = svc.request("POST", "/v1/reload", {"model": broken})
            check(status == 422 and "broken.json" in reply.get("error", "") and
                  reply["model"]["hash"] in expected,
                  "a broken model file is refused, the old model keeps serving")
        if i % 2 == 0:
            status, reply = svc.request("POST", "/v1/reload", {"model": path_a})
        else:
            status, reply = svc.request("POST", "/v1/reload", {"model": path_b})
        reloads.append(status)
    time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join()
    check(reloads == [200] * 8, "every reload under load succeeds: %s" % reloads)
    total = sum(r[0] for r in results)
    bad = [b for r in results for b in r[1]]
    seen = set().union(*(r[2] for r in results))
    check(total > 50, "the clients were served during the reloads (%d replies)" % total)
    check(not bad, "no failed or mixed reply under reload (%d of %d): %s" % (len(bad), total,
                                                                              bad[:3]))
    check(seen == {hash_a, hash_b}, "replies came from both models")
    print("reload under load: %d replies from 4 clients, 8 reloads and a refused one, %d bad"
          % (total, len(bad)))
    return total


def test_metrics(svc, min_scored):
    status, text = svc.request("GET", "/metrics")
    check(status == 200, "GET /metrics answers 200")
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    ok = values.get('fraud_service_requests_total{route="/v1/score",code="200"}', 0)
    check(ok >= min_scored, "metrics count the score requests (%d >= %d)" % (ok, min_scored))
    check(values.get('fraud_service_requests_total{route="/v1/score",code="413"}', 0) >= 2,
          "metrics count the 413 replies")
    check(values.get('fraud_service_request_errors_total{route="/v1/score"}', 0) >= 15,
          "metrics count the errors")
    count = values.get('fraud_service_request_duration_seconds_count{route="/v1/score"}', 0)
    inf = values.get('fraud_service_request_duration_seconds_bucket{route="/v1/score",le="+Inf"}')
    check(count >= ok and inf == count, "the latency histogram holds every score request")
    health = svc.request("GET", "/healthz")[1]["model"]
    check(any(k.startswith("fraud_service_model_info{") and health["hash"] in k for k in values),
          "metrics name the serving model's hash")
    check(values.get('fraud_service_model_reloads_total{result="refused"}', 0) >= 1,
          "metrics count the refused reload")


def main():
    args = sys.argv[1:]
    if len(args) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    exe, _, models, example_dir = args
    workdir = tempfile.mkdtemp(prefix="grove-fraud-service-")
    try:
        serving = os.path.join(workdir, "serving.json")
        shutil.copyfile(os.path.join(models, "fraud_a.json"), serving)
        max_rows, max_body, read_timeout, keep_alive_timeout = 50, 65536, 1.0, 1
        # The models folder holds both models; the served file is a copy in its own folder.
        svc = service(exe, serving, "--model-dir", workdir, "--max-rows", str(max_rows),
                      "--max-body-bytes", str(max_body), "--read-timeout", str(read_timeout),
                      "--keep-alive-timeout", str(keep_alive_timeout), "--threads", "16")
        try:
            scores_a = test_scores(svc, args, models)
            test_bad_requests(svc, max_rows, max_body)
            test_slow_clients(svc, read_timeout, keep_alive_timeout)
            # Reloads by path need the models inside the model folder.
            for name in ("fraud_a.json", "fraud_b.json", "rows.csv", "expected_b.csv"):
                shutil.copyfile(os.path.join(models, name), os.path.join(workdir, name))
            served = test_reload_under_load(svc, workdir, serving, scores_a)
            test_metrics(svc, served)
        finally:
            code, log = svc.stop()
        check(code == 0, "SIGTERM stops the service with status 0, got %s" % code)
        check("stopped" in log and "refused" in log, "the log tells the refused reload and the stop")
        test_default_names(args, example_dir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print("%d checks failed" % len(failures), file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
