"""`POST /v1/redemptions/authorize`: points held under the coming entry's id, once, until the entry is pushed or
the hold lapses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from uuid6 import uuid7

from server.db import ServerDatabase
from server.models import Reservation
from tests.server.conftest import ServerClock, Till


def _authorize(till: Till, member_id: str, points: int, hold_id: str | None = None) -> dict[str, Any]:
    body = {"id": hold_id or str(uuid7()), "member_id": member_id, "points": points, "amount_cents": 10_000}
    answer = till.client.post("/v1/redemptions/authorize", json=body, headers=till.headers)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_hold_refuse_and_retry(till: Till) -> None:
    member_id = till.enrolled()
    till.push_ok(till.entry(member_id, 500))
    hold = str(uuid7())
    assert _authorize(till, member_id, 300, hold) == {"approved": True, "balance": 200, "reason": None}
    assert _authorize(till, member_id, 300, hold)["approved"] is True  # a retry: no second hold
    refused = _authorize(till, member_id, 300)
    assert refused == {"approved": False, "balance": 200, "reason": "insufficient_points"}
    assert _authorize(till, member_id, 200)["balance"] == 0


def test_the_pushed_redemption_consumes_the_hold(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()
    till.push_ok(till.entry(member_id, 500))
    hold = str(uuid7())
    assert _authorize(till, member_id, 300, hold)["approved"]
    [result] = till.push_ok(till.entry(member_id, -300, "redeem", entry_id=hold))
    assert result["status"] == "applied"
    with db.read() as session:
        reservation = session.get(Reservation, hold)
        assert reservation is not None and reservation.consumed_at is not None
    assert _authorize(till, member_id, 200)["approved"] is True  # 500 - 300, held once only
    assert _authorize(till, member_id, 1)["approved"] is False


def test_a_lapsed_hold_frees_the_points(till: Till, server_clock: ServerClock) -> None:
    member_id = till.enrolled()
    till.push_ok(till.entry(member_id, 100))
    assert _authorize(till, member_id, 100)["approved"]
    assert not _authorize(till, member_id, 100)["approved"]
    server_clock.advance(minutes=11)
    assert _authorize(till, member_id, 100)["approved"]


def test_an_unknown_member_is_refused_not_an_error(db: ServerDatabase, till: Till) -> None:
    result = _authorize(till, str(uuid7()), 10)
    assert result == {"approved": False, "balance": 0, "reason": "unknown_member"}
    with db.read() as session:
        assert session.scalars(select(Reservation)).all() == []
    bad = till.client.post("/v1/redemptions/authorize", json={"id": "x", "member_id": "y", "points": 0,
                                                               "amount_cents": 0}, headers=till.headers)  # fmt: skip
    assert bad.status_code == 400 and bad.json()["detail"]["field"] == "body.points"
