"""Prediction on Dask collections.

    import grove.dask
    y = grove.dask.predict(grove.Predictor("model.json"), X)   # lazy; y.compute() runs it

X is a dask.array (rows chunked any way; all columns of a row in one block) or a dask.dataframe.
The model enters the task graph once, as a single key: each worker fetches it once, whatever
the number of partitions, and compiles it once per process (the compiled predictor is kept for
later tasks and later graphs with the same model).
"""

import collections
import hashlib
import threading

import numpy as np

from . import Predictor, _inputs

__all__ = ["predict"]


class _Shipment:
    """What travels to the workers: the model's bytes and load options, plus a digest naming
    them; unpickling it is cheap (no compilation)."""

    def __init__(self, predictor):
        self.state = predictor.__getstate__()
        digest = hashlib.sha256(self.state["model"])
        for key in ("objective", "base_score", "num_class", "isa"):
            digest.update(repr(self.state[key]).encode())
        self.digest = digest.hexdigest()

    def __dask_tokenize__(self):
        return self.digest


_compiled = collections.OrderedDict()  # digest -> Predictor, most recently used last
_compiled_limit = 4
_compile_count = 0
_lock = threading.Lock()


def _predictor(shipment):
    """The process's compiled predictor for this model, compiled on first use."""
    global _compile_count
    with _lock:
        p = _compiled.get(shipment.digest)
        if p is None:
            p = Predictor.__new__(Predictor)
            p.__setstate__(shipment.state)
            _compiled[shipment.digest] = p
            _compile_count += 1
            while len(_compiled) > _compiled_limit:
                _compiled.popitem(last=False)
        _compiled.move_to_end(shipment.digest)
        return p


def compile_count():
    """How many models this process has compiled for grove.dask (tests check it stays one per
    model and worker)."""
    return _compile_count


def _predict_block(block, shipment, options):
    return _predictor(shipment).predict(block, **options)


def _predict_partition(frame, shipment, options, columns):
    import pandas as pd

    out = _predictor(shipment).predict(frame, **options)
    if columns is None:
        return pd.Series(out, index=frame.index)
    return pd.DataFrame(out, index=frame.index, columns=columns)


def _output_shape(p, output, iteration_range):
    """XGBoost's output shape after the row axis, from the model."""
    begin, end = iteration_range
    width = p._native.output_width(output, int(begin), int(end))
    if output == "leaf":
        return (width,)
    if output == "contribs" and p.num_output > 1:
        return (p.num_output, p.num_feature + 1)
    return () if width == 1 else (width,)


def predict(model, X, output="value", missing=np.nan, iteration_range=(0, 0), threads=1,
            validate_features=True):
    """Lazy predictions for a dask.array or dask.dataframe, as grove.Predictor.predict gives
    for a whole array: a dask.array with XGBoost's shapes for an array; for a DataFrame a
    dask Series (one value per row) or DataFrame (columns 0..k-1) with X's index.

    model: a grove.Predictor, or what grove.Predictor() takes. threads: grove's threads per
    task (Dask already runs one task per worker thread).
    """
    import dask
    import dask.array as da
    import dask.dataframe as dd

    p = model if isinstance(model, Predictor) else Predictor(model)
    if output not in _inputs.OUTPUTS:
        _inputs.fail("invalid_argument", "output", f"unknown output {output!r} (expected "
                     "value, margin, leaf or contribs)")
    shape = _output_shape(p, output, iteration_range)
    shipment = dask.delayed(_Shipment(p), pure=True)
    options = dict(output=output, missing=missing, iteration_range=tuple(iteration_range),
                   threads=threads, validate_features=validate_features)

    if isinstance(X, dd.DataFrame):
        if len(shape) > 1:
            _inputs.fail("shape", "output", "contributions of several outputs have 3 "
                         "dimensions; pass a dask.array (X.to_dask_array(lengths=True))")
        columns = list(range(shape[0])) if shape else None
        if columns is None:
            meta = dd.utils.make_meta(("prediction", np.float32))
        else:
            meta = dd.utils.make_meta({c: np.float32 for c in columns})
        return X.map_partitions(_predict_partition, shipment, options, columns, meta=meta)

    if isinstance(X, da.Array):
        if X.ndim != 2:
            _inputs.fail("shape", "X", f"expected 2 dimensions, got {X.ndim}")
        if len(X.chunks[1]) > 1:
            X = X.rechunk({1: -1})  # the block function needs whole rows
        chunks = (X.chunks[0],) + tuple((n,) for n in shape)
        kwargs = dict(dtype=np.float32, chunks=chunks, meta=np.empty((0,) * len(chunks),
                                                                       dtype=np.float32))
        if len(chunks) == 1:
            kwargs["drop_axis"] = 1
        elif len(chunks) == 3:
            kwargs["new_axis"] = 2
        return da.map_blocks(_predict_block, X, shipment, options, **kwargs)

    _inputs.fail("invalid_argument", "X", f"expected a dask.array or dask.dataframe, got "
                 f"{type(X).__name__}")
