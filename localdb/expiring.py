"""The points a member will lose soonest, as the till shows them (issue 18): the server's nightly refresh works out
the points expiring within 30 days and their day (`member.expiring_points` / `expiring_on`, pulled); redemptions,
gifts and negative adjustments take the oldest points first (`protocol.vocabulary.TAKES_OLDEST`, as the server counts
them on push), so those this till made since the member's pulled version take from them first. What is left, if
anything, is "N 积分将于 YYYY-MM-DD 过期" on the card and the slip.

Thread: the caller's (a read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from localdb.database import Database
from localdb.member_view import NOT_PULLED_YET, MemberQueries, MemberView
from localdb.models import Member, PointEntry
from localdb.till_config import TillSettings
from loyalty.clock import Clock
from protocol.vocabulary import TAKES_OLDEST


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
                select(func.coalesce(func.sum(-PointEntry.points), 0))
                .join(Member, Member.id == PointEntry.member_id)
                .where(
                    PointEntry.member_id == member.id,
                    PointEntry.kind.in_([kind.value for kind in TAKES_OLDEST]),
                    PointEntry.points < 0,
                    NOT_PULLED_YET,
                )
            )
        left = min(member.expiring_points - int(taken or 0), member.available_points)
        return Expiring(left, on) if left > 0 else None
