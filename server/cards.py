"""Member cards on the server: re-issuing one (`reissue_card`) — a new card serial for the member, the old serial
added to the revoked list (so codes carrying it are refused by every till after its next config fetch, and by the
server's own `POST /v1/member-codes`), the member given a new version so tills pull the new serial, and the new
signed code. Used by `server admin reissue-card` and by `POST /v1/cards/reissue`, whose manager's approval is
checked here too (`check_approver`).

Thread: the API's worker threads and the admin command line; one write transaction per re-issue.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from loyalty.member_code import sign_member_code
from loyalty.roles import Role
from protocol.vocabulary import ErrorCode
from server import chain
from server.db import ServerDatabase
from server.member_code_audit import REISSUED, Requester, record
from server.members import resolve
from server.models import Staff
from server.staff_scope import works_at


class CardRefused(ValueError):
    """A re-issue refused: `code` is the wire error code (`unknown_member`, `approver_not_manager`)."""

    def __init__(self, message: str, code: ErrorCode) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class ReissuedCard:
    member_id: str  # the live member (the survivor, when a merged id was given)
    old_serial: int | None
    card_serial: int
    code: str


def check_approver(session: Session, approver_code: str, store_id: int) -> None:
    """The approving staff must be an active manager of this store, or a chain-wide one."""
    staff = session.get(Staff, approver_code)
    if staff is None or not staff.active or staff.role != Role.MANAGER.value:
        raise CardRefused("the approver is not an active manager", ErrorCode.APPROVER_NOT_MANAGER)
    if not works_at(staff.role, staff.store_id, store_id):
        raise CardRefused("the approver is not a manager of this store", ErrorCode.APPROVER_NOT_MANAGER)


def reissue_card(
    db: ServerDatabase, member_id: str, who: Requester, *, approver_store_id: int | None = None
) -> ReissuedCard:
    """Give the member a new card serial and revoke the old one; returns the new card and its code. With
    `approver_store_id`, `who.staff_code` must be a manager there (`check_approver`) — in the same transaction."""
    with db.write() as session:
        if approver_store_id is not None:
            check_approver(session, who.staff_code or "", approver_store_id)
        return reissue_in(session, db, member_id, who)


def reissue_in(session: Session, db: ServerDatabase, member_id: str, who: Requester) -> ReissuedCard:
    """`reissue_card` inside the caller's write transaction."""
    now = db.clock()
    member = resolve(session, member_id)
    if member is None:
        raise CardRefused("no live member with this id", ErrorCode.UNKNOWN_MEMBER)
    old = member.card_serial
    if old is not None:
        chain.revoke_card(session, old)  # already revoked (`admin revoke-card`) is fine: it stays revoked
    try:
        serial = chain.take_card_serials(session, 1)
    except ValueError as exhausted:
        raise CardRefused(str(exhausted), ErrorCode.NO_VALID_CARD) from None
    member.card_serial = serial
    member.updated_at = now
    member.version = db.next_version(session)  # tills pull the new serial with the member
    code = sign_member_code(chain.signing_key(session), uuid.UUID(member.id), serial)
    record(session, now, who, member_id, serial, REISSUED)
    return ReissuedCard(member_id=member.id, old_serial=old, card_serial=serial, code=code)
