#!/usr/bin/env bash
# The whole test suite: lint (ruff), types (mypy) and every test (pytest), on a fresh machine too.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest "$@"
