"""Builds grove._grove with CMake (python/CMakeLists.txt), which compiles the AVX2 and AVX-512
kernels into separate units for runtime dispatch; everything else is in pyproject.toml."""

import os
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        import pybind11

        target = Path(self.get_ext_fullpath(ext.name)).resolve()
        build_dir = Path(self.build_temp).resolve() / "cmake"
        build_dir.mkdir(parents=True, exist_ok=True)
        configure = [
            "cmake", "-S", str(HERE), "-B", str(build_dir),
            "-DCMAKE_BUILD_TYPE=Release",
            f"-Dpybind11_DIR={pybind11.get_cmake_dir()}",
            f"-DPYTHON_EXECUTABLE={sys.executable}",
            f"-DCMAKE_LIBRARY_OUTPUT_DIRECTORY={target.parent}",
        ]
        subprocess.run(configure, check=True)
        jobs = os.environ.get("GROVE_BUILD_JOBS", str(os.cpu_count() or 1))
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "_grove", "-j", jobs],
                       check=True)
        if not target.exists():
            raise RuntimeError(f"the CMake build did not produce {target}")


setup(ext_modules=[Extension("grove._grove", sources=[])], cmdclass={"build_ext": CMakeBuild})
