"""The device token is rotated at the end of each sync (`POST /v1/devices/token`, through real HTTP): the server
keeps hashes only, the old token works until the new one is first used (a lost answer does not lock the till
out), and a revoked till is refused on its very next request."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server import admin
from server.auth import hash_token
from server.models import Device
from sync.client import ServerClient, Unauthorized
from tests.integration.conftest import LiveServer, TillFactory


def _token(handle_till: object) -> str:
    registration = handle_till.sync.registration()  # type: ignore[attr-defined]
    assert registration is not None
    return str(registration.token)


def _works(server: LiveServer, token: str) -> bool:
    try:
        with ServerClient(server.url, token) as client:
            client.config()
    except Unauthorized:
        return False
    return True


def test_each_sync_rotates_the_token_and_the_old_one_dies_when_the_new_one_is_used(
    make_till: TillFactory, server: LiveServer
) -> None:
    handle = make_till("a", sync=False)
    first = _token(handle.till)
    assert handle.sync().ok
    second = _token(handle.till)
    assert second != first
    with server.db.read() as session:
        device = session.scalars(select(Device)).one()
        stored = {device.token_hash, device.previous_token_hash}
    assert stored == {hash_token(first), hash_token(second)}  # hashes only, never a token
    assert _works(server, second)  # the new token's first use ...
    with pytest.raises(Unauthorized) as refused, ServerClient(server.url, first) as client:
        client.config()
    assert refused.value.code == "unauthorized"  # ... retires the old one
    assert handle.sync().ok and _token(handle.till) not in (first, second)


def test_a_lost_rotation_answer_leaves_the_till_a_working_token(make_till: TillFactory, server: LiveServer) -> None:
    handle = make_till("a")
    held = _token(handle.till)
    with ServerClient(server.url, held) as client:
        lost = client.rotate_token()  # the server rotated; the answer never reached the till
    assert _works(server, held)  # the old token still works until the new one is used
    report = handle.sync()
    assert report.ok, report.error
    rotated = _token(handle.till)
    assert rotated not in (held, lost)
    assert not _works(server, lost)  # the token whose answer was lost was replaced by the next rotation
    assert _works(server, rotated) and not _works(server, held)


def test_a_revoked_till_is_refused_on_its_next_request_with_either_token(
    make_till: TillFactory, server: LiveServer
) -> None:
    handle = make_till("a")
    held = _token(handle.till)
    with ServerClient(server.url, held) as client:
        pending = client.rotate_token()  # two tokens valid: the held one and a new, unused one
    device_id = handle.till.settings.current().device_id
    admin.revoke_device(server.db, device_id)
    for token in (held, pending):
        with pytest.raises(Unauthorized) as refused, ServerClient(server.url, token) as client:
            client.config()
        assert refused.value.code == "device_revoked"
    report = handle.sync()
    assert report.error == "device_revoked"
