#!/usr/bin/env bash
# Refreshes requirements.lock, the exact set (with hashes) that scripts/bootstrap.sh installs, from pyproject.toml's
# ranges: the runtime dependencies and the dev extra, one universal lock for Linux, Windows and macOS on Python 3.11+.
# Pins already in the lock are kept wherever the ranges still allow them; arguments go to `uv pip compile`, e.g.
# `--upgrade` (everything to the newest allowed) or `--upgrade-package NAME`. A maintainer's tool: needs PyPI, and
# installs uv into .venv on first use. tests/test_lock.py checks that the lock agrees with pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
uv_version=0.13.8
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "lock: creating .venv" >&2
    "$python" -m venv .venv
fi
uv=.venv/bin/uv
if [ "$("$uv" --version 2>/dev/null | cut -d' ' -f2)" != "$uv_version" ]; then
    echo "lock: installing uv $uv_version into .venv" >&2
    .venv/bin/python -m pip install --quiet "uv==$uv_version"
fi
# tests/test_lock.py compares this command with the one the lock's header names: change them together.
"$uv" pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes \
    --output-file requirements.lock "$@" >/dev/null  # uv also prints the lock; the file is what counts
