#!/usr/bin/env bash
# Runs MemberDesk on its embedded default (arguments go to main.py; --help lists them).
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
exec .venv/bin/python main.py "$@"
