"""Trains the example model shipped in examples/ (run with /usr/bin/python3, XGBoost 1.7.4).

A binary classifier on synthetic transaction-like data: 8 features, 10% missing values,
50 trees of depth 5. Writes examples/model.json, examples/model.ubj and examples/rows.csv
(20 held-out rows; an empty field is a missing value).
"""
import os

import numpy as np
import xgboost as xgb

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)


def make_rows(n):
    x = rng.normal(size=(n, 8)).astype(np.float32)
    logit = 1.5 * x[:, 0] - x[:, 1] * x[:, 2] + 0.8 * np.abs(x[:, 3]) - 1.0
    y = (logit + rng.normal(scale=0.5, size=n) > 0).astype(np.float32)
    x[rng.random(size=x.shape) < 0.1] = np.nan
    return x, y


x_train, y_train = make_rows(5000)
booster = xgb.train(
    {"objective": "binary:logistic", "max_depth": 5, "eta": 0.2, "nthread": 1, "seed": 0},
    xgb.DMatrix(x_train, label=y_train),
    num_boost_round=50,
)
booster.save_model(os.path.join(here, "model.json"))
booster.save_model(os.path.join(here, "model.ubj"))

x_rows, _ = make_rows(20)
with open(os.path.join(here, "rows.csv"), "w") as out:
    for row in x_rows:
        out.write(",".join("" if np.isnan(v) else "%.9g" % v for v in row) + "\n")
with open(os.path.join(here, "expected.csv"), "w") as out:
    for p in booster.predict(xgb.DMatrix(x_rows)):
        out.write("%.9g\n" % p)
