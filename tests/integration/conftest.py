"""Integration fixtures: a real central server (uvicorn on 127.0.0.1, a random port) on a fresh SQLite file or
PostgreSQL database, and tills (real local stores) registered with it through real httpx."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from localdb.staff import StaffSession
from localdb.till import Till
from server import admin
from server.app import create_app
from server.db import ServerDatabase
from server.demo import DEMO_STAFF
from server.embedded import ServingThread
from server.limits import Limiter
from sync.engine import RetryPolicy, SyncEngine, SyncReport
from sync.registration import register_till
from tests.conftest import FakeClock
from tests.databases import BACKENDS, fresh_server_url
from tests.faultproxy import FaultProxy

REPO = Path(__file__).resolve().parents[2]
STORE = "S001"
OTHER_STORE = "S002"
PINS = {person.code: person.pin for person in DEMO_STAFF}  # the staff the demo chain has


class LiveServer:
    """The real app served by uvicorn in a thread of this process (default limits unless `limiter` says)."""

    def __init__(self, db: ServerDatabase, limiter: Limiter | None = None) -> None:
        self.db = db
        self._serving = ServingThread(create_app(db, limiter))
        self.port = self._serving.port
        self.url = self._serving.url

    def enrolment_code(self, store: str = STORE) -> str:
        return admin.make_enrolment_code(self.db, store)

    def stop(self) -> None:
        self._serving.stop()


def serve_in_child(db_url: str, *options: str) -> tuple[str, subprocess.Popen[bytes]]:
    """`python -m server serve --db DB_URL OPTIONS` in a child process on a free port of 127.0.0.1, once it answers its
    health check: its URL and process (the caller terminates it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "server", "serve", "--db", db_url, "--port", str(port), "--no-access-log",
               "--log-level", "warning", *options]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/v1/health", timeout=2).status_code == 200:
                return url, process
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the server did not start")
        time.sleep(0.1)


def seed_chain(db: ServerDatabase) -> None:
    admin.create_store(db, STORE, "旗舰店")
    admin.create_store(db, OTHER_STORE, "二店")
    for person in DEMO_STAFF:
        admin.add_staff(db, person.code, person.name, person.role, person.pin, person.store)


@pytest.fixture(params=BACKENDS)
def server_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_server_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def server(server_url: str) -> Iterator[LiveServer]:
    db = ServerDatabase.open(server_url)
    seed_chain(db)
    live = LiveServer(db)
    try:
        yield live
    finally:
        live.stop()
        db.close()


@pytest.fixture
def proxy(server: LiveServer) -> Iterator[FaultProxy]:
    faulty = FaultProxy(server.port)
    try:
        yield faulty
    finally:
        faulty.close()


class TillHandle:
    """A registered till with its engine; retries do not really sleep."""

    def __init__(self, till: Till, clock: FakeClock) -> None:
        self.till = till
        self.clock = clock
        self.sleeps: list[float] = []
        self.engine = SyncEngine(till.sync, clock=clock, retry=RetryPolicy(attempts=4), sleep=self.sleeps.append)

    def login(self, code: str) -> StaffSession:
        return self.till.staff.login(code, PINS[code])

    def sync(self) -> SyncReport:
        return self.engine.run()


TillFactory = Callable[..., TillHandle]


@pytest.fixture
def make_till(tmp_path: Path, server: LiveServer) -> Iterator[TillFactory]:
    opened: list[Till] = []

    def make(name: str = "till", *, store: str = STORE, url: str | None = None, sync: bool = True) -> TillHandle:
        clock = FakeClock(datetime.now(UTC))  # the server's rolling windows use real time
        till = Till.open(tmp_path / f"{name}.sqlite3", clock=clock)
        opened.append(till)
        register_till(till.sync, server_url=url or server.url, store_code=store,
                      enrolment_code=server.enrolment_code(store), device_name=name)  # fmt: skip
        handle = TillHandle(till, clock)
        if sync:
            report = handle.sync()
            assert report.error is None, report
        return handle

    yield make
    for till in opened:
        till.close()
