"""`serve`'s nightly refresh: the next run is the next time the wall clock in the chain's zone shows the hour set
(today's if still ahead, else tomorrow's, in Shanghai whatever the machine's zone), the schedule runs the refresh
when due and keeps going after a failure or a run found under way elsewhere, and `--refresh-at` takes HH:MM or off
and refuses anything else before the server starts."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from loyalty.clock import store_zone
from server import cli
from server.db import ServerDatabase
from server.refresh import RefreshBusy
from server.refresh_schedule import NightlyRefresh, next_run, parse_refresh_at

SHANGHAI = store_zone("Asia/Shanghai")


def test_the_next_run_is_the_next_time_the_chains_clock_shows_the_hour() -> None:
    at = time(2, 30)
    # 17:00 UTC is 01:00 in Shanghai: 02:30 comes in an hour and a half
    assert next_run(datetime(2026, 12, 3, 17, 0, tzinfo=UTC), at, SHANGHAI) == datetime(2026, 12, 3, 18, 30, tzinfo=UTC)
    # 19:00 UTC is 03:00 in Shanghai: tonight's is gone, tomorrow's
    assert next_run(datetime(2026, 12, 3, 19, 0, tzinfo=UTC), at, SHANGHAI) == datetime(2026, 12, 4, 18, 30, tzinfo=UTC)
    exactly = datetime(2026, 12, 3, 18, 30, tzinfo=UTC)
    assert next_run(exactly, at, SHANGHAI) == exactly + timedelta(days=1)  # not twice in one night


def test_refresh_at_takes_a_time_of_day_or_off() -> None:
    assert parse_refresh_at("02:30") == time(2, 30) and parse_refresh_at(" 23:05 ") == time(23, 5)
    assert parse_refresh_at("OFF") is None
    for bad in ("2:3", "25:00", "02:60", "soon", "", "-1:00"):
        with pytest.raises(ValueError):
            parse_refresh_at(bad)


def test_serve_refuses_a_bad_refresh_time_or_zone_before_starting(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    for option in (["--refresh-at", "midnight"], ["--refresh-zone", "Mars/Olympus"]):
        assert cli.main(["serve", "--db", db, *option]) == 2
    assert not (tmp_path / "server.sqlite3").exists()  # refused before the database was opened


def test_the_schedule_runs_when_due_and_goes_on_after_a_failure(tmp_path: Path) -> None:
    db = ServerDatabase.open(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    due = next_run(datetime.now(UTC), time(2, 30), SHANGHAI)
    moments = iter([due - timedelta(seconds=0.2), due + timedelta(seconds=1)])  # then a day to wait
    outcomes: list[type[BaseException] | None] = [RuntimeError, None]
    ran = threading.Event()
    calls: list[ServerDatabase] = []

    def run(database: ServerDatabase) -> None:
        calls.append(database)
        ran.set()
        failure = outcomes.pop(0)
        if failure is not None:
            raise failure("boom")

    def clock() -> datetime:
        return next(moments, due + timedelta(seconds=2))

    nightly = NightlyRefresh(db, time(2, 30), SHANGHAI, clock=clock, run=run).start()
    try:
        assert ran.wait(5) and calls == [db]
        nightly.run_once()  # the failure was logged, the next run works
        assert nightly.runs == 1
        busy = NightlyRefresh(db, time(2, 30), SHANGHAI, run=lambda _db: (_ for _ in ()).throw(RefreshBusy("x")))
        busy.run_once()
        assert busy.runs == 0
    finally:
        nightly.stop()
        db.close()
