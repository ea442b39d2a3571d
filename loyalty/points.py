"""Earning and redeeming points: the integer arithmetic that applies a ``PointsRules`` to a receipt.

This module owns how many points a purchase earns and how many points may pay how much of a bill.

Rounding, stated once for the whole loyalty package: **every division rounds down** (floor), in the member's
disfavour by at most one unit, and only once per figure: earned points are computed with a single integer floor
division at the end (never rounding intermediate products); each bonus is a floor of the base points; a redemption's
value in cents is exact (``loyalty.rules`` only allows rates where points map to whole cents) and the points a
cashier may use are rounded down to whole redemption steps, so points never pay more than the rule allows.
No floats anywhere: money is integer cents, points are integers, multipliers are integer percent.

Errors the cashier must understand are ``EarnRefused`` / ``RedeemRefused`` (``ValueError``), each with a ``problem``
code for the UI to translate and, where useful, a ``limit`` to show ("at most 1,250 points"). Passing a non-integer
to the redemption functions is a programming error and raises ``TypeError``; a service that takes points and a bill
from outside (a screen, the POS) checks them first with ``whole_redemption``, which refuses them as NOT_INTEGER.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from loyalty.rules import PointsRules, UnknownTier

__all__ = [
    "MAX_RECEIPT_CENTS",
    "EarnProblem",
    "EarnQuote",
    "EarnRefused",
    "RedeemProblem",
    "RedeemQuote",
    "RedeemRefused",
    "best_earn_points",
    "earn_points",
    "max_redeemable_points",
    "offline_cap_left",
    "over_offline_cap",
    "points_for_cents",
    "points_value_cents",
    "quote_redemption",
    "refund_left_cents",
    "refund_points",
    "reversal_needs_approval",
    "whole_redemption",
]

MAX_RECEIPT_CENTS: Final = 10_000_000
"""The largest receipt that earns points: 100,000 yuan. Anything larger is refused as a likely keying error."""

_PCT: Final = 100
_CENTS_PER_YUAN: Final = 100


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _require_int(name: str, value: object) -> int:
    if not _is_int(value):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    assert isinstance(value, int)
    return value


# --- earning ---------------------------------------------------------------------------------------------------------


class EarnProblem(StrEnum):
    """Why a purchase cannot earn points."""

    NOT_INTEGER = "not_integer"  # the amount is not an int number of cents (a float, a bool, a string...)
    NOT_POSITIVE = "not_positive"
    TOO_LARGE = "too_large"
    UNKNOWN_TIER = "unknown_tier"
    UNKNOWN_BONUS = "unknown_bonus"


class EarnRefused(ValueError):
    """The purchase cannot earn points; ``problem`` says why, ``limit`` is the receipt cap for ``TOO_LARGE``."""

    def __init__(self, problem: EarnProblem, message: str, *, limit: int | None = None) -> None:
        super().__init__(message)
        self.problem = problem
        self.limit = limit


@dataclass(frozen=True, slots=True)
class EarnQuote:
    """The points a purchase earns under one rule version."""

    points: int  # total awarded: base_points + bonus_points
    base_points: int  # floor(amount × base rate × tier × birthday) before bonuses
    bonus_points: int  # sum over the bonuses of floor(base_points × bonus_pct / 100)
    rule_version: int


def earn_points(
    rules: PointsRules,
    amount_cents: int,
    tier_code: str,
    *,
    birthday_month: bool = False,
    bonuses: Collection[str] = (),
) -> EarnQuote:
    """The points earned by a receipt of ``amount_cents`` for a member of tier ``tier_code``.

    base = floor(amount_cents × earn_points_per_yuan × tier_pct × birthday_pct / (100 × 100 × 100)), with
    birthday_pct = 100 outside the birthday month; each named bonus adds floor(base × bonus_pct / 100). A bonus named
    twice counts once. Checks, in order: NOT_INTEGER, NOT_POSITIVE, TOO_LARGE, UNKNOWN_TIER, UNKNOWN_BONUS.
    """
    if not _is_int(amount_cents):
        raise EarnRefused(EarnProblem.NOT_INTEGER, f"amount must be whole cents, got {type(amount_cents).__name__}")
    if amount_cents <= 0:
        raise EarnRefused(EarnProblem.NOT_POSITIVE, f"amount must be positive, got {amount_cents} cents")
    if amount_cents > MAX_RECEIPT_CENTS:
        raise EarnRefused(
            EarnProblem.TOO_LARGE,
            f"amount {amount_cents} cents is above the {MAX_RECEIPT_CENTS} cents receipt limit",
            limit=MAX_RECEIPT_CENTS,
        )
    try:
        tier = rules.tier(tier_code)
    except UnknownTier:
        raise EarnRefused(EarnProblem.UNKNOWN_TIER, f"unknown tier {tier_code!r}") from None
    if isinstance(bonuses, str):  # a str is a Collection[str] of its letters: surely a mistake
        raise TypeError("bonuses must be a collection of bonus names, not a single string")
    names = sorted(set(bonuses))
    unknown = [name for name in names if name not in rules.bonus_pct]
    if unknown:
        raise EarnRefused(EarnProblem.UNKNOWN_BONUS, f"unknown bonus(es): {', '.join(map(repr, unknown))}")

    birthday_pct = rules.birthday_multiplier_pct if birthday_month else _PCT
    base = (amount_cents * rules.earn_points_per_yuan * tier.earn_multiplier_pct * birthday_pct) // (
        _CENTS_PER_YUAN * _PCT * _PCT
    )
    bonus = sum((base * rules.bonus_pct[name]) // _PCT for name in names)
    return EarnQuote(points=base + bonus, base_points=base, bonus_points=bonus, rule_version=rules.version)


def best_earn_points(
    rules: PointsRules,
    amount_cents: int,
    tier_codes: Collection[str],
    *,
    birthday_month: bool = False,
    bonuses: Collection[str] = (),
) -> EarnQuote:
    """The most a receipt may earn under ``rules``: at the best of the tiers the member may be taken to hold (the
    ones the rules know), with only the bonuses the rules know. What the server allows an entry a till made; the till
    itself earns with ``earn_points`` at the tier it shows, which is one of these. Refuses what ``earn_points``
    refuses about the amount, and UNKNOWN_TIER when the rules know none of the tiers."""
    known = [code for code in tier_codes if any(tier.code == code for tier in rules.tiers)]
    if not known:
        raise EarnRefused(EarnProblem.UNKNOWN_TIER, "none of the member's tiers is in these rules")
    if isinstance(bonuses, str):
        raise TypeError("bonuses must be a collection of bonus names, not a single string")
    valid = [name for name in bonuses if name in rules.bonus_pct]
    quotes = [earn_points(rules, amount_cents, code, birthday_month=birthday_month, bonuses=valid) for code in known]
    return max(quotes, key=lambda quote: quote.points)


# --- redeeming -------------------------------------------------------------------------------------------------------


class RedeemProblem(StrEnum):
    """Why a redemption is refused, in the order they are checked (the first one found is reported)."""

    NOT_POSITIVE = "not_positive"
    BELOW_MINIMUM = "below_minimum"
    OVER_BILL_SHARE = "over_bill_share"
    INSUFFICIENT_POINTS = "insufficient_points"
    NOT_WHOLE_CENTS = "not_whole_cents"
    NO_BILL = "no_bill"
    BILL_TOO_LARGE = "bill_too_large"
    NOT_INTEGER = "not_integer"  # the points or the bill are not a whole number (100.5, "100", True)


class RedeemRefused(ValueError):
    """A redemption the rules do not allow; ``limit`` is the bound the cashier should see, when there is one.

    BELOW_MINIMUM: the minimum points; INSUFFICIENT_POINTS: the available balance (0 if negative); OVER_BILL_SHARE: the
    most points the bill's share allows; NOT_WHOLE_CENTS: the step the points must be a multiple of.
    """

    def __init__(self, problem: RedeemProblem, message: str, *, limit: int | None = None) -> None:
        super().__init__(message)
        self.problem = problem
        self.limit = limit


@dataclass(frozen=True, slots=True)
class RedeemQuote:
    """An allowed redemption: ``points`` pay ``value_cents`` of the bill."""

    points: int
    value_cents: int
    rule_version: int


def points_value_cents(rules: PointsRules, points: int) -> int:
    """The value of ``points`` in cents, rounded down (exact for a whole number of redemption steps)."""
    points = _require_int("points", points)
    if points < 0:
        raise ValueError(f"points must not be negative, got {points}")
    return (points * _CENTS_PER_YUAN) // rules.redeem_points_per_yuan


def points_for_cents(rules: PointsRules, cents: int) -> int:
    """The points that pay ``cents``: exact when ``cents`` is a whole number of steps, else the largest number of
    points whose value stays below ``cents``. Always a whole number of redemption steps."""
    cents = _require_int("cents", cents)
    if cents < 0:
        raise ValueError(f"cents must not be negative, got {cents}")
    return (cents * rules.redeem_points_per_yuan) // _CENTS_PER_YUAN


def _bill_share_points(rules: PointsRules, bill_cents: int) -> int:
    """The most points the bill's share allows (share of the bill rounded down to cents, then to whole steps)."""
    share_cents = (bill_cents * rules.redeem_max_bill_pct) // _PCT
    return points_for_cents(rules, share_cents)


def max_redeemable_points(rules: PointsRules, bill_cents: int, available_points: int) -> int:
    """The most points that may pay this bill: within the bill's share, within the balance, in whole steps.

    0 when that is below the rules' minimum (or there is no bill or no balance).
    """
    bill_cents = _require_int("bill_cents", bill_cents)
    available_points = _require_int("available_points", available_points)
    if bill_cents <= 0 or available_points <= 0:
        return 0
    step = rules.redeem_step_points
    most = min(_bill_share_points(rules, bill_cents), available_points - available_points % step)
    return most if most >= rules.redeem_min_points else 0


def whole_redemption(points: object, bill_cents: object) -> tuple[int, int]:
    """``points`` and ``bill_cents`` as they came from outside, refused with NOT_INTEGER unless both are ints (a
    float, a numeric string and a bool are not): the check a service makes before ``quote_redemption``."""
    for name, value in (("points", points), ("bill_cents", bill_cents)):
        if not _is_int(value):
            raise RedeemRefused(RedeemProblem.NOT_INTEGER, f"{name} must be a whole number, got {type(value).__name__}")
    assert isinstance(points, int) and isinstance(bill_cents, int)
    return points, bill_cents


def quote_redemption(rules: PointsRules, points: int, bill_cents: int, available_points: int) -> RedeemQuote:
    """Check a redemption of ``points`` against a bill and a balance; raises ``RedeemRefused`` with the first problem.

    Order: NOT_POSITIVE, NO_BILL, BILL_TOO_LARGE, NOT_WHOLE_CENTS, BELOW_MINIMUM, INSUFFICIENT_POINTS,
    OVER_BILL_SHARE. Redeeming the exact balance is allowed; one point more is refused. A bill above the receipt limit
    (the one earning has) is refused: points would pay a share of a keying error.
    """
    points = _require_int("points", points)
    bill_cents = _require_int("bill_cents", bill_cents)
    available_points = _require_int("available_points", available_points)
    if points <= 0:
        raise RedeemRefused(RedeemProblem.NOT_POSITIVE, f"points must be positive, got {points}")
    if bill_cents <= 0:
        raise RedeemRefused(RedeemProblem.NO_BILL, f"there is no bill to pay (bill is {bill_cents} cents)")
    if bill_cents > MAX_RECEIPT_CENTS:
        raise RedeemRefused(
            RedeemProblem.BILL_TOO_LARGE,
            f"a bill of {bill_cents} cents is above the {MAX_RECEIPT_CENTS} cents receipt limit",
            limit=MAX_RECEIPT_CENTS,
        )
    step = rules.redeem_step_points
    if points % step != 0:
        raise RedeemRefused(
            RedeemProblem.NOT_WHOLE_CENTS,
            f"points must be a multiple of {step} to be worth whole cents, got {points}",
            limit=step,
        )
    if points < rules.redeem_min_points:
        raise RedeemRefused(
            RedeemProblem.BELOW_MINIMUM,
            f"at least {rules.redeem_min_points} points per redemption, got {points}",
            limit=rules.redeem_min_points,
        )
    if points > available_points:
        raise RedeemRefused(
            RedeemProblem.INSUFFICIENT_POINTS,
            f"only {available_points} points available, asked for {points}",
            limit=max(available_points, 0),
        )
    share_points = _bill_share_points(rules, bill_cents)
    if points > share_points:
        raise RedeemRefused(
            RedeemProblem.OVER_BILL_SHARE,
            f"at most {share_points} points ({rules.redeem_max_bill_pct} % of the bill), asked for {points}",
            limit=share_points,
        )
    return RedeemQuote(points=points, value_cents=points_value_cents(rules, points), rule_version=rules.version)


# --- the stand-in cap and approvals ------------------------------------------------------------------------------


def over_offline_cap(rules: PointsRules, redeemed_today: int, points: int) -> bool:
    """Whether redeeming ``points`` more without online authorization, after ``redeemed_today`` points this member
    already redeemed so at this till on this store day, goes past the rules' stand-in cap (a manager approves more).
    The till asks it before writing, the server again when the entry arrives."""
    return redeemed_today + points > rules.offline_redeem_cap_points


def offline_cap_left(rules: PointsRules, redeemed_today: int) -> int:
    """How many points may still be redeemed offline today without a manager (never negative)."""
    return max(rules.offline_redeem_cap_points - redeemed_today, 0)


def reversal_needs_approval(rules: PointsRules, points: int) -> bool:
    """Whether reversing an entry of ``points`` (either sign) needs a manager's approval."""
    return abs(points) > rules.reversal_approval_points


# --- refunds -----------------------------------------------------------------------------------------------------


def refund_points(original_points: int, base_cents: int, refunded_before_cents: int, refunding_cents: int) -> int:
    """The points a refund of ``refunding_cents`` moves on an entry of ``original_points`` whose sale was
    ``base_cents`` (an earn's amount, a redemption's bill), after ``refunded_before_cents`` were given back already.

    The points go the opposite way of the original's, in proportion to the money given back, counted on the
    running total: the refunds up to now move floor(|points| × refunded ÷ base) in all (one floor division for the
    whole, as everywhere in this package), so a sale refunded in parts moves exactly the original's points once it
    is refunded whole, and no part moves a point more than the whole would. Money beyond the base counts as the
    base (the caller refuses or flags it: ``refund_left_cents``)."""
    for name, value in (
        ("original_points", original_points),
        ("base_cents", base_cents),
        ("refunded_before_cents", refunded_before_cents),
        ("refunding_cents", refunding_cents),
    ):
        _require_int(name, value)
    if base_cents <= 0 or original_points == 0:
        return 0
    before = min(max(refunded_before_cents, 0), base_cents)
    after = min(max(refunded_before_cents + refunding_cents, 0), base_cents)
    magnitude = abs(original_points)
    moved = magnitude * after // base_cents - magnitude * before // base_cents
    return -moved if original_points > 0 else moved


def refund_left_cents(base_cents: int, refunded_before_cents: int) -> int:
    """How much money of a sale of ``base_cents`` is still left to refund (never negative)."""
    return max(base_cents - refunded_before_cents, 0)
