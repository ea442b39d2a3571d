"""Coupons through the POS interface over real HTTP (issue 18): the quote lists the member's coupons with what
each takes off this bill (or why it cannot go), applies the asked ones before the points; a sale applies them once
(its answer and slip name them, the points earn on what was paid), a replay answers the same, and a coupon that
may not go is refused with a code and writes nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from localdb.member_view import MemberView
from localdb.models import CouponUse, OutboxItem
from localdb.till import Till
from tests.conftest import Staffing
from tests.posapi.conftest import TEN_OFF, TWENTY_PCT, PosHandle, hold, line


def sale(member: MemberView, total: int, **extra: Any) -> dict[str, Any]:
    return {"receipt_no": "R1", "total_cents": total, "lines": [line(1, total)],
            "member": {"member_id": member.id}, **extra}  # fmt: skip


def test_a_quote_lists_the_coupons_and_applies_the_asked_ones_before_the_points(
    pos: PosHandle, till: Till, staff: Staffing, member: MemberView
) -> None:
    till.ledger.award(staff.cashier, member.id, 100_000, receipt_no="R0")  # 1000 points
    hold(till, member.id, ("c-ten", TEN_OFF), ("c-pct", TWENTY_PCT))
    small = pos.http.post("/pos/v1/quotes", json=sale(member, 8_000)).json()
    offers = {c["coupon_id"]: (c["discount_cents"], c["problem"]) for c in small["coupons"]}
    assert offers == {"c-ten": (0, "below_min_spend"), "c-pct": (1_600, None)}

    quote = pos.http.post("/pos/v1/quotes", json=sale(member, 20_000, coupon_ids=["c-pct"], points_to_redeem=500))
    body = quote.json()
    assert quote.status_code == 200, quote.text
    assert body["coupon_discount_cents"] == 3_000  # 20 % of ¥200 is ¥40, capped at ¥30
    assert body["discount_cents"] == 500 and body["points_earned"] == 165  # on ¥200 − ¥30 − ¥5
    assert body["points_usable"] == 1000


def test_a_sale_applies_its_coupons_once_and_names_them_on_its_answer_and_slip(
    pos: PosHandle, till: Till, member: MemberView
) -> None:
    hold(till, member.id, ("c-ten", TEN_OFF))
    request = sale(member, 15_000, coupon_ids=["c-ten"])
    answer = pos.http.post("/pos/v1/sales", json=request)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["coupon_discount_cents"], body["paid_cents"], body["points_earned"]) == (1_000, 14_000, 140)
    assert [(c["coupon_id"], c["discount_cents"]) for c in body["coupons"]] == [("c-ten", 1_000)]
    assert body["slip"]["coupons"][0]["name"]["zh_CN"] == "满 100 减 10"
    assert pos.http.post("/pos/v1/sales", json=request).text == answer.text  # a retry: the same answer
    with till.db.read() as session:
        assert session.scalars(select(OutboxItem.type).where(OutboxItem.type == "coupon_use")).all() == ["coupon_use"]
        assert session.scalars(select(CouponUse.coupon_id)).all() == ["c-ten"]

    again = pos.http.post("/pos/v1/sales", json=sale(member, 15_000, coupon_ids=["c-ten"]) | {"receipt_no": "R2"})
    assert again.status_code == 422 and again.json()["code"] == "coupon_not_held"  # used here already
    quote = pos.http.post("/pos/v1/quotes", json=sale(member, 15_000)).json()
    assert quote["coupons"] == []


def test_a_coupon_that_may_not_go_is_refused_with_a_code_and_writes_nothing(
    pos: PosHandle, till: Till, member: MemberView
) -> None:
    hold(till, member.id, ("c-ten", TEN_OFF), ("c-pct", TWENTY_PCT))
    below = pos.http.post("/pos/v1/sales", json=sale(member, 9_000, coupon_ids=["c-ten"]))
    assert below.status_code == 422 and below.json()["code"] == "coupon_below_min_spend"
    alone = pos.http.post("/pos/v1/sales", json=sale(member, 20_000, coupon_ids=["c-pct", "c-ten"]))
    assert alone.status_code == 422 and alone.json()["code"] == "coupon_not_stackable"
    unknown = pos.http.post("/pos/v1/quotes", json=sale(member, 20_000, coupon_ids=["nope"]))
    assert unknown.status_code == 422 and unknown.json()["code"] == "coupon_not_held"
    no_member = pos.http.post("/pos/v1/sales", json=sale(member, 20_000, coupon_ids=["c-ten"]) | {"member": None})
    assert no_member.status_code == 422 and no_member.json()["code"] == "invalid_member"
    with till.db.read() as session:
        assert session.scalars(select(OutboxItem.type)).all() == ["enrol"]  # the member's own, nothing more
