"""Online authorization of a redemption (`POST /v1/redemptions/authorize`): the points are held under the coming
point entry's id for `HOLD_FOR` (a `Reservation`), so two tills cannot both spend them; the pushed redemption with
that id consumes the hold.

- available = balance − the member's unconsumed, unexpired holds.
- The same id again gets the same answer and no second hold (the till may retry after a timeout).
- An unknown member (e.g. enrolled offline and not pushed yet) is answered 200 `approved: false`, reason
  `unknown_member`, not 404: the till then falls back to its offline stand-in limit, as for any refusal.

Thread: the API's worker threads; one write transaction per call (holds are serialized with pushes).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from protocol.vocabulary import ErrorCode
from protocol.wire import AuthorizeRequest, AuthorizeResponse
from server.auth import AuthenticatedDevice
from server.db import ServerDatabase
from server.members import resolve
from server.models import LedgerEntry, Member, Reservation

HOLD_FOR: Final = timedelta(minutes=10)


def held_points(session: Session, member_id: str, now: datetime) -> int:
    """Points of this member held by live reservations (not consumed, not expired)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Reservation.points), 0)).where(
            Reservation.member_id == member_id, Reservation.consumed_at.is_(None), Reservation.expires_at > now
        )
    )
    return int(total or 0)


def available_points(session: Session, member: Member, now: datetime) -> int:
    return member.balance - held_points(session, member.id, now)


def authorize(db: ServerDatabase, device: AuthenticatedDevice, request: AuthorizeRequest) -> AuthorizeResponse:
    now = db.clock()
    with db.write() as session:
        member = resolve(session, request.member_id)
        if member is None:
            return AuthorizeResponse(approved=False, balance=0, reason=ErrorCode.UNKNOWN_MEMBER.value)
        earlier = session.get(Reservation, request.id)
        already_pushed = session.scalar(select(LedgerEntry.id).where(LedgerEntry.id == request.id)) is not None
        if already_pushed or (earlier is not None and (earlier.consumed_at is not None or earlier.expires_at > now)):
            return AuthorizeResponse(approved=True, balance=available_points(session, member, now))
        available = available_points(session, member, now)
        if request.points > available:
            return AuthorizeResponse(approved=False, balance=available, reason=ErrorCode.INSUFFICIENT_POINTS.value)
        if earlier is not None:  # a retry after the hold lapsed: hold again, if the points are still there
            earlier.expires_at = now + HOLD_FOR
            return AuthorizeResponse(approved=True, balance=available - earlier.points)
        session.add(
            Reservation(
                id=request.id,
                member_id=member.id,
                points=request.points,
                device_id=device.id,
                created_at=now,
                expires_at=now + HOLD_FOR,
            )
        )
        return AuthorizeResponse(approved=True, balance=available - request.points)
