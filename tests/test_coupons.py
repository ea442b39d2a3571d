"""Coupon templates (`loyalty.coupons`): what each kind takes off a bill (never more than the bill, rounded down,
capped), when a coupon may be used (a fixed window or N days from issue, both ends included), the minimum spend,
the audience and the store, which coupons go together, and a template document checked field by field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.coupons import (
    BenefitRules,
    CouponKind,
    CouponProblem,
    CouponRefused,
    CouponTemplate,
    HeldCoupon,
    InvalidCouponTemplate,
    discount_cents,
    plan_bill,
    refusal,
    stacking_problem,
    valid_window,
)

WIN_BACK: dict[str, Any] = {
    "code": "winback20", "name": {"zh_CN": "唤醒券 20 元", "en": "Welcome back, 20 yuan off"}, "kind": "amount_off",
    "amount_off_cents": 20_00, "min_spend_cents": 100_00, "valid_days": 30, "segments": ["dormant"],
}  # fmt: skip
BIRTHDAY: dict[str, Any] = {
    "code": "bday", "name": {"zh_CN": "生日 9 折", "en": "Birthday 10 % off"}, "kind": "percent_off",
    "percent_off": 10, "cap_cents": 50_00, "valid_from": "2026-12-01", "valid_to": "2026-12-31",
    "tiers": ["silver", "gold", "platinum"], "stackable": True,
}  # fmt: skip
GIFT: dict[str, Any] = {
    "code": "bag", "name": {"zh_CN": "到店礼：环保袋", "en": "Store gift: a tote bag"}, "kind": "gift",
    "gift_sku": "GIFT-BAG", "valid_days": 7, "stores": ["S001"], "budget_count": 500,
}  # fmt: skip


def template(document: dict[str, Any], **changes: Any) -> CouponTemplate:
    return CouponTemplate.from_dict(document | changes)


def test_what_each_kind_takes_off_a_bill() -> None:
    win_back, birthday, gift = template(WIN_BACK), template(BIRTHDAY), template(GIFT)
    assert discount_cents(win_back, 150_00) == 20_00 and discount_cents(win_back, 15_00) == 15_00  # never above
    assert discount_cents(birthday, 123_45) == 12_34  # 10 %, rounded down
    assert discount_cents(birthday, 900_00) == 50_00  # capped
    assert discount_cents(gift, 80_00) == 0 and discount_cents(win_back, 0) == 0
    assert (win_back.face_cents, birthday.face_cents, gift.face_cents) == (20_00, 50_00, 0)


def test_when_and_on_what_a_coupon_may_be_used() -> None:
    win_back, birthday = template(WIN_BACK), template(BIRTHDAY)
    issued = date(2026, 12, 20)
    assert valid_window(win_back, issued) == (issued, date(2027, 1, 18))  # 30 days, the day of issue the first
    assert refusal(win_back, issued_on=issued, today=date(2027, 1, 18), bill_cents=100_00) is None
    assert refusal(win_back, issued_on=issued, today=date(2027, 1, 19), bill_cents=100_00) is CouponProblem.EXPIRED
    assert refusal(win_back, issued_on=issued, today=issued, bill_cents=99_99) is CouponProblem.BELOW_MIN_SPEND
    early = refusal(birthday, issued_on=date(2026, 11, 25), today=date(2026, 11, 30), bill_cents=10_00)
    assert early is CouponProblem.NOT_YET_VALID
    assert refusal(birthday, issued_on=date(2026, 11, 25), today=date(2026, 12, 31), bill_cents=10_00) is None


def test_who_and_where() -> None:
    win_back, birthday, gift = template(WIN_BACK), template(BIRTHDAY), template(GIFT)
    assert win_back.admits(tier="normal", segment="dormant", tags=(), store="S002") is None
    assert win_back.admits(tier="gold", segment="potential", tags=(), store="S001") is CouponProblem.NOT_FOR_MEMBER
    assert birthday.admits(tier="normal", segment=None, tags=(), store="S001") is CouponProblem.NOT_FOR_MEMBER
    assert gift.admits(tier="gold", segment=None, tags=(), store="S002") is CouponProblem.WRONG_STORE
    tagged = template(WIN_BACK, segments=[], tags=["churn_risk", "win_back"])
    assert tagged.admits(tier="gold", segment="potential", tags=["win_back"], store="S001") is None
    assert tagged.admits(tier="gold", segment="potential", tags=["night"], store="S001") is CouponProblem.NOT_FOR_MEMBER


def test_which_coupons_go_together() -> None:
    win_back, birthday = template(WIN_BACK), template(BIRTHDAY)
    other = template(BIRTHDAY, code="bday2")
    assert stacking_problem([win_back]) is None and stacking_problem([birthday, other]) is None
    assert stacking_problem([win_back, birthday]) is CouponProblem.NOT_STACKABLE


def test_a_template_document_round_trips_and_is_checked_field_by_field() -> None:
    for document in (WIN_BACK, BIRTHDAY, GIFT):
        parsed = CouponTemplate.from_dict(document)
        assert CouponTemplate.from_dict(parsed.to_dict()) == parsed
    assert template(GIFT).kind is CouponKind.GIFT
    for document, field in (
        (WIN_BACK | {"amount_off_cents": 0}, "amount_off_cents"),
        (WIN_BACK | {"amount_off_cents": 12.5}, "amount_off_cents"),
        (WIN_BACK | {"percent_off": 10}, "percent_off"),  # not an amount-off coupon's
        (BIRTHDAY | {"percent_off": 101}, "percent_off"),
        (BIRTHDAY | {"valid_to": "2026-11-30"}, "valid_to"),
        (BIRTHDAY | {"valid_to": "31/12/2026"}, "valid_to"),
        (BIRTHDAY | {"valid_days": 10}, "valid_days"),
        ({k: v for k, v in WIN_BACK.items() if k != "valid_days"}, "valid_to"),
        ({k: v for k, v in GIFT.items() if k != "gift_sku"}, "gift_sku"),
        (WIN_BACK | {"kind": "cashback"}, "kind"),
        (WIN_BACK | {"name": {"zh_CN": "唤醒券"}}, "name"),
        (WIN_BACK | {"segments": "dormant"}, "segments"),
        (WIN_BACK | {"stackable": "yes"}, "stackable"),
        (WIN_BACK | {"budget_count": 0}, "budget_count"),
        (WIN_BACK | {"surprise": 1}, "surprise"),
        ({k: v for k, v in WIN_BACK.items() if k != "code"}, "code"),
    ):
        with pytest.raises(InvalidCouponTemplate) as info:
            CouponTemplate.from_dict(document)
        assert info.value.field == field, (document, info.value)


@given(
    bill=st.integers(-100, 10**9),
    more=st.integers(0, 10**6),
    pct=st.integers(1, 100),
    cap=st.one_of(st.none(), st.integers(1, 10**6)),
    amount=st.integers(1, 10**6),
)
def test_a_discount_is_never_negative_never_above_the_bill_and_grows_with_it(
    bill: int, more: int, pct: int, cap: int | None, amount: int
) -> None:
    for coupon in (template(BIRTHDAY, percent_off=pct, cap_cents=cap), template(WIN_BACK, amount_off_cents=amount)):
        off = discount_cents(coupon, bill)
        assert 0 <= off <= max(bill, 0)
        assert discount_cents(coupon, bill + more) >= off


def held(document: dict[str, Any], coupon_id: str, first: date, last: date, **changes: Any) -> HeldCoupon:
    return HeldCoupon(coupon_id, template(document, **changes), first, last)


def test_a_bill_plan_takes_each_coupon_off_what_the_ones_before_left() -> None:
    day = date(2026, 12, 10)
    ten_off = held(WIN_BACK, "c1", date(2026, 12, 1), date(2026, 12, 30), stackable=True, min_spend_cents=0,
                   amount_off_cents=10_00)  # fmt: skip
    birthday = held(BIRTHDAY, "c2", date(2026, 12, 1), date(2026, 12, 31))
    uses = plan_bill([ten_off, birthday], today=day, bill_cents=200_00, store="S001")
    assert [(use.coupon.id, use.discount_cents) for use in uses] == [("c1", 10_00), ("c2", 19_00)]  # 10 % of 190
    small = plan_bill([ten_off, birthday], today=day, bill_cents=8_00, store="S001")
    assert sum(use.discount_cents for use in small) == 8_00  # never more than the bill
    assert plan_bill([], today=day, bill_cents=100, store="S001") == []


@pytest.mark.parametrize(
    ("today", "bill", "store", "problem"),
    [
        (date(2026, 11, 30), 200_00, "S001", CouponProblem.NOT_YET_VALID),
        (date(2026, 12, 31), 200_00, "S001", CouponProblem.EXPIRED),  # its own last day, not the template's
        (date(2026, 12, 10), 99_99, "S001", CouponProblem.BELOW_MIN_SPEND),
        (date(2026, 12, 10), 200_00, "S002", CouponProblem.WRONG_STORE),
    ],
)
def test_a_bill_plan_names_the_coupon_that_may_not_go(today: date, bill: int, store: str, problem: str) -> None:
    win_back = held(WIN_BACK, "w1", date(2026, 12, 1), date(2026, 12, 30), stores=["S001"])
    with pytest.raises(CouponRefused) as refused:
        plan_bill([win_back], today=today, bill_cents=bill, store=store)
    assert (refused.value.problem, refused.value.coupon_id) == (problem, "w1")


def test_a_coupon_that_does_not_stack_goes_alone_and_a_coupon_goes_once() -> None:
    day = date(2026, 12, 10)
    lone = held(WIN_BACK, "w1", date(2026, 12, 1), date(2026, 12, 30))
    birthday = held(BIRTHDAY, "b1", date(2026, 12, 1), date(2026, 12, 31))
    with pytest.raises(CouponRefused) as refused:
        plan_bill([birthday, lone], today=day, bill_cents=200_00, store="S001")
    assert (refused.value.problem, refused.value.coupon_id) == (CouponProblem.NOT_STACKABLE, "w1")
    with pytest.raises(CouponRefused) as twice:
        plan_bill([birthday, birthday], today=day, bill_cents=200_00, store="S001")
    assert twice.value.problem is CouponProblem.NOT_STACKABLE
    assert plan_bill([lone], today=day, bill_cents=200_00, store="S001")[0].discount_cents == 20_00


def test_the_benefit_rules_name_a_template_per_event_and_a_warning_threshold() -> None:
    document = {"win_back": "winback20", "birthday": "bday", "welcome": "hello", "tier_upgrade": "up",
                "referral": "friend", "expiry_warning_points": 500}  # fmt: skip
    rules = BenefitRules.from_dict(document)
    assert rules.to_dict() == document and rules.codes() == ["winback20", "bday", "hello", "up", "friend"]
    assert BenefitRules.from_dict({}).to_dict() == {}
    for bad, field in (({"expiry_warning_points": 0}, "expiry_warning_points"), ({"welcome": " x"}, "welcome"),
                       ({"gift": "x"}, "gift")):  # fmt: skip
        with pytest.raises(InvalidCouponTemplate) as refused:
            BenefitRules.from_dict(bad)
        assert refused.value.field == field
