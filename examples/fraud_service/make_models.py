#!/usr/bin/python3
"""Trains the fraud service's example models with XGBoost (run with /usr/bin/python3, XGBoost 1.7.4).

Two binary:logistic models on the same synthetic card transactions and the same 12 named
features, trained differently so their scores differ on every row: the service's tests swap
one for the other under load and tell from each reply which model produced it.

  make_models.py                      models/fraud_a.json, fraud_b.json, rows and XGBoost's outputs
  make_models.py --out DIR --trees 500 --depth 6
                                      larger models for the load test (not kept in the repository)

Files written to the output folder:
  fraud_a.json, fraud_b.json   Booster.save_model
  rows.csv                     24 held-out rows (an empty field is missing), no header
  expected_a.csv, expected_b.csv   XGBoost's predict() on those rows, '%.9g'
  contribs_a.csv               XGBoost's pred_contribs=True for model a: 12 features then the bias
"""
import argparse
import os

import numpy as np
import xgboost as xgb

FEATURES = [
    "amount", "hour", "merchant_risk", "card_age_days", "tx_count_1h", "tx_count_24h",
    "distance_km", "foreign", "online", "avg_amount_30d", "amount_to_avg", "device_new",
]


def transactions(rng, n):
    amount = rng.lognormal(3.5, 1.2, n)
    avg = rng.lognormal(3.5, 0.8, n)
    x = np.column_stack([
        amount,
        rng.integers(0, 24, n),
        rng.beta(2, 8, n),
        rng.exponential(700, n),
        rng.poisson(0.5, n),
        rng.poisson(4, n),
        rng.exponential(30, n),
        rng.random(n) < 0.1,
        rng.random(n) < 0.4,
        avg,
        amount / avg,
        rng.random(n) < 0.05,
    ]).astype(np.float32)
    logit = (1.2 * np.log1p(x[:, 10]) + 4 * x[:, 2] + 0.6 * x[:, 4] + 1.5 * x[:, 7] * x[:, 8]
             + 2 * x[:, 11] - 0.002 * x[:, 3] + 0.5 * (x[:, 1] < 5) - 3)
    y = (logit + rng.logistic(size=n) > 0).astype(np.float32)
    x[rng.random(x.shape) < 0.05] = np.nan  # fields a real feed leaves empty
    return x, y


def write_csv(path, rows):
    with open(path, "w") as out:
        for row in np.atleast_2d(rows):
            out.write(",".join("" if np.isnan(v) else "%.9g" % v for v in row) + "\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(here, "models"))
    parser.add_argument("--trees", type=int, default=60)
    parser.add_argument("--depth", type=int, default=4)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    rng = np.random.default_rng(22)
    x_train, y_train = transactions(rng, 20000)
    x_rows, _ = transactions(rng, 24)
    train = xgb.DMatrix(x_train, label=y_train, feature_names=FEATURES)
    rows = xgb.DMatrix(x_rows, feature_names=FEATURES)
    variants = {
        "a": {"max_depth": args.depth, "eta": 0.1, "subsample": 1.0},
        "b": {"max_depth": max(2, args.depth - 1), "eta": 0.3, "subsample": 0.7},
    }
    predictions = {}
    for name, params in variants.items():
        booster = xgb.train({"objective": "binary:logistic", "nthread": 1, "seed": 1, **params},
                            train, num_boost_round=args.trees)
        booster.save_model(os.path.join(args.out, "fraud_%s.json" % name))
        predictions[name] = booster.predict(rows)
        write_csv(os.path.join(args.out, "expected_%s.csv" % name), predictions[name][:, None])
        if name == "a":
            write_csv(os.path.join(args.out, "contribs_a.csv"), booster.predict(rows, pred_contribs=True))
    # The tests tell the models apart by their scores: every row must differ.
    assert np.all(predictions["a"] != predictions["b"])
    write_csv(os.path.join(args.out, "rows.csv"), x_rows)


if __name__ == "__main__":
    main()
