"""Device tokens: how they are made (`secrets.token_urlsafe(32)`), stored (SHA-256 hex, never the token),
rotated and checked: `device_for` turns `Authorization: Bearer <token>` into the live device, or a 401 with code
`unauthorized` (unknown, missing) or `device_revoked`. `server.guard` calls it before a request's body is read;
the FastAPI dependency `current_device` hands the app the device the guard found.

Rotation (`rotate`, `POST /v1/devices/token`): the device gets a new token; the one the call was made with becomes
its previous token, still accepted until the new one is first used (then it is forgotten). An answer lost on the
way leaves the till with a token that still works; its next rotation replaces the unused new one. A revoked device
is refused on its very next request, whichever of its tokens it sends: every request reads `revoked_at`.

Thread: the API's worker threads (the guard runs the lookup on the pool; the dependency is a plain `def`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Final

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import or_, select, update

from protocol.vocabulary import ErrorCode
from server.db import ServerDatabase
from server.errors import ApiError
from server.models import Device, Store

#: last_seen_at is written at most this often per device, so a busy till does not take the write lock per call.
LAST_SEEN_RESOLUTION: Final = timedelta(minutes=1)

_bearer = HTTPBearer(auto_error=False, description="The device token issued by POST /v1/devices/register")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AuthenticatedDevice:
    """The till making the call."""

    id: str
    name: str
    store_id: int
    store_code: str
    token_hash: str = ""  # the hash of the token this request was made with (current or previous)


def _unauthorized(code: ErrorCode, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


def authenticate(db: ServerDatabase, token: str) -> AuthenticatedDevice:
    """The live device holding `token`; raises `ApiError` 401 otherwise."""
    now = db.clock()
    presented = hash_token(token)
    with db.read() as session:
        row = session.execute(
            select(
                Device.id,
                Device.name,
                Device.store_id,
                Device.revoked_at,
                Device.last_seen_at,
                Store.code,
                Device.token_hash,
                Device.previous_token_hash,
            )
            .join(Store, Store.id == Device.store_id)
            .where(or_(Device.token_hash == presented, Device.previous_token_hash == presented))
        ).one_or_none()
    if row is None:
        raise _unauthorized(ErrorCode.UNAUTHORIZED, "unknown device token")
    device_id, name, store_id, revoked_at, last_seen_at, store_code, current, previous = row
    if revoked_at is not None:
        raise _unauthorized(ErrorCode.DEVICE_REVOKED, "this device has been revoked: register it again")
    first_use = presented == current and previous is not None  # the new token's first use retires the old one
    if first_use or last_seen_at is None or now - last_seen_at >= LAST_SEEN_RESOLUTION:
        with db.write() as session:
            retire = {"previous_token_hash": None} if first_use else {}
            session.execute(
                update(Device)
                .where(Device.id == device_id, Device.token_hash == current)
                .values(last_seen_at=now, **retire)
            )
    return AuthenticatedDevice(id=device_id, name=name, store_id=store_id, store_code=store_code, token_hash=presented)


def rotate(db: ServerDatabase, device: AuthenticatedDevice) -> str:
    """A new token for `device`, which made this call with the token whose hash is `device.token_hash`: that token
    becomes the previous one (valid until the new one is first used), any other is forgotten. A device revoked, or
    whose token changed, since the request was let in is refused (401), the new token unsaved."""
    token = new_token()
    with db.write() as session:
        done = session.execute(
            update(Device)
            .where(
                Device.id == device.id,
                Device.revoked_at.is_(None),
                or_(Device.token_hash == device.token_hash, Device.previous_token_hash == device.token_hash),
            )
            .values(token_hash=hash_token(token), previous_token_hash=device.token_hash)
        )
        changed = done.rowcount  # type: ignore[attr-defined]
    if changed != 1:
        raise _unauthorized(ErrorCode.UNAUTHORIZED, "the device token changed or was revoked: try again")
    return token


def server_database(request: Request) -> ServerDatabase:
    db: ServerDatabase = request.app.state.db
    return db


def device_for(db: ServerDatabase, authorization: str | None) -> AuthenticatedDevice:
    """The live device whose token the `Authorization` header carries (`Bearer <token>`); raises `ApiError` 401."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized(ErrorCode.UNAUTHORIZED, "send Authorization: Bearer <device token>")
    return authenticate(db, token)


def current_device(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AuthenticatedDevice:
    """FastAPI dependency: the calling device. `server.guard` has found it before the body was read; a call the
    guard does not know (none today) looks the bearer token up here."""
    found = getattr(request.state, "device", None)
    if isinstance(found, AuthenticatedDevice):
        return found
    if credentials is None:
        return device_for(server_database(request), None)
    return device_for(server_database(request), f"{credentials.scheme} {credentials.credentials}")
