"""The store's 需关注会员 list at the till: the churn warnings the server raised for this store's members (kept as the
last sync gave them, readable offline), and what a guide or manager did about each: an outcome recorded here at once
and queued as a `warning_outcome` item, which the server applies exactly once (`server.churn_warnings`).

Guides and managers only (`Permission.EDIT_PREFERENCES`: the people who call members). Phones are masked here as on
every list; revealing one is the member card's audited action.

Thread: the caller's (the GUI's services on the worker pool; the sync engine for `replace`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select

from localdb.audit import append_audit
from localdb.database import Database
from localdb.errors import Problem, StoreError
from localdb.models import ChurnWarning, Member
from localdb.outbox import enqueue
from localdb.staff import StaffSession, require
from loyalty.clock import Clock
from loyalty.phone import mask_phone
from loyalty.roles import Permission
from protocol.vocabulary import WarningOutcome, WarningReason


@dataclass(frozen=True, slots=True)
class WarningView:
    id: int
    member_id: str
    member_name: str  # "" when the member is not on this till (yet)
    phone_masked: str
    segment: str | None  # the member's segment now (the till's copy)
    reason: WarningReason
    tag: str | None
    from_segment: str | None
    to_segment: str | None
    raised_at: datetime
    outcome: WarningOutcome | None
    handled_at: datetime | None
    handled_by: str | None
    expiring_points: int = 0  # the member's points expiring within 30 days (the till's copy; `points_expiring`)
    expiring_on: date | None = None


class ChurnWarnings:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def listed(self, actor: StaffSession) -> list[WarningView]:
        """The list, open warnings first, then newest first."""
        require(actor, Permission.EDIT_PREFERENCES)
        query = (
            select(ChurnWarning, *_MEMBER_FACTS)
            .outerjoin(Member, Member.id == ChurnWarning.member_id)
            .order_by(ChurnWarning.outcome.is_not(None), ChurnWarning.raised_at.desc(), ChurnWarning.id.desc())
        )
        with self._db.read() as session:
            return [_view(row[0], tuple(row[1:])) for row in session.execute(query)]

    def record(self, actor: StaffSession, warning_id: int, outcome: WarningOutcome) -> WarningView:
        """What was done about a warning: shown at once, queued for the server."""
        from protocol.wire import WarningOutcomeBody  # with the first write, not at start (localdb.outbox)

        require(actor, Permission.EDIT_PREFERENCES)
        now = self._clock()
        with self._db.write() as session:
            warning = session.get(ChurnWarning, warning_id)
            if warning is None:
                raise StoreError(Problem.WARNING_NOT_FOUND)
            warning.outcome, warning.handled_at, warning.handled_by = outcome.value, now, actor.code
            body = WarningOutcomeBody(warning_id=warning_id, outcome=outcome, staff_code=actor.code, at=now)
            enqueue(session, body, at=now)
            append_audit(
                session, at=now, staff_code=actor.code, action="warning_outcome", subject=warning.member_id,
                detail={"warning_id": warning_id, "outcome": outcome.value},
            )  # fmt: skip
            facts = session.execute(select(*_MEMBER_FACTS).where(Member.id == warning.member_id)).first()
            return _view(warning, None if facts is None else tuple(facts))

    def replace(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """The list as the server gives it now (the sync, after this till's outcomes were pushed): each row a
        `protocol.wire.ChurnWarningInfo` as Python values (aware datetimes)."""
        values = [
            {
                "id": int(row["id"]),
                "member_id": row["member_id"],
                "reason": row["reason"],
                "tag": row.get("tag"),
                "from_segment": row.get("from_segment"),
                "to_segment": row.get("to_segment"),
                "raised_at": row["raised_at"],
                "outcome": row.get("outcome"),
                "handled_at": row.get("handled_at"),
                "handled_by": row.get("handled_by"),
            }
            for row in rows
        ]
        with self._db.write() as session:
            session.execute(delete(ChurnWarning))
            if values:
                session.execute(insert(ChurnWarning), values)
        return len(values)


#: What the list shows of the member, from this till's copy (None when the member is not on this till yet).
_MEMBER_FACTS = (Member.name, Member.phone, Member.segment, Member.expiring_points, Member.expiring_on)


def _view(warning: ChurnWarning, facts: tuple[Any, ...] | None) -> WarningView:
    name, phone, segment, expiring_points, expiring_on = facts or (None, None, None, 0, None)
    return WarningView(
        id=warning.id,
        member_id=warning.member_id,
        member_name=name or "",
        phone_masked=mask_phone(phone) if phone and phone.startswith("+") else "",
        segment=segment,
        reason=WarningReason(warning.reason),
        tag=warning.tag,
        from_segment=warning.from_segment,
        to_segment=warning.to_segment,
        raised_at=warning.raised_at,
        outcome=None if warning.outcome is None else WarningOutcome(warning.outcome),
        handled_at=warning.handled_at,
        handled_by=warning.handled_by,
        expiring_points=expiring_points or 0,
        expiring_on=expiring_on,
    )
