"""Puts what a user passes to Predictor.predict in the form the native half takes: dense rows
(float32 or float64, each row's values adjacent) or CSR arrays, without copying where the data
already has that form."""

import numpy as np

from ._grove import Error

OUTPUTS = ("value", "margin", "leaf", "contribs")


def fail(code, where, message):
    """Raises grove.Error as the native half does: code, where and message as attributes."""
    error = Error(f"{where}: {message}")
    error.code = code
    error.where = where
    error.message = message
    raise error


def _is_dataframe(x):
    return type(x).__name__ == "DataFrame" and hasattr(x, "dtypes") and hasattr(x, "columns")


def _is_sparse(x):
    return hasattr(x, "tocsr") and hasattr(x, "format") and hasattr(x, "nnz")


def _check_width(cols, num_feature, sparse=False):
    # Dense inputs must be exactly as wide as the model, as in XGBoost; a sparse matrix may be
    # narrower (its last columns then hold no entries, which are missing).
    if cols == num_feature or (sparse and cols < num_feature):
        return
    expected = f"at most {num_feature}" if sparse else f"{num_feature}"
    fail("shape", "X", f"{cols} columns, the model expects {expected}")


def dense(x, num_feature):
    """A 2-D float32 or float64 array whose rows are contiguous: numpy input as it is when it
    already is one; other numeric types converted to float32 as XGBoost converts them."""
    if isinstance(x, np.ndarray):
        array = x
    elif hasattr(x, "__array__") or isinstance(x, (list, tuple)):
        array = np.asarray(x)
    else:
        fail("invalid_argument", "X", f"cannot predict on {type(x).__name__}; expected a numpy "
             "array, a pandas DataFrame or a scipy.sparse matrix")
    if array.ndim == 1:
        fail("shape", "X", f"expected 2 dimensions (rows, features), got 1; use "
             f"x.reshape(1, -1) for one row")
    if array.ndim != 2:
        fail("shape", "X", f"expected 2 dimensions (rows, features), got {array.ndim}")
    _check_width(array.shape[1], num_feature)
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    if array.dtype not in (np.float32, np.float64):
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
            fail("invalid_argument", "X", f"values of type {array.dtype} are not numeric")
        if np.issubdtype(array.dtype, np.complexfloating):
            fail("invalid_argument", "X", "complex values are not supported")
        array = array.astype(np.float32)
    if array.shape[1] > 1 and array.strides[1] != array.itemsize:
        array = np.ascontiguousarray(array)  # Fortran order or a column slice: one copy
    return array


def dataframe(df, num_feature, feature_names, feature_types, validate_features):
    """A float32 array of a DataFrame, column by column as XGBoost's enable_categorical reads
    it: category columns as their codes (-1, a missing category, as NaN), nullable columns with
    NA as NaN, other numbers through float64 to float32 (one rounding, as XGBoost's)."""
    import pandas as pd
    from pandas.api.types import is_bool_dtype, is_categorical_dtype, is_numeric_dtype

    names = [str(c) for c in df.columns]
    if validate_features and feature_names:
        if names != list(feature_names):
            missing = [n for n in feature_names if n not in names]
            extra = [n for n in names if n not in feature_names]
            detail = []
            if missing:
                detail.append(f"missing {missing[:10]}")
            if extra:
                detail.append(f"not in the model {extra[:10]}")
            if not detail:
                detail.append("same names in another order")
            fail("shape", "X", "DataFrame columns differ from the model's feature_names: " +
                 "; ".join(detail))
    _check_width(len(names), num_feature)
    out = np.empty((len(df), len(names)), dtype=np.float32)
    for j, (name, dtype) in enumerate(zip(names, df.dtypes)):
        column = df.iloc[:, j]
        if is_categorical_dtype(dtype):
            if feature_types and j < len(feature_types) and feature_types[j] != "c":
                fail("invalid_argument", f"X, column '{name}'",
                     "is a category column but the model's feature is numeric")
            codes = column.cat.codes.to_numpy().astype(np.float32)
            codes[codes == -1] = np.nan
            out[:, j] = codes
        elif isinstance(dtype, pd.api.extensions.ExtensionDtype) and (
                is_numeric_dtype(dtype) or is_bool_dtype(dtype)):
            out[:, j] = column.to_numpy(dtype=np.float32, na_value=np.nan)
        elif is_numeric_dtype(dtype) or is_bool_dtype(dtype):
            values = column.to_numpy()
            if values.dtype == np.float32:
                out[:, j] = values
            else:
                out[:, j] = values.astype(np.float64)
        else:
            fail("invalid_argument", f"X, column '{name}'",
                 f"has dtype {dtype}; expected numbers, booleans or category")
    return out


def sparse(x, num_feature):
    """CSR arrays of a scipy.sparse matrix, as they are (CSC and other formats are converted to
    CSR once, and a CSR matrix with unsorted indices is sorted once): (indptr and indices as
    int32 or int64, data as float32 or float64, number of columns). The native half checks them
    and reads them in place."""
    if x.ndim != 2:
        fail("shape", "X", f"expected 2 dimensions, got {x.ndim}")
    _check_width(x.shape[1], num_feature, sparse=True)
    csr = x if x.format == "csr" else x.tocsr()
    if not csr.has_sorted_indices:
        csr = csr.sorted_indices()  # duplicates stay, and are refused
    data = csr.data
    if not data.dtype.isnative:
        data = data.astype(data.dtype.newbyteorder("="))
    if data.dtype not in (np.float32, np.float64):
        if not (np.issubdtype(data.dtype, np.number) or data.dtype == np.bool_) or \
                np.issubdtype(data.dtype, np.complexfloating):
            fail("invalid_argument", "X", f"values of type {data.dtype} are not supported")
        data = data.astype(np.float32)
    return _index(csr.indptr), _index(csr.indices), np.ascontiguousarray(data), int(x.shape[1])


def _index(a):
    """An index array as int32 or int64 in native order, contiguous: as it is when it already is."""
    if a.dtype not in (np.int32, np.int64) or not a.dtype.isnative:
        a = a.astype(np.int64)
    return np.ascontiguousarray(a)
