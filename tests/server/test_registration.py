"""Registering a till with a one-time enrolment code, and the bearer token every other call needs."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from server import admin
from server.db import ServerDatabase
from server.models import AdminLog, Device, EnrolmentCode
from tests.server.conftest import OTHER_STORE, STORE, ServerClock, Till, register


def _register(client: TestClient, code: str, store: str = STORE):
    return client.post(
        "/v1/devices/register", json={"store_code": store, "device_name": "till", "enrolment_code": code}
    )


def test_health_needs_no_token_and_tells_the_time(client: TestClient, server_clock: ServerClock) -> None:
    answer = client.get("/v1/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"
    assert datetime.fromisoformat(answer.json()["server_time"]) == server_clock.now  # aware: compares as UTC


def test_a_code_registers_one_device_once(client: TestClient, db: ServerDatabase) -> None:
    code = admin.make_enrolment_code(db, STORE)
    first = _register(client, code)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["store"]["code"] == STORE and len(body["token"]) >= 40
    again = _register(client, code)
    assert again.status_code == 403
    assert again.json()["detail"]["code"] == "enrolment_code_invalid"
    with db.read() as session:
        device = session.get(Device, body["device_id"])
        assert device is not None and device.token_hash != body["token"]  # only the hash is kept
        stored = session.scalar(select(EnrolmentCode.code_hash))
        assert stored is not None and code not in stored
        assert not any(code in log.detail for log in session.scalars(select(AdminLog)))


def test_a_code_is_typed_leniently(client: TestClient, db: ServerDatabase) -> None:
    code = admin.make_enrolment_code(db, STORE)
    typed = f"{code[:5].lower()}-{code[5:]}"
    assert _register(client, typed).status_code == 200


def test_an_expired_code_is_refused(client: TestClient, db: ServerDatabase, server_clock: ServerClock) -> None:
    code = admin.make_enrolment_code(db, STORE, valid_for=timedelta(hours=1))
    server_clock.advance(hours=1, seconds=1)
    answer = _register(client, code)
    assert answer.status_code == 403
    assert answer.json()["detail"]["code"] == "enrolment_code_invalid"


def test_a_wrong_code_or_another_stores_code_is_refused(client: TestClient, db: ServerDatabase) -> None:
    assert _register(client, "ABCDEFGHJK").json()["detail"]["code"] == "enrolment_code_invalid"
    other = admin.make_enrolment_code(db, OTHER_STORE)
    assert _register(client, other, STORE).status_code == 403
    assert _register(client, other, OTHER_STORE).status_code == 200


def test_an_unknown_store_is_named(client: TestClient, db: ServerDatabase) -> None:
    code = admin.make_enrolment_code(db, STORE)
    answer = _register(client, code, "NOPE")
    assert answer.status_code == 404
    assert answer.json()["detail"]["code"] == "unknown_store"
    assert answer.json()["detail"]["field"] == "store_code"


def test_a_malformed_registration_is_400_naming_the_field(client: TestClient) -> None:
    answer = client.post("/v1/devices/register", json={"store_code": STORE, "device_name": "till"})
    assert answer.status_code == 400
    assert answer.json()["detail"]["code"] == "malformed"
    assert answer.json()["detail"]["field"] == "body.enrolment_code"


def test_unknown_missing_and_revoked_tokens_get_401(client: TestClient, db: ServerDatabase, till: Till) -> None:
    assert till.get("/v1/config").status_code == 200
    unknown = client.get("/v1/config", headers={"Authorization": "Bearer not-a-token"})
    assert unknown.status_code == 401 and unknown.json()["detail"]["code"] == "unauthorized"
    missing = client.get("/v1/changes")
    assert missing.status_code == 401 and missing.json()["detail"]["code"] == "unauthorized"
    admin.revoke_device(db, till.device_id)
    revoked = till.push()
    assert revoked.status_code == 401
    assert revoked.json()["detail"]["code"] == "device_revoked"
    assert till.get("/v1/changes").json()["detail"]["code"] == "device_revoked"


def test_calls_mark_the_device_seen(client: TestClient, db: ServerDatabase, till: Till, server_clock) -> None:
    till.get("/v1/config")
    [device] = [d for d in admin.list_devices(db) if d.id == till.device_id]
    assert device.last_seen_at == server_clock.now
    second_id, _ = register(client, db, name="till-2")
    assert {d.id for d in admin.list_devices(db)} == {till.device_id, second_id}
