"""grove.Predictor.predict equals xgboost's predict on every fixture and on models trained here,
for every output kind and input form (numpy float32/float64, C and Fortran order, pandas with
category columns, scipy CSR and CSC)."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse

import grove
from conftest import (FIXTURES, OUTPUTS, assert_same, fixture_names, input_forms, read_fixture,
                      xgb_predict)


def check_all_forms(xgb, p, booster, X, missing, outputs=OUTPUTS, iteration_ranges=((0, 0),)):
    expected_of = {}  # xgboost's results per input it was given (forms share inputs)
    for form, (x_grove, x_xgb) in input_forms(X, missing).items():
        d = xgb.DMatrix(x_xgb, missing=missing)

        def xgb_result(output, ir=(0, 0)):
            key = (id(x_xgb), output, ir)
            if key not in expected_of:
                expected_of[key] = xgb_predict(booster, d, output, ir)
            return expected_of[key]

        for output in outputs:
            for ir in iteration_ranges:
                if output == "contribs" and ir[0] > 0:
                    continue  # xgboost 1.7.4 refuses it
                got = p.predict(x_grove, output=output, missing=missing, iteration_range=ir)
                if output == "leaf" and ir[0] > 0:
                    # xgboost 1.7.4 gives leaves of whole models only: those rounds' columns.
                    per_round = p.num_trees // p.num_rounds
                    expected = xgb_result(output)[:, ir[0] * per_round:ir[1] * per_round]
                else:
                    expected = xgb_result(output, ir)
                assert_same(output, got, expected, f"{form} {output} {ir}")


@pytest.mark.parametrize("name", fixture_names())
def test_fixture(xgb, name):
    meta, X, missing = read_fixture(name)
    path = FIXTURES / name / "model.json"
    booster = xgb.Booster(model_file=str(path))
    p = grove.Predictor(path)
    assert p.num_feature == meta["num_feature"]
    assert p.num_output == meta["num_output"]
    assert p.num_trees == meta["num_trees"]
    rounds = meta["num_boost_round"]
    check_all_forms(xgb, p, booster, X, missing,
                    iteration_ranges=((0, 0), (1, min(3, rounds))))
    # The same model from its UBJSON bytes and from the Booster itself.
    for source in ((FIXTURES / name / "model.ubj").read_bytes(), booster):
        q = grove.Predictor(source)
        assert_same("margin", q.predict(X, output="margin", missing=missing),
                    xgb_predict(booster, xgb.DMatrix(X, missing=missing), "margin"), name)


def categorical_frame(X, feature_types, names):
    """A DataFrame of X whose categorical columns have pandas' category dtype; a value that is
    not a small non-negative integer becomes a missing category."""
    columns = {}
    for j, name in enumerate(names):
        v = X[:, j]
        if feature_types and feature_types[j] == "c":
            ok = np.isfinite(v) & (v >= 0) & (v < 100) & (v == np.floor(v))
            codes = np.where(ok, v, -1).astype(np.int64)
            categories = [f"c{i}" for i in range(max(1, codes.max() + 1))]
            columns[name] = pd.Categorical.from_codes(codes, categories=categories)
        else:
            columns[name] = v
    return pd.DataFrame(columns)


@pytest.mark.parametrize("name", [n for n in fixture_names() if n.startswith("categorical")])
def test_fixture_dataframe_with_categories(xgb, name):
    meta, X, missing = read_fixture(name)
    path = FIXTURES / name / "model.json"
    booster = xgb.Booster(model_file=str(path))
    p = grove.Predictor(path)
    names = p.feature_names or [f"f{j}" for j in range(p.num_feature)]
    df = categorical_frame(X, meta["feature_types"], names)
    assert any(str(t) == "category" for t in df.dtypes)
    d = xgb.DMatrix(df, enable_categorical=True)
    for output in OUTPUTS:
        assert_same(output, p.predict(df, output=output), xgb_predict(booster, d, output),
                    f"{name} {output}")
    assert_same("value", p.predict(df), booster.inplace_predict(df), f"{name} inplace")


def train(xgb, X, y, params, rounds, **dmatrix_args):
    params = dict(params, nthread=1, seed=0)
    return xgb.train(params, xgb.DMatrix(X, label=y, **dmatrix_args), rounds)


def random_rows(rng, n, f, nan_rate=0.1):
    X = rng.normal(size=(n, f)).astype(np.float32)
    X[rng.random((n, f)) < nan_rate] = np.nan
    return X


MODELS = {
    "binary_depth6": ({"objective": "binary:logistic", "max_depth": 6}, 20, "binary"),
    "softprob_4": ({"objective": "multi:softprob", "num_class": 4, "max_depth": 4}, 8, "class"),
    "softmax_3_parallel": ({"objective": "multi:softmax", "num_class": 3, "max_depth": 3,
                            "num_parallel_tree": 2}, 5, "class3"),
    "multi_target": ({"objective": "reg:squarederror", "tree_method": "hist",
                      "max_depth": 5}, 10, "targets"),
    "dart": ({"objective": "reg:squarederror", "booster": "dart", "rate_drop": 0.3,
              "max_depth": 4}, 10, "regression"),
    "lossguide": ({"objective": "reg:squarederror", "tree_method": "hist",
                   "grow_policy": "lossguide", "max_leaves": 40, "max_depth": 0}, 10, "regression"),
}


def labels(rng, X, kind):
    x0 = np.nan_to_num(X[:, 0])
    if kind == "binary":
        return (x0 + rng.normal(size=len(X)) > 0).astype(np.float32)
    if kind == "class":
        return rng.integers(0, 4, len(X))
    if kind == "class3":
        return np.digitize(x0, [-0.5, 0.5])
    if kind == "targets":
        return np.stack([x0, np.nan_to_num(X[:, 1]) * 2, x0 - np.nan_to_num(X[:, 2])], axis=1)
    return x0 * 3 + np.nan_to_num(X[:, 1])


@pytest.mark.parametrize("model", sorted(MODELS))
def test_random_model(xgb, model):
    params, rounds, kind = MODELS[model]
    rng = np.random.default_rng(len(model))
    X = random_rows(rng, 400, 12)
    booster = train(xgb, X[:300], labels(rng, X[:300], kind), params, rounds)
    p = grove.Predictor(booster)
    check_all_forms(xgb, p, booster, X[300:], np.nan, iteration_ranges=((0, 0), (2, 4)))
    # A user missing value, as a number in the rows.
    Xm = np.where(np.isnan(X[300:]), -7.0, X[300:]).astype(np.float32)
    d = xgb.DMatrix(Xm, missing=-7.0)
    for output in ("margin", "leaf"):
        assert_same(output, p.predict(Xm, output=output, missing=-7.0),
                    xgb_predict(booster, d, output), f"missing=-7 {output}")


def test_dataframe_names_categories_and_integers(xgb):
    """A model trained on a DataFrame (names, category and integer columns): predictions on a
    DataFrame equal xgboost's, numeric columns of any integer or float type."""
    rng = np.random.default_rng(7)
    n = 600
    df = pd.DataFrame({
        "age": rng.integers(18, 90, n),
        "income": rng.lognormal(10, 1, n),
        "city": pd.Categorical.from_codes(rng.integers(-1, 12, n),
                                          categories=[f"city{i}" for i in range(12)]),
        "score": rng.normal(size=n).astype(np.float32),
        "plan": pd.Categorical.from_codes(rng.integers(0, 4, n), categories=list("abcd")),
        "active": rng.random(n) < 0.5,
    })
    df.loc[rng.random(n) < 0.1, "income"] = np.nan
    y = (df["age"] / 90 + (df["plan"].cat.codes == 2) + rng.normal(size=n) > 1).astype(int)
    booster = train(xgb, df[:450], y[:450], {"objective": "binary:logistic", "max_depth": 5,
                                             "tree_method": "hist", "max_cat_to_onehot": 1},
                    15, enable_categorical=True)
    p = grove.Predictor(booster)
    assert p.feature_names == list(df.columns)
    assert p.feature_types[2] == "c"
    test = df[450:]
    d = xgb.DMatrix(test, enable_categorical=True)
    for output in OUTPUTS:
        assert_same(output, p.predict(test, output=output), xgb_predict(booster, d, output),
                    output)
    assert_same("value", p.predict(test), booster.inplace_predict(test), "inplace")
    # Nullable integers with NA are missing values.
    nullable = test.astype({"age": "Int64"})
    nullable.iloc[::5, 0] = pd.NA
    assert_same("margin", p.predict(nullable, output="margin"),
                xgb_predict(booster, xgb.DMatrix(nullable, enable_categorical=True), "margin"),
                "nullable")


def test_wide_sparse_model(xgb):
    """A model trained on sparse rows of 3,000 columns: CSR and CSC inputs equal xgboost's."""
    rng = np.random.default_rng(3)
    n, cols = 1200, 3000
    X = scipy.sparse.random(n, cols, density=0.01, format="csr", random_state=3,
                            data_rvs=lambda k: rng.normal(size=k)).astype(np.float32)
    y = (np.asarray(X[:, :50].sum(axis=1)).ravel() > 0).astype(int)
    booster = train(xgb, X[:900], y[:900], {"objective": "binary:logistic", "max_depth": 6}, 30)
    p = grove.Predictor(booster)
    test = X[900:]
    narrow = test[:, :2000]  # its last columns hold no entries
    for x in (test, test.tocsc(), test.astype(np.float64), narrow):
        # xgboost's contributions need the model's width: the same entries, full width.
        c = x.tocsr()
        d = xgb.DMatrix(scipy.sparse.csr_matrix((c.data, c.indices, c.indptr),
                                                shape=(c.shape[0], cols)))
        for output in OUTPUTS:
            assert_same(output, p.predict(x, output=output), xgb_predict(booster, d, output),
                        f"{x.format} {x.dtype} {x.shape} {output}")


def test_integer_and_boolean_arrays(xgb):
    rng = np.random.default_rng(5)
    X = rng.integers(-50, 50, (300, 6))
    booster = train(xgb, X.astype(np.float32), X[:, 0] + X[:, 1], {"max_depth": 4}, 6)
    p = grove.Predictor(booster)
    for x in (X, X.astype(np.int32), X.astype(np.int8), X > 0, X.astype(np.float16),
              X.astype(">f4"), X.astype(">f8")):
        # xgboost 1.7.4 misreads big-endian arrays: it gets the same values in native order.
        native = x.astype(x.dtype.newbyteorder("="))
        assert_same("margin", p.predict(x, output="margin"),
                    xgb_predict(booster, xgb.DMatrix(native), "margin"), str(x.dtype))


def test_zero_rows_and_strided_rows(xgb):
    meta, X, missing = read_fixture("obj_multi_softprob")
    p = grove.Predictor(FIXTURES / "obj_multi_softprob" / "model.json")
    assert p.predict(X[:0]).shape == (0, meta["num_output"])
    assert p.predict(X[:0], output="contribs").shape == (0, meta["num_output"],
                                                         meta["num_feature"] + 1)
    booster = xgb.Booster(model_file=str(FIXTURES / "obj_multi_softprob" / "model.json"))
    wide = np.hstack([X, X])
    view = wide[::2, :X.shape[1]]  # every other row of a wider array: a row stride
    assert_same("margin", p.predict(view, output="margin"),
                xgb_predict(booster, xgb.DMatrix(X[::2].copy()), "margin"))
