"""The till's side of `POST /v1/member-codes`: fetch members' signed codes (what their QR carries) from the server,
which alone holds the signing key. A code is fetched when it is shown (after an enrolment, or on the member's
card) and never stored: the till can rebuild nothing without the server, and the server answers the same code for
the same card every time.

A member enrolled at this till reaches the server only with a push: until then the server answers `code: None`
with reason `unknown_member`. After a sync that merged the enrolment into an existing member, the answer carries
the survivor's id and code.

Thread: a worker thread (the UI's `ops.net`); no Qt here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from protocol.limits import MAX_MEMBER_CODES
from sync.client import ServerClient, ServerUnreachable, SyncError

if TYPE_CHECKING:
    from protocol.wire import IssuedMemberCode

log = logging.getLogger(__name__)

__all__ = ["fetch_member_code", "fetch_member_codes"]


def fetch_member_codes(
    client: ServerClient, member_ids: Sequence[str], *, staff_code: str | None = None
) -> list[IssuedMemberCode]:
    """The server's answer for each id, in the order given (asked in calls of at most MAX_MEMBER_CODES);
    `staff_code`, the staff who asked, goes to the server's audit of member codes.

    Raises a `sync.client.SyncError`: `ServerUnreachable` (also for an answer that does not match the question),
    `ServerBusy`, `Unauthorized`, `Refused`."""
    from pydantic import ValidationError  # loaded on this worker thread, not with the screens (sync/client.py)

    from protocol.wire import MemberCodesRequest

    answers: list[IssuedMemberCode] = []
    for start in range(0, len(member_ids), MAX_MEMBER_CODES):
        asked = list(member_ids[start : start + MAX_MEMBER_CODES])
        request = MemberCodesRequest(member_ids=asked, staff_code=staff_code)  # a bad id is a bug: ValueError
        try:
            response = client.member_codes(request)
        except ValidationError as exc:  # the server's answer did not fit the schema
            raise ServerUnreachable("the server's member codes answer is malformed") from exc
        if [answer.id for answer in response.codes] != asked:
            raise ServerUnreachable("the server answered for other members than were asked")
        answers.extend(response.codes)
    return answers


def fetch_member_code(
    client: ServerClient | None, member_id: str, *, staff_code: str | None = None
) -> IssuedMemberCode:
    """One member's code; `client` None (a till not registered, or blocked) raises SyncError `not_registered`.
    The client is closed afterwards."""
    if client is None:
        raise SyncError("this till has no server to ask", code="not_registered")
    with client:
        [answer] = fetch_member_codes(client, [member_id], staff_code=staff_code)
    if answer.code is None:
        log.info("member code not issued: %s", answer.reason)  # ids only, never a phone or a name
    return answer
