"""Churn warnings (需关注会员): which members each store should call, raised by the nightly refresh, listed for a
store's tills (`GET /v1/warnings`), and closed by what a guide or manager did (a `warning_outcome` pushed item).

- **Raised** (`raise_warnings`, inside the refresh's chunk transactions) when a 高价值忠诚型 member drifts to 潜力
  or 沉睡 (`left_loyal`, by the figures pass) or gains a tag the chain's insight rules mark `warn`, such as 流失风险
  (`tag`, by the profile pass). A member with an open warning (no outcome yet) gets no second one.
- **Listed** per store: the warnings of the store's own members (their home store) and of members with no home
  store, open ones and those handled in the last `HANDLED_SHOWN_DAYS` days (so a till sees what a colleague did),
  newest first, at most `MAX_LISTED`. Erased or merged members' warnings are not listed.
- **Handled** by a pushed outcome (`record_outcome`): the latest outcome stands; the warning stays listed for a while.

Thread: the refresh's thread, the API's worker threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from protocol.vocabulary import WarningOutcome, WarningReason
from server.bulk import Bulk
from server.models import ChurnWarning, Member

HANDLED_SHOWN_DAYS: Final = 30
MAX_LISTED: Final = 500
_COLUMNS: Final = ("member_id", "store_code", "reason", "tag", "from_segment", "to_segment", "raised_at")


@dataclass(frozen=True, slots=True)
class Raised:
    """A warning to raise for a member (the refresh's finding)."""

    member_id: str
    reason: WarningReason
    tag: str | None = None
    from_segment: str | None = None
    to_segment: str | None = None


def raise_warnings(bulk: Bulk, found: Sequence[Raised], now: datetime) -> int:
    """Insert a warning for each finding whose member has no open warning (one per member); returns how many."""
    if not found:
        return 0
    members = {item.member_id for item in found}
    where, keys = bulk.in_keys("member_id", members)
    sql = f"SELECT member_id FROM churn_warning WHERE {where} AND outcome IS NULL"  # noqa: S608 - our names
    open_for = {row[0] for row in bulk.rows(sql, keys)}
    where, keys = bulk.in_keys("id", members)
    homes = dict(bulk.rows(f"SELECT id, home_store FROM member WHERE {where}", keys))  # noqa: S608 - our names
    rows = []
    for item in found:
        if item.member_id in open_for:
            continue
        open_for.add(item.member_id)
        rows.append((item.member_id, homes.get(item.member_id), item.reason.value, item.tag, item.from_segment,
                     item.to_segment, now))  # fmt: skip
    bulk.insert(ChurnWarning.__table__, _COLUMNS, rows)  # type: ignore[arg-type]
    return len(rows)


def for_store(session: Session, store_code: str, now: datetime) -> list[ChurnWarning]:
    """The store's list: open warnings and those handled lately, of live members, newest first."""
    shown_since = now - timedelta(days=HANDLED_SHOWN_DAYS)
    query = (
        select(ChurnWarning)
        .join(Member, Member.id == ChurnWarning.member_id)
        .where(
            or_(ChurnWarning.store_code == store_code, ChurnWarning.store_code.is_(None)),
            or_(ChurnWarning.handled_at.is_(None), ChurnWarning.handled_at > shown_since),
            Member.deleted.is_(False),
            Member.merged_into.is_(None),
        )
        .order_by(ChurnWarning.raised_at.desc(), ChurnWarning.id.desc())
        .limit(MAX_LISTED)
    )
    return list(session.scalars(query))


def of_store(session: Session, warning_id: int, store_code: str) -> ChurnWarning | None:
    """The warning, when it is on this store's list (its member's home store, or none)."""
    warning = session.get(ChurnWarning, warning_id)
    if warning is None or warning.store_code not in (store_code, None):
        return None
    return warning


def record_outcome(warning: ChurnWarning, outcome: WarningOutcome, staff_code: str, at: datetime) -> None:
    warning.outcome, warning.handled_at, warning.handled_by = outcome.value, at, staff_code
