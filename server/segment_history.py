"""The segment mix over time: how many live members each store had in each segment, day by day (`segment_snapshot`),
for the health board's trend (docs/insight.md, "Segment mix over time").

- **Nightly** (`record_snapshot`): the refresh counts the live members by home store and segment right after its
  figures pass has brought every segment to the night, and keeps the counts under the chain's calendar day (a second
  run the same day replaces that day's rows).
- **Earlier days** (`backfill`, `server admin segment-history --backfill DAYS`): a chain that starts with imported
  history, or the demo, works out the days before its first night from the ledger: on each day, each member enrolled
  by then gets the segment `loyalty.segments.segment_for` gives their 12-month spend, 90-day visits and last visit as
  of that moment (one aggregate query over the ledger a day). A day that already has a snapshot keeps it: a night's
  count is the truer one. Two approximations, said here and in the docs: the members are today's live members
  (someone erased since is not counted on earlier days), and a refund counts against its sale whenever it was made.
- **Read** (`history`): a store's days, or the chain's (the sum over its stores), oldest first.

Thread: the refresh's thread, the admin command line, the API's worker threads (reads).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Final

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from loyalty.clock import store_day, store_zone
from loyalty.segments import segment_for
from loyalty.tiers import twelve_months_before
from server import chain
from server.bulk import Bulk
from server.db import ServerDatabase
from server.models import SegmentSnapshot
from server.purchase_window import VISIT_WINDOW, earns_sql

HISTORY_DAYS: Final = 90  # days of mix the board carries
_LIVE: Final = "NOT deleted AND merged_into IS NULL"
Mix = dict[tuple[str, str], int]  # (home store or "", segment) -> members


def record_snapshot(db: ServerDatabase, now: datetime) -> int:
    """Keep the live members' mix as the chain's day at `now`; the number of (store, segment) rows written."""
    with db.write() as session:
        rows = session.execute(
            text(f"SELECT COALESCE(home_store, ''), segment, COUNT(*) FROM member WHERE {_LIVE} GROUP BY 1, 2")  # noqa: S608
        )
        mix: Mix = {(str(store), str(segment or "none")): int(count) for store, segment, count in rows}
        _write(session, _chain_day(now), mix, replace=True)
    return len(mix)


def backfill(db: ServerDatabase, now: datetime, days: int) -> list[date]:
    """Work out the mix of each of the `days` days before `now` that has no snapshot and had members (see the
    module's note), one transaction a day; the days written, oldest first."""
    written: list[date] = []
    for back in range(days, 0, -1):
        at = now - timedelta(days=back)
        with db.write() as session:
            day = _chain_day(at)
            if session.scalar(select(func.count()).where(SegmentSnapshot.day == day)):
                continue
            mix = mix_at(session, at)
            if mix:  # a day before the first member enrolled has no mix to keep
                _write(session, day, mix, replace=False)
                written.append(day)
    return written


def mix_at(session: Session, at: datetime) -> Mix:
    """The live members enrolled by `at`, counted by home store and the segment their ledger gave them at `at`."""
    thresholds = chain.insight_rules(session).thresholds
    bulk = Bulk(session.connection())
    mark = bulk.mark
    activity_sql = (
        "SELECT member_id, SUM(net), "  # noqa: S608 - our names
        f"SUM(CASE WHEN created_at > {mark} THEN 1 ELSE 0 END), MAX(created_at) "
        f"FROM ({earns_sql(bulk, f'e.created_at <= {mark}')}) AS counted GROUP BY member_id"
    )
    visit_start = bulk.stored_time(at - VISIT_WINDOW)
    activity = {
        member_id: (int(spend or 0), int(visits or 0), bulk.read_time(last))
        for member_id, spend, visits, last in bulk.rows(
            activity_sql, (visit_start, bulk.stored_time(at), bulk.stored_time(twelve_months_before(at)))
        )
    }
    members = bulk.rows(
        f"SELECT id, COALESCE(home_store, ''), created_at FROM member WHERE {_LIVE} AND created_at <= {mark}",  # noqa: S608
        (bulk.stored_time(at),),
    )
    mix: Counter[tuple[str, str]] = Counter()
    for member_id, store, created_at in members:
        spend, visits, last_visit = activity.get(member_id, (0, 0, None))
        segment = segment_for(
            now=at, created_at=bulk.read_time(created_at), last_visit_at=last_visit, visits_90d=visits,
            spend_12m_cents=spend, thresholds=thresholds,
        )  # fmt: skip
        mix[(str(store), segment.value)] += 1
    return dict(mix)


def history(session: Session, store: str | None, now: datetime, days: int = HISTORY_DAYS) -> list[dict[str, object]]:
    """The store's (None: the chain's) mix on each kept day of the `days` up to `now`'s, oldest first:
    `[{"day": "2026-12-01", "segments": {"dormant": 208, ...}}, ...]`."""
    since = _chain_day(now) - timedelta(days=days - 1)
    members = func.sum(SegmentSnapshot.members)
    query = select(SegmentSnapshot.day, SegmentSnapshot.segment, members).where(SegmentSnapshot.day >= since)
    if store is not None:
        query = query.where(SegmentSnapshot.store_code == store)
    query = query.group_by(SegmentSnapshot.day, SegmentSnapshot.segment).order_by(SegmentSnapshot.day)
    by_day: dict[date, dict[str, int]] = {}
    for day, segment, count in session.execute(query):
        by_day.setdefault(day, {})[segment] = int(count)
    return [{"day": day.isoformat(), "segments": segments} for day, segments in by_day.items()]


def _chain_day(moment: datetime) -> date:
    return store_day(moment, store_zone())


def _write(session: Session, day: date, mix: Mix, *, replace: bool) -> None:
    if replace:
        session.execute(delete(SegmentSnapshot).where(SegmentSnapshot.day == day))
    if mix:
        rows = [{"day": day, "store_code": store, "segment": segment, "members": count}
                for (store, segment), count in mix.items()]  # fmt: skip
        session.execute(insert(SegmentSnapshot), rows)
