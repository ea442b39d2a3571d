"""The points a member will lose soonest, as the till shows them (issue 18): the server's nightly refresh works out
the points expiring within 30 days and their day (`member.expiring_points` / `expiring_on`, pulled); redemptions
and negative adjustments take the oldest points first, so those this till made since the member's pulled version
take from them first. What is left, if anything, is "N 积分将于 YYYY-MM-DD 过期" on the card and the slip.

Thread: the caller's (a read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select

from localdb.database import Database
from localdb.member_view import MemberQueries, MemberView
from localdb.models import EntrySync, Member, PointEntry
from localdb.till_config import TillSettings
from loyalty.clock import Clock
from protocol.vocabulary import EntryKind


@dataclass(frozen=True, slots=True)
class Expiring:
    points: int
    on: date  # the last day they may be used (the store's calendar)


class ExpiringPoints:
    def __init__(self, db: Database, settings: TillSettings, queries: MemberQueries, clock: Clock) -> None:
        self._db = db
        self._settings = settings
        self._queries = queries
        self._clock = clock

    def soon_for(self, member_id: str) -> Expiring | None:
        """`soon` of the member as this till now sees them (None for a member it does not hold)."""
        with self._db.read() as session:
            member = self._queries.by_id(self._db.session_connection(session), member_id)
        return None if member is None else self.soon(member)

    def soon(self, member: MemberView) -> Expiring | None:
        """The member's points expiring soonest (within 30 days of the server's last refresh), less what this till
        took from the oldest points since; None when none are left to expire, or their day has passed."""
        on = member.expiring_on
        if member.expiring_points <= 0 or on is None or on < self._settings.current().today(self._clock()):
            return None
        with self._db.read() as session:
            taken = session.scalar(
                select(func.coalesce(func.sum(-PointEntry.points), 0)).where(
                    PointEntry.member_id == member.id,
                    PointEntry.kind.in_((EntryKind.REDEEM.value, EntryKind.ADJUST.value)),
                    PointEntry.points < 0,
                    or_(  # not yet in the server's figures: pending, or applied at a version not pulled yet
                        PointEntry.sync_state == EntrySync.PENDING.value,
                        and_(
                            PointEntry.sync_state != EntrySync.REJECTED.value,
                            PointEntry.server_version
                            > select(Member.version).where(Member.id == member.id).scalar_subquery(),
                        ),
                    ),
                )
            )
        left = min(member.expiring_points - int(taken or 0), member.available_points)
        return Expiring(left, on) if left > 0 else None
