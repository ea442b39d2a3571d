"""Tiers from rolling 12-month spend, progress to the next tier, and the birthday month.

This module owns which tier a spend reaches, how far a member is from the next one, what counts as "the last
12 months" of purchases, and whether today is in a member's birthday month. The server computes tiers with it; the
till uses it to show progress. Integer arithmetic only; progress percent rounds down (see ``loyalty.points``).

The 12-month window is (now − 12 calendar months, now]: a purchase exactly 12 months ago (same wall-clock time on the
same day of the month a year earlier, in ``now``'s time zone) is *excluded*, one a microsecond later is included;
a purchase after ``now`` (a till's clock ahead) is excluded. When ``now`` is 29 February the window starts on
28 February of the year before (the last day of that February).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from loyalty.rules import PointsRules, Tier

__all__ = [
    "TierProgress",
    "is_birthday_month",
    "rolling_spend_cents",
    "tier_after_change",
    "tier_for_spend",
    "tier_kept_until",
    "tier_progress",
    "tier_with_grace",
    "twelve_months_before",
]


@dataclass(frozen=True, slots=True)
class TierProgress:
    """Where a spend stands: its tier, the next one, and how far there is to go."""

    current: Tier
    next: Tier | None  # None at the top tier
    spend_cents: int
    needed_cents: int  # still to spend to reach ``next``; 0 at the top
    percent: int  # 0..100: floor progress from current.min to next.min (100 at the top tier)


def _require_int(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return value


def tier_for_spend(rules: PointsRules, spend_cents: int) -> Tier:
    """The highest tier whose ``min_spend_cents`` the spend reaches (the first tier for no or negative spend)."""
    spend_cents = _require_int("spend_cents", spend_cents)
    reached = rules.tiers[0]
    for tier in rules.tiers[1:]:
        if spend_cents < tier.min_spend_cents:
            break
        reached = tier
    return reached


def tier_progress(rules: PointsRules, spend_cents: int) -> TierProgress:
    """The tier of ``spend_cents`` and the progress to the next. ``percent`` never shows 100 before the next tier is
    reached (it rounds down); a negative spend counts as 0 for ``percent`` and ``needed_cents``."""
    current = tier_for_spend(rules, spend_cents)
    index = rules.tiers.index(current)
    if index + 1 == len(rules.tiers):
        return TierProgress(current=current, next=None, spend_cents=spend_cents, needed_cents=0, percent=100)
    following = rules.tiers[index + 1]
    counted = max(spend_cents, 0)
    span = following.min_spend_cents - current.min_spend_cents
    percent = ((counted - current.min_spend_cents) * 100) // span
    return TierProgress(
        current=current,
        next=following,
        spend_cents=spend_cents,
        needed_cents=following.min_spend_cents - counted,
        percent=percent,
    )


def _require_aware(name: str, moment: object) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a time-zone-aware datetime, got naive {moment.isoformat()}")
    return moment


def twelve_months_before(now: datetime) -> datetime:
    """The same wall-clock time on the same day of the month a year earlier; 29 February becomes 28 February."""
    now = _require_aware("now", now)
    try:
        return now.replace(year=now.year - 1)
    except ValueError:  # 29 February, and the year before is not a leap year
        return now.replace(year=now.year - 1, day=28)


def rolling_spend_cents(purchases: Iterable[tuple[datetime, int]], now: datetime) -> int:
    """The sum of purchase amounts (cents) with ``now - 12 months < at <= now``; aware datetimes only.

    Amounts may be negative (returns); the total is never below 0. Raises ``ValueError`` for a naive datetime (``now``
    or any purchase's) and ``TypeError`` for an amount that is not an int.
    """
    start = twelve_months_before(now)
    total = 0
    for at, amount in purchases:
        at = _require_aware("purchase time", at)
        amount = _require_int("purchase amount", amount)
        if start < at <= now:
            total += amount
    return max(total, 0)


def is_birthday_month(birthday: date | None, today: date) -> bool:
    """Whether ``today`` falls in the month of the member's birthday (any year); False when the birthday is unknown."""
    if birthday is None:
        return False
    return birthday.month == today.month


def tier_rank(rules: PointsRules, code: str) -> int:
    """A tier's place in the rules' ladder, from 0 for the first; -1 for a code the rules do not have."""
    return next((n for n, tier in enumerate(rules.tiers) if tier.code == code), -1)


def tier_with_grace(
    rules: PointsRules, held: str, spend_cents: int, below_since: datetime | None, now: datetime, grace_days: int
) -> tuple[str, datetime | None]:
    """The tier a member has at `now` under the downgrade grace, and since when their spend has been below it.

    A spend that reaches a higher tier moves the member up at once. A spend below the held tier starts the grace
    (`below_since` = now) and the member keeps the tier until `grace_days` have passed, then moves to the tier the
    spend reaches. A spend back at the held tier ends the grace. A held tier the rules no longer have is left at once.
    """
    reached = tier_for_spend(rules, spend_cents)
    codes = [tier.code for tier in rules.tiers]
    if held not in codes or codes.index(reached.code) >= codes.index(held):
        return reached.code, None
    since = below_since if below_since is not None else now
    if now - since >= timedelta(days=grace_days):
        return reached.code, None
    return held, since


def tier_kept_until(
    rules: PointsRules,
    held: str,
    purchases: Iterable[tuple[datetime, int]],
    below_since: datetime | None,
    now: datetime,
    grace_days: int,
    zone: tzinfo,
) -> date | None:
    """The last day (in `zone`) a member surely keeps the tier `held` if they buy nothing more, with the nightly
    refresh moving tiers down (`tier_with_grace`); None for the first tier, which nobody moves down from.

    In grace (`below_since` set by a refresh) the refresh `grace_days` after it moves them down: the day before is
    the last. Otherwise their 12-month spend falls below the tier's minimum when enough of their `purchases`
    (time, amount) have left the window, oldest first; the refresh that night starts the grace, so the tier is kept
    until that day plus `grace_days`. A spend already below the minimum counts from today."""
    codes = [tier.code for tier in rules.tiers]
    if held not in codes or codes.index(held) == 0:
        return None
    if below_since is not None:
        return below_since.astimezone(zone).date() + timedelta(days=grace_days - 1)
    minimum = rules.tiers[codes.index(held)].min_spend_cents
    start = twelve_months_before(now)
    counted = sorted((at, cents) for at, cents in purchases if start < at <= now)
    remaining = sum(cents for _at, cents in counted)
    falls = now
    for at, cents in counted:
        if remaining < minimum:
            break
        remaining -= cents
        falls = _leaves_window(at)
    if remaining >= minimum:  # not below even with every purchase gone: only if the minimum is 0 or less
        return None
    return max(falls, now).astimezone(zone).date() + timedelta(days=grace_days)


def _leaves_window(at: datetime) -> datetime:
    """When a purchase made at `at` is first outside the 12 months (`twelve_months_before` of that time reaches it):
    a year later, and 1 March for 29 February."""
    try:
        return at.replace(year=at.year + 1)
    except ValueError:
        return at.replace(year=at.year + 1, month=3, day=1)


def tier_after_change(
    rules: PointsRules, held: str, below_since: datetime | None, reached: str
) -> tuple[str, datetime | None]:
    """The tier after a purchase, return or correction changed the spend to one that reaches `reached`. A member in
    their downgrade grace (`below_since` set by the nightly refresh, `tier_with_grace`) keeps the tier they hold
    until the spend reaches it again; otherwise the tier is what the spend reaches, at once, up or down: a return
    or a reversed purchase undoes the spend it stood for. Grace is for spend that ages out of the 12 months."""
    codes = [tier.code for tier in rules.tiers]
    if below_since is not None and held in codes and codes.index(held) > codes.index(reached):
        return held, below_since
    return reached, None
