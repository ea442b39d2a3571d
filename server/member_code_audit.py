"""The audit of member codes the server hands out (`MemberCodeRequest` rows): who asked — device, its store, the
staff the till names — for which member, which card serial went out, when, and the outcome. Written for every
answered `POST /v1/member-codes` (a row per member asked) and every card re-issued; read by `server admin
member-code-requests`. Ids and codes only: no phone numbers, no names.

Thread: the API's worker threads and the admin command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from protocol.wire import IssuedMemberCode
from server.db import ServerDatabase
from server.models import MemberCodeRequest

ISSUED: Final = "issued"
REISSUED: Final = "reissued"


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asked: a till (its device id and store code) and the staff it names; all None for the admin CLI."""

    device_id: str | None = None
    store_code: str | None = None
    staff_code: str | None = None


@dataclass(frozen=True, slots=True)
class AuditedRequest:
    at: datetime
    device_id: str | None
    store_code: str | None
    staff_code: str | None
    member_id: str
    card_serial: int | None
    outcome: str


def record(session: Session, at: datetime, who: Requester, member_id: str, serial: int | None, outcome: str) -> None:
    session.add(
        MemberCodeRequest(
            at=at,
            device_id=who.device_id,
            store_code=who.store_code,
            staff_code=who.staff_code,
            member_id=member_id,
            card_serial=serial,
            outcome=outcome,
        )
    )


def record_issued(db: ServerDatabase, who: Requester, answers: Sequence[IssuedMemberCode]) -> None:
    """One row per member asked in one `POST /v1/member-codes`, with what was answered, in one transaction."""
    now = db.clock()
    with db.write() as session:
        for answer in answers:
            outcome = ISSUED if answer.code is not None else (answer.reason or "refused")
            record(session, now, who, answer.id, answer.card_serial, outcome)


def requests(db: ServerDatabase, *, member_id: str | None = None, device_id: str | None = None) -> list[AuditedRequest]:
    """The audited requests, oldest first, of one member (as asked) and/or one device."""
    query = select(MemberCodeRequest).order_by(MemberCodeRequest.id)
    if member_id is not None:
        query = query.where(MemberCodeRequest.member_id == member_id)
    if device_id is not None:
        query = query.where(MemberCodeRequest.device_id == device_id)
    with db.read() as session:
        return [
            AuditedRequest(
                at=row.at,
                device_id=row.device_id,
                store_code=row.store_code,
                staff_code=row.staff_code,
                member_id=row.member_id,
                card_serial=row.card_serial,
                outcome=row.outcome,
            )
            for row in session.scalars(query)
        ]
