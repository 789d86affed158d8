"""grove: fast, exact prediction with XGBoost models.

    import grove
    p = grove.Predictor("model.json")          # a path, the model's bytes, or an xgboost.Booster
    y = p.predict(X)                           # numpy, pandas DataFrame or scipy.sparse
    m = p.predict(X, output="margin")          # "value", "margin", "leaf" or "contribs"

Margins equal XGBoost's bit for bit; outputs have the shapes of xgboost.Booster.predict.
"""

import os

import numpy as np

from . import _inputs
from ._grove import Error, NativePredictor

__all__ = ["Predictor", "Error", "__version__"]
__version__ = "0.1.0"


def _model_bytes(model):
    """(bytes, name for errors) of a path, bytes-like object or xgboost.Booster."""
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        try:
            with open(path, "rb") as f:
                return f.read(), path
        except OSError as e:
            _inputs.fail("io", path, e.strerror or str(e))
    if isinstance(model, (bytes, bytearray, memoryview)):
        return bytes(model), "<memory>"
    if hasattr(model, "get_booster"):  # the scikit-learn style xgboost.XGBModel
        model = model.get_booster()
    if hasattr(model, "save_raw"):  # xgboost.Booster, without importing xgboost here
        return bytes(model.save_raw("ubj")), "<xgboost.Booster>"
    _inputs.fail("invalid_argument", "model", f"expected a path, bytes or an xgboost.Booster, "
                 f"got {type(model).__name__}")


class Predictor:
    """A compiled model. Immutable: predict() may be called from many threads at once (it
    releases the GIL), and a Predictor pickles as its model's bytes (compiled again on load).

    model: a path to a save_model file (JSON or UBJSON) or a dump_model JSON file, the bytes of
    one, or an xgboost.Booster. Dumps carry no objective or intercept: give objective=,
    base_score= (and num_class= for multi-class dumps). isa: "auto", "scalar", "avx2",
    "avx512" or "avx512_vbmi" (default: the best this CPU has).
    """

    def __init__(self, model, *, objective=None, base_score=None, num_class=0, isa="auto"):
        data, name = _model_bytes(model)
        self._state = {"model": data, "name": name, "objective": objective or "",
                       "base_score": base_score, "num_class": int(num_class), "isa": isa}
        self._native = self._compile(self._state)

    @staticmethod
    def _compile(state):
        return NativePredictor(state["model"], state["name"], state["objective"],
                               state["base_score"], state["num_class"], state["isa"])

    def __getstate__(self):
        return dict(self._state)

    def __setstate__(self, state):
        self._state = dict(state)
        self._native = self._compile(self._state)

    @property
    def num_feature(self):
        """Features the model reads (columns an input must have)."""
        return self._native.num_feature

    @property
    def num_output(self):
        """Margins per row: classes or targets, else 1."""
        return self._native.num_output

    @property
    def num_trees(self):
        return self._native.num_trees

    @property
    def num_rounds(self):
        """Boosting rounds (what iteration_range counts)."""
        return self._native.num_rounds

    @property
    def objective(self):
        return self._native.objective

    @property
    def feature_names(self):
        """The model's feature names, or None when it has none."""
        return self._native.feature_names or None

    @property
    def feature_types(self):
        """The model's feature types ("q" numeric, "c" categorical, ...), or None."""
        return self._native.feature_types or None

    @property
    def kernels(self):
        """The kernels chosen for this model on this CPU (instruction set, forms)."""
        return self._native.kernels

    def model_bytes(self):
        """The model as it was loaded (what a pickle carries)."""
        return self._state["model"]

    def predict(self, X, output="value", missing=np.nan, iteration_range=(0, 0), threads=0,
                validate_features=True):
        """Predicts for the rows of X, as xgboost.Booster.predict would.

        X: a 2-D numpy array (float32, float64, integers or booleans; C or Fortran order), a
        pandas DataFrame (numeric and category columns; names checked against the model's
        feature_names when it has them and validate_features is true) or a scipy.sparse matrix
        (absent entries are missing). output: "value" (as predict()), "margin"
        (output_margin=True), "leaf" (pred_leaf=True) or "contribs" (pred_contribs=True).
        Values equal to `missing`, and NaN, are missing. iteration_range: boosting rounds
        [begin, end), (0, 0) for all. threads: 0 lets grove choose.

        Returns float32: (n,) or (n, k) for value and margin, (n, trees) for leaf, (n, F + 1) or
        (n, k, F + 1) for contribs.
        """
        if output not in _inputs.OUTPUTS:
            _inputs.fail("invalid_argument", "output", f"unknown output {output!r} (expected "
                         "value, margin, leaf or contribs)")
        try:
            begin, end = (int(v) for v in iteration_range)
        except (TypeError, ValueError):
            _inputs.fail("invalid_argument", "iteration_range", "expected (begin, end)")
        args = (output, float(missing), begin, end, int(threads))
        native = self._native
        if _inputs._is_sparse(X):
            indptr, indices, data, cols = _inputs.sparse(X, native.num_feature)
            out = native.predict_csr(indptr, indices, data, cols, *args)
        elif _inputs._is_dataframe(X):
            rows = _inputs.dataframe(X, native.num_feature, native.feature_names,
                                     native.feature_types, validate_features)
            out = native.predict_dense(rows, *args)
        else:
            out = native.predict_dense(_inputs.dense(X, native.num_feature), *args)
        return self._shape(out, output)

    def _shape(self, out, output):
        n = out.shape[0]
        if output == "leaf":
            return out
        if output == "contribs":
            k = self._native.num_output
            return out if k == 1 else out.reshape(n, k, self._native.num_feature + 1)
        return out.reshape(n) if out.shape[1] == 1 else out

    def __repr__(self):
        return (f"grove.Predictor(objective={self.objective!r}, num_feature={self.num_feature}, "
                f"num_trees={self.num_trees}, kernels={self.kernels!r})")
