"""The segment mix over time, on both databases: each night's refresh keeps the day's mix (a second run the same day
replaces it, never adds to it), the board carries the days for the store and the chain, and the mix worked out
afterwards from the ledger (`admin segment-history --backfill`) equals what the nights recorded, leaves a recorded
night alone, and counts nobody before they enrolled."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from loyalty.clock import store_day, store_zone
from server import cli
from server.db import ServerDatabase
from server.models import Member, SegmentSnapshot
from server.refresh import refresh
from server.segment_history import backfill, history
from tests.server.conftest import PHONE_A, ServerClock, Till

OTHERS = [f"+86139000000{n:02d}" for n in range(4)]


def _live_mix(db: ServerDatabase) -> dict[str, int]:
    """The members' segments counted straight from the member table."""
    with db.read() as session:
        rows = session.execute(select(Member.segment, func.count()).where(~Member.deleted).group_by(Member.segment))
        return {str(segment): int(count) for segment, count in rows}


def _kept(db: ServerDatabase) -> dict[str, dict[str, int]]:
    with db.read() as session:
        return {row["day"]: row["segments"] for row in history(session, None, db.clock(), days=400)}  # type: ignore[misc]


def _chain(till: Till, clock: ServerClock) -> str:
    """Four members who bought once today; one who spent 10,000 yuan over four visits this month (高价值忠诚型)."""
    today = clock.now
    clock.now = today - timedelta(days=21)
    loyal = till.enrolled(PHONE_A)
    for days_ago in (20, 12, 6, 1):
        clock.now = (today - timedelta(days=days_ago)).replace(hour=3, minute=0)
        assert [r["status"] for r in till.push_ok(till.entry(loyal, 2_500))] == ["applied"]
    clock.now = today
    for phone in OTHERS:
        other = till.enrolled(phone)
        assert [r["status"] for r in till.push_ok(till.entry(other, 10, amount_cents=1_000))] == ["applied"]
    return loyal


def test_each_night_keeps_its_mix_and_the_board_carries_them(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    _chain(till, server_clock)
    nights: dict[str, dict[str, int]] = {}
    for _night in range(3):
        refresh(db)
        refresh(db)  # twice the same night: the day's mix is replaced, not added to
        nights[_chain_day(server_clock).isoformat()] = _live_mix(db)
        server_clock.advance(days=50)
    first, second, third = nights.values()
    assert first["high_value_loyal"] == 1 and sum(first.values()) == 5
    assert "high_value_loyal" not in third and third["dormant"] == 5  # nobody has bought for 100 days

    server_clock.advance(days=-50)  # the board on the third night
    document = till.get("/v1/board").json()
    for scope in (document["store"], document["chain"]):  # every member's home store is the till's
        assert [row["segments"] for row in scope["segment_history"]] == [second, third]  # the 90 days: two nights
    assert _kept(db) == nights


def test_the_mix_worked_out_from_the_ledger_equals_the_nights(
    db: ServerDatabase, till: Till, server_clock: ServerClock, capsys: pytest.CaptureFixture[str]
) -> None:
    _chain(till, server_clock)
    start = server_clock.now
    recorded: dict[date, dict[str, int]] = {}
    for days in (0, 30, 60, 90):
        server_clock.now = start + timedelta(days=days)
        refresh(db)
        recorded[_chain_day(server_clock)] = _live_mix(db)
    assert len({tuple(sorted(mix.items())) for mix in recorded.values()}) >= 3  # the mix really moved
    with db.write() as session:
        session.execute(delete(SegmentSnapshot).where(SegmentSnapshot.day != _chain_day(server_clock)))
    tonight = _kept(db)[_chain_day(server_clock).isoformat()]
    with db.write() as session:  # a recorded night is kept as it was, not worked out again
        session.execute(
            SegmentSnapshot.__table__.update().where(SegmentSnapshot.day == _chain_day(server_clock)).values(members=7)  # type: ignore[attr-defined]
        )

    written = backfill(db, server_clock.now, 120)
    assert written[-1] == _chain_day(server_clock) - timedelta(days=1) and len(written) == 90 + 21  # since A enrolled
    kept = _kept(db)
    for day, mix in recorded.items():
        if day != _chain_day(server_clock):
            assert kept[day.isoformat()] == mix
    assert set(kept[_chain_day(server_clock).isoformat()].values()) == {7} and tonight
    before_anyone = _day(start - timedelta(days=22))
    assert before_anyone not in kept  # nobody had enrolled yet: no members, no rows
    assert sum(kept[_day(start - timedelta(days=10))].values()) == 1  # only the loyal one

    url = str(db.engine.url.render_as_string(hide_password=False))
    for _run in range(2):  # the command goes by the real clock: whatever the first run wrote, the second has none
        assert cli.main(["admin", "--db", url, "segment-history", "--backfill", "30"]) == 0
    assert capsys.readouterr().out.endswith("nothing written\n")
    assert cli.main(["admin", "--db", url, "segment-history", "--backfill", "0"]) == 1
    assert "1 to 366" in capsys.readouterr().err


def _chain_day(clock: ServerClock) -> date:
    return store_day(clock.now, store_zone())


def _day(moment: datetime) -> str:
    return store_day(moment, store_zone()).isoformat()
