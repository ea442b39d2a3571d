"""What a start loads: the till's commands and its window must not import the central server (FastAPI, uvicorn,
Starlette, `server.*`); only the demo runs one, and imports it then. Opening a store whose schema is current must
not import Alembic, and showing the counter window must not import the HTTP client's libraries or the wire schemas
(httpx, pydantic, `protocol.wire`): the first health check or write loads them, on its worker thread; nor the QR code's
(qrcode, Pillow). Each check runs in a new interpreter and reads its `sys.modules`, so nothing this test process
imported counts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from localdb.till import Till

ROOT = Path(__file__).resolve().parents[1]
SERVER_PACKAGES = ("fastapi", "uvicorn", "starlette", "server")


def _modules_after(code: str) -> set[str]:
    """The modules in `sys.modules` after a new interpreter ran `code` (from the project's folder, Qt offscreen)."""
    report = "import json, sys; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\n{report}"],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return set(loaded)


def _loaded_after(code: str) -> set[str]:
    """The top-level packages in `sys.modules` after a new interpreter ran `code`."""
    return {name.split(".")[0] for name in _modules_after(code)}


def _server_packages(loaded: set[str]) -> set[str]:
    return loaded & set(SERVER_PACKAGES)


def test_importing_main_loads_no_server() -> None:
    assert _server_packages(_loaded_after("import main")) == set()


def test_the_window_modules_load_no_server() -> None:
    assert _server_packages(_loaded_after("import main, ui.app, ui.main_window")) == set()


def test_status_loads_no_server(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    loaded = _loaded_after(f"import main\nassert main.main(['--db', {str(path)!r}, 'status']) == 0")
    assert _server_packages(loaded) == set()


def test_opening_a_current_store_loads_no_alembic(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    Till.open(path).close()  # created and migrated here
    loaded = _loaded_after(
        f"from pathlib import Path\nfrom localdb.till import Till\nTill.open(Path({str(path)!r})).status()"
    )
    assert "alembic" not in loaded


@pytest.mark.parametrize(
    "command",
    [
        ["sync", "--quiet"],
        ["register", "--server", "http://127.0.0.1:9", "--store", "S001", "--code", "NO-SUCH-CODE"],
        ["verify-audit"],
    ],
)
def test_headless_commands_load_no_server(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "till.sqlite3"
    loaded = _loaded_after(f"import main\nmain.main(['--db', {str(path)!r}, *{command!r}])")
    assert _server_packages(loaded) == set()


def test_showing_the_counter_window_loads_no_http_client_and_no_wire_schemas(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    Till.open(path).close()
    modules = _modules_after(
        "from pathlib import Path\n"
        "import main\n"
        "from localdb.staff import StaffSession\n"
        "from localdb.till import Till\n"
        "from loyalty.roles import Role\n"
        "from ui.app import application, build_context\n"
        "from ui.main_window import MainWindow\n"
        f"till = Till.open(Path({str(path)!r}))\n"
        "app = application()\n"
        "ctx = build_context(till)\n"
        "ctx.log_in(StaffSession('C001', 'cashier', Role.CASHIER))\n"
        "window = MainWindow(ctx)\n"
        "window.show()\n"
        "app.processEvents()\n"
    )
    packages = {name.split(".")[0] for name in modules}
    assert _server_packages(packages) == set()
    assert packages & {"httpx", "httpcore", "pydantic", "pydantic_core", "alembic"} == set()
    assert "protocol.wire" not in modules
    assert packages & {"qrcode", "PIL"} == set()  # drawn only when a member's code is shown
