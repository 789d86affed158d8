#!/usr/bin/env bash
# Builds the Python package and installs it, as the README tells users to, into a virtual
# environment under build/ that sees Debian's numpy, pandas, scipy, xgboost and dask
# (--system-site-packages; nothing is fetched), then runs the Python tests from outside the
# source tree, so that they import the installed package.
set -euo pipefail
cd "$(dirname "$0")/../.."
env=build/python-env
[ -x "$env/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$env"
"$env/bin/pip" install --quiet --no-index --no-build-isolation --no-deps ./python
cd build
[ $# -gt 0 ] || set -- ../tests/python  # or the tests and pytest options given
exec "$PWD/python-env/bin/python" -m pytest -q -p no:cacheprovider "$@"
