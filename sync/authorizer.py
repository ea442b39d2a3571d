"""Online authorization of a redemption (PROTOCOL.md "Online redemption"): before the till writes a redemption it
asks the server to hold the points under the coming entry's id; when the server does not answer within a short
timeout, the till falls back to its offline stand-in cap (the ledger enforces it).

The answer is typed, so the screen never has to read HTTP: `APPROVED` (write the entry as authorized online, with
the same id), `REFUSED` (the server answered no: show its balance, write nothing), `UNAVAILABLE` (no usable answer:
not registered, no network, a busy or unhappy server, or a member the server does not know yet: write the entry
offline, under the cap). Nothing here logs a member id, a phone or a name: only outcomes and reason codes.

Thread: a network worker (`ui.operations.Operations.net`); never the GUI thread. No Qt here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from uuid6 import uuid7

from localdb.sync_store import SyncStore
from protocol.vocabulary import ErrorCode
from sync.client import AUTHORIZE_TIMEOUT, ServerClient, SyncError, Timeouts

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

AuthorizerClientFactory = Callable[[str, str | None], ServerClient]

# Refusal reasons that mean "the server cannot judge this member yet", not "no": the offline cap applies instead
# (server/redemptions.py answers an offline-enrolled member it has not received yet this way).
_FALL_BACK_REASONS = frozenset({ErrorCode.UNKNOWN_MEMBER.value})


class Verdict(StrEnum):
    APPROVED = "approved"
    REFUSED = "refused"
    UNAVAILABLE = "unavailable"


class RefusedOnline(SyncError):
    """The server refused a redemption it could judge. `balance` is what it says the member has available now."""

    code = "refused_online"

    def __init__(self, balance: int, reason: str | None) -> None:
        super().__init__(f"redemption refused online ({reason})")
        self.balance = balance
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Authorization:
    """What the server said about one redemption, under the id the entry must be written with."""

    entry_id: str
    verdict: Verdict
    balance: int | None = None  # the server's available balance (after the hold when approved)
    reason: str | None = None  # the server's reason code when refused; why not asked / not answered otherwise

    @property
    def online(self) -> bool:
        """Whether the entry may be written as authorized online (no stand-in cap)."""
        return self.verdict is Verdict.APPROVED

    def refusal(self) -> RefusedOnline:
        """The refusal as an error the screens put into words (ui.messages.describe)."""
        return RefusedOnline(self.balance or 0, self.reason)


class RedemptionAuthorizer:
    """`authorize(member_id, points, amount_cents)` asks the registered server once, with a short timeout."""

    def __init__(
        self,
        store: SyncStore,
        client_factory: AuthorizerClientFactory = ServerClient,
        *,
        timeout: Timeouts | httpx.Timeout = AUTHORIZE_TIMEOUT,
    ) -> None:
        self._store = store
        self._client_factory = client_factory
        self._timeout = timeout

    def authorize(
        self, member_id: str, points: int, amount_cents: int, *, entry_id: str | None = None
    ) -> Authorization:
        """Ask the server to hold `points` of the member under `entry_id` (a fresh UUIDv7 when None). Asking again
        with the same id is safe: the server answers as the first time and holds once."""
        entry_id = entry_id or str(uuid7())
        registration = self._store.registration()
        if registration is None:
            return Authorization(entry_id, Verdict.UNAVAILABLE, reason="not_registered")
        if registration.blocked is not None:
            return Authorization(entry_id, Verdict.UNAVAILABLE, reason=registration.blocked)
        from protocol.wire import (
            AuthorizeRequest,  # loaded on this worker thread, not with the screens (sync/client.py)
        )

        request = AuthorizeRequest(id=entry_id, member_id=member_id, points=points, amount_cents=amount_cents)
        try:
            with self._client_factory(registration.server_url, registration.token) as client:
                answer = client.authorize(request, timeout=self._timeout)
        except SyncError as error:  # unreachable, busy, unauthorized, refused request: the cap decides instead
            log.info("redemption authorization unavailable: %s", error.code)
            return Authorization(entry_id, Verdict.UNAVAILABLE, reason=error.code)
        if answer.approved:
            return Authorization(entry_id, Verdict.APPROVED, balance=answer.balance)
        if answer.reason in _FALL_BACK_REASONS:
            log.info("redemption authorization unavailable: %s", answer.reason)
            return Authorization(entry_id, Verdict.UNAVAILABLE, balance=answer.balance, reason=answer.reason)
        log.info("redemption refused online: %s", answer.reason)
        return Authorization(entry_id, Verdict.REFUSED, balance=answer.balance, reason=answer.reason)
