"""One build runs on every x86-64 CPU: the extension under QEMU's user-mode emulation of a
Haswell (AVX2, no AVX-512) and of a plain x86-64 chooses AVX2 / scalar kernels and runs without
an illegal instruction; the scalar kernels give XGBoost's margins bit for bit there (emulated
AVX2 results are checked natively below: QEMU 7.2's AVX2 emulation is not exact, see
tests/test_qemu.cpp). Natively, every instruction set the CPU has gives XGBoost's margins."""

import subprocess
import sys

import numpy as np
import pytest

import grove
from conftest import FIXTURES, assert_same, read_fixture

NAME = "obj_multi_softprob"
SCRIPT = f"""
import numpy as np, grove, sys
sys.path.insert(0, {str(FIXTURES.parent / "python")!r})
from conftest import read_fixture, FIXTURES
_, X, _ = read_fixture({NAME!r})
p = grove.Predictor(FIXTURES / {NAME!r} / "model.json")
print(p.kernels)
sys.stdout.write(p.predict(X, output="margin").tobytes().hex())
"""


def margins_of_xgboost():
    rows = np.genfromtxt(FIXTURES / NAME / "margin.csv", delimiter=",", dtype=np.float64)
    return rows.astype(np.float32)


@pytest.mark.parametrize("cpu,isa", [("Haswell", "avx2"), ("qemu64", "scalar")])
def test_under_emulated_cpus(cpu, isa):
    run = subprocess.run(["qemu-x86_64", "-cpu", cpu, sys.executable, "-c", SCRIPT],
                         capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-2000:]
    kernels, hexed = run.stdout.split("\n", 1)
    assert kernels.startswith(isa + ","), kernels
    got = np.frombuffer(bytes.fromhex(hexed), dtype=np.float32).reshape(-1, 3)
    if isa == "scalar":
        assert_same("margin", got, margins_of_xgboost())


@pytest.mark.parametrize("isa", ["scalar", "avx2", "avx512"])
def test_every_isa_natively(isa):
    if isa != "scalar" and not _cpu_has(isa):
        pytest.skip(f"this CPU has no {isa}")
    _, X, _ = read_fixture(NAME)
    p = grove.Predictor(FIXTURES / NAME / "model.json", isa=isa)
    assert p.kernels.startswith(isa + ",")
    assert_same("margin", p.predict(X, output="margin"), margins_of_xgboost())


def _cpu_has(isa):
    flags = open("/proc/cpuinfo").read()
    return {"avx2": " avx2", "avx512": " avx512bw"}[isa] in flags
