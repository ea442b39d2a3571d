"""`python -m server serve --workers 2`: two worker processes serving one database (SQLite, with the writers' file
lock; PostgreSQL), a till's pipelined batches spread over them — every entry applied exactly once and in order
(no till_seq alarm), the member's balance and figures what the ledger says, and the database's writer lock handed
between the processes (`server.db`)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from server import members
from server.models import LedgerEntry, Member, SeqAlarm
from sync.engine import SyncEngine
from tests.integration.conftest import LiveServer, TillFactory, serve_in_child


@pytest.fixture
def workers(server_url: str, server: LiveServer) -> Iterator[str]:
    """The same database served by `serve --workers 2` in a child process; its URL."""
    url, process = serve_in_child(server_url, "--workers", "2")
    try:
        children = subprocess.run(
            ["ps", "-ww", "--ppid", str(process.pid), "-o", "args="], capture_output=True, text=True
        )
        spawned = [line for line in children.stdout.splitlines() if "multiprocessing.spawn" in line]
        assert len(spawned) == 2  # two worker processes under uvicorn's supervisor
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_two_workers_apply_a_tills_pipelined_batches_once_and_in_order(
    workers: str, server: LiveServer, make_till: TillFactory
) -> None:
    till = make_till("busy", url=workers)
    cashier = till.login("C001")
    member_id = till.till.members.enrol(cashier, phone="13800138111", name="孙八", birthday=date(1988, 8, 8)).member.id
    assert till.sync().ok
    for n in range(1, 241):
        till.till.ledger.award(cashier, member_id, 1_000 + n, receipt_no=f"W{n}")
    # batches of 40, two on their way at a time: each may reach either process
    engine = SyncEngine(till.till.sync, clock=till.clock, batch_size=40)
    report = engine.run()
    assert report.ok and report.tally.applied == 240, report
    assert engine.run().ok  # nothing left, nothing pushed twice
    with server.db.read() as session:
        count = session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.member_id == member_id))
        points = session.scalar(select(func.sum(LedgerEntry.points)).where(LedgerEntry.member_id == member_id))
        alarms = session.scalar(select(func.count()).select_from(SeqAlarm))
        row = session.get(Member, member_id)
        assert row is not None
        found = members.activity(session, [member_id], datetime.now(UTC))[member_id]
    assert (count, alarms) == (240, 0)
    assert row.balance == points
    assert row.spend_12m_cents == found.spend_12m_cents == sum(1_000 + n for n in range(1, 241))
