"""Clean failures against a real server (issue 14): `main.py register` with a store code the server does not know,
with 10,000-character inputs, or to a server that does not answer; a full disk during a pull (`main.py sync` and the
engine itself). Each ends in words and a non-zero exit code, with no traceback, no half-written state (the cursor
never runs ahead of what was written) and nothing personal in the output."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import main
from localdb.database import connect_raw
from localdb.models import Member
from localdb.pulled_pages import write_page
from localdb.till import Till
from server.demo import generate_demo
from sync.engine import SyncEngine
from tests.integration.conftest import LiveServer, TillFactory

LONG = 10_000


def _register(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str]:
    code = main.main(["--db", str(db), "register", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.err


def _unregistered(db: Path) -> bool:
    till = Till.open(db)
    try:
        return till.sync.registration() is None
    finally:
        till.close()


def test_register_with_a_store_code_the_server_does_not_know(
    tmp_path: Path, server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "till.sqlite3"
    code, err = _register(capsys, db, "--server", server.url, "--store", "S999", "--code", server.enrolment_code())
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1
    assert "does not know this store code" in err and "head office" in err and "unknown_store" in err
    assert _unregistered(db)


@pytest.mark.parametrize("field", ["--store", "--code", "--server", "--name"])
def test_register_with_a_10000_character_value(
    field: str, tmp_path: Path, server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    values = {"--server": server.url, "--store": "S001", "--code": server.enrolment_code(), "--name": "till"}
    values[field] = {
        "--server": "https://" + "a" * LONG + ".example.com",
        "--store": "S" * LONG,
        "--code": "A" * LONG,
        "--name": "n" * LONG,
    }[field]
    db = tmp_path / "till.sqlite3"
    code, err = _register(capsys, db, *[part for item in values.items() for part in item])
    if field == "--name":  # a long name is cut to 64 characters, as the default name is
        assert code == 0, err
        return
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1
    assert len(err) < 300  # the value is not echoed back
    assert {"--store": "a store code is", "--code": "an enrolment code is", "--server": "not a server address"}[
        field
    ] in err
    assert _unregistered(db)


def test_register_with_a_10000_character_path_after_the_address(
    tmp_path: Path, server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "till.sqlite3"
    url = f"{server.url}/{'x' * LONG}"
    code, err = _register(capsys, db, "--server", url, "--store", "S001", "--code", server.enrolment_code())
    assert code == 1 and "not a server address" in err and len(err) < 300
    assert _unregistered(db)


def test_register_with_a_server_that_does_not_answer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}"
    db = tmp_path / "till.sqlite3"
    code, err = _register(capsys, db, "--server", nowhere, "--store", "S001", "--code", "ABCD2345")
    assert code == 1 and "does not answer" in err and "check the address and the network" in err
    assert _unregistered(db)


def _members(db: Path) -> tuple[int, int]:
    """(members cached, the pull cursor) of the till at `db`."""
    till = Till.open(db)
    try:
        with till.db.read() as session:
            members = session.scalar(select(func.count()).select_from(Member)) or 0
        return members, till.sync.cursor()
    finally:
        till.close()


def test_a_full_disk_during_the_pull_of_main_sync(
    tmp_path: Path, server: LiveServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_demo(server.db, 30)
    db = tmp_path / "till.sqlite3"
    code = server.enrolment_code()
    assert main.main(["--db", str(db), "register", "--server", server.url, "--store", "S001", "--code", code]) == 0
    capsys.readouterr()
    # The page's connection may not grow the file (its free pages vacuumed away first): SQLite answers SQLITE_FULL,
    # as on a full disk.
    with connect_raw(db, isolation_level=None) as connection:
        connection.execute("VACUUM")
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
    monkeypatch.setattr("localdb.database._BULK_WRITE_PRAGMAS", (f"PRAGMA max_page_count = {pages}",))

    assert main.main(["--db", str(db), "sync"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "sync INCOMPLETE" in captured.out and "error: storage_full" in captured.out
    last = captured.err.splitlines()[-1]  # after the progress lines
    assert last.startswith("error: the disk holding the till's database is full")
    assert "Free some space" in last and "carries on where it stopped" in last
    assert _members(db) == (0, 0)  # nothing of the page, and the cursor where it was

    monkeypatch.undo()
    assert main.main(["--db", str(db), "sync", "--quiet"]) == 0  # space again: the same pull completes
    assert _members(db)[0] == 30


def test_a_full_disk_on_a_later_page_keeps_the_pages_before_it_and_their_cursor(
    make_till: TillFactory, server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_demo(server.db, 25)
    handle = make_till(sync=False)
    store = handle.till.sync
    original = store.apply_page
    pages: list[int] = []

    def apply_page(changes: Any, next_cursor: int) -> int:
        if len(pages) == 1:  # the second page: its rows are written, then the disk is full at the commit

            def write_then_fail(*args: Any) -> None:
                write_page(*args)
                raise sqlite3.OperationalError("database or disk is full")

            monkeypatch.setattr("localdb.sync_store.write_page", write_then_fail)
        pages.append(next_cursor)
        return original(changes, next_cursor)

    monkeypatch.setattr(store, "apply_page", apply_page)
    report = SyncEngine(store, clock=handle.clock, page_size=10).run()
    assert report.error == "storage_full" and not report.ok
    with handle.till.db.read() as session:
        members = session.scalar(select(func.count()).select_from(Member)) or 0
    assert store.cursor() == pages[0] and members == 10  # the first page and its cursor, nothing of the second
    last = store.last_run()
    assert last is not None and last.error == "storage_full"

    monkeypatch.undo()
    again = SyncEngine(store, clock=handle.clock, page_size=10).run()  # the lock was released: the next run goes on
    assert again.error is None
    with handle.till.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Member)) == 25
