#!/usr/bin/python3
"""grove's Python package against xgboost.Booster.inplace_predict, in one run on the same rows:
a batch (numpy float32 and float64, a pandas DataFrame, scipy CSR) and one row per call (what a
Python service pays per request, binding overhead included). Prints a Markdown table of medians.

    bench/python_bench.py [--rows 100000] [--calls 2000] [--reps 5] [--threads 1,2]

Run it with the interpreter grove is installed in (tests/python/run.sh makes one:
build/python-env/bin/python bench/python_bench.py). Models are trained at start (about 20 s).
"""

import argparse
import statistics
import time

import numpy as np
import pandas as pd
import scipy.sparse
import xgboost as xgb

import grove


def train(name, features, params, rounds, nan_rate=0.0, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30000, features)).astype(np.float32)
    w = rng.normal(size=features)
    z = X @ w + 0.5 * np.sin(3 * X[:, 0]) * X[:, 1]
    if params["objective"] == "multi:softprob":
        y = np.digitize(z, np.quantile(z, np.linspace(0, 1, params["num_class"] + 1)[1:-1]))
    else:
        y = (z + rng.normal(size=len(z)) > 0).astype(np.float32)
    X[rng.random(X.shape) < nan_rate] = np.nan
    booster = xgb.train(dict(params, tree_method="hist", eta=0.1, subsample=0.8, nthread=2,
                             seed=seed), xgb.DMatrix(X, label=y), rounds)
    return name, booster


def held_out_rows(features, n, nan_rate):
    rng = np.random.default_rng(99)
    X = rng.normal(size=(n, features)).astype(np.float32)
    X[rng.random(X.shape) < nan_rate] = np.nan
    return X


def median_seconds(call, reps, inner=1):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        for _ in range(inner):
            call()
        times.append((time.perf_counter() - start) / inner)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--calls", type=int, default=2000, help="one-row calls per repetition")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", default="1,2")
    args = ap.parse_args()
    threads = [int(t) for t in args.threads.split(",")]

    models = [
        (train("binary: depth 6, 200 trees, 28 features", 28,
               {"objective": "binary:logistic", "max_depth": 6}, 200), 28, 0.0),
        (train("fraud-like: depth 8, 300 trees, 30 features, 15% NaN", 30,
               {"objective": "binary:logistic", "max_depth": 8}, 300, nan_rate=0.15), 30, 0.15),
        (train("multiclass: 10 classes, depth 5, 600 trees, 64 features", 64,
               {"objective": "multi:softprob", "num_class": 10, "max_depth": 5}, 60), 64, 0.0),
    ]
    print("| model | input | threads | XGBoost inplace_predict | grove | speedup |")
    print("|---|---|---|---|---|---|")
    for (name, booster), features, nan_rate in models:
        p = grove.Predictor(booster)
        X = held_out_rows(features, args.rows, nan_rate)
        inputs = {
            "float32 batch": (X, X),
            "float64 batch": (X.astype(np.float64), X.astype(np.float64)),
            "DataFrame batch": (pd.DataFrame(X, columns=booster.feature_names or None),) * 2,
            "CSR batch": (scipy.sparse.csr_matrix(np.nan_to_num(X, nan=0.0)),) * 2,
        }
        trees = p.num_trees
        for t in threads:
            booster.set_param({"nthread": t})
            for label, (xg, xx) in inputs.items():
                # xgboost reads a CSR's absent entries as missing, like grove.
                a = median_seconds(lambda: booster.inplace_predict(xx), args.reps)
                b = median_seconds(lambda: p.predict(xg, threads=t), args.reps)
                assert np.allclose(p.predict(xg), booster.inplace_predict(xx), rtol=1e-6,
                                   equal_nan=True)
                per = 1e9 / (len(X) * trees)
                print(f"| {name} | {label} ({len(X):,} rows) | {t} | {a * per:.2f} ns/(row x tree)"
                      f" | {b * per:.2f} | {a / b:.1f}x |")
            if t != 1:
                continue
            one = [X[i:i + 1] for i in range(args.calls)]

            def xgb_rows():
                for r in one:
                    booster.inplace_predict(r)

            def grove_rows():
                for r in one:
                    p.predict(r)

            a = median_seconds(xgb_rows, args.reps) / args.calls
            b = median_seconds(grove_rows, args.reps) / args.calls
            print(f"| {name} | one row per call | 1 | {a * 1e6:.1f} us/call | "
                  f"{b * 1e6:.1f} us/call | {a / b:.1f}x |")


if __name__ == "__main__":
    main()
