#!/usr/bin/env bash
# Compiles the Qt Linguist sources (resources/translations/*.ts) into the .qm files the app loads.
# Run by scripts/bootstrap.sh on every start (it takes well under a second); the .qm files are not committed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for ts in "$root"/resources/translations/*.ts; do
    [ -e "$ts" ] || continue
    qm="${ts%.ts}.qm"
    if [ ! -f "$qm" ] || [ "$ts" -nt "$qm" ]; then
        "$root/.venv/bin/pyside6-lrelease" -silent "$ts" -qm "$qm"
    fi
done
