"""`server.guard`: what the server refuses before it reads a request's body — a body over its call's cap (413), a
call without a valid device token (401), a device or client address over its rate or locked out after wrong
enrolment codes (429 with `Retry-After`) — and that a refusal made before the body is read reads none of it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message, Scope
from uuid6 import uuid7

from protocol.limits import MAX_PUSH_ITEMS
from server import admin
from server.app import create_app
from server.db import ServerDatabase
from server.limits import BODY_CAPS, OTHER_BODY_CAP, Limiter, Limits, Lockout, Rate, Route
from tests.server.conftest import OTHER_STORE, STORE, ServerClock, Till, register

PUSH_CAP = BODY_CAPS[Route.PUSH]


@dataclass
class Answer:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    chunks_read: int = 0

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    app: FastAPI,
    method: str,
    path: str,
    *,
    headers: Sequence[tuple[str, str]] = (),
    chunks: Sequence[bytes] = (b"",),
    client: tuple[str, int] = ("192.0.2.1", 4321),
) -> Answer:
    """The app called as uvicorn calls it, the body offered chunk by chunk; counts the chunks it asked for."""
    scope: Scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "client": client,
        "server": ("127.0.0.1", 8765), "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
    }  # fmt: skip
    answer = Answer()

    async def receive() -> Message:
        if answer.chunks_read < len(chunks):
            answer.chunks_read += 1
            more = answer.chunks_read < len(chunks)
            return {"type": "http.request", "body": chunks[answer.chunks_read - 1], "more_body": more}
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        else:
            answer.body += message.get("body", b"")

    anyio.run(app, scope, receive, send)
    return answer


def _chunked(chunks: int, size: int = 64 * 1024) -> list[bytes]:
    return [b" " * size] * chunks


def _bearer(token: str) -> tuple[str, str]:
    return ("Authorization", f"Bearer {token}")


CHUNKED = ("Transfer-Encoding", "chunked")


# -- the device token, before the body -------------------------------------------------------------------------------


def test_a_call_without_a_valid_token_is_refused_before_its_body_is_read(db: ServerDatabase, till: Till) -> None:
    app = create_app(db)
    for headers in ([], [("Authorization", "Bearer not-a-token")], [("Authorization", "Basic dGlsbDp0aWxs")]):
        answer = call(app, "POST", "/v1/push", headers=[*headers, CHUNKED], chunks=_chunked(8))
        assert (answer.status, answer.chunks_read) == (401, 0), answer
        assert answer.json()["detail"]["code"] == "unauthorized"
        assert answer.headers["connection"] == "close"  # the rest of the body is never read
        assert answer.headers["www-authenticate"] == "Bearer"
    for path in ("/v1/redemptions/authorize", "/v1/member-codes"):
        assert call(app, "POST", path, headers=[CHUNKED], chunks=[b"{", b"}"]).chunks_read == 0
    admin.revoke_device(db, till.device_id)
    revoked = call(app, "POST", "/v1/push", headers=[_bearer(till.token), CHUNKED], chunks=_chunked(8))
    assert (revoked.status, revoked.chunks_read, revoked.json()["detail"]["code"]) == (401, 0, "device_revoked")


def test_with_a_valid_token_the_body_is_read_and_answered(db: ServerDatabase, till: Till) -> None:
    app = create_app(db)
    answer = call(app, "POST", "/v1/push", headers=[_bearer(till.token), CHUNKED], chunks=[b'{"items"', b":[]}"])
    assert (answer.status, answer.chunks_read, answer.json()) == (200, 2, {"results": []})
    garbled = call(app, "POST", "/v1/push", headers=[_bearer(till.token)], chunks=[b"{not json"])
    assert garbled.status == 400 and garbled.json()["detail"]["code"] == "malformed"
    assert "connection" not in answer.headers  # read to its end: the connection stays open for the next call


def test_a_get_without_a_body_keeps_the_connection(db: ServerDatabase) -> None:
    answer = call(create_app(db), "GET", "/v1/config")
    assert answer.status == 401 and "connection" not in answer.headers


# -- body caps ---------------------------------------------------------------------------------------------------------


def test_a_declared_body_over_the_cap_is_refused_unread(db: ServerDatabase, till: Till) -> None:
    app = create_app(db)
    for headers in ([], [_bearer(till.token)]):  # the cap costs nothing to check: before the token
        answer = call(app, "POST", "/v1/push", headers=[*headers, ("Content-Length", str(300 << 20))],
                      chunks=_chunked(8))  # fmt: skip
        assert (answer.status, answer.chunks_read) == (413, 0)
        assert answer.json()["detail"]["code"] == "batch_too_large"  # the code a till halves its batch on
        assert answer.headers["connection"] == "close"


def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_cap(db: ServerDatabase, till: Till) -> None:
    answer = call(create_app(db), "POST", "/v1/push", headers=[_bearer(till.token), CHUNKED], chunks=_chunked(4800))
    assert answer.status == 413 and answer.json()["detail"]["code"] == "batch_too_large"
    assert answer.chunks_read == PUSH_CAP // (64 * 1024) + 1  # 300 MB offered, 1 MiB and a chunk read
    assert answer.headers["connection"] == "close"


@pytest.mark.parametrize(
    ("method", "path", "cap", "code"),
    [
        ("POST", "/v1/push", BODY_CAPS[Route.PUSH], "batch_too_large"),
        ("POST", "/v1/member-codes", BODY_CAPS[Route.MEMBER_CODES], "batch_too_large"),
        ("POST", "/v1/redemptions/authorize", BODY_CAPS[Route.AUTHORIZE], "body_too_large"),
        ("POST", "/v1/devices/register", BODY_CAPS[Route.REGISTER], "body_too_large"),
        ("GET", "/v1/changes", 0, "body_too_large"),
        ("GET", "/v1/config", 0, "body_too_large"),
        ("GET", "/v1/health", OTHER_BODY_CAP, "body_too_large"),
        ("POST", "/v1/nowhere", OTHER_BODY_CAP, "body_too_large"),
    ],
)
def test_each_call_has_its_cap(till: Till, method: str, path: str, cap: int, code: str) -> None:
    answer = till.client.request(method, path, content=b" " * (cap + 1), headers=till.headers)
    assert answer.status_code == 413, answer.text
    assert answer.json()["detail"]["code"] == code
    assert answer.headers.get("retry-after") is None


def test_a_body_of_exactly_the_cap_is_read(till: Till) -> None:
    body = b'{"items": []}'
    answer = till.client.post("/v1/push", content=body + b" " * (PUSH_CAP - len(body)), headers=till.headers)
    assert answer.status_code == 200 and answer.json() == {"results": []}


def _till_json(items: list[dict[str, Any]]) -> bytes:
    """A push as the till writes it: bodies as its outbox stores them (`json.dumps`, escapes and spaces), the
    envelope compact (`sync.engine.push_request_json`)."""
    encoded = [
        f'{{"id":{json.dumps(i["id"])},"till_seq":{i["till_seq"]},"type":"{i["type"]}",'
        f'"created_at":{json.dumps(i["created_at"])},"body":{json.dumps(i["body"])}}}'
        for i in items
    ]
    return ('{"items":[' + ",".join(encoded) + "]}").encode()


def test_the_largest_batch_a_till_writes_fits_and_one_of_emoji_is_halved(till: Till) -> None:
    member_id = till.enrolled()
    notes = [till.preference(member_id, "add", "note", "好" * 200) for _ in range(MAX_PUSH_ITEMS)]
    for note in notes:
        note["body"]["staff_code"] = "G" * 32  # the longest staff code
    notes[0]["till_seq"] = 2**53  # the longest till_seq
    body = _till_json(notes)
    assert MAX_PUSH_ITEMS * 1500 < len(body) <= PUSH_CAP
    answer = till.client.post("/v1/push", content=body, headers=till.headers)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["results"]) == MAX_PUSH_ITEMS
    emoji = [till.preference(member_id, "add", "note", "\U0001f600" * 200) for _ in range(MAX_PUSH_ITEMS)]
    too_large = till.client.post("/v1/push", content=_till_json(emoji), headers=till.headers)
    assert too_large.status_code == 413 and too_large.json()["detail"]["code"] == "batch_too_large"
    half = till.client.post("/v1/push", content=_till_json(emoji[: MAX_PUSH_ITEMS // 2]), headers=till.headers)
    assert half.status_code == 200, half.text


# -- rate limits ---------------------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Limited:
    app: FastAPI
    limiter: Limiter
    clock: Clock
    client: Callable[[str], TestClient]  # a client calling from this address


@pytest.fixture
def limited(db: ServerDatabase) -> Iterator[Callable[..., Limited]]:
    with ExitStack() as stack:

        def make(**changes: Any) -> Limited:
            clock = Clock()
            limiter = Limiter(replace(Limits.off(), **changes), clock=clock)
            app = create_app(db, limiter)

            def client(address: str = "192.0.2.1") -> TestClient:
                return stack.enter_context(TestClient(app, client=(address, 50000)))

            return Limited(app, limiter, clock, client)

        yield make


def _till(limited: Limited, db: ServerDatabase, clock: ServerClock, name: str = "till-1") -> Till:
    client = limited.client("192.0.2.1")
    device_id, token = register(client, db, name=name)
    return Till(client, device_id, token, clock)


def test_a_device_over_its_push_rate_waits_the_time_it_is_told(
    limited: Callable[..., Limited], db: ServerDatabase, server_clock: ServerClock
) -> None:
    setup = limited(rates={Route.PUSH: Rate(1, 2)})
    first, second = _till(setup, db, server_clock), _till(setup, db, server_clock, "till-2")
    assert first.push().status_code == 200 and first.push().status_code == 200
    refused = first.push()
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["detail"]["code"] == "rate_limited"
    assert second.push().status_code == 200  # every device has its own bucket
    setup.clock.now += 1
    assert first.push().status_code == 200


def _authorize(till: Till) -> Any:
    body = {"id": str(uuid7()), "member_id": str(uuid7()), "points": 100, "amount_cents": 100}
    return till.client.post("/v1/redemptions/authorize", json=body, headers=till.headers)


@pytest.mark.parametrize(
    ("route", "make_call"),
    [
        (Route.CHANGES, lambda till: till.get("/v1/changes")),
        (Route.CONFIG, lambda till: till.get("/v1/config")),
        (Route.RECEIPTS, lambda till: till.get("/v1/receipts", store_code="S002", receipt_no="R1")),
        (Route.AUTHORIZE, _authorize),
        (Route.MEMBER_CODES, lambda till: till.client.post("/v1/member-codes", json={"member_ids": []},
                                                           headers=till.headers)),
    ],
)  # fmt: skip
def test_every_device_call_has_its_bucket(
    limited: Callable[..., Limited],
    db: ServerDatabase,
    server_clock: ServerClock,
    route: Route,
    make_call: Callable[[Till], Any],
) -> None:
    setup = limited(rates={route: Rate(0.5, 1)})
    till = _till(setup, db, server_clock)
    assert make_call(till).status_code == 200
    refused = make_call(till)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "2"
    assert till.push().status_code == 200  # the other calls have buckets of their own
    setup.clock.now += 2
    assert make_call(till).status_code == 200


def test_a_device_has_at_most_so_many_requests_in_flight(
    limited: Callable[..., Limited], db: ServerDatabase, server_clock: ServerClock
) -> None:
    setup = limited(in_flight=2)
    till = _till(setup, db, server_clock)
    assert setup.limiter.enter(till.device_id) and setup.limiter.enter(till.device_id)  # two requests on their way
    busy = till.get("/v1/config")
    assert busy.status_code == 429 and busy.headers["retry-after"] == "1"
    setup.limiter.leave(till.device_id)
    assert till.get("/v1/config").status_code == 200
    assert till.get("/v1/config").status_code == 200  # an answered request leaves room for the next


def test_a_refused_call_reads_no_body(limited: Callable[..., Limited], db: ServerDatabase, server_clock) -> None:
    setup = limited(rates={Route.PUSH: Rate(1, 1)})
    till = _till(setup, db, server_clock)
    assert till.push().status_code == 200
    answer = call(setup.app, "POST", "/v1/push", headers=[_bearer(till.token), CHUNKED], chunks=_chunked(8))
    assert (answer.status, answer.chunks_read, answer.headers["connection"]) == (429, 0, "close")


# -- registration: per address, wrong codes ------------------------------------------------------------------------


def _register(client: TestClient, code: str, store: str = STORE) -> Any:
    body = {"store_code": store, "device_name": "till", "enrolment_code": code}
    return client.post("/v1/devices/register", json=body)


def test_registrations_from_one_address_have_a_rate(limited: Callable[..., Limited], db: ServerDatabase) -> None:
    setup = limited(rates={Route.REGISTER: Rate(0.2, 3)})
    here, elsewhere = setup.client("192.0.2.1"), setup.client("198.51.100.1")
    for _ in range(3):
        assert _register(here, admin.make_enrolment_code(db, STORE)).status_code == 200
    code = admin.make_enrolment_code(db, STORE)
    refused = _register(here, code)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "5"
    assert _register(elsewhere, code).status_code == 200


def test_a_burst_of_wrong_codes_locks_the_address_out_the_right_code_too(
    limited: Callable[..., Limited], db: ServerDatabase
) -> None:
    setup = limited(address_lockout=Lockout(5, 15))
    here, elsewhere = setup.client("192.0.2.1"), setup.client("198.51.100.1")
    code = admin.make_enrolment_code(db, STORE)
    answers = [_register(here, f"WRONG{n:05d}") for n in range(8)]
    assert [a.status_code for a in answers] == [403] * 5 + [429] * 3
    assert answers[5].headers["retry-after"] == "900"
    assert answers[5].json()["detail"]["code"] == "rate_limited"
    assert _register(here, code).status_code == 429  # locked out: the right code is refused as well
    assert _register(here, "WRONG", "NOPE").status_code == 429
    setup.clock.now += 600
    locked = _register(here, code)
    assert locked.status_code == 429 and locked.headers["retry-after"] == "300"
    setup.clock.now += 300
    assert _register(here, code).status_code == 200
    assert _register(elsewhere, "WRONG00000").status_code == 403  # another address was never locked


def test_unknown_stores_count_as_wrong_codes(limited: Callable[..., Limited], db: ServerDatabase) -> None:
    setup = limited(address_lockout=Lockout(3, 15))
    here = setup.client("192.0.2.1")
    assert [_register(here, "ABCDEFGHJK", f"X{n}").status_code for n in range(4)] == [404, 404, 404, 429]


def test_wrong_codes_for_one_store_from_many_addresses_lock_that_store(
    limited: Callable[..., Limited], db: ServerDatabase
) -> None:
    setup = limited(address_lockout=Lockout(3, 15), store_lockout=Lockout(4, 10))
    for n in range(4):
        assert _register(setup.client(f"203.0.113.{n}"), "WRONGWRONG").status_code == 403
    newcomer = setup.client("192.0.2.200")
    refused = _register(newcomer, admin.make_enrolment_code(db, STORE))
    assert refused.status_code == 429 and refused.headers["retry-after"] == "600"
    assert _register(newcomer, admin.make_enrolment_code(db, OTHER_STORE), OTHER_STORE).status_code == 200
    setup.clock.now += 600
    assert _register(newcomer, admin.make_enrolment_code(db, STORE)).status_code == 200


def test_a_locked_out_address_is_refused_before_its_body_is_read(
    limited: Callable[..., Limited], db: ServerDatabase
) -> None:
    setup = limited(address_lockout=Lockout(1, 15))
    assert _register(setup.client("192.0.2.1"), "WRONGWRONG").status_code == 403
    answer = call(setup.app, "POST", "/v1/devices/register", headers=[CHUNKED], chunks=_chunked(2, 1024))
    assert (answer.status, answer.chunks_read, answer.headers["retry-after"]) == (429, 0, "900")


def test_the_default_limits_let_a_till_work(till: Till) -> None:
    """The `client` fixture's app runs with `Limits()`: a burst of ordinary calls meets none of them."""
    for _ in range(40):
        assert till.push().status_code == 200
    for _ in range(20):
        assert till.get("/v1/changes").status_code == 200
