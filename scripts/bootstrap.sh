#!/usr/bin/env bash
# Creates .venv on first use and (re)installs whenever pyproject.toml or requirements.lock changes: the exact,
# hash-checked set in requirements.lock (made by scripts/lock.sh), then the project itself, editable, without
# resolving anything more. Sourced by ./run.sh and ./test.sh; needs only python3 (3.11+) with venv on the machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
python="${PYTHON:-python3}"
lock="$root/requirements.lock"
if [ ! -x "$venv/bin/python" ]; then
    echo "bootstrap: creating $venv" >&2
    "$python" -m venv "$venv"
fi
stamp="$venv/.memberdesk-installed"
want="$(cat "$root/pyproject.toml" "$lock" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "bootstrap: installing MemberDesk and its locked dependencies into .venv" >&2
    log="$venv/install.log"
    if ! { "$venv/bin/python" -m pip install --upgrade pip \
        && "$venv/bin/python" -m pip install --require-hashes -r "$lock" \
        && "$venv/bin/python" -m pip install --no-deps -e "$root"; } > "$log" 2>&1; then
        cat "$log" >&2
        echo "bootstrap: installing failed (log above, also in $log)" >&2
        exit 1
    fi
    echo "$want" > "$stamp"
fi
"$root/scripts/build_translations.sh"
# Chinese text needs a CJK font (Windows and macOS ship one). Said here, in words, rather than left to show as
# thin glyphs on screen and as failed legibility tests in ./test.sh.
if [ "$(uname -s)" = "Linux" ] && command -v fc-list > /dev/null && [ -z "$(fc-list :lang=zh family | head -n 1)" ]; then
    echo "bootstrap: no Chinese font is installed: the Chinese screens will not be legible and ./test.sh fails its" \
         "legibility tests; install one, e.g. sudo apt install fonts-noto-cjk" >&2
fi
