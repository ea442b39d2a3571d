"""The 会员看板 figures equal what a person works out by hand from the same day at two stores: purchases, a
redemption, a sale without a member, a reversed purchase, an enrolment, a handled churn warning and the purchase
that followed it; the store's figures count only the store, the chain's everything; windows with nothing in them
divide by nothing (None), never by zero."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from uuid6 import uuid7

from server.db import ServerDatabase
from server.health_board import CACHE_SECONDS, BoardCache
from server.models import ChurnWarning
from tests.server.conftest import PHONE_A, PHONE_B, PHONE_C, ServerClock, Till, register
from tests.server.test_coupon_uses import TEN_OFF, issue_to, use


def _sale(till: Till, cents: int, store: str = "S001") -> dict[str, Any]:
    body = {"id": str(uuid7()), "receipt_no": f"N-{cents}", "total_cents": cents, "store_code": store,
            "device_id": till.device_id, "staff_code": "C001", "created_at": till.clock.now.isoformat()}  # fmt: skip
    return till.item("sale", body)


def test_the_board_equals_the_days_figures_worked_out_by_hand(
    db: ServerDatabase, till: Till, client: TestClient, server_clock: ServerClock
) -> None:
    server_clock.now = server_clock.now.replace(hour=4, minute=0, second=0)  # 12:00 in Shanghai: "today" has begun
    a, b, c = till.enrolled(PHONE_A), till.enrolled(PHONE_B), till.enrolled(PHONE_C)
    mistake = till.entry(b, 900)
    statuses = till.push_ok(
        till.entry(a, 100), till.entry(a, 200), till.entry(b, 50), till.entry(a, -100, "redeem"),
        mistake, till.entry(b, -900, "reverse", reverses=mistake["id"], approved_by="M001"), _sale(till, 15_000),
    )  # fmt: skip
    assert {r["status"] for r in statuses} == {"applied"}, statuses
    device_id, token = register(client, db, "S002", "till-2")
    other = Till(client, device_id, token, server_clock)
    # B also bought at the other store (its till names S001's cashier: recorded, and flagged for the manager)
    assert other.push_ok(other.entry(b, 80))[0]["status"] in ("applied", "flagged")
    with db.write() as session:  # a call made yesterday about C, who has not bought since
        session.add(ChurnWarning(member_id=c, store_code="S001", reason="tag", tag="churn_risk",
                                 raised_at=server_clock.now - timedelta(days=3), outcome="called",
                                 handled_at=server_clock.now - timedelta(days=1), handled_by="G001"))  # fmt: skip

    document = till.get("/v1/board").json()
    store, chain = document["store"], document["chain"]
    today = store["windows"]["today"]
    # At S001 today: A bought twice (100 + 200 yuan), B once (50 yuan; the 900 reversed counts for nothing)
    assert (today["active_members"], today["new_members"], today["repurchase_rate_pct"]) == (2, 3, 50)
    assert (today["points_issued"], today["points_redeemed"], today["points_usage_rate_pct"]) == (350, 100, 28)
    tickets = (today["member_tickets"], today["member_sales_cents"], today["member_avg_ticket_cents"])
    assert tickets == (3, 35_000, 11_666)
    assert (today["other_tickets"], today["other_sales_cents"], today["other_avg_ticket_cents"]) == (1, 15_000, 15_000)
    assert today["member_sales_share_pct"] == 70  # 35,000 of 50,000
    assert (today["warnings_handled"], today["wake_up_rate_pct"]) == (0, None)  # yesterday's call is not today's
    week = store["windows"]["7d"]
    assert (week["warnings_handled"], week["woken"], week["wake_up_rate_pct"]) == (1, 0, 0)
    # The chain adds the other store's purchase: B bought twice, 4 tickets, 43,000
    chain_today = chain["windows"]["today"]
    assert (chain_today["active_members"], chain_today["repurchase_rate_pct"]) == (2, 100)
    assert (chain_today["member_tickets"], chain_today["member_sales_cents"]) == (4, 43_000)
    # LTV: the 12-month spend of members who bought, averaged: A 30,000, B 13,000 (C bought nothing)
    assert chain["ltv_cents"] == (30_000 + 13_000) // 2
    assert sum(chain["segments"].values()) == 3 and chain["tiers"] == {"normal": 3}

    assert other.push_ok(other.entry(c, 10))[0]["status"] in ("applied", "flagged")  # C comes back after the call
    assert till.get("/v1/board").json() == document  # within the cache's minutes: the same document, as of then
    ticks = [0.0]
    client.app.state.boards = BoardCache(monotonic=lambda: ticks[0])  # type: ignore[attr-defined]
    till.get("/v1/board")
    ticks[0] = CACHE_SECONDS  # ten minutes on: computed again
    woken = till.get("/v1/board").json()["store"]["windows"]["7d"]
    assert (woken["woken"], woken["wake_up_rate_pct"]) == (1, 100)


def test_an_empty_chain_divides_by_nothing(till: Till) -> None:
    document = till.get("/v1/board").json()
    for scope in (document["store"], document["chain"]):
        for window in scope["windows"].values():
            assert window["active_members"] == 0 and window["repurchase_rate_pct"] is None
            assert window["points_usage_rate_pct"] is None and window["member_sales_share_pct"] is None
        assert scope["ltv_cents"] is None


def test_the_board_counts_coupons_issued_used_and_their_usage_rate(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    """Four coupons issued today to S001's members, one used at S001 (¥10 off), and a second use of it elsewhere
    (flagged: not counted); usage rate 1 of 4."""
    server_clock.now = server_clock.now.replace(hour=4, minute=0, second=0)
    members = [till.enrolled(phone) for phone in (PHONE_A, PHONE_B, PHONE_C, "+8613700137000")]
    coupons = issue_to(db, TEN_OFF, *members)
    till.push_ok(use(till, members[0], coupons[members[0]]))
    till.push_ok(use(till, members[0], coupons[members[0]], receipt="R2"))  # again: flagged, not counted
    document = till.get("/v1/board").json()
    for scope in ("store", "chain"):
        today = document[scope]["windows"]["today"]
        figures = (today["coupons_issued"], today["coupons_used"], today["coupon_discount_cents"])
        assert figures == (4, 1, 1_000) and today["coupon_usage_rate_pct"] == 25
