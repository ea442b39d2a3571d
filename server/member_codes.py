"""Issuing members' signed codes (`POST /v1/member-codes`): the server is the only holder of the signing key, so a
till that enrolled a member, or a member who wants their code again, asks here for the code their QR carries.

- One answer per asked id, in the order asked (at most `MAX_MEMBER_CODES`; the route answers 413 beyond).
- A merged id is answered with the *survivor's* code, `member_id` naming the survivor: the till enrolled the member
  offline, the push merged the enrolment into the phone's existing member, and the card the member needs is the
  survivor's. An unknown or deleted id (e.g. enrolled offline and not pushed yet) gets `code: null`, reason
  `unknown_member`; a live member whose card serial is revoked (or who has none) gets reason `no_valid_card`.
- Read only: codes are a pure function of the member's id, current card serial and the key, so asking again gives
  the same code and changes nothing.

Thread: the API's worker threads; one read transaction per call.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from loyalty.member_code import sign_member_code
from protocol.vocabulary import ErrorCode
from protocol.wire import IssuedMemberCode
from server import chain
from server.db import ServerDatabase
from server.members import resolve


def issue_member_codes(db: ServerDatabase, member_ids: Sequence[str]) -> list[IssuedMemberCode]:
    """The signed code of each asked member (its survivor after a merge), or why there is none."""
    answers: dict[str, IssuedMemberCode] = {}
    with db.read() as session:
        key = chain.signing_key(session)
        revoked = set(chain.revoked_cards(session))
        for asked in member_ids:
            if asked in answers:
                continue
            member = resolve(session, asked)
            if member is None:
                answers[asked] = IssuedMemberCode(id=asked, reason=ErrorCode.UNKNOWN_MEMBER.value)
                continue
            serial = member.card_serial
            if serial is None or serial in revoked:
                answers[asked] = IssuedMemberCode(id=asked, member_id=member.id, reason=ErrorCode.NO_VALID_CARD.value)
                continue
            code = sign_member_code(key, uuid.UUID(member.id), serial)
            answers[asked] = IssuedMemberCode(id=asked, member_id=member.id, card_serial=serial, code=code)
    return [answers[asked] for asked in member_ids]
