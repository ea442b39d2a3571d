"""The till's HTTP client for the central server (PROTOCOL.md): one method per endpoint, httpx underneath with
timeouts and TLS verification, and every failure turned into one of a few error classes the sync engine and the UI
act on — retry (unreachable, busy), stop (unauthorized), or record and go on (refused).

Plain http is allowed only to this machine (a demo or test server on loopback); anything else must be https with a
verified certificate. Nothing here logs a request or answer body: they carry phone numbers and names.

httpx, pydantic and the wire schemas are imported when a client is made or an answer read, not with this module:
the window names the client and its errors from the start, and opens without loading them (about a sixth of a
second of a start); the first health check, a moment later, loads them on its worker thread.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from protocol.vocabulary import ErrorCode

if TYPE_CHECKING:
    import httpx

    from protocol.wire import (
        AnchorRequest,
        AnchorResponse,
        AuthorizeRequest,
        AuthorizeResponse,
        CardReissueRequest,
        CardReissueResponse,
        ConfigResponse,
        Health,
        MemberCodesRequest,
        MemberCodesResponse,
        PurchaseHistoryResponse,
        PushItem,
        PushResponse,
        ReceiptResponse,
        RegisterRequest,
        RegisterResponse,
        WarningsResponse,
    )

log = logging.getLogger(__name__)


class Timeouts(NamedTuple):
    """Seconds to wait to connect, then for each read, write and pooled connection: the tuple httpx takes as a
    timeout (so the defaults below need no httpx to be set)."""

    connect: float
    read: float
    write: float
    pool: float


def timeouts(seconds: float, *, connect: float) -> Timeouts:
    """`seconds` for everything but connecting (as `httpx.Timeout(seconds, connect=connect)`)."""
    return Timeouts(connect, seconds, seconds, seconds)


DEFAULT_TIMEOUT = timeouts(30.0, connect=5.0)
AUTHORIZE_TIMEOUT = timeouts(3.0, connect=1.5)  # a customer is waiting: fall back to the offline cap quickly
AUDIT_TIMEOUT = timeouts(5.0, connect=2.0)  # verify-audit asks for the anchor: offline is said soon
MEMBER_CODES_TIMEOUT = timeouts(5.0, connect=1.5)  # a member waits at the counter for their QR
#: The member card's chain history: the counter never waits for it (this till's own records show meanwhile), and
#: an answer later than this is no use to the guide reading the card.
PURCHASES_TIMEOUT = timeouts(2.5, connect=1.0)
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


class SyncError(Exception):
    """Base of every sync failure. `code` is stable and machine-readable (the UI translates it)."""

    code = "sync_failed"
    retryable = False

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class InsecureServer(SyncError):
    code = "insecure_server"


class ServerUnreachable(SyncError):
    """No answer: connection refused, timeout, connection dropped, garbled answer."""

    code = "server_unreachable"
    retryable = True


class ServerBusy(SyncError):
    """5xx or 429: try again later, after `retry_after` seconds when the server said so."""

    code = "server_busy"
    retryable = True

    def __init__(self, message: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class Unauthorized(SyncError):
    """401: the token is unknown or the device was revoked (`code` says which). The till stops syncing."""

    code = "unauthorized"


class Refused(SyncError):
    """A 4xx other than 401/429: the request as sent will never succeed."""

    code = "refused"

    def __init__(self, message: str, *, status: int, code: str | None = None, ids: Sequence[str] = ()) -> None:
        super().__init__(message, code=code)
        self.status = status
        self.ids = tuple(ids)


class IdConflict(Refused):
    """409: items whose ids the server already holds with another body (`ids`); nothing in the batch was applied."""


class OutOfOrder(Refused):
    """409 out_of_order: the batch sent before this one was not applied (in time); nothing in this one was."""


class CursorGone(Refused):
    """410: the server can no longer serve changes after our cursor; pull again from 0."""


def is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


#: The longest server address a till takes: a host name is at most 253 characters (each of its labels 63), and a
#: base path behind a proxy is short; 10,000 characters pasted by mistake are refused before anything is sent.
MAX_SERVER_URL_LENGTH = 512
_MAX_HOST_LENGTH = 253
_MAX_LABEL_LENGTH = 63


def _not_an_address(url: str) -> InsecureServer:
    shown = url if len(url) <= 80 else url[:80] + "…"
    return InsecureServer(f"not a server address: {shown!r}", code="bad_server_url")


def check_server_url(url: str) -> str:
    """The server's base URL, normalised; InsecureServer with code `bad_server_url` when it is no address a till
    could connect to (too long, a host name DNS cannot hold, a port out of range, unparseable), and with
    `insecure_server` when it is plain http to another machine."""
    import httpx

    text = url.strip()
    if len(text) > MAX_SERVER_URL_LENGTH:
        raise _not_an_address(text)
    try:
        parsed = httpx.URL(text)
        port = parsed.port
    except (httpx.InvalidURL, ValueError):
        raise _not_an_address(text) from None
    host = parsed.host
    if parsed.scheme not in ("http", "https") or not host:
        raise _not_an_address(text)
    labels = host.split(".")
    if len(host) > _MAX_HOST_LENGTH or any(len(label) > _MAX_LABEL_LENGTH for label in labels):
        raise _not_an_address(text)
    if port is not None and not 0 < port < 65536:
        raise _not_an_address(text)
    if parsed.scheme == "http" and not is_loopback(parsed.host):
        raise InsecureServer("plain http is allowed only to this machine; use https")
    return str(parsed.copy_with(query=None, fragment=None)).rstrip("/")


@dataclass(frozen=True, slots=True)
class ChangesPage:
    """A page of `GET /v1/changes` as decoded JSON: members stay plain dicts (see docs/sync.md on why)."""

    changes: list[dict[str, Any]]
    next_cursor: int
    has_more: bool
    latest: int | None


def _detail(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail if isinstance(detail, dict) else {}


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


#: The 409s of the audit calls: answers about the till's audit chain, not conflicting items.
_AUDIT_REFUSALS = frozenset({ErrorCode.AUDIT_BEHIND, ErrorCode.AUDIT_REWRITTEN, ErrorCode.AUDIT_KEY_ISSUED})


def raise_for_answer(response: httpx.Response) -> None:
    """Turn a non-2xx answer into the error class the caller acts on."""
    status = response.status_code
    if status < 300:
        return
    detail = _detail(response)
    code = str(detail.get("code") or f"http_{status}")
    message = str(detail.get("message") or response.reason_phrase)
    if status == 401:
        raise Unauthorized(message, code=code)
    if status == 429 or status >= 500:
        raise ServerBusy(f"{status} {message}", status=status, retry_after=_retry_after(response))
    ids = [str(i) for i in detail.get("ids") or ()]
    if status == 409 and code == ErrorCode.OUT_OF_ORDER:
        raise OutOfOrder(message, status=status, code=code)
    if status == 409 and code in _AUDIT_REFUSALS:
        raise Refused(message, status=status, code=code)
    if status == 409:
        raise IdConflict(message, status=status, code=code, ids=ids)
    if status == 410:
        raise CursorGone(message, status=status, code=code)
    raise Refused(message, status=status, code=code, ids=ids)


class ServerClient:
    """One till's connection to the server. Thread: whichever runs the sync; a sync's two push requests may travel
    at once from two threads (httpx's client and its connection pool are thread-safe)."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: Timeouts | httpx.Timeout = DEFAULT_TIMEOUT,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        import httpx

        self.base_url = check_server_url(base_url)
        headers = {"Accept": "application/json", "User-Agent": "MemberDesk-till/1"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, verify=verify, transport=transport
        )

    def __enter__(self) -> ServerClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        import httpx

        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:  # connect/read/write errors, timeouts, dropped connections
            log.info("sync %s %s: %s", method, path, type(exc).__name__)
            raise ServerUnreachable(f"{method} {path}: {type(exc).__name__}") from exc
        if response.status_code >= 300:
            log.info("sync %s %s: HTTP %s", method, path, response.status_code)
        raise_for_answer(response)
        return response

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return json.loads(response.content)
        except ValueError as exc:  # a proxy's error page, or an answer cut short
            raise ServerUnreachable("the server's answer is not JSON") from exc

    def health(self) -> Health:
        from protocol.wire import Health

        return Health.model_validate(self._json(self._call("GET", "/v1/health")))

    def register(self, request: RegisterRequest) -> RegisterResponse:
        from protocol.wire import RegisterResponse

        answer = self._call("POST", "/v1/devices/register", json=request.model_dump(mode="json"))
        return RegisterResponse.model_validate(self._json(answer))

    def config(self) -> ConfigResponse:
        from protocol.wire import ConfigResponse

        return ConfigResponse.model_validate(self._json(self._call("GET", "/v1/config")))

    def rotate_token(self) -> str:
        """`POST /v1/devices/token`: this device's new token (the one this client holds works until it is used)."""
        from protocol.wire import TokenResponse

        return TokenResponse.model_validate(self._json(self._call("POST", "/v1/devices/token"))).token

    def push(self, items: Sequence[PushItem]) -> PushResponse:
        from protocol.wire import PushRequest

        body = PushRequest(items=list(items)).model_dump_json().encode()
        return self.push_encoded(body, [item.id for item in items])

    def push_encoded(self, request: bytes, ids: Sequence[str]) -> PushResponse:
        """`POST /v1/push` of a request already encoded as JSON (`PushRequest`) for the items `ids`, in order."""
        from pydantic import ValidationError

        from protocol.wire import PushResponse

        answer = self._call("POST", "/v1/push", content=request, headers={"Content-Type": "application/json"})
        try:  # straight from the bytes: a batch's answer is 500 results, decoded once
            response = PushResponse.model_validate_json(answer.content)
        except ValidationError as exc:  # not JSON, or not an answer to a push (a proxy's page, an answer cut short)
            raise ServerUnreachable("the server's answer to the push is malformed") from exc
        if [r.id for r in response.results] != list(ids):
            raise ServerUnreachable("the server answered for other items than were pushed")
        return response

    def changes(self, since: int, limit: int) -> ChangesPage:
        answer = self._json(self._call("GET", "/v1/changes", params={"since": since, "limit": limit}))
        try:
            changes, next_cursor, has_more = answer["changes"], answer["next_cursor"], answer["has_more"]
            latest = answer.get("latest")
        except (KeyError, TypeError) as exc:
            raise ServerUnreachable("the server's page of changes is incomplete") from exc
        if not isinstance(changes, list) or not isinstance(next_cursor, int) or not isinstance(has_more, bool):
            raise ServerUnreachable("the server's page of changes is malformed")
        if next_cursor < since:
            raise ServerUnreachable("the server's cursor went backwards")
        return ChangesPage(changes, next_cursor, has_more, latest if isinstance(latest, int) else None)

    def authorize(
        self, request: AuthorizeRequest, *, timeout: Timeouts | httpx.Timeout = AUTHORIZE_TIMEOUT
    ) -> AuthorizeResponse:
        from protocol.wire import AuthorizeResponse

        answer = self._call("POST", "/v1/redemptions/authorize", json=request.model_dump(mode="json"), timeout=timeout)
        return AuthorizeResponse.model_validate(self._json(answer))

    def board(self) -> dict[str, Any] | None:
        """`GET /v1/board`: the health board's figures (a document the till keeps as is); None from a server older
        than issue 17 (404)."""
        answer = self._get_if_served("/v1/board")
        if answer is None:
            return None
        document = self._json(answer)
        return document if isinstance(document, dict) else None

    def warnings(self) -> WarningsResponse | None:
        """`GET /v1/warnings`: this store's churn-warning list; None from a server older than issue 17 (404)."""
        from protocol.wire import WarningsResponse

        answer = self._get_if_served("/v1/warnings")
        return None if answer is None else WarningsResponse.model_validate(self._json(answer))

    def _get_if_served(self, path: str) -> httpx.Response | None:
        """`GET path`, or None when the server answers 404 (a server older than the call)."""
        try:
            return self._call("GET", path)
        except Refused as refused:
            if refused.status == 404:
                return None
            raise

    def receipt(
        self, store_code: str, receipt_no: str, *, timeout: Timeouts | httpx.Timeout = AUTHORIZE_TIMEOUT
    ) -> ReceiptResponse:
        """`GET /v1/receipts`: another store's receipt as the server holds it (a return at this till)."""
        from protocol.wire import ReceiptResponse

        params = {"store_code": store_code, "receipt_no": receipt_no}
        answer = self._call("GET", "/v1/receipts", params=params, timeout=timeout)
        return ReceiptResponse.model_validate(self._json(answer))

    def member_codes(
        self, request: MemberCodesRequest, *, timeout: Timeouts | httpx.Timeout = MEMBER_CODES_TIMEOUT
    ) -> MemberCodesResponse:
        from protocol.wire import MemberCodesResponse

        # No `staff_code` key when none is known: a server from before the audit refuses fields it does not know.
        body = request.model_dump(mode="json", exclude_none=True)
        answer = self._call("POST", "/v1/member-codes", json=body, timeout=timeout)
        return MemberCodesResponse.model_validate(self._json(answer))

    def member_purchases(
        self,
        member_id: str,
        *,
        staff_code: str | None = None,
        timeout: Timeouts | httpx.Timeout = PURCHASES_TIMEOUT,
    ) -> PurchaseHistoryResponse:
        """`GET /v1/members/{member_id}/purchases`: the member's last purchases across the chain (Refused 404
        `unknown_member` for an unknown or erased member). `staff_code` names who asked, for the server's audit."""
        from urllib.parse import quote

        from pydantic import ValidationError

        from protocol.wire import PurchaseHistoryResponse

        params = {"staff": staff_code} if staff_code else None
        answer = self._call("GET", f"/v1/members/{quote(member_id, safe='')}/purchases", params=params, timeout=timeout)
        try:
            return PurchaseHistoryResponse.model_validate_json(answer.content)
        except ValidationError as exc:  # not an answer to this call (a proxy's page, an answer cut short)
            raise ServerUnreachable("the server's purchase history is malformed") from exc

    # -- the audit chain (docs/sync.md "The audit anchor") ------------------------------------------------------

    def audit_key(self) -> str:
        """`POST /v1/audit/key`: this till's audit key, handed over once (Refused `audit_key_issued` after)."""
        from protocol.wire import AuditKeyResponse

        return AuditKeyResponse.model_validate(self._json(self._call("POST", "/v1/audit/key"))).audit_key

    def send_anchor(self, request: AnchorRequest) -> AnchorResponse:
        """`POST /v1/audit/anchor`: Refused `audit_behind` / `audit_rewritten` when the server will not take it."""
        from protocol.wire import AnchorResponse

        answer = self._call("POST", "/v1/audit/anchor", json=request.model_dump(mode="json"))
        return AnchorResponse.model_validate(self._json(answer))

    def held_anchor(self, *, timeout: Timeouts | httpx.Timeout = AUDIT_TIMEOUT) -> AnchorResponse:
        """`GET /v1/audit/anchor`: the anchor the server holds for this till."""
        from protocol.wire import AnchorResponse

        return AnchorResponse.model_validate(self._json(self._call("GET", "/v1/audit/anchor", timeout=timeout)))

    def reissue_card(
        self, request: CardReissueRequest, *, timeout: Timeouts | httpx.Timeout = MEMBER_CODES_TIMEOUT
    ) -> CardReissueResponse:
        from protocol.wire import CardReissueResponse

        answer = self._call("POST", "/v1/cards/reissue", json=request.model_dump(mode="json"), timeout=timeout)
        return CardReissueResponse.model_validate(self._json(answer))
