"""The limits on a real server: `python -m server serve` in a child process on 127.0.0.1 (its memory read from
/proc), fed a 300 MB body and a burst of wrong enrolment codes; and a till whose push is answered 429 waits as it is
told and finishes its sync."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from server import admin
from server.db import ServerDatabase
from server.limits import Limiter, Limits, Rate, Route
from server.models import Member
from sync.engine import RetryPolicy, SyncEngine
from tests.integration.conftest import STORE, LiveServer, TillFactory, seed_chain, serve_in_child

MIB = 1 << 20


@dataclass
class ChildServer:
    url: str
    process: subprocess.Popen[bytes]
    db_url: str
    token: str

    def peak_rss_mb(self) -> float:
        """The server process's peak resident memory (VmHWM), in MB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmHWM")

    def enrolment_code(self) -> str:
        db = ServerDatabase.open(self.db_url)
        try:
            return admin.make_enrolment_code(db, STORE)
        finally:
            db.close()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., ChildServer]]:
    """Starts `python -m server serve [options]` on a seeded SQLite file with one registered till."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*options: str) -> ChildServer:
        db_url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
        db = ServerDatabase.open(db_url)
        try:
            seed_chain(db)
            _device, token, _store = admin.register_device(db, STORE, "till", admin.make_enrolment_code(db, STORE))
        finally:
            db.close()
        url, process = serve_in_child(db_url, *options)
        started.append(process)
        return ChildServer(url, process, db_url, token)

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)


def _megabytes(count: int) -> Iterator[bytes]:
    """`count` MiB, made as they are sent: this process never holds more than one of them."""
    chunk = b" " * MIB
    for _ in range(count):
        yield chunk


@pytest.mark.slow
def test_a_300_mb_push_leaves_the_server_small(serve: Callable[..., ChildServer]) -> None:
    server = serve()
    before = server.peak_rss_mb()
    chunked = {"Content-Type": "application/json"}  # a generator goes out chunked: no Content-Length to trust
    with httpx.Client(base_url=server.url, timeout=60) as client:
        no_token = client.post("/v1/push", content=_megabytes(300), headers=chunked)
        assert no_token.status_code == 401 and no_token.json()["detail"]["code"] == "unauthorized"
        with_token = client.post(
            "/v1/push", content=_megabytes(300), headers={**chunked, "Authorization": f"Bearer {server.token}"}
        )
        assert with_token.status_code == 413 and with_token.json()["detail"]["code"] == "batch_too_large"
        declared = client.post("/v1/push", content=_megabytes(300), headers={"Content-Length": str(300 * MIB)})
        assert declared.status_code == 413
        assert client.get("/v1/health").status_code == 200
    peak = server.peak_rss_mb()
    assert peak < 200, f"the server's peak RSS went from {before:.0f} to {peak:.0f} MB"


@pytest.mark.slow
def test_a_burst_of_wrong_enrolment_codes_is_locked_out(serve: Callable[..., ChildServer]) -> None:
    server = serve("--enrolment-lockout", "5:0.1", "--rate-limit", "register=off")  # 5 wrong in 6 s: 6 s out
    body = {"store_code": STORE, "device_name": "till-2", "enrolment_code": "WRONGWRONG"}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        answers = [client.post("/v1/devices/register", json=body) for _ in range(30)]
        assert [a.status_code for a in answers] == [403] * 5 + [429] * 25
        assert answers[5].json()["detail"]["code"] == "rate_limited"
        wait = int(answers[-1].headers["Retry-After"])
        assert 1 <= wait <= 6
        right = {**body, "enrolment_code": server.enrolment_code()}
        assert client.post("/v1/devices/register", json=right).status_code == 429  # the right code too
        time.sleep(wait + 0.2)
        assert client.post("/v1/devices/register", json=right).status_code == 200


@pytest.mark.slow
def test_the_default_limits_lock_out_a_burst_of_wrong_codes(serve: Callable[..., ChildServer]) -> None:
    server = serve()
    body = {"store_code": STORE, "device_name": "till-2", "enrolment_code": "WRONGWRONG"}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        statuses = [client.post("/v1/devices/register", json=body).status_code for _ in range(300)]
        assert statuses == [403] * 10 + [429] * 290  # was: 300 wrong codes tried in 0.7 s
        right = client.post("/v1/devices/register", json={**body, "enrolment_code": server.enrolment_code()})
        assert right.status_code == 429 and int(right.headers["Retry-After"]) > 800


# -- the till, told to slow down ---------------------------------------------------------------------------------


@pytest.fixture
def server(server_url: str) -> Iterator[LiveServer]:
    """The integration server, its push bucket a single token refilled each second."""
    db = ServerDatabase.open(server_url)
    seed_chain(db)
    live = LiveServer(db, Limiter(Limits().with_rate(Route.PUSH, Rate(1, 1))))
    try:
        yield live
    finally:
        live.stop()
        db.close()


def test_a_till_over_its_push_rate_waits_as_told_and_finishes(make_till: TillFactory, server: LiveServer) -> None:
    a = make_till("a")
    cashier = a.login("C001")
    member = a.till.members.enrol(cashier, phone="13800138000", name="王小明").member
    for n in range(3):
        a.till.ledger.award(cashier, member.id, 10_000, receipt_no=f"R{n}")
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    engine = SyncEngine(a.till.sync, clock=a.clock, retry=RetryPolicy(attempts=5), sleep=sleep, rng=lambda: 0.0,
                        batch_size=2)  # fmt: skip
    report = engine.run()  # two batches: the second comes a moment after the first and is told to wait a second

    assert report.ok and report.pushed == 4 and report.tally.applied == 4, report
    assert slept and min(slept) >= 1.0, slept  # never sooner than Retry-After, though its own backoff said 0
    with server.db.read() as session:
        on_server = session.get(Member, member.id)
        assert on_server is not None and on_server.balance == 300
