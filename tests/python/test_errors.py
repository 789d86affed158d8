"""Bad models, inputs and arguments give grove.Error (a ValueError) with grove's code and
location, never a crash."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse

import grove
from conftest import FIXTURES

MODEL = FIXTURES / "categorical_binary" / "model.json"  # 6 features, 3 categorical


@pytest.fixture(scope="module")
def p():
    return grove.Predictor(MODEL)


def error_of(call, *args, **kwargs):
    with pytest.raises(grove.Error) as info:
        call(*args, **kwargs)
    e = info.value
    assert isinstance(e, ValueError)
    assert str(e) == f"{e.where}: {e.message}"
    return e


def test_models():
    e = error_of(grove.Predictor, b"{not json")
    assert e.code == "parse" and e.where.startswith("<memory>")
    e = error_of(grove.Predictor, FIXTURES / "no_such_dir" / "model.json")
    assert e.code == "io" and "no_such_dir" in e.where
    e = error_of(grove.Predictor, b'{"learner": {}}')
    assert e.code == "format"
    e = error_of(grove.Predictor, 42)
    assert e.code == "invalid_argument" and e.where == "model"
    e = error_of(grove.Predictor, FIXTURES / "missing_nan" / "dump.json")
    assert e.code == "invalid_argument" and "objective" in e.message
    e = error_of(grove.Predictor, MODEL, isa="sse9")
    assert e.code == "invalid_argument" and e.where == "isa"


def test_arguments(p):
    X = np.zeros((3, 6), dtype=np.float32)
    e = error_of(p.predict, X, output="probability")
    assert e.code == "invalid_argument" and e.where == "output" and "probability" in e.message
    e = error_of(p.predict, X, iteration_range=(0, 99))
    assert e.code == "invalid_argument" and e.where == "iteration_range"
    e = error_of(p.predict, X, iteration_range=(-1, 0))
    assert e.code == "invalid_argument"
    e = error_of(p.predict, X, iteration_range=5)
    assert e.where == "iteration_range"
    e = error_of(p.predict, X, threads=-2)
    assert e.where == "threads"


def test_arrays(p):
    e = error_of(p.predict, np.zeros((3, 5), dtype=np.float32))
    assert e.code == "shape" and e.where == "X" and "5 columns" in e.message
    e = error_of(p.predict, np.zeros((3, 7)))
    assert e.code == "shape"
    e = error_of(p.predict, np.zeros(6, dtype=np.float32))
    assert e.code == "shape" and "reshape" in e.message
    e = error_of(p.predict, np.zeros((2, 3, 6), dtype=np.float32))
    assert e.code == "shape"
    e = error_of(p.predict, np.array([["a"] * 6]))
    assert e.code == "invalid_argument" and "numeric" in e.message
    e = error_of(p.predict, np.zeros((2, 6), dtype=np.complex64))
    assert e.code == "invalid_argument"
    e = error_of(p.predict, {"a": 1})
    assert e.code == "invalid_argument" and "dict" in e.message


def test_dataframes(p):
    names = [f"f{j}" for j in range(6)]
    df = pd.DataFrame(np.zeros((4, 6)), columns=names)
    e = error_of(p.predict, df.assign(f1="text"))
    assert e.code == "invalid_argument" and e.where == "X, column 'f1'" and "object" in e.message
    e = error_of(p.predict, df.iloc[:, :5])
    assert e.code == "shape"
    # A category column where the model has a numeric feature (f1 is "q").
    e = error_of(p.predict, df.assign(f1=pd.Categorical(["a", "b", "a", "b"])))
    assert e.where == "X, column 'f1'" and "numeric" in e.message


def test_dataframe_names_against_the_model(xgb):
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(100, 3)), columns=["a", "b", "c"])
    booster = xgb.train({"nthread": 1}, xgb.DMatrix(df, label=df["a"]), 2)
    p = grove.Predictor(booster)
    e = error_of(p.predict, df.rename(columns={"c": "d"}))
    assert e.code == "shape" and "'c'" in e.message and "'d'" in e.message
    e = error_of(p.predict, df[["b", "a", "c"]])
    assert "order" in e.message
    # Positions instead of names when asked to.
    assert p.predict(df[["b", "a", "c"]], validate_features=False).shape == (100,)


def test_sparse(p):
    X = scipy.sparse.random(4, 6, density=0.5, format="csr", random_state=0)
    e = error_of(p.predict, scipy.sparse.random(4, 9, density=0.5, format="csr"))
    assert e.code == "shape" and "at most 6" in e.message
    dup = scipy.sparse.csr_matrix((np.ones(3), np.array([1, 1, 2]), np.array([0, 2, 3, 3, 3])),
                                  shape=(4, 6))
    e = error_of(p.predict, dup)
    assert e.code == "invalid_argument" and e.where == "rows (CSR), row 0, entry 1"
    bad = scipy.sparse.csr_matrix(X)
    bad.indices = bad.indices.copy()
    bad.indices[-1] = 7  # past the column count, behind scipy's back
    e = error_of(p.predict, bad)
    assert e.code == "invalid_argument" and "7" in e.message
    e = error_of(p.predict, X.astype(np.complex64))
    assert e.code == "invalid_argument"


def test_the_installed_package_is_tested():
    from conftest import ROOT
    assert ROOT / "python" not in __import__("pathlib").Path(grove.__file__).parents
