"""Tests for the loyalty points rules, earning, redeeming and tiers (loyalty.rules, loyalty.points, loyalty.tiers)."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.expiry import NO_EXPIRY, ExpiryKind, ExpiryRule
from loyalty.points import (
    MAX_RECEIPT_CENTS,
    EarnProblem,
    EarnRefused,
    RedeemProblem,
    RedeemRefused,
    best_earn_points,
    earn_points,
    max_redeemable_points,
    offline_cap_left,
    over_offline_cap,
    points_for_cents,
    points_value_cents,
    quote_redemption,
    reversal_needs_approval,
)
from loyalty.rules import DEFAULT_RULES, InvalidRules, PointsRules, Tier, UnknownTier
from loyalty.tiers import (
    is_birthday_month,
    rolling_spend_cents,
    tier_for_spend,
    tier_progress,
    twelve_months_before,
)

R = DEFAULT_RULES
CST = timezone(timedelta(hours=8))  # China Standard Time


def yuan(amount: str) -> int:
    """'12.34' -> 1234 cents, without floats."""
    whole, _, frac = amount.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def with_changes(**changes: Any) -> PointsRules:
    return dataclasses.replace(DEFAULT_RULES, **changes)


# --- defaults --------------------------------------------------------------------------------------------------------


def test_default_rules_as_stated() -> None:
    assert R.version == 1
    assert R.earn_points_per_yuan == 1
    assert [(t.code, t.name, t.min_spend_cents, t.earn_multiplier_pct) for t in R.tiers] == [
        ("normal", "普通", 0, 100),
        ("silver", "银卡", 200_000, 120),
        ("gold", "金卡", 800_000, 150),
        ("platinum", "白金", 2_000_000, 200),
    ]
    assert R.birthday_multiplier_pct == 200
    assert dict(R.bonus_pct) == {"own_bag": 10}
    assert R.redeem_points_per_yuan == 100
    assert R.redeem_min_points == 100
    assert R.redeem_max_bill_pct == 50
    assert R.offline_redeem_cap_points == 2000
    assert R.reversal_approval_points == 500
    assert (R.redeem_step_points, R.redeem_step_cents) == (1, 1)


def test_tier_lookup() -> None:
    assert R.tier("gold").name == "金卡"
    with pytest.raises(UnknownTier) as info:
        R.tier("diamond")
    assert isinstance(info.value, ValueError)
    assert info.value.code == "diamond"


def test_rules_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        R.version = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        R.bonus_pct["own_bag"] = 50  # type: ignore[index]
    source = {"own_bag": 10}
    rules = with_changes(bonus_pct=source)
    source["own_bag"] = 90
    assert rules.bonus_pct["own_bag"] == 10
    assert hash(rules) == hash(with_changes(bonus_pct={"own_bag": 10}))


# --- earning ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "tier", "expected"),
    [
        ("0.99", "normal", 0),
        ("1.00", "normal", 1),
        ("99.99", "normal", 99),
        ("10.00", "silver", 12),
        ("0.67", "gold", 1),  # 67 × 150 / 10000 = 1.005 -> 1
        ("0.66", "gold", 0),  # 66 × 150 / 10000 = 0.99 -> 0: one floor at the end, no intermediate rounding
        ("0.83", "silver", 0),  # 83 × 120 / 10000 = 0.996
        ("0.84", "silver", 1),  # 84 × 120 / 10000 = 1.008
        ("1999.99", "platinum", 3999),
    ],
)
def test_earn_edge_cases(amount: str, tier: str, expected: int) -> None:
    quote = earn_points(R, yuan(amount), tier)
    assert quote.points == quote.base_points == expected
    assert quote.bonus_points == 0
    assert quote.rule_version == 1


def test_single_floor_at_the_end() -> None:
    # 0.50 yuan at ×1.5 in the birthday month: 50 × 150 × 200 / 10^6 = 1.5 -> 1. Rounding 0.75 after the tier would
    # have given 0, rounding each step up or half-up 2.
    assert earn_points(R, 50, "gold", birthday_month=True).base_points == 1
    # 0.34 yuan: 34 × 150 × 200 / 10^6 = 1.02 -> 1; per-step flooring (0.51 -> 0) would lose the point.
    assert earn_points(R, 34, "gold", birthday_month=True).base_points == 1


def test_birthday_doubles() -> None:
    assert earn_points(R, yuan("100.00"), "normal", birthday_month=True).points == 200
    assert earn_points(R, yuan("100.00"), "normal", birthday_month=False).points == 100
    assert earn_points(R, yuan("0.50"), "normal", birthday_month=True).points == 1


def test_birthday_and_platinum_stack() -> None:
    quote = earn_points(R, yuan("100.00"), "platinum", birthday_month=True)
    assert quote.points == 400  # ×2 tier × ×2 birthday
    assert earn_points(R, yuan("12.34"), "platinum", birthday_month=True).points == 49  # 49.36


def test_own_bag_bonus_is_floored() -> None:
    quote = earn_points(R, yuan("99.99"), "normal", bonuses=["own_bag"])
    assert (quote.base_points, quote.bonus_points, quote.points) == (99, 9, 108)  # 9.9 -> 9
    assert earn_points(R, yuan("9.99"), "normal", bonuses={"own_bag"}).bonus_points == 0  # 0.9 -> 0
    assert earn_points(R, yuan("10.00"), "normal", bonuses=("own_bag",)).bonus_points == 1


def test_bonus_is_a_share_of_the_multiplied_base() -> None:
    quote = earn_points(R, yuan("100.00"), "platinum", birthday_month=True, bonuses=["own_bag"])
    assert (quote.base_points, quote.bonus_points, quote.points) == (400, 40, 440)


def test_several_bonuses_each_floored_and_duplicates_count_once() -> None:
    rules = with_changes(bonus_pct={"own_bag": 10, "app_order": 5})
    quote = earn_points(rules, yuan("39.00"), "normal", bonuses=["own_bag", "app_order", "own_bag"])
    # base 39: own_bag floor(3.9) = 3, app_order floor(1.95) = 1 (not floor(5.85) = 5 of the combined percentage)
    assert (quote.base_points, quote.bonus_points, quote.points) == (39, 4, 43)


def test_unknown_bonus_refused() -> None:
    with pytest.raises(EarnRefused) as info:
        earn_points(R, yuan("10.00"), "normal", bonuses=["own_bag", "lucky_day"])
    assert info.value.problem is EarnProblem.UNKNOWN_BONUS
    assert "lucky_day" in str(info.value)


def test_bonus_names_as_a_single_string_are_a_type_error() -> None:
    with pytest.raises(TypeError):
        earn_points(R, yuan("10.00"), "normal", bonuses="own_bag")


def test_unknown_tier_refused() -> None:
    with pytest.raises(EarnRefused) as info:
        earn_points(R, yuan("10.00"), "diamond")
    assert info.value.problem is EarnProblem.UNKNOWN_TIER
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("amount", [0, -1, -10_000])
def test_non_positive_amount_refused(amount: int) -> None:
    with pytest.raises(EarnRefused) as info:
        earn_points(R, amount, "normal")
    assert info.value.problem is EarnProblem.NOT_POSITIVE


@pytest.mark.parametrize("amount", [True, False, 100.0, "100", None])
def test_non_int_amount_refused(amount: Any) -> None:
    with pytest.raises(EarnRefused) as info:
        earn_points(R, amount, "normal")
    assert info.value.problem is EarnProblem.NOT_INTEGER


def test_very_large_amount() -> None:
    assert earn_points(R, MAX_RECEIPT_CENTS, "platinum", birthday_month=True).points == 400_000
    with pytest.raises(EarnRefused) as info:
        earn_points(R, MAX_RECEIPT_CENTS + 1, "normal")
    assert info.value.problem is EarnProblem.TOO_LARGE
    assert info.value.limit == MAX_RECEIPT_CENTS == 10_000_000


def test_earn_check_order() -> None:
    with pytest.raises(EarnRefused) as info:
        earn_points(R, 0, "diamond", bonuses=["nope"])
    assert info.value.problem is EarnProblem.NOT_POSITIVE
    with pytest.raises(EarnRefused) as info:
        earn_points(R, 100, "diamond", bonuses=["nope"])
    assert info.value.problem is EarnProblem.UNKNOWN_TIER


def test_earn_uses_the_rules_version_and_base_rate() -> None:
    rules = with_changes(version=7, earn_points_per_yuan=2)
    quote = earn_points(rules, yuan("10.00"), "silver")
    assert (quote.points, quote.rule_version) == (24, 7)


@given(
    a=st.integers(min_value=1, max_value=MAX_RECEIPT_CENTS),
    b=st.integers(min_value=1, max_value=MAX_RECEIPT_CENTS),
    tier=st.sampled_from([t.code for t in R.tiers]),
    birthday=st.booleans(),
    own_bag=st.booleans(),
)
def test_earn_is_monotonic_in_amount(a: int, b: int, tier: str, birthday: bool, own_bag: bool) -> None:
    low, high = sorted((a, b))
    bonuses = ["own_bag"] if own_bag else []
    first = earn_points(R, low, tier, birthday_month=birthday, bonuses=bonuses)
    second = earn_points(R, high, tier, birthday_month=birthday, bonuses=bonuses)
    assert first.points <= second.points
    assert first.base_points <= second.base_points
    assert first.points == first.base_points + first.bonus_points


# --- tiers -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spend", "code"),
    [
        ("0.00", "normal"),
        ("1999.99", "normal"),
        ("2000.00", "silver"),
        ("7999.99", "silver"),
        ("8000.00", "gold"),
        ("19999.99", "gold"),
        ("20000.00", "platinum"),
        ("1000000.00", "platinum"),
    ],
)
def test_tier_changes_at_the_exact_boundary(spend: str, code: str) -> None:
    assert tier_for_spend(R, yuan(spend)).code == code


def test_tier_for_negative_spend_is_the_first() -> None:
    assert tier_for_spend(R, -500).code == "normal"


def test_progress_at_zero() -> None:
    progress = tier_progress(R, 0)
    assert progress.current.code == "normal"
    assert progress.next is not None and progress.next.code == "silver"
    assert (progress.spend_cents, progress.needed_cents, progress.percent) == (0, 200_000, 0)


def test_progress_midway() -> None:
    progress = tier_progress(R, yuan("1000.00"))
    assert (progress.needed_cents, progress.percent) == (100_000, 50)
    # silver -> gold spans 6,000 yuan; 5,000 yuan is 3,000/6,000 = 50 %; 5,000.01 still floors to 50
    progress = tier_progress(R, yuan("5000.01"))
    assert progress.current.code == "silver"
    assert (progress.needed_cents, progress.percent) == (299_999, 50)


def test_progress_never_shows_100_before_the_boundary() -> None:
    progress = tier_progress(R, yuan("1999.99"))
    assert progress.current.code == "normal"
    assert (progress.needed_cents, progress.percent) == (1, 99)


def test_progress_at_the_boundary() -> None:
    progress = tier_progress(R, yuan("2000.00"))
    assert progress.current.code == "silver"
    assert progress.next is not None and progress.next.code == "gold"
    assert (progress.needed_cents, progress.percent) == (600_000, 0)


def test_progress_at_the_top() -> None:
    for spend in (yuan("20000.00"), yuan("99999.99")):
        progress = tier_progress(R, spend)
        assert progress.current.code == "platinum"
        assert progress.next is None
        assert (progress.spend_cents, progress.needed_cents, progress.percent) == (spend, 0, 100)


def test_progress_for_negative_spend() -> None:
    progress = tier_progress(R, -100)
    assert (progress.current.code, progress.needed_cents, progress.percent) == ("normal", 200_000, 0)


# --- rolling spend ---------------------------------------------------------------------------------------------------


def test_rolling_spend_window_excludes_exactly_twelve_months_ago() -> None:
    now = datetime(2025, 6, 15, 10, 30, tzinfo=CST)
    purchases = [
        (datetime(2024, 6, 15, 10, 30, tzinfo=CST), 1),  # exactly 12 months ago: excluded
        (datetime(2024, 6, 15, 10, 30, 0, 1, tzinfo=CST), 10),  # one microsecond later: included
        (datetime(2025, 1, 1, tzinfo=CST), 100),
        (now, 1000),  # now itself: included
        (now + timedelta(microseconds=1), 10_000),  # after now: excluded
        (datetime(2023, 12, 31, tzinfo=CST), 100_000),  # long ago
    ]
    assert rolling_spend_cents(purchases, now) == 1110


def test_rolling_spend_compares_instants_across_time_zones() -> None:
    now = datetime(2025, 6, 15, 10, 30, tzinfo=CST)
    exactly = datetime(2024, 6, 15, 2, 30, tzinfo=UTC)  # 10:30 in China
    assert rolling_spend_cents([(exactly, 5)], now) == 0
    assert rolling_spend_cents([(exactly + timedelta(seconds=1), 5)], now) == 5


def test_rolling_spend_from_29_february() -> None:
    now = datetime(2024, 2, 29, 12, 0, tzinfo=CST)
    assert twelve_months_before(now) == datetime(2023, 2, 28, 12, 0, tzinfo=CST)
    purchases = [
        (datetime(2023, 2, 28, 12, 0, tzinfo=CST), 1),  # the window start: excluded
        (datetime(2023, 2, 28, 12, 0, 1, tzinfo=CST), 10),
        (datetime(2023, 3, 1, tzinfo=CST), 100),
    ]
    assert rolling_spend_cents(purchases, now) == 110


def test_rolling_spend_counts_29_february_a_year_later() -> None:
    now = datetime(2025, 2, 28, 12, 0, tzinfo=CST)
    assert twelve_months_before(now) == datetime(2024, 2, 28, 12, 0, tzinfo=CST)
    assert rolling_spend_cents([(datetime(2024, 2, 29, 9, 0, tzinfo=CST), 700)], now) == 700
    assert rolling_spend_cents([(datetime(2024, 2, 29, 9, 0, tzinfo=CST), 700)], now + timedelta(days=1)) == 0


def test_rolling_spend_returns_reduce_but_never_below_zero() -> None:
    now = datetime(2025, 6, 15, tzinfo=CST)
    assert rolling_spend_cents([(now - timedelta(days=3), 5000), (now - timedelta(days=1), -2000)], now) == 3000
    assert rolling_spend_cents([(now - timedelta(days=1), -2000)], now) == 0
    assert rolling_spend_cents([], now) == 0


def test_rolling_spend_refuses_naive_datetimes() -> None:
    aware = datetime(2025, 6, 15, tzinfo=CST)
    naive = datetime(2025, 6, 1)
    with pytest.raises(ValueError, match="aware"):
        rolling_spend_cents([], naive)
    with pytest.raises(ValueError, match="aware"):
        rolling_spend_cents([(naive, 100)], aware)


def test_rolling_spend_refuses_non_int_amounts() -> None:
    now = datetime(2025, 6, 15, tzinfo=CST)
    with pytest.raises(TypeError):
        rolling_spend_cents([(now, 1.5)], now)  # type: ignore[list-item]


# --- birthday month --------------------------------------------------------------------------------------------------


def test_birthday_month() -> None:
    assert is_birthday_month(date(1990, 3, 31), date(2025, 3, 1)) is True
    assert is_birthday_month(date(1990, 3, 1), date(2025, 4, 1)) is False
    assert is_birthday_month(date(1992, 2, 29), date(2025, 2, 28)) is True
    assert is_birthday_month(None, date(2025, 3, 1)) is False


# --- redeeming -------------------------------------------------------------------------------------------------------


def test_points_value_and_points_for_cents() -> None:
    assert points_value_cents(R, 100) == 100
    assert points_value_cents(R, 1250) == 1250
    assert points_for_cents(R, 1250) == 1250
    assert points_for_cents(R, 0) == 0
    with pytest.raises(ValueError):
        points_value_cents(R, -1)
    with pytest.raises(ValueError):
        points_for_cents(R, -1)
    with pytest.raises(TypeError):
        points_value_cents(R, True)


def test_points_and_cents_with_other_rates() -> None:
    coarse = with_changes(redeem_points_per_yuan=200)  # 2 points = 1 cent
    assert (coarse.redeem_step_points, coarse.redeem_step_cents) == (2, 1)
    assert points_for_cents(coarse, 7) == 14
    assert points_value_cents(coarse, 15) == 7  # an odd point is worth nothing
    fine = with_changes(redeem_points_per_yuan=50)  # 1 point = 2 cents
    assert (fine.redeem_step_points, fine.redeem_step_cents) == (1, 2)
    assert points_for_cents(fine, 7) == 3  # 6 cents: never more than asked
    assert points_value_cents(fine, 3) == 6


def test_redeem_exact_balance_is_fine() -> None:
    quote = quote_redemption(R, 500, bill_cents=yuan("100.00"), available_points=500)
    assert (quote.points, quote.value_cents, quote.rule_version) == (500, 500, 1)


def test_redeem_one_point_over_the_balance() -> None:
    with pytest.raises(RedeemRefused) as info:
        quote_redemption(R, 501, bill_cents=yuan("100.00"), available_points=500)
    assert info.value.problem is RedeemProblem.INSUFFICIENT_POINTS
    assert info.value.limit == 500


def test_redeem_with_a_negative_balance_reports_zero_available() -> None:
    with pytest.raises(RedeemRefused) as info:
        quote_redemption(R, 100, bill_cents=yuan("100.00"), available_points=-40)
    assert info.value.problem is RedeemProblem.INSUFFICIENT_POINTS
    assert info.value.limit == 0


def test_redeem_below_minimum() -> None:
    assert quote_redemption(R, 100, bill_cents=yuan("100.00"), available_points=1000).value_cents == 100
    with pytest.raises(RedeemRefused) as info:
        quote_redemption(R, 99, bill_cents=yuan("100.00"), available_points=1000)
    assert info.value.problem is RedeemProblem.BELOW_MINIMUM
    assert info.value.limit == 100


def test_redeem_over_bill_share() -> None:
    # 25.00 yuan bill: at most 50 % = 12.50 yuan = 1,250 points
    assert quote_redemption(R, 1250, bill_cents=yuan("25.00"), available_points=5000).value_cents == 1250
    with pytest.raises(RedeemRefused) as info:
        quote_redemption(R, 1251, bill_cents=yuan("25.00"), available_points=5000)
    assert info.value.problem is RedeemProblem.OVER_BILL_SHARE
    assert info.value.limit == 1250


def test_redeem_share_of_an_odd_bill_rounds_down() -> None:
    # 25.01 yuan: half is 12.505 yuan -> 1,250 cents -> 1,250 points
    with pytest.raises(RedeemRefused) as info:
        quote_redemption(R, 1251, bill_cents=yuan("25.01"), available_points=5000)
    assert info.value.limit == 1250


@pytest.mark.parametrize("points", [0, -100])
def test_redeem_not_positive(points: int) -> None:
    with pytest.raises(RedeemRefused) as info:
        quote_redemption(R, points, bill_cents=0, available_points=0)
    assert info.value.problem is RedeemProblem.NOT_POSITIVE


@pytest.mark.parametrize("bill", [0, -100])
def test_redeem_without_a_bill(bill: int) -> None:
    with pytest.raises(RedeemRefused) as info:
        quote_redemption(R, 50, bill_cents=bill, available_points=0)
    assert info.value.problem is RedeemProblem.NO_BILL


def test_redeem_not_whole_cents() -> None:
    coarse = with_changes(redeem_points_per_yuan=200)  # 2 points = 1 cent
    with pytest.raises(RedeemRefused) as info:
        quote_redemption(coarse, 101, bill_cents=yuan("1.00"), available_points=0)
    assert info.value.problem is RedeemProblem.NOT_WHOLE_CENTS
    assert info.value.limit == 2
    assert quote_redemption(coarse, 100, bill_cents=yuan("1.00"), available_points=100).value_cents == 50


def test_redeem_check_order() -> None:
    """Each problem is reported only when the ones before it are absent."""
    coarse = with_changes(redeem_points_per_yuan=200, redeem_min_points=100)

    def problem(points: int, bill: int, available: int) -> RedeemProblem:
        with pytest.raises(RedeemRefused) as info:
            quote_redemption(coarse, points, bill, available)
        return info.value.problem

    assert problem(0, 0, 0) is RedeemProblem.NOT_POSITIVE
    assert problem(51, 0, 0) is RedeemProblem.NO_BILL
    assert problem(51, 10, 0) is RedeemProblem.NOT_WHOLE_CENTS
    assert problem(50, 10, 0) is RedeemProblem.BELOW_MINIMUM
    assert problem(200, 10, 0) is RedeemProblem.INSUFFICIENT_POINTS
    assert problem(200, 10, 10_000) is RedeemProblem.OVER_BILL_SHARE


def test_redeem_refused_is_a_value_error() -> None:
    assert issubclass(RedeemRefused, ValueError)
    assert issubclass(EarnRefused, ValueError)


def test_redeem_refuses_non_int_arguments() -> None:
    with pytest.raises(TypeError):
        quote_redemption(R, 100.0, 10_000, 1000)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        max_redeemable_points(R, 10_000, True)


@pytest.mark.parametrize(
    ("bill", "available", "expected"),
    [
        (yuan("100.00"), 10_000, 5000),  # share-bound: half of 100 yuan
        (yuan("100.00"), 1234, 1234),  # balance-bound
        (yuan("100.00"), 5000, 5000),  # both bounds equal
        (yuan("25.01"), 10_000, 1250),  # share rounded down to the cent
        (yuan("2.00"), 10_000, 100),  # share exactly the minimum
        (yuan("1.99"), 10_000, 0),  # share 99 points: below the minimum
        (yuan("100.00"), 99, 0),  # balance below the minimum
        (yuan("100.00"), 100, 100),
        (0, 10_000, 0),
        (yuan("100.00"), 0, 0),
        (yuan("100.00"), -50, 0),
    ],
)
def test_max_redeemable_points(bill: int, available: int, expected: int) -> None:
    assert max_redeemable_points(R, bill, available) == expected


def test_max_redeemable_points_in_whole_steps() -> None:
    coarse = with_changes(redeem_points_per_yuan=200)  # 2 points = 1 cent
    assert max_redeemable_points(coarse, yuan("100.00"), 1235) == 1234
    assert max_redeemable_points(coarse, yuan("3.01"), 10_000) == 300  # 150 cents = 300 points


_RATES = [1, 2, 4, 5, 10, 20, 25, 50, 100, 200, 300, 500, 1000]


@st.composite
def redeem_rules(draw: st.DrawFn) -> PointsRules:
    rate = draw(st.sampled_from(_RATES))
    step = max(1, rate // 100)  # the whole-cent rule: rates divide 100 or are multiples of 100
    return with_changes(
        redeem_points_per_yuan=rate,
        redeem_min_points=step * draw(st.integers(min_value=1, max_value=200)),
        redeem_max_bill_pct=draw(st.integers(min_value=1, max_value=100)),
    )


@given(
    rules=st.one_of(st.just(DEFAULT_RULES), redeem_rules()),
    bill=st.integers(min_value=-100, max_value=MAX_RECEIPT_CENTS),
    available=st.integers(min_value=-1000, max_value=10_000_000),
)
def test_max_redeemable_is_allowed_and_one_step_more_is_not(rules: PointsRules, bill: int, available: int) -> None:
    most = max_redeemable_points(rules, bill, available)
    step = rules.redeem_step_points
    assert most >= 0
    assert most % step == 0
    if most >= rules.redeem_min_points:
        quote = quote_redemption(rules, most, bill, available)
        assert quote.points == most
        assert quote.value_cents * 100 <= bill * rules.redeem_max_bill_pct
        with pytest.raises(RedeemRefused) as info:
            quote_redemption(rules, most + step, bill, available)
        assert info.value.problem in (RedeemProblem.INSUFFICIENT_POINTS, RedeemProblem.OVER_BILL_SHARE)
    else:
        assert most == 0
        if bill > 0:  # not even the minimum is allowed
            with pytest.raises(RedeemRefused):
                quote_redemption(rules, rules.redeem_min_points, bill, available)


@given(rules=st.one_of(st.just(DEFAULT_RULES), redeem_rules()), cents=st.integers(min_value=0, max_value=10**9))
def test_points_for_cents_never_pays_more_than_asked(rules: PointsRules, cents: int) -> None:
    points = points_for_cents(rules, cents)
    value = points_value_cents(rules, points)
    assert value <= cents
    assert cents - value < rules.redeem_step_cents  # and as close as the steps allow
    assert points % rules.redeem_step_points == 0


# --- rules: JSON round trip and validation ---------------------------------------------------------------------------


def test_rules_round_trip() -> None:
    data = DEFAULT_RULES.to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data  # JSON-able as is
    assert PointsRules.from_dict(json.loads(json.dumps(data))) == DEFAULT_RULES
    other = with_changes(version=3, bonus_pct={"own_bag": 10, "app_order": 5}, redeem_points_per_yuan=200)
    assert PointsRules.from_dict(other.to_dict()) == other
    assert PointsRules.from_dict(other.to_dict()) != DEFAULT_RULES


def test_the_expiry_rule_travels_only_when_the_chain_has_one() -> None:
    """No expiry: no field, so a till from before issue 18 reads the rules as before; an expiry rule round-trips,
    and a till that does not know the field refuses the rules rather than half-apply them."""
    assert "expiry" not in DEFAULT_RULES.to_dict() and DEFAULT_RULES.expiry == NO_EXPIRY
    cleared = with_changes(version=2, expiry=ExpiryRule(ExpiryKind.YEAR_END, years_kept=1))
    data = json.loads(json.dumps(cleared.to_dict()))
    assert data["expiry"] == {"kind": "year_end", "years_kept": 1}
    assert PointsRules.from_dict(data) == cleared and PointsRules.from_dict(data) != DEFAULT_RULES
    older = {key: value for key, value in data.items() if key != "expiry"}
    assert PointsRules.from_dict(older).expiry == NO_EXPIRY


def bad(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """The default rules as JSON with the value at ``path`` replaced (or removed when ``value`` is ``...``)."""
    data: Any = copy.deepcopy(DEFAULT_RULES.to_dict())
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    result: dict[str, Any] = data
    return result


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (bad(("earn_points_per_yuan",), -1), "earn_points_per_yuan"),
        (bad(("earn_points_per_yuan",), 0), "earn_points_per_yuan"),
        (bad(("redeem_points_per_yuan",), -100), "redeem_points_per_yuan"),
        (bad(("redeem_points_per_yuan",), 30), "redeem_points_per_yuan"),  # 30 points = 1 yuan: not whole cents
        (bad(("redeem_points_per_yuan",), 150), "redeem_points_per_yuan"),
        (bad(("version",), ...), "version"),
        (bad(("bonus_pct",), ...), "bonus_pct"),
        (bad(("tiers", 2, "min_spend_cents"), ...), "tiers[2].min_spend_cents"),
        (bad(("tiers", 2, "min_spend_cents"), 100_000), "tiers[2].min_spend_cents"),  # unsorted
        (bad(("tiers", 1, "min_spend_cents"), 800_000), "tiers[2].min_spend_cents"),  # equal to the next
        (bad(("tiers", 0, "min_spend_cents"), 1), "tiers[0].min_spend_cents"),
        (bad(("tiers", 3, "code"), "gold"), "tiers[3].code"),
        (bad(("tiers", 3, "code"), ""), "tiers[3].code"),
        (bad(("tiers", 3, "name"), " 白金"), "tiers[3].name"),
        (bad(("tiers", 1, "earn_multiplier_pct"), 50), "tiers[1].earn_multiplier_pct"),
        (bad(("tiers", 1, "earn_multiplier_pct"), 120.0), "tiers[1].earn_multiplier_pct"),
        (bad(("tiers", 1), "silver"), "tiers[1]"),
        (bad(("tiers",), []), "tiers"),
        (bad(("tiers",), "normal"), "tiers"),
        (bad(("birthday_multiplier_pct",), 5000), "birthday_multiplier_pct"),
        (bad(("bonus_pct", "own_bag"), 0), "bonus_pct.own_bag"),
        (bad(("bonus_pct",), {"": 10}), "bonus_pct"),
        (bad(("bonus_pct",), [10]), "bonus_pct"),
        (bad(("redeem_min_points",), 0), "redeem_min_points"),
        (bad(("redeem_max_bill_pct",), 101), "redeem_max_bill_pct"),
        (bad(("redeem_max_bill_pct",), True), "redeem_max_bill_pct"),
        (bad(("offline_redeem_cap_points",), -1), "offline_redeem_cap_points"),
        (bad(("reversal_approval_points",), "500"), "reversal_approval_points"),
        (bad(("version",), 0), "version"),
        (bad(("surprise",), 1), "surprise"),
        (bad(("expiry",), {"kind": "rolling", "months": 0}), "expiry"),
        (bad(("expiry",), "year_end"), "expiry"),
    ],
)
def test_from_dict_refuses_bad_data_naming_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRules) as info:
        PointsRules.from_dict(data)
    assert info.value.field == field
    assert str(info.value).startswith(field + ":")
    assert isinstance(info.value, ValueError)


def test_from_dict_refuses_a_non_object() -> None:
    with pytest.raises(InvalidRules):
        PointsRules.from_dict([])  # type: ignore[arg-type]


def test_minimum_must_be_whole_steps() -> None:
    with pytest.raises(InvalidRules) as info:
        with_changes(redeem_points_per_yuan=200, redeem_min_points=101)
    assert info.value.field == "redeem_min_points"


def test_constructor_validates_too() -> None:
    with pytest.raises(InvalidRules) as info:
        Tier(code="x", name="X", min_spend_cents=-1, earn_multiplier_pct=100)
    assert info.value.field == "min_spend_cents"
    with pytest.raises(InvalidRules) as info:
        with_changes(tiers=tuple(reversed(DEFAULT_RULES.tiers)))
    assert info.value.field == "tiers[0].min_spend_cents"
    with pytest.raises(InvalidRules) as info:
        with_changes(redeem_max_bill_pct=0)
    assert info.value.field == "redeem_max_bill_pct"


# -- what the till checks before it writes and the server again when the entry arrives ------------------------------


def test_a_bill_above_the_receipt_limit_pays_no_points() -> None:
    with pytest.raises(RedeemRefused) as refused:
        quote_redemption(DEFAULT_RULES, 100, 10**20, 10**6)
    assert refused.value.problem is RedeemProblem.BILL_TOO_LARGE and refused.value.limit == MAX_RECEIPT_CENTS
    assert quote_redemption(DEFAULT_RULES, 100, MAX_RECEIPT_CENTS, 10**6).points == 100


def test_the_stand_in_cap_and_the_reversal_threshold_at_their_edges() -> None:
    cap = DEFAULT_RULES.offline_redeem_cap_points  # 2,000
    assert not over_offline_cap(DEFAULT_RULES, cap - 100, 100) and over_offline_cap(DEFAULT_RULES, cap - 100, 101)
    assert offline_cap_left(DEFAULT_RULES, cap - 300) == 300 and offline_cap_left(DEFAULT_RULES, cap + 5) == 0
    threshold = DEFAULT_RULES.reversal_approval_points  # 500
    assert not reversal_needs_approval(DEFAULT_RULES, -threshold) and reversal_needs_approval(
        DEFAULT_RULES, threshold + 1
    )


def test_the_most_a_receipt_may_earn_takes_the_best_tier_the_rules_know_and_only_their_bonuses() -> None:
    best = best_earn_points(DEFAULT_RULES, 100_00, {"normal", "gold", "diamond"}, bonuses=("own_bag", "free_lunch"))
    assert (best.base_points, best.bonus_points) == (150, 15)  # gold, own bag; no diamond tier, no free lunch
    assert best_earn_points(DEFAULT_RULES, 100_00, {"silver"}, birthday_month=True).points == 240
    with pytest.raises(EarnRefused) as refused:
        best_earn_points(DEFAULT_RULES, 100_00, {"diamond"})
    assert refused.value.problem is EarnProblem.UNKNOWN_TIER
    with pytest.raises(EarnRefused):
        best_earn_points(DEFAULT_RULES, MAX_RECEIPT_CENTS + 1, {"normal"})
