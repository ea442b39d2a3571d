"""SQLite durability: nothing leaves the server showing a commit before that commit is on disk. The connections
commit without syncing (synchronous=NORMAL) and `ServerDatabase.write()` fsyncs the WAL once the write lock is
released; these tests watch the order of commits, fsyncs of the WAL file and answers. (PostgreSQL's commits are
durable before anyone sees them: nothing to watch there.)"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from server.changes import changes_page
from server.db import ServerDatabase
from server.models import Store
from tests.server.conftest import Till

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@dataclass
class Journal:
    """What happened, in order: "commit" (a session's transaction committed), "fsync" (the WAL file was synced),
    and whatever the test adds. `synced_after` holds, for each finished fsync of the WAL, how many commits had been
    made when it began."""

    events: list[str] = field(default_factory=list)
    commits: int = 0
    synced_after: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, what: str) -> None:
        with self.lock:
            self.events.append(what)

    def last(self, what: str) -> int:
        return max(i for i, e in enumerate(self.events) if e == what)


@pytest.fixture
def journal(db: ServerDatabase, monkeypatch: pytest.MonkeyPatch) -> Iterator[Journal]:
    assert db.engine.url.database is not None
    wal = Path(f"{db.engine.url.database}-wal")
    seen = Journal()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        begun_after = seen.commits
        real_fsync(fd)
        if wal.exists() and os.path.samestat(os.fstat(fd), wal.stat()):
            with seen.lock:
                seen.synced_after.append(begun_after)
            seen.add("fsync")

    def committed(session: Session) -> None:
        with seen.lock:
            seen.commits += 1
            session.info["commit_number"] = seen.commits
        seen.add("commit")

    monkeypatch.setattr(os, "fsync", fsync)
    event.listen(Session, "after_commit", committed)
    try:
        yield seen
    finally:
        event.remove(Session, "after_commit", committed)


def test_the_connections_leave_the_sync_to_the_server(db: ServerDatabase) -> None:
    with db.read() as session:
        assert session.connection().exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_a_push_is_answered_only_after_its_commit_is_on_disk(till: Till, journal: Journal) -> None:
    member = till.enrolled()
    journal.events.clear()
    results = till.push_ok(till.entry(member, 10), till.entry(member, 20))
    journal.add("answer")
    assert [r["status"] for r in results] == ["applied", "applied"]
    assert journal.last("commit") < journal.last("fsync") < journal.last("answer")


def test_a_replayed_push_is_answered_only_after_an_fsync(till: Till, journal: Journal) -> None:
    """The first answer could come from another server process's commit that is not yet synced: a `duplicate` sent
    for a commit a power cut then took would lose the points, the till never sending them again."""
    member = till.enrolled()
    item = till.entry(member, 10)
    till.push_ok(item)
    journal.events.clear()
    assert till.push_ok(item)[0]["status"] == "duplicate"
    journal.add("answer")
    assert "fsync" in journal.events[: journal.last("answer")]


def test_a_page_of_changes_is_sent_only_after_what_it_shows_is_on_disk(
    db: ServerDatabase, till: Till, journal: Journal
) -> None:
    """A till stores the page's cursor: a page showing a commit that a power cut then took would have it skip the
    versions handed out again below that cursor."""
    till.enrolled()
    journal.events.clear()
    page = changes_page(db, 0)
    journal.add("answer")
    assert b'"next_cursor"' in page
    assert journal.events == ["fsync", "answer"]


def test_every_write_returns_after_an_fsync_begun_after_its_commit(db: ServerDatabase, journal: Journal) -> None:
    """Writers on several threads share fsyncs (one covers every commit before it began), but none returns before one
    that covers its own commit has finished."""
    failures: list[str] = []

    def writer(n: int) -> None:
        for k in range(15):
            with db.write() as session:
                session.execute(update(Store).where(Store.code == "S001").values(name=f"店{n}-{k}"))
                held = session
            number = held.info["commit_number"]
            with journal.lock:
                covered = any(begun >= number for begun in journal.synced_after)
            if not covered:
                failures.append(f"writer {n} returned from commit {number} before an fsync covered it")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert journal.commits == 60
    assert len(journal.synced_after) <= 60  # shared, never more than one per commit
