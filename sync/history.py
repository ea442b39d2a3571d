"""The till's side of `GET /v1/members/{member_id}/purchases`: a member's last purchases across the chain, fetched
when their card opens (one request, a short timeout: `sync.client.PURCHASES_TIMEOUT`) and handed back as the JSON the
till keeps (`localdb.chain_history`).

Thread: a worker thread (the UI's `ops.net`); no Qt here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sync.client import Refused, ServerClient


class NoHistory(StrEnum):
    """Why no chain history came: no server registered, or the server does not know the member (an enrolment not
    pushed yet, or a member erased)."""

    UNREGISTERED = "unregistered"
    UNKNOWN_MEMBER = "unknown_member"


def fetch_purchase_history(
    client: ServerClient | None, member_id: str, *, staff_code: str | None = None
) -> dict[str, Any] | NoHistory:
    """The server's answer as JSON, or why there is none; raises `sync.client.SyncError` when the server cannot
    be asked (unreachable, busy, the token refused)."""
    if client is None:
        return NoHistory.UNREGISTERED
    with client:
        try:
            answer = client.member_purchases(member_id, staff_code=staff_code)
        except Refused as refused:
            if refused.status == 404:
                return NoHistory.UNKNOWN_MEMBER
            raise
    return answer.model_dump(mode="json")
