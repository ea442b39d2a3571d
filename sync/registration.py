"""Registering this till with the central server: trade the manager's one-time enrolment code for a device token,
remember who we are, then the first sync brings the config and the whole member set."""

from __future__ import annotations

import platform
from collections.abc import Callable

from localdb.sync_store import SyncStore
from protocol.wire import RegisterRequest, RegisterResponse
from sync.client import ServerClient, check_server_url


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
    is unreachable, the URL is plain http to another machine) and changes nothing locally when it does."""
    url = check_server_url(server_url)
    request = RegisterRequest(
        store_code=store_code.strip().upper(),
        device_name=(device_name or default_device_name()).strip()[:64] or "till",
        enrolment_code=enrolment_code.strip().upper().replace(" ", "").replace("-", ""),
    )
    with client_factory(url, None) as client:
        answer = client.register(request)
    store.register(server_url=url, device_id=answer.device_id, token=answer.token, store_code=answer.store.code,
                   store_name=answer.store.name, timezone=answer.store.timezone)  # fmt: skip
    return answer
