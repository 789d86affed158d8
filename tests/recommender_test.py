#!/usr/bin/python3
"""grove-recommender on the example request gives XGBoost's top 10 and scores.

  recommender_test.py GROVE_RECOMMENDER EXAMPLE_DIR

EXAMPLE_DIR holds models/ranker.json, request.json and expected_top.json (XGBoost's scores of
the request's candidates, on rows make_model.py built as features.hpp does).
"""
import json
import os
import subprocess
import sys


def main():
    exe, folder = sys.argv[1:3]
    with open(os.path.join(folder, "expected_top.json")) as f:
        expected = json.load(f)
    out = subprocess.run([exe, "--model", os.path.join(folder, "models", "ranker.json"),
                          "--request", os.path.join(folder, "request.json")],
                         check=True, capture_output=True, text=True)
    reply = json.loads(out.stdout)
    failures = []
    if [t["item"] for t in reply["top"]] != expected["top"]:
        failures.append("top 10 %s, XGBoost's %s" % ([t["item"] for t in reply["top"]],
                                                     expected["top"]))
    for t in reply["top"]:
        if abs(t["score"] - expected["scores"][t["item"]]) > 1e-5:
            failures.append("item %d scored %r, XGBoost %r" % (t["item"], t["score"],
                                                                expected["scores"][t["item"]]))
    if reply["candidates"] != len(expected["scores"]):
        failures.append("%d candidates, the request has %d" % (reply["candidates"],
                                                               len(expected["scores"])))
    # A request the ranker cannot take fails with a message, not a crash.
    bad = subprocess.run([exe, "--model", os.path.join(folder, "models", "ranker.json")],
                         input='{"user": [1, 2], "items": []}', capture_output=True, text=True)
    if bad.returncode != 1 or "user: expected an array of 8 values" not in bad.stderr:
        failures.append("a short user vector: status %d, %r" % (bad.returncode, bad.stderr))
    for f in failures:
        print("FAILED: " + f, file=sys.stderr)
    print("grove-recommender: %d checks failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
