"""Scoring a Spark DataFrame with grove: the function DataFrame.mapInPandas runs on each
partition's pandas batches.

    import grove
    from spark_predict import make_scorer   # on the executors too: spark.sparkContext.addPyFile

    scorer = make_scorer(grove.Predictor("model.json"), ["f0", "f1", "f2"], output="value")
    scored = spark_df.mapInPandas(scorer, schema="prediction float")

The predictor travels pickled (its model's bytes) inside the function, and each executor's
Python worker compiles it once and keeps it for later batches and tasks. For a model of many
megabytes, broadcast the pickle (spark.sparkContext.broadcast) and pass `lambda: b.value`
as `shipped` instead, so it is sent to each executor once rather than with every task.
"""

import functools
import pickle

import pandas as pd


@functools.lru_cache(maxsize=4)
def _compiled(shipped):
    return pickle.loads(shipped)


def make_scorer(predictor, feature_columns, output="value", shipped=None):
    """A function from an iterator of pandas DataFrames to an iterator of DataFrames with one
    float32 column, `prediction` (outputs of one value per row; for several, one column per
    value: prediction_0, prediction_1, ...), for DataFrame.mapInPandas."""
    data = pickle.dumps(predictor)
    columns = list(feature_columns)

    def score(batches):
        p = _compiled(shipped() if shipped is not None else data)
        for batch in batches:
            out = p.predict(batch[columns], output=output)
            if out.ndim == 1:
                yield pd.DataFrame({"prediction": out}, index=batch.index)
            else:
                flat = out.reshape(len(out), -1)
                yield pd.DataFrame(flat, index=batch.index,
                                   columns=[f"prediction_{k}" for k in range(flat.shape[1])])

    return score
