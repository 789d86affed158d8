"""grove.dask on a two-worker distributed.LocalCluster (processes, 127.0.0.1 only): 2,000,000
rows in 25 partitions equal single-process grove bit for bit, also when a worker is killed in
the middle of the job; the model enters the graph as one key and each worker compiles it once.
Time-bounded: every wait has a timeout."""

import os
import pathlib
import signal
import time

import numpy as np
import pandas as pd
import pytest

import grove
import grove.dask
from conftest import FIXTURES, assert_same, xgb_predict

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
import dask.array as da  # noqa: E402
import dask.dataframe as dd  # noqa: E402

MODEL = FIXTURES / "obj_multi_softprob" / "model.json"  # 3 classes
ROWS, PARTS = 2_000_000, 25
PART_ROWS = ROWS // PARTS


def make_part(i, num_feature, gate_dir=None):
    """Partition i of the rows, made on the worker from its index (nothing large travels).
    With gate_dir, partitions from the middle on first report their process id and wait until
    the test opens the gate, so that a worker can be killed while the job is half done."""
    if gate_dir is not None and i >= PARTS // 2:
        gate = pathlib.Path(gate_dir)
        (gate / f"waiting-{i}-{os.getpid()}").touch()
        deadline = time.monotonic() + 120
        while not (gate / "open").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    rng = np.random.default_rng(i)
    x = rng.normal(size=(PART_ROWS, num_feature)).astype(np.float32)
    x[rng.random(x.shape) < 0.05] = np.nan
    return x


def rows_array(num_feature, gate_dir=None):
    parts = [da.from_delayed(dask.delayed(make_part, pure=True)(i, num_feature, gate_dir),
                             shape=(PART_ROWS, num_feature), dtype=np.float32)
             for i in range(PARTS)]
    return da.concatenate(parts)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  worker_dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def local():
    p = grove.Predictor(MODEL)
    X = np.concatenate([make_part(i, p.num_feature) for i in range(PARTS)])
    return p, X, p.predict(X)


def test_array_on_two_workers(client, local):
    p, X, expected = local
    y = grove.dask.predict(p, rows_array(p.num_feature))
    assert y.shape == (ROWS, 3) and y.numblocks[0] == PARTS
    # The model is one key of the graph, not a copy per task.
    graph = dict(y.__dask_graph__())
    assert sum(isinstance(v, grove.dask._Shipment) for v in graph.values()) == 1
    got = client.compute(y).result(timeout=120)
    assert got.dtype == np.float32 and np.array_equal(got, expected)
    counts = client.run(grove.dask.compile_count)
    assert sorted(counts.values()) == [1, 1], counts


def test_worker_killed_mid_job(client, local, tmp_path):
    p, X, _ = local
    margins = p.predict(X, output="margin")
    y = grove.dask.predict(p, rows_array(p.num_feature, str(tmp_path)), output="margin")
    future = client.compute(y)
    deadline = time.monotonic() + 120
    waiting = []
    while not waiting and time.monotonic() < deadline:
        waiting = list(tmp_path.glob("waiting-*"))
        time.sleep(0.02)
    assert waiting, "no partition reached the gate"
    victim = int(waiting[0].name.split("-")[2])
    before = set(client.run(os.getpid).values())
    assert victim in before
    os.kill(victim, signal.SIGKILL)
    (tmp_path / "open").touch()
    got = future.result(timeout=180)
    assert np.array_equal(got, margins)
    client.wait_for_workers(2, timeout=60)  # the nanny starts a new worker process
    after = set(client.run(os.getpid).values())
    assert victim not in after and len(after) == 2
    assert all(n <= 1 for n in client.run(grove.dask.compile_count).values())


def test_dataframe_and_output_kinds(client, xgb):
    p = grove.Predictor(MODEL)
    booster = xgb.Booster(model_file=str(MODEL))
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5000, p.num_feature)).astype(np.float32)
    frame = pd.DataFrame(X, columns=p.feature_names or [f"f{j}" for j in range(X.shape[1])])
    ddf = dd.from_pandas(frame, npartitions=7)
    d = xgb.DMatrix(X)
    out = grove.dask.predict(p, ddf, output="margin")
    assert isinstance(out, dd.DataFrame) and list(out.columns) == [0, 1, 2]
    got = client.compute(out).result(timeout=60)
    assert got.index.equals(frame.index)
    assert_same("margin", got.to_numpy(), xgb_predict(booster, d, "margin"))
    dx = da.from_array(X, chunks=(700, 2))  # column chunks are joined
    for output in ("value", "leaf", "contribs"):
        y = grove.dask.predict(p, dx, output=output)
        expected = xgb_predict(booster, d, output)
        assert y.shape == expected.shape
        assert_same(output, client.compute(y).result(timeout=60), expected, output)
    binary = grove.Predictor(FIXTURES / "obj_binary_logistic" / "model.json")
    s = grove.dask.predict(binary, dd.from_pandas(pd.DataFrame(X[:, :binary.num_feature]),
                                                  npartitions=3), validate_features=False)
    assert isinstance(s, dd.Series)
    b = xgb.Booster(model_file=str(FIXTURES / "obj_binary_logistic" / "model.json"))
    assert_same("value", client.compute(s).result(timeout=60).to_numpy(),
                xgb_predict(b, xgb.DMatrix(X[:, :binary.num_feature]), "value"))
    with pytest.raises(grove.Error) as e:
        grove.dask.predict(p, ddf, output="contribs")
    assert e.value.where == "output"
