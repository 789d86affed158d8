"""Shared helpers of the Python tests: fixtures, inputs in every form, and the comparison rules
(margins and leaves bit for bit, values to float rounding, contributions within 1e-5 of the row's
scale). Expected values always come from xgboost (Debian's 1.7.4) in the same process."""

import json
import pathlib

import numpy as np
import pytest
import scipy.sparse

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
OUTPUTS = ("value", "margin", "leaf", "contribs")


def fixture_names():
    return sorted(d.name for d in FIXTURES.iterdir() if (d / "model.json").exists())


def read_fixture(name):
    """(meta, X as float32, missing) of a fixture directory; an empty CSV field is NaN."""
    d = FIXTURES / name
    meta = json.loads((d / "meta.json").read_text())
    X = np.genfromtxt(d / "X.csv", delimiter=",", dtype=np.float64, missing_values="",
                      filling_values=np.nan, ndmin=2).astype(np.float32)
    missing = meta["cases"][0]["missing"]
    return meta, X, np.nan if missing is None else float(missing)


def xgb_predict(booster, dmatrix, output, iteration_range=(0, 0)):
    """xgboost's predict() for one of grove's output names."""
    flags = {"value": {}, "margin": {"output_margin": True}, "leaf": {"pred_leaf": True},
             "contribs": {"pred_contribs": True}}[output]
    return booster.predict(dmatrix, iteration_range=iteration_range, **flags)


def to_csr(X, missing, store_missing_every=3):
    """X as CSR: an entry for every value that is not NaN, so absent entries are the missing
    ones; every `store_missing_every`-th row also stores its missing cells explicitly (NaN or
    the `missing` value), which must read as missing too. Zeros are stored (they are values)."""
    keep = ~np.isnan(X)
    keep[::store_missing_every] = True
    data = X[keep]
    return scipy.sparse.csr_matrix((data, np.nonzero(keep)[1], np.concatenate(
        [[0], np.cumsum(keep.sum(axis=1))])), shape=X.shape)


def near_float32(X, seed=0):
    """float64 values within an ulp of X's float32 values, on both sides, so that rounding them
    to float32 goes both ways (and lands on split thresholds where X holds one)."""
    rng = np.random.default_rng(seed)
    ulp = np.spacing(np.abs(X)).astype(np.float64)
    return X.astype(np.float64) + rng.uniform(-0.75, 0.75, X.shape) * ulp


def assert_same(output, got, expected, what=""):
    """grove's output equals xgboost's: shape and dtype, then the rule for the output kind."""
    expected = np.asarray(expected)
    assert got.shape == expected.shape, f"{what}: shape {got.shape} != {expected.shape}"
    assert got.dtype == np.float32, what
    if output in ("margin", "leaf"):
        same = got.view(np.uint32) == expected.astype(np.float32).view(np.uint32)
        same |= (got == expected)  # +0.0 and -0.0
        assert same.all(), f"{what}: {(~same).sum()} values differ, first at " \
                           f"{np.argwhere(~same)[0]}: {got[~same][0]} != {expected[~same][0]}"
    elif output == "value":
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=0, err_msg=what)
    else:
        n = got.shape[0]
        g = got.reshape(n, -1, got.shape[-1])
        e = expected.reshape(n, -1, expected.shape[-1])
        scale = np.maximum(1.0, np.abs(e).max(axis=2, keepdims=True))
        assert (np.abs(g - e) <= 1e-5 * scale).all(), f"{what}: contributions differ"


def input_forms(X, missing):
    """The same rows as float32 and float64 arrays, C and Fortran order, CSR and CSC, with the
    matching xgboost DMatrix arguments."""
    X64 = near_float32(X)
    csr = to_csr(X, missing)
    csr64 = to_csr(X64, missing)  # float64 values, read in place, with 64-bit indices too
    csr64.indices = csr64.indices.astype(np.int64)
    csr64.indptr = csr64.indptr.astype(np.int64)
    return {
        "float32": (X, X),
        "float32-fortran": (np.asfortranarray(X), X),
        "float64": (X64, X64),
        "csr": (csr, csr),
        "csr-float64-int64": (csr64, csr64),
        # xgboost 1.7.4 ignores `missing` for CSC input; grove reads CSC as the same CSR.
        "csc": (csr.tocsc(), csr),
    }


@pytest.fixture(scope="session")
def xgb():
    import xgboost
    assert xgboost.__version__ == "1.7.4", xgboost.__version__
    return xgboost
