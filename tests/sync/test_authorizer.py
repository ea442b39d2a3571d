"""Online authorization of a redemption, as the till's authorizer sees the server: approved, refused with the
server's balance, or no usable answer (then the offline cap decides), always quickly; and the ledger writing the
redemption under the id the server holds the points under."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from localdb.models import OutboxItem
from localdb.till import Till
from sync.authorizer import RedemptionAuthorizer, Verdict
from sync.client import ServerClient
from tests.conftest import Staffing

MEMBER = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def registered(till: Till) -> Till:
    till.sync.register(server_url="http://127.0.0.1:9", device_id="0190a1b2-0000-7000-8000-000000000001",
                       token="till-token", store_code="S001", store_name="旗舰店",
                       timezone="Asia/Shanghai")  # fmt: skip
    return till


def authorizer_with(till: Till, handler: Handler, seen: list[httpx.Request] | None = None) -> RedemptionAuthorizer:
    def record(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return handler(request)

    def factory(url: str, token: str | None) -> ServerClient:
        return ServerClient(url, token, transport=httpx.MockTransport(record))

    return RedemptionAuthorizer(till.sync, factory)


def answer(body: dict[str, Any], status: int = 200) -> Handler:
    return lambda _request: httpx.Response(status, json=body)


def test_approved_online_under_the_id_asked_for(registered: Till) -> None:
    seen: list[httpx.Request] = []
    authorizer = authorizer_with(registered, answer({"approved": True, "balance": 700, "reason": None}), seen)
    result = authorizer.authorize(MEMBER, 300, 300, entry_id="0190a1b2-0000-7000-8000-0000000000aa")
    assert (result.verdict, result.online, result.balance) == (Verdict.APPROVED, True, 700)
    assert result.entry_id == "0190a1b2-0000-7000-8000-0000000000aa"
    [request] = seen
    assert request.url.path == "/v1/redemptions/authorize"
    assert request.headers["Authorization"] == "Bearer till-token"
    assert json.loads(request.content) == {"id": result.entry_id, "member_id": MEMBER, "points": 300,
                                           "amount_cents": 300}  # fmt: skip
    assert request.extensions["timeout"]["read"] <= 3.0  # a customer is waiting


def test_a_fresh_time_ordered_id_when_none_is_given(registered: Till) -> None:
    authorizer = authorizer_with(registered, answer({"approved": True, "balance": 0}))
    first, second = (authorizer.authorize(MEMBER, 100, 100) for _ in range(2))
    assert first.entry_id != second.entry_id and len(first.entry_id) == 36 and first.entry_id[14] == "7"


def test_refused_online_with_the_servers_balance(registered: Till) -> None:
    authorizer = authorizer_with(
        registered, answer({"approved": False, "balance": 120, "reason": "insufficient_points"})
    )
    result = authorizer.authorize(MEMBER, 300, 300)
    assert (result.verdict, result.online, result.balance, result.reason) == (
        Verdict.REFUSED, False, 120, "insufficient_points"
    )  # fmt: skip
    refusal = result.refusal()
    assert (refusal.balance, refusal.reason, refusal.code) == (120, "insufficient_points", "refused_online")


def test_a_member_the_server_does_not_know_yet_falls_back_to_the_cap(registered: Till) -> None:
    authorizer = authorizer_with(registered, answer({"approved": False, "balance": 0, "reason": "unknown_member"}))
    result = authorizer.authorize(MEMBER, 300, 300)
    assert (result.verdict, result.online, result.reason) == (Verdict.UNAVAILABLE, False, "unknown_member")


def _raise(error: Exception) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return handler


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        (_raise(httpx.ConnectError("refused")), "server_unreachable"),
        (_raise(httpx.ReadTimeout("slow")), "server_unreachable"),
        (answer({"detail": {"code": "rate_limited", "message": "slow down"}}, 429), "server_busy"),
        (lambda _r: httpx.Response(503, text="<html>maintenance</html>"), "server_busy"),
        (answer({"detail": {"code": "device_revoked", "message": "revoked"}}, 401), "device_revoked"),
        (lambda _r: httpx.Response(200, text="<html>captive portal</html>"), "server_unreachable"),
    ],
)
def test_no_usable_answer_means_the_offline_cap_decides(registered: Till, handler: Handler, reason: str) -> None:
    result = authorizer_with(registered, handler).authorize(MEMBER, 300, 300)
    assert (result.verdict, result.online, result.reason) == (Verdict.UNAVAILABLE, False, reason)


def test_an_unregistered_or_blocked_till_does_not_ask(till: Till, registered: Till) -> None:
    seen: list[httpx.Request] = []
    unregistered = Till.open(till.db.path.parent / "other.sqlite3")
    try:
        result = authorizer_with(unregistered, answer({"approved": True, "balance": 0}), seen).authorize(MEMBER, 1, 1)
        assert (result.verdict, result.reason) == (Verdict.UNAVAILABLE, "not_registered")
    finally:
        unregistered.close()
    registered.sync.block("device_revoked")
    result = authorizer_with(registered, answer({"approved": True, "balance": 0}), seen).authorize(MEMBER, 1, 1)
    assert (result.verdict, result.reason) == (Verdict.UNAVAILABLE, "device_revoked")
    assert seen == []


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server on loopback that accepts connections and never answers (a hung proxy, a stalled network)."""
    listener = socket.create_server(("127.0.0.1", 0))
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def test_a_server_that_does_not_answer_is_given_up_quickly(registered: Till, silent_server: str) -> None:
    registered.sync.point_at(silent_server)
    authorizer = RedemptionAuthorizer(registered.sync, ServerClient, timeout=httpx.Timeout(0.3))
    started = time.monotonic()
    result = authorizer.authorize(MEMBER, 300, 300)
    assert result.verdict is Verdict.UNAVAILABLE and result.reason == "server_unreachable"
    assert time.monotonic() - started < 2.0


def test_the_redemption_is_written_under_the_authorized_id(registered: Till, staff: Staffing) -> None:
    member = registered.members.enrol(staff.cashier, phone="13800138000", name="张三", birthday=date(1990, 7, 9)).member
    registered.ledger.award(staff.cashier, member.id, 100_000)
    hold_id = "0190a1b2-0000-7000-8000-0000000000bb"
    result = registered.ledger.redeem(staff.cashier, member.id, 500, bill_cents=10_000, online_authorized=True,
                                      entry_id=hold_id)  # fmt: skip
    assert (result.entry.id, result.entry.offline) == (hold_id, False)
    with registered.db.read() as session:
        item = session.scalars(select(OutboxItem).where(OutboxItem.item_id == hold_id)).one()
        assert item.body["id"] == hold_id  # what the push sends: the server consumes the hold with this id
    other = registered.ledger.redeem(staff.cashier, member.id, 100, bill_cents=10_000)
    assert other.entry.id != hold_id and other.entry.offline
