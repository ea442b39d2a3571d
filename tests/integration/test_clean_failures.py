"""Clean failures against a real server (issue 14): a full disk during a pull ends the run with its code, keeps
every page written before it with its cursor (the cursor never runs ahead of what was written) and leaves the engine
ready for the next run."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import func, select

from localdb.models import Member
from localdb.pulled_pages import write_page
from server.demo import generate_demo
from sync.engine import SyncEngine
from tests.integration.conftest import LiveServer, TillFactory


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
