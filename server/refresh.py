"""The nightly refresh, whole: points past their last day expire (`server.points_expiry`), the figures pass
(`server.member_figures`: spend, visits, segment, the tier under the downgrade grace), the day's segment mix
(`server.segment_history`), the coupons the chain's benefit rules give (`server.coupons.issue_by_rules`: win-back,
birthday) and then the profile pass (`server.member_insight`: top categories, RFM, Sens, tags), run by
`server admin refresh` and by the server's own nightly schedule (`server.refresh_schedule`).

One run at a time per database, whichever process or machine starts it: on PostgreSQL a session-level advisory lock
(`pg_try_advisory_lock`), so two servers on one database never both run it; on SQLite an exclusive `flock` on a file
beside the database (POSIX; on Windows the second run is not kept out, and would only repeat the first's work, each
chunk in its own transaction). A run that finds the lock taken does nothing and says so (`RefreshBusy`).

Thread: the admin command line, or the scheduler's thread in `serve`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from server.coupons import RuleReport, issue_by_rules, reward_referrals
from server.db import ServerDatabase
from server.member_chunks import CHUNK
from server.member_figures import ChainValues, FiguresReport, refresh_figures
from server.member_insight import ProfileReport, refresh_profiles
from server.points_expiry import ExpiryReport, expire_points
from server.segment_history import record_snapshot

#: The advisory lock's key on PostgreSQL (any 64-bit number the chain's other software does not use).
ADVISORY_KEY: Final = 0x4D44_5246  # "MDRF"


class RefreshBusy(Exception):
    """Another refresh of this database is running."""


@dataclass(frozen=True, slots=True)
class RefreshReport:
    figures: FiguresReport
    profiles: ProfileReport
    figures_seconds: float
    profiles_seconds: float
    coupons: RuleReport
    expiry: ExpiryReport


def refresh(db: ServerDatabase, now: datetime | None = None, *, chunk: int = CHUNK) -> RefreshReport:
    """Run both passes (and keep the segment mix between them) at `now` (the database's clock by default);
    raises `RefreshBusy` when a run is under way."""
    with _one_at_a_time(db):
        at = now or db.clock()
        started = time.perf_counter()
        values = ChainValues()  # the figures pass's results, for the profile pass's RFM cuts
        expiry = expire_points(db, at, chunk=chunk)
        figures = refresh_figures(db, at, chunk=chunk, values=values)
        record_snapshot(db, at)
        coupons = issue_by_rules(db, at, figures.entered_dormant)
        coupons = dataclasses.replace(coupons, referral=reward_referrals(db, at))
        middle = time.perf_counter()
        profiles = refresh_profiles(db, at, chunk=chunk, values=values)
        return RefreshReport(figures, profiles, middle - started, time.perf_counter() - middle, coupons, expiry)


@contextlib.contextmanager
def _one_at_a_time(db: ServerDatabase) -> Iterator[None]:
    if db.is_sqlite:
        with _file_lock(db.engine.url.database):
            yield
        return
    with db.engine.connect() as connection:
        taken = connection.exec_driver_sql(f"SELECT pg_try_advisory_lock({ADVISORY_KEY})").scalar()
        connection.commit()
        if not taken:
            raise RefreshBusy("another refresh of this database is running")
        try:
            yield
        finally:
            connection.exec_driver_sql(f"SELECT pg_advisory_unlock({ADVISORY_KEY})")
            connection.commit()


@contextlib.contextmanager
def _file_lock(database: str | None) -> Iterator[None]:
    try:
        from fcntl import LOCK_EX, LOCK_NB, LOCK_UN, flock  # POSIX only
    except ImportError:
        yield
        return
    if not database:  # an in-memory database: one process
        yield
        return
    fd = os.open(f"{database}-refresh", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            flock(fd, LOCK_EX | LOCK_NB)
        except BlockingIOError:
            raise RefreshBusy("another refresh of this database is running") from None
        try:
            yield
        finally:
            flock(fd, LOCK_UN)
    finally:
        os.close(fd)
