"""The till's side of `POST /v1/cards/reissue`: a new card for a member who lost theirs, approved by a manager
whose code and PIN the till has checked (the server checks the code again: an active manager of this till's store,
or a chain-wide one). Online only: the server alone issues card serials and signs codes. The answer carries the
new serial and its signed code, which the till shows at once (`ui.reissue_card_dialog`).

Thread: a worker thread (the UI's `ops.net`); no Qt here.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sync.client import ServerClient, ServerUnreachable, SyncError

if TYPE_CHECKING:
    from protocol.wire import CardReissueResponse

log = logging.getLogger(__name__)

__all__ = ["reissue_card"]


def reissue_card(client: ServerClient | None, member_id: str, approver_code: str) -> CardReissueResponse:
    """Ask the server for the member's new card. `client` None (a till not registered, or blocked) raises SyncError
    `not_registered`; otherwise a `sync.client.SyncError`: `ServerUnreachable` (offline, or an answer that does not
    fit), `ServerBusy`, `Unauthorized`, `Refused` (`approver_not_manager`, `unknown_member`). The client is closed
    afterwards."""
    from pydantic import ValidationError  # loaded on this worker thread, not with the screens

    from protocol.wire import CardReissueRequest

    if client is None:
        raise SyncError("this till has no server to ask", code="not_registered")
    request = CardReissueRequest(member_id=member_id, approver_code=approver_code)
    with client:
        try:
            answer = client.reissue_card(request)
        except ValidationError as exc:
            raise ServerUnreachable("the server's card answer is malformed") from exc
    log.info("card reissued")  # never the member's phone or name
    return answer
