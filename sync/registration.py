"""Registering this till with the central server: trade the manager's one-time enrolment code for a device token,
remember who we are, then the first sync brings the config and the whole member set.

What the manager typed is checked here before anything is sent, and refused with a `SyncError` code the screens
and the command line word (`bad_server_url`, `bad_store_code`, `bad_enrolment_code`): a 10,000-character value
never reaches the wire schema (whose refusal would be a pydantic traceback) or the server."""

from __future__ import annotations

import platform
import re
from collections.abc import Callable
from typing import Final

from localdb.sync_store import SyncStore
from protocol.wire import RegisterRequest, RegisterResponse
from sync.client import ServerClient, SyncError, check_server_url

#: What the wire schema takes (protocol.wire: `Code`, RegisterRequest.enrolment_code), said once more here so the
#: refusal comes in words before the schema would raise.
_STORE_CODE: Final = re.compile(r"[A-Z0-9_-]{1,32}")
_ENROLMENT_CODE: Final = re.compile(r"[A-Z0-9]{4,32}")
_DEVICE_NAME_LENGTH: Final = 64


class InvalidRegistration(SyncError):
    """A store code or enrolment code that cannot be right, refused before anything is sent (`code` says which)."""


def clean_store_code(text: str) -> str:
    """The store code as the server keeps it (upper case); InvalidRegistration `bad_store_code` otherwise."""
    code = text.strip().upper()
    if not _STORE_CODE.fullmatch(code):
        raise InvalidRegistration("a store code is 1 to 32 letters, digits, - or _", code="bad_store_code")
    return code


def clean_enrolment_code(text: str) -> str:
    """The code as the server compares it: case, spaces and hyphens (written to help reading it out) do not count;
    InvalidRegistration `bad_enrolment_code` when what is left is not 4 to 32 letters or digits."""
    code = text.strip().upper().replace(" ", "").replace("-", "")
    if not _ENROLMENT_CODE.fullmatch(code):
        raise InvalidRegistration("an enrolment code is 4 to 32 letters or digits", code="bad_enrolment_code")
    return code


def default_device_name() -> str:
    return (platform.node() or "till")[:64]


def register_till(
    store: SyncStore,
    *,
    server_url: str,
    store_code: str,
    enrolment_code: str,
    device_name: str | None = None,
    client_factory: Callable[[str, str | None], ServerClient] = ServerClient,
) -> RegisterResponse:
    """Register with the server and store the token. Raises sync.client errors (the code was refused, the server
    is unreachable, the URL is plain http to another machine) or InvalidRegistration (a store or enrolment code that
    cannot be right), and changes nothing locally when it does."""
    url = check_server_url(server_url)
    request = RegisterRequest(
        store_code=clean_store_code(store_code),
        device_name=(device_name or default_device_name()).strip()[:_DEVICE_NAME_LENGTH] or "till",
        enrolment_code=clean_enrolment_code(enrolment_code),
    )
    with client_factory(url, None) as client:
        answer = client.register(request)
    store.register(server_url=url, device_id=answer.device_id, token=answer.token, store_code=answer.store.code,
                   store_name=answer.store.name, timezone=answer.store.timezone,
                   audit_key=answer.audit_key, device_name=request.device_name)  # fmt: skip
    return answer
