"""The Spark example's mapInPandas function (examples/spark_predict.py), run on pandas batches
as Spark would run it (Spark itself is not a Debian package): its output equals xgboost's."""

import sys

import cloudpickle
import numpy as np
import pandas as pd

import grove
from conftest import FIXTURES, ROOT, assert_same, xgb_predict

sys.path.insert(0, str(ROOT / "examples"))
import spark_predict  # noqa: E402


def batches_of(frame, size):
    for start in range(0, len(frame), size):
        yield frame.iloc[start:start + size]


def test_scorer_over_batches(xgb):
    path = FIXTURES / "obj_multi_softprob" / "model.json"
    booster = xgb.Booster(model_file=str(path))
    p = grove.Predictor(path)
    rng = np.random.default_rng(2)
    X = rng.normal(size=(1000, p.num_feature)).astype(np.float32)
    names = [f"f{j}" for j in range(p.num_feature)]
    frame = pd.DataFrame(X, columns=names).assign(id=np.arange(1000))  # an extra column
    # Spark sends the function to its workers with cloudpickle: a round trip here as well.
    scorer = cloudpickle.loads(cloudpickle.dumps(spark_predict.make_scorer(p, names, output="margin")))
    out = pd.concat(scorer(batches_of(frame, 128)))
    assert list(out.columns) == ["prediction_0", "prediction_1", "prediction_2"]
    assert out.dtypes.unique().tolist() == [np.float32]
    assert_same("margin", out.to_numpy(), xgb_predict(booster, xgb.DMatrix(X), "margin"))
    binary = FIXTURES / "obj_binary_logistic" / "model.json"
    b = grove.Predictor(binary)
    one = spark_predict.make_scorer(b, names[:b.num_feature])
    out = pd.concat(one(batches_of(frame, 300)))
    assert list(out.columns) == ["prediction"]
    assert_same("value", out["prediction"].to_numpy(),
                xgb_predict(xgb.Booster(model_file=str(binary)),
                            xgb.DMatrix(X[:, :b.num_feature]), "value"))
