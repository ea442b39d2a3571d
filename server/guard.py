"""The member server's front door: an ASGI middleware in front of the FastAPI app that decides, before the app (and
FastAPI's body parsing) sees a request, whether it is let in at all. In this order, so that each refusal costs the
server as little as possible:

1. a body declared (`Content-Length`) larger than the route's cap (`server.limits.BODY_CAPS`): 413, unread;
2. the device token of the calls that need one, checked on the worker pool: 401, the body unread;
3. the device's (or, for registration, the client address's) token bucket, the device's requests in flight, and the
   address's lockout after wrong enrolment codes: 429 with `Retry-After`, the body unread;
4. the body, read chunk by chunk and refused with 413 as soon as the count passes the cap (a chunked body has no
   `Content-Length`); what was read is handed to the app, which never reads the socket itself.

A refusal made while a body is still unread closes the connection (`Connection: close`), so the rest of it is never
read: uvicorn holds at most 64 KiB of an unread body, and discards what arrives after the answer.

The app's `current_device` dependency takes the device this found (`scope["state"]["device"]`) instead of looking
the token up again.

Thread: the event loop; the token lookup runs on the worker pool (it reads, and now and then writes, the database).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from fastapi.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from protocol.vocabulary import ErrorCode
from server.auth import AuthenticatedDevice, device_for
from server.db import ServerDatabase
from server.errors import ApiError
from server.limits import BODY_CAPS, OTHER_BODY_CAP, Limiter, Route, address_key, retry_after

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Policy:
    route: Route
    device: bool  # the call needs a device token (else it is counted per client address)

    @property
    def cap(self) -> int:
        return BODY_CAPS[self.route]


#: The app's calls, by method and path (HEAD is GET's). Anything else reads no body and needs no token here.
POLICIES: Final[Mapping[tuple[str, str], _Policy]] = {
    ("POST", "/v1/push"): _Policy(Route.PUSH, device=True),
    ("GET", "/v1/changes"): _Policy(Route.CHANGES, device=True),
    ("GET", "/v1/config"): _Policy(Route.CONFIG, device=True),
    ("POST", "/v1/redemptions/authorize"): _Policy(Route.AUTHORIZE, device=True),
    ("POST", "/v1/member-codes"): _Policy(Route.MEMBER_CODES, device=True),
    ("POST", "/v1/cards/reissue"): _Policy(Route.CARD_REISSUE, device=True),
    ("POST", "/v1/devices/register"): _Policy(Route.REGISTER, device=False),
    ("POST", "/v1/audit/anchor"): _Policy(Route.AUDIT, device=True),
    ("GET", "/v1/audit/anchor"): _Policy(Route.AUDIT, device=True),
    ("POST", "/v1/audit/key"): _Policy(Route.AUDIT, device=True),
    ("POST", "/v1/devices/token"): _Policy(Route.TOKEN, device=True),
    ("GET", "/v1/receipts"): _Policy(Route.RECEIPTS, device=True),
    ("GET", "/v1/warnings"): _Policy(Route.WARNINGS, device=True),
    ("GET", "/v1/board"): _Policy(Route.BOARD, device=True),
}

#: Calls whose path holds an id: (method, prefix, suffix) -> policy.
_PATTERNS: Final = ((("GET", "/v1/members/", "/purchases"), _Policy(Route.PURCHASES, device=True)),)


def policy_of(method: str, path: str) -> _Policy | None:
    """The policy of a call: by its exact path, else by a pattern whose id part is one non-empty path segment."""
    policy = POLICIES.get((method, path))
    if policy is not None:
        return policy
    for (verb, prefix, suffix), found in _PATTERNS:
        if verb == method and path.startswith(prefix) and path.endswith(suffix):
            middle = path[len(prefix) : len(path) - len(suffix)]
            if middle and "/" not in middle:
                return found
    return None


#: What a body too large is called: for a batch, the code on which a till halves its batch (PROTOCOL.md 413).
_TOO_LARGE: Final = {Route.PUSH: ErrorCode.BATCH_TOO_LARGE, Route.MEMBER_CODES: ErrorCode.BATCH_TOO_LARGE}


class _Unread(Exception):
    """The client went away before its body was complete: nothing to answer."""


class RequestGuard:
    """The middleware (see the module's docstring); `create_app` puts it in front of every route."""

    def __init__(self, app: ASGIApp, *, db: ServerDatabase, limiter: Limiter) -> None:
        self.app = app
        self.db = db
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = "GET" if scope["method"] == "HEAD" else scope["method"]
        policy = policy_of(method, scope["path"])
        headers = _headers(scope)
        try:
            declared = _content_length(headers)
        except ValueError:
            await _refuse(scope, send, ApiError(400, ErrorCode.MALFORMED, "Content-Length is not a number"), True)
            return
        unread = bool(declared) or "transfer-encoding" in headers  # a body is on its way
        cap = policy.cap if policy is not None else OTHER_BODY_CAP
        if declared is not None and declared > cap:
            await _refuse(scope, send, _too_large(policy, cap), unread)
            return
        if policy is None:
            await self.app(scope, receive, send)
            return
        device: AuthenticatedDevice | None = None
        try:
            if policy.device:
                device = await run_in_threadpool(device_for, self.db, headers.get("authorization"))
                scope.setdefault("state", {})["device"] = device
                self._check_rate(policy.route, device.id)
                if not self.limiter.enter(device.id):
                    device = None  # not counted in: nothing to leave
                    raise _rate_limited(1.0, "too many requests of this device at once")
            else:
                self._check_address(policy.route, address_key(scope.get("client")))
        except ApiError as refusal:
            await _refuse(scope, send, refusal, unread)
            return
        try:
            if policy.cap > 0:
                try:
                    body = await _read(receive, policy.cap)
                except _Unread:
                    return
                if body is None:
                    await _refuse(scope, send, _too_large(policy, policy.cap), True)
                    return
                receive = _replay(body, receive)
            await self.app(scope, receive, send)
        finally:
            if device is not None:
                self.limiter.leave(device.id)

    def _check_rate(self, route: Route, key: str) -> None:
        wait = self.limiter.take(route, key)
        if wait > 0:
            raise _rate_limited(wait, f"too many {route.value} calls: try again in {retry_after(wait)} s")

    def _check_address(self, route: Route, address: str) -> None:
        locked = self.limiter.locked_out(address)
        if locked > 0:
            raise _rate_limited(
                locked, f"too many wrong enrolment codes from this address: try again in {retry_after(locked)} s"
            )
        self._check_rate(route, address)


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name (the last of a repeated one; h11 has refused conflicting lengths)."""
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}


def _content_length(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-length")
    if value is None:
        return None
    length = int(value.strip())
    if length < 0:
        raise ValueError(value)
    return length


def _too_large(policy: _Policy | None, cap: int) -> ApiError:
    code = _TOO_LARGE.get(policy.route, ErrorCode.BODY_TOO_LARGE) if policy is not None else ErrorCode.BODY_TOO_LARGE
    return ApiError(413, code, f"the request body is over {cap} bytes")


def _rate_limited(wait: float, message: str) -> ApiError:
    return ApiError(429, ErrorCode.RATE_LIMITED, message, headers={"Retry-After": str(retry_after(wait))})


async def _refuse(scope: Scope, send: Send, refusal: ApiError, unread: bool) -> None:
    headers = dict(refusal.headers or {})
    if unread:
        headers["Connection"] = "close"  # the rest of the body is never read
    if refusal.status >= 429 or refusal.status == 413:
        log.info("refused %s %s: %s %s", scope["method"], scope["path"], refusal.status, refusal.code.value)
    response = JSONResponse(refusal.body(), status_code=refusal.status, headers=headers)
    await response(scope, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


async def _read(receive: Receive, cap: int) -> bytes | None:
    """The whole body, or None as soon as it passes `cap` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Unread
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            return None
        if chunk:
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the app the body already read, then whatever the connection says next (a disconnect)."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
