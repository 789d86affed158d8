#!/usr/bin/python3
"""grove-recommender on the example request gives XGBoost's top 10 and every candidate's score.

  recommender_test.py GROVE_RECOMMENDER EXAMPLE_DIR

EXAMPLE_DIR holds models/ranker.json, request.json and expected_top.json (XGBoost's scores of
the request's candidates, on the sparse rows make_model.py built as features.hpp does). The
model splits on the item tag columns, so the tags carried sparse decide part of the scores.
"""
import json
import os
import subprocess
import sys


def main():
    exe, folder = sys.argv[1:3]
    model = os.path.join(folder, "models", "ranker.json")
    with open(os.path.join(folder, "expected_top.json")) as f:
        expected = json.load(f)
    with open(os.path.join(folder, "request.json")) as f:
        request = json.load(f)

    def rank(text):
        return subprocess.run([exe, "--model", model], input=text, capture_output=True, text=True)

    def differences(request, what):
        """Where the reply's score of every candidate (k = all) is not XGBoost's, bit for bit."""
        reply = rank(json.dumps(dict(request, k=len(request["items"]))))
        if reply.returncode != 0:
            return ["%s: status %d, %r" % (what, reply.returncode, reply.stderr)]
        scores = {t["item"]: t["score"] for t in json.loads(reply.stdout)["top"]}
        wrong = [i for i, s in enumerate(expected["scores"]) if scores.get(i) != s]
        return ["%s: %d of %d scores differ from XGBoost's, first: item %d %r, XGBoost %r" %
                (what, len(wrong), len(expected["scores"]), wrong[0], scores.get(wrong[0]),
                 expected["scores"][wrong[0]])] if wrong else []

    out = subprocess.run([exe, "--model", model, "--request", os.path.join(folder, "request.json")],
                         check=True, capture_output=True, text=True)
    reply = json.loads(out.stdout)
    failures = []
    if [t["item"] for t in reply["top"]] != expected["top"]:
        failures.append("top 10 %s, XGBoost's %s" % ([t["item"] for t in reply["top"]],
                                                     expected["top"]))
    if reply["candidates"] != len(expected["scores"]):
        failures.append("%d candidates, the request has %d" % (reply["candidates"],
                                                               len(expected["scores"])))
    failures += differences(request, "every candidate")
    # Tags in any order and repeated are the same set of tags.
    failures += differences(
        dict(request, items=[dict(i, tags=i["tags"][::-1] + i["tags"][:1])
                             for i in request["items"]]), "tags reversed and repeated")
    # The tag columns (after the 19 dense ones) are used by the model and present in the request,
    # so the sparse part of the rows decides scores.
    with open(model) as f:
        trees = json.load(f)["learner"]["gradient_booster"]["model"]["trees"]
    tag_splits = sum(1 for t in trees for s, left in zip(t["split_indices"], t["left_children"])
                     if left != -1 and s >= 19)
    if tag_splits == 0 or not any(item["tags"] for item in request["items"]):
        failures.append("%d splits on tag columns, request tags %r" %
                        (tag_splits, [item["tags"] for item in request["items"][:3]]))
    # Requests the ranker cannot take fail with a message naming the place, not a crash.
    user = json.dumps(request["user"])
    item = json.dumps(request["items"][0]["features"])
    for text, message in [
            ('{"user": [1, 2], "items": []}', "user: expected an array of 8 values"),
            ('{"user": %s, "items": [{"features": %s, "tags": [3, 1000]}]}' % (user, item),
             "items[0].tags: expected tag ids from 0 to 999, got 1000"),
            ('{"user": %s, "items": [{"features": %s, "tags": [-1]}]}' % (user, item),
             "items[0].tags: expected tag ids from 0 to 999, got -1"),
            ('{"user": %s, "items": [[1, 2, 3]]}' % user, "items[0]: expected an object")]:
        bad = rank(text)
        if bad.returncode != 1 or message not in bad.stderr:
            failures.append("%s: status %d, %r" % (text[:60], bad.returncode, bad.stderr))
    for f in failures:
        print("FAILED: " + f, file=sys.stderr)
    print("grove-recommender: %d checks failed" % len(failures) if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
