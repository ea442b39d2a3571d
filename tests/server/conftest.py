"""Server fixtures: a fresh ServerDatabase on SQLite and on PostgreSQL (every test runs on both; PostgreSQL is
skipped with the reason when none answers; its one database per session is emptied before each test), a settable
clock, a seeded store, an API client and a registered till, plus builders for pushed items."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from uuid6 import uuid7

from server import admin
from server.app import create_app
from server.db import ServerDatabase
from server.models import Base, Staff, Store
from tests.databases import BACKENDS, fresh_server_url

STORE = "S001"
OTHER_STORE = "S002"
PHONE_A = "+8613800138000"
PHONE_B = "+8613912345678"
PHONE_C = "+8615012345678"


class ServerClock:
    """The server's clock, moved by hand; starts at the real time so rolling windows behave as in production."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One PostgreSQL database for the session (creating and migrating one per test costs a second each)."""
    with fresh_server_url("postgres", tmp_path_factory.mktemp("pg")) as url:
        ServerDatabase.open(url).close()  # migrated once; each test empties the tables
        yield url


def _emptied(url: str) -> str:
    """The session's PostgreSQL database with every server table emptied, as if just created."""
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE")
    finally:
        engine.dispose()
    return url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "postgres":
        yield _emptied(request.getfixturevalue("postgres_url"))
    else:
        with fresh_server_url(request.param, tmp_path) as url:
            yield url


@pytest.fixture
def server_clock() -> ServerClock:
    return ServerClock()


@pytest.fixture
def db(db_url: str, server_clock: ServerClock) -> Iterator[ServerDatabase]:
    opened = ServerDatabase.open(db_url, clock=server_clock)
    admin.create_store(opened, STORE, "旗舰店")
    admin.create_store(opened, OTHER_STORE, "二店")
    yield opened
    opened.close()


def _seed_staff(db: ServerDatabase) -> None:
    """The staff the pushed entries name: a cashier and a guide of STORE, a manager of every store. Written
    directly (their PINs are never checked by a push), sparing each test the PIN hash of admin.add_staff."""
    with db.write() as session:
        store_id = session.scalar(select(Store.id).where(Store.code == STORE))
        now = db.clock()
        for code, role, store in (
            ("C001", "cashier", store_id),
            ("G001", "guide", store_id),
            ("M001", "manager", None),
        ):
            session.add(Staff(code=code, name=code, role=role, pin_hash="not checked by a push", store_id=store,
                              active=True, updated_at=now))  # fmt: skip


@pytest.fixture
def client(db: ServerDatabase) -> Iterator[TestClient]:
    with TestClient(create_app(db)) as test_client:
        yield test_client


@dataclass
class Till:
    """A till registered through the API; builds and pushes items with a gap-free till_seq."""

    client: TestClient
    device_id: str
    token: str
    clock: ServerClock

    def __post_init__(self) -> None:
        self._seq = itertools.count(1)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def item(
        self, item_type: str, body: dict[str, Any], item_id: str | None = None, seq: int | None = None
    ) -> dict[str, Any]:
        item_id = item_id or body.get("id") or (body["member_id"] if item_type == "enrol" else str(uuid7()))
        return {
            "id": item_id,
            "till_seq": seq if seq is not None else next(self._seq),
            "type": item_type,
            "created_at": self.clock.now.isoformat(),
            "body": body,
        }

    def push(self, *items: dict[str, Any]):
        return self.client.post("/v1/push", json={"items": list(items)}, headers=self.headers)

    def push_ok(self, *items: dict[str, Any]) -> list[dict[str, Any]]:
        answer = self.push(*items)
        assert answer.status_code == 200, answer.text
        results: list[dict[str, Any]] = answer.json()["results"]
        return results

    def get(self, path: str, **params: Any):
        return self.client.get(path, params=params, headers=self.headers)

    # -- bodies ------------------------------------------------------------------------------------------------

    def enrol(self, phone: str = PHONE_A, member_id: str | None = None, **extra: Any) -> dict[str, Any]:
        body = {
            "member_id": member_id or str(uuid7()),
            "phone": phone,
            "name": "张三",
            "store_code": STORE,
            "staff_code": "C001",
            "created_at": self.clock.now.isoformat(),
            "consent_profile": True,  # preferences are pushed for these members: the server needs the consent
            **extra,
        }
        return self.item("enrol", body)

    def entry(
        self,
        member_id: str,
        points: int,
        kind: str = "earn",
        *,
        amount_cents: int | None = None,
        entry_id: str | None = None,
        reverses: str | None = None,
        approved_by: str | None = None,
        created_at: datetime | None = None,
        seq: int | None = None,
    ) -> dict[str, Any]:
        if amount_cents is None and kind == "earn":
            amount_cents = points * 100
        # A redemption's bill: twice the points' value (100 points a yuan), so they pay the half the rules allow.
        bill_cents = abs(points) * 2 if kind == "redeem" else None
        body = {
            "id": entry_id or str(uuid7()),
            "member_id": member_id,
            "kind": kind,
            "points": points,
            "amount_cents": amount_cents,
            "rule_version": 1,
            "staff_code": "C001",
            "approved_by": approved_by,
            "bill_cents": bill_cents,
            "store_code": STORE,
            "device_id": self.device_id,
            "created_at": (created_at or self.clock.now).isoformat(),
            "reverses": reverses,
        }
        return self.item("point_entry", body, seq=seq)

    def preference(self, member_id: str, op: str, kind: str, value: str) -> dict[str, Any]:
        body = {"member_id": member_id, "op": op, "kind": kind, "value": value, "staff_code": "G001",
                "at": self.clock.now.isoformat()}  # fmt: skip
        return self.item("preference", body)

    def enrolled(self, phone: str = PHONE_A, *, consent_profile: bool = True) -> str:
        """A member enrolled through a push (who agreed to a profile, unless told); returns its id."""
        [result] = self.push_ok(self.enrol(phone, consent_profile=consent_profile))
        assert result["status"] == "applied", result
        return str(result["member"])


def register(client: TestClient, db: ServerDatabase, store: str = STORE, name: str = "till-1") -> tuple[str, str]:
    code = admin.make_enrolment_code(db, store)
    answer = client.post(
        "/v1/devices/register", json={"store_code": store, "device_name": name, "enrolment_code": code}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["device_id"], answer.json()["token"]


@pytest.fixture
def bare_till(client: TestClient, db: ServerDatabase, server_clock: ServerClock) -> Till:
    """A registered till of a chain with no staff yet."""
    device_id, token = register(client, db)
    return Till(client, device_id, token, server_clock)


@pytest.fixture
def till(bare_till: Till, db: ServerDatabase) -> Till:
    """A registered till whose pushes name staff the server knows (C001 cashier, G001 guide, M001 manager)."""
    _seed_staff(db)
    return bare_till
