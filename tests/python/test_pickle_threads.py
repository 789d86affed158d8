"""Pickling (the model travels as bytes and is compiled again) and predicting from several
Python threads at once (the GIL is released while grove predicts)."""

import pickle
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np

import grove
from conftest import FIXTURES, assert_same, read_fixture, xgb_predict

NAME = "obj_multi_softprob"


def test_pickle_round_trip(xgb):
    _, X, _ = read_fixture(NAME)
    p = grove.Predictor(FIXTURES / NAME / "model.json")
    data = pickle.dumps(p)
    q = pickle.loads(data)
    assert len(data) < len(p.model_bytes()) + 1000  # the bytes, not a compiled form
    assert (q.num_feature, q.num_output, q.objective) == (p.num_feature, p.num_output,
                                                          p.objective)
    booster = xgb.Booster(model_file=str(FIXTURES / NAME / "model.json"))
    for output in ("margin", "leaf", "contribs"):
        assert_same(output, q.predict(X, output=output),
                    xgb_predict(booster, xgb.DMatrix(X), output), output)
    # A dump keeps the options it needs to load again.
    d = grove.Predictor(FIXTURES / "missing_nan" / "dump.json", objective="binary:logistic",
                        base_score=0.5)
    assert pickle.loads(pickle.dumps(d)).objective == "binary:logistic"


def _margins_in_child(p, X):
    return p.predict(X, output="margin")


def test_pickle_to_another_process(xgb):
    _, X, _ = read_fixture(NAME)
    p = grove.Predictor(FIXTURES / NAME / "model.json")
    with ProcessPoolExecutor(1) as pool:
        got = pool.submit(_margins_in_child, p, X).result(timeout=120)
    booster = xgb.Booster(model_file=str(FIXTURES / NAME / "model.json"))
    assert_same("margin", got, xgb_predict(booster, xgb.DMatrix(X), "margin"))


def test_threads_predict_at_once(xgb):
    rng = np.random.default_rng(11)
    X = rng.normal(size=(20000, 20)).astype(np.float32)
    booster = xgb.train({"max_depth": 6, "nthread": 1, "seed": 0},
                        xgb.DMatrix(X[:2000], label=X[:2000, 0] * X[:2000, 1]), 60)
    expected = booster.predict(xgb.DMatrix(X), output_margin=True)
    p = grove.Predictor(booster)
    parts = np.array_split(np.arange(len(X)), 16)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda i: p.predict(X[i], output="margin", threads=1), parts))
    assert_same("margin", np.concatenate(got), expected)


def test_gil_is_released():
    """While one thread is inside predict, another runs Python code. With the GIL held the
    main loop below could not run until predict returned."""
    rng = np.random.default_rng(12)
    p = grove.Predictor(FIXTURES / "wide_50_features" / "model.json")
    X = rng.normal(size=(50000, p.num_feature)).astype(np.float32)
    started = threading.Event()
    calls = []

    def work():
        started.set()
        calls.append(p.predict(X, output="contribs", threads=1).shape)

    t = threading.Thread(target=work)
    t.start()
    started.wait()
    spins = 0
    while t.is_alive():
        spins += 1
    t.join()
    assert len(calls) == 1
    assert spins > 10000, spins
