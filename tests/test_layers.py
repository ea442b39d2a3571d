"""The architecture's one-way dependencies, checked on the source: storage, domain, the shared protocol and the
server never import Qt; the domain package and the protocol import no other package of ours and no database or
network library; the server shares only those two with the till."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OUR_PACKAGES = {"loyalty", "protocol", "localdb", "sync", "server", "slip", "posapi", "ui", "widgets", "main"}


def _imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for file in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(file.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize("package", ["loyalty", "protocol", "localdb", "server", "slip", "posapi"])
def test_no_qt_below_the_widgets(package: str) -> None:
    offenders = {file: names for file, names in _imports(package).items() if {"PySide6", "shiboken6"} & names}
    assert offenders == {}


def test_sync_uses_qt_only_in_its_adapter() -> None:
    offenders = {
        file: names
        for file, names in _imports("sync").items()
        if "PySide6" in names and not file.endswith("qt_adapter.py")
    }
    assert offenders == {}


def test_domain_is_pure() -> None:
    forbidden = (OUR_PACKAGES - {"loyalty"}) | {"sqlalchemy", "alembic", "httpx", "sqlite3", "PySide6", "fastapi"}
    offenders = {file: names & forbidden for file, names in _imports("loyalty").items() if names & forbidden}
    assert offenders == {}


def test_the_protocol_is_a_bottom_layer() -> None:
    """What crosses between till and server is defined below both: it imports nothing of ours (so the till's store,
    its sync and the server can all import it) and no database, network or Qt library."""
    forbidden = (OUR_PACKAGES - {"protocol"}) | {"sqlalchemy", "alembic", "httpx", "sqlite3", "PySide6", "fastapi"}
    offenders = {file: names & forbidden for file, names in _imports("protocol").items() if names & forbidden}
    assert offenders == {}


def test_storage_knows_nothing_of_the_screens_or_the_network() -> None:
    forbidden = {"ui", "widgets", "sync", "server", "posapi", "httpx", "main"}
    offenders = {file: names & forbidden for file, names in _imports("localdb").items() if names & forbidden}
    assert offenders == {}


def test_every_module_says_what_it_owns() -> None:
    undocumented = []
    for package in ("loyalty", "protocol", "localdb", "sync", "server", "slip", "posapi", "ui", "widgets", "bench"):
        for file in (ROOT / package).rglob("*.py"):
            if "versions" in file.parts:
                continue
            if ast.get_docstring(ast.parse(file.read_text(encoding="utf-8"))) is None:
                undocumented.append(str(file.relative_to(ROOT)))
    assert undocumented == []


def test_the_slip_knows_only_the_domain_and_its_printer_library() -> None:
    """slip/ is called by the till's screens and by the POS API alike: it takes a `Slip` and a printer config, and
    reaches no store, network client, server or screen of ours (its own devices are python-escpos')."""
    forbidden = (OUR_PACKAGES - {"slip", "loyalty"}) | {"sqlalchemy", "alembic", "httpx", "sqlite3", "PySide6"}
    offenders = {file: names & forbidden for file, names in _imports("slip").items() if names & forbidden}
    assert offenders == {}


def test_server_shares_only_the_domain_and_the_protocol_with_the_till() -> None:
    forbidden = {"ui", "widgets", "localdb", "sync", "posapi", "main"}
    offenders = {file: names & forbidden for file, names in _imports("server").items() if names & forbidden}
    assert offenders == {}


def test_sync_reaches_the_till_store_only_through_its_sync_store() -> None:
    allowed = {"localdb.sync_store"}
    used = set()
    for file in sorted((ROOT / "sync").rglob("*.py")):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("localdb"):
                used.add(node.module)
    assert used <= allowed


def test_widgets_are_presentation_only() -> None:
    """Widgets take data and emit signals: no screens above them, no SQL, no HTTP, no server."""
    forbidden = {"ui", "main", "server", "sqlalchemy", "sqlite3", "httpx"}
    offenders = {file: names & forbidden for file, names in _imports("widgets").items() if names & forbidden}
    assert offenders == {}


def test_screens_reach_data_only_through_the_services() -> None:
    """No SQL or HTTP in a screen: they call localdb / sync services (through ui.operations for slow work)."""
    forbidden = {"main", "server", "sqlalchemy", "sqlite3", "httpx"}
    offenders = {file: names & forbidden for file, names in _imports("ui").items() if names & forbidden}
    assert offenders == {}


def test_the_pos_interface_is_a_service_below_the_screens() -> None:
    """posapi (the till's local API for the POS) uses the till's services and the sync client; no screens, no
    server code (the slip printer is wired in by its `on_commit` callback, not imported)."""
    forbidden = {"ui", "widgets", "server", "main", "PySide6", "shiboken6", "slip"}
    offenders = {file: names & forbidden for file, names in _imports("posapi").items() if names & forbidden}
    assert offenders == {}
    assert _imports("posapi"), "the package is where it is expected"
