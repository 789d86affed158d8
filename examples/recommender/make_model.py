#!/usr/bin/python3
"""Trains the recommender's example ranking model with XGBoost (run with /usr/bin/python3, XGBoost 1.7.4).

Synthetic shop: a user has a taste vector, a price level, an activity level, an age and a
favourite category; an item has a style vector, a price, a popularity, an age in days, a category
and a few tags out of a vocabulary of NUM_TAGS. A row is user features + item features + cross
features + one column per tag, held sparse (CSR): a row stores its 19 dense values and its item's
tags (value 1), and a tag the item lacks is absent, that is missing. features.hpp builds the same
rows the same way at serving time. Relevance 0..3 comes from a hidden utility (some tags appeal,
some repel); the model is trained with rank:pairwise, one group per user, on a
scipy.sparse.csr_matrix given to xgboost.DMatrix as is.

  make_model.py                          models/ranker.json (small), request.json, expected_top.json
  make_model.py --out DIR --trees 300 --depth 6     a larger model for the latency table

expected_top.json: XGBoost's scores of request.json's candidates, and the top 10 item indices.
"""
import argparse
import json
import os

import numpy as np
import scipy.sparse
import xgboost as xgb

TASTE = 4
CATEGORIES = 5
NUM_TAGS = 1000
MAX_TAGS = 6  # an item has 1 to MAX_TAGS tags
USER = ["u_taste0", "u_taste1", "u_taste2", "u_taste3", "u_price_level", "u_activity", "u_age",
        "u_favourite_category"]
ITEM = ["i_style0", "i_style1", "i_style2", "i_style3", "i_price", "i_popularity", "i_age_days",
        "i_category"]
CROSS = ["taste_match", "price_ratio", "favourite_category"]
DENSE = len(USER) + len(ITEM) + len(CROSS)  # tag t is column DENSE + t
FEATURES = USER + ITEM + CROSS + ["tag%d" % t for t in range(NUM_TAGS)]


def users(rng, n):
    return np.column_stack([
        rng.normal(size=(n, TASTE)), rng.lognormal(3, 0.5, n), rng.exponential(1, n),
        rng.integers(18, 80, n), rng.integers(0, CATEGORIES, n),
    ]).astype(np.float32)


def items(rng, n):
    """n items: their dense features, and each one's tags (increasing tag ids)."""
    dense = np.column_stack([
        rng.normal(size=(n, TASTE)), rng.lognormal(3, 0.8, n), rng.pareto(2, n),
        rng.exponential(200, n), rng.integers(0, CATEGORIES, n),
    ]).astype(np.float32)
    tags = [np.unique(rng.integers(0, NUM_TAGS, k)) for k in rng.integers(1, MAX_TAGS + 1, n)]
    return dense, tags


def dense_part(user, cands):
    """User, item and cross features of each row; features.hpp computes the same."""
    n = len(cands)
    u = np.broadcast_to(user, (n, len(USER)))
    taste = np.zeros(n, dtype=np.float32)
    for j in range(TASTE):  # in order, in float32, as the C++ loop
        taste = (taste + u[:, j] * cands[:, j]).astype(np.float32)
    price_ratio = (cands[:, 4] / (u[:, 4] + np.float32(1))).astype(np.float32)
    favourite = (cands[:, 7] == u[:, 7]).astype(np.float32)
    return np.column_stack([u, cands, taste, price_ratio, favourite]).astype(np.float32)


def rows(user, cands, tags):
    """The model's CSR rows for one user and its candidates: each row's dense values that are not
    NaN (zeros are stored: zero is a value, absence is missing), then a 1 per item tag."""
    dense = dense_part(user, cands)
    indptr, indices, values = [0], [], []
    for x, t in zip(dense, tags):
        kept = np.flatnonzero(~np.isnan(x))
        indices += [kept, DENSE + t]
        values += [x[kept], np.ones(len(t), dtype=np.float32)]
        indptr.append(indptr[-1] + len(kept) + len(t))
    return scipy.sparse.csr_matrix(
        (np.concatenate(values), np.concatenate(indices), np.array(indptr)),
        shape=(len(dense), len(FEATURES)))


def relevance(rng, x, appeal):
    """Relevance 0..3 of CSR rows x; `appeal` is each tag's hidden pull on the utility."""
    d = x[:, :DENSE].toarray()
    utility = (d[:, 16] + 1.5 * d[:, 18] - 0.8 * np.abs(np.log(d[:, 17] + 0.05))
               + 0.3 * np.log1p(d[:, 13]) - 0.002 * d[:, 14] + x[:, DENSE:] @ appeal
               + rng.normal(scale=0.7, size=x.shape[0]))
    return np.digitize(utility, [0.5, 1.5, 2.5]).astype(np.float32)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(here, "models"))
    parser.add_argument("--trees", type=int, default=60)
    parser.add_argument("--depth", type=int, default=5)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    rng = np.random.default_rng(22)
    # One tag in 10 pulls users towards an item or away from it.
    appeal = np.where(rng.random(NUM_TAGS) < 0.1, rng.normal(scale=1.5, size=NUM_TAGS), 0)
    per_user, num_users = 30, 3000
    u, parts, labels = users(rng, num_users), [], []
    for user in u:
        x = rows(user, *items(rng, per_user))
        parts.append(x)
        labels.append(relevance(rng, x, appeal))
    x = scipy.sparse.vstack(parts, format="csr")
    train = xgb.DMatrix(x, label=np.concatenate(labels), feature_names=FEATURES)
    assert train.num_nonmissing() == x.nnz  # stored zeros stay values, as in grove's CSR input
    train.set_group([per_user] * num_users)
    booster = xgb.train({"objective": "rank:pairwise", "max_depth": args.depth, "eta": 0.1,
                         "tree_method": "hist", "nthread": 1, "seed": 1}, train,
                        num_boost_round=args.trees)
    booster.save_model(os.path.join(args.out, "ranker.json"))

    if args.out == os.path.join(here, "models"):
        user, (cands, tags) = users(rng, 1)[0], items(rng, 200)
        request = {"user": user.tolist(), "k": 10,
                   "items": [{"features": c.tolist(), "tags": t.tolist()}
                             for c, t in zip(cands, tags)]}
        with open(os.path.join(here, "request.json"), "w") as f:
            json.dump(request, f)
        scores = booster.predict(xgb.DMatrix(rows(user, cands, tags), feature_names=FEATURES))
        top = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:10]
        with open(os.path.join(here, "expected_top.json"), "w") as f:
            json.dump({"scores": [float(s) for s in scores], "top": top}, f)


if __name__ == "__main__":
    main()
