#!/usr/bin/python3
"""grove.dask.predict against xgboost.dask.inplace_predict on the same two-worker
distributed.LocalCluster and the same rows (already in the workers' memory), in one run.
Prints rows per second (median of the repetitions) and the ratio.

    build/python-env/bin/python bench/dask_bench.py [--rows 4000000] [--parts 40] [--reps 3]

Each worker has one thread, and each task predicts with one thread, for both.
"""

import argparse
import statistics
import time

import dask
import dask.array as da
import distributed
import numpy as np
import xgboost as xgb

import grove
import grove.dask

FEATURES = 28


def make_part(i, rows):
    rng = np.random.default_rng(i)
    return rng.normal(size=(rows, FEATURES)).astype(np.float32)


def train():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30000, FEATURES)).astype(np.float32)
    y = (X @ rng.normal(size=FEATURES) + rng.normal(size=len(X)) > 0).astype(np.float32)
    return xgb.train({"objective": "binary:logistic", "max_depth": 6, "tree_method": "hist",
                      "eta": 0.1, "nthread": 2, "seed": 0}, xgb.DMatrix(X, label=y), 200)


def timed(client, make, reps):
    times = []
    result = None
    for _ in range(reps):
        start = time.perf_counter()
        result = client.compute(make()).result()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=4_000_000)
    ap.add_argument("--parts", type=int, default=40)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    part_rows = args.rows // args.parts
    booster = train()
    booster.set_param({"nthread": 1})
    p = grove.Predictor(booster)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        X = da.concatenate([
            da.from_delayed(dask.delayed(make_part)(i, part_rows), shape=(part_rows, FEATURES),
                            dtype=np.float32) for i in range(args.parts)]).persist()
        distributed.wait(X)
        t_xgb, y_xgb = timed(client, lambda: xgb.dask.inplace_predict(client, booster, X),
                             args.reps)
        t_grove, y_grove = timed(client, lambda: grove.dask.predict(p, X), args.reps)
        assert np.allclose(y_xgb, y_grove, rtol=1e-6)
        rows = part_rows * args.parts
        print(f"{rows:,} rows in {args.parts} partitions, 2 workers x 1 thread, "
              f"depth 6, 200 trees, {FEATURES} features; median of {args.reps}")
        print(f"| | rows/s | time |\n|---|---|---|\n"
              f"| xgboost.dask.inplace_predict | {rows / t_xgb:,.0f} | {t_xgb:.2f} s |\n"
              f"| grove.dask.predict | {rows / t_grove:,.0f} | {t_grove:.2f} s |\n"
              f"| ratio | {t_xgb / t_grove:.1f}x | |")


if __name__ == "__main__":
    main()
