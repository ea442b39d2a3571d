"""Points expiry (issue 18): until when each earned point may be used under the chain's rule, which points a member
still holds after their redemptions, and how many have expired by a given day.

The rule (`ExpiryRule`):
- **none**: points never expire;
- **rolling**: points may be used for `months` calendar months after the day they were earned (earned on 31 March
  with 1 month: used up to 30 April, the month's last day);
- **year_end** (年底清零): points earned in a calendar year may be used to the end of that year plus `years_kept`
  years (0: cleared on 31 December of the year earned; 1: at the end of the next year).

Days are the chain's calendar (`zone`): a point earned at 00:30 on 1 January in Shanghai is the new year's.

**Lots, oldest first (FIFO).** Each positive movement (an earn, a positive adjustment) is a lot that may be used
through its last day. Each negative movement (a redemption, a negative adjustment, an expiry) takes points from the
oldest lots first, so the points that expire first are used first. A movement that takes back one earn (a reversal,
a refund's claw-back) names it (`cancels`) and takes from that lot first. A negative movement larger than every lot
left (an offline overdraft the server accepted) leaves a debt that the next lots pay before anything else.

Because both rules keep the lots' last days in the order they were earned, what has expired by a day is always the
oldest part of what is left: an expiry movement of `expired(...)` points, applied like any other negative movement,
takes exactly the expired points.

Pure integers and dates; no I/O (`loyalty` is the shared domain of the till and the server).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Final

__all__ = [
    "NO_EXPIRY",
    "ExpiryKind",
    "ExpiryRule",
    "Holding",
    "InvalidExpiryRule",
    "Lot",
    "Movement",
    "expired",
    "expiring_within",
    "holding",
    "horizon",
    "last_day",
    "net_lots",
    "newest_part",
]

MAX_MONTHS: Final = 120
MAX_YEARS_KEPT: Final = 10


class InvalidExpiryRule(ValueError):
    """A rule document that does not describe an expiry rule."""


class ExpiryKind(StrEnum):
    NONE = "none"
    ROLLING = "rolling"
    YEAR_END = "year_end"


@dataclass(frozen=True, slots=True)
class ExpiryRule:
    kind: ExpiryKind = ExpiryKind.NONE
    months: int = 0  # rolling: months a point may be used after the day it was earned (1-120)
    years_kept: int = 0  # year_end: years after the year earned before the clearing (0-10)

    def __post_init__(self) -> None:
        for name in ("months", "years_kept"):
            value = getattr(self, name)
            if type(value) is not int:
                raise InvalidExpiryRule(f"{name} must be a whole number")
        if self.kind is ExpiryKind.ROLLING and not 1 <= self.months <= MAX_MONTHS:
            raise InvalidExpiryRule(f"a rolling expiry keeps points 1 to {MAX_MONTHS} months")
        if self.kind is ExpiryKind.YEAR_END and not 0 <= self.years_kept <= MAX_YEARS_KEPT:
            raise InvalidExpiryRule(f"a year-end clearing keeps points 0 to {MAX_YEARS_KEPT} extra years")

    @classmethod
    def from_dict(cls, document: Any) -> ExpiryRule:
        """`{"kind": "none"}`, `{"kind": "rolling", "months": 24}` or `{"kind": "year_end", "years_kept": 1}`."""
        if not isinstance(document, dict):
            raise InvalidExpiryRule("the expiry rule is an object")
        unknown = set(document) - {"kind", "months", "years_kept"}
        if unknown:
            raise InvalidExpiryRule(f"unknown expiry fields: {', '.join(sorted(unknown))}")
        try:
            kind = ExpiryKind(document.get("kind", "none"))
        except ValueError:
            raise InvalidExpiryRule("the expiry kind is none, rolling or year_end") from None
        return cls(kind, document.get("months", 0), document.get("years_kept", 0))

    def to_dict(self) -> dict[str, Any]:
        if self.kind is ExpiryKind.ROLLING:
            return {"kind": self.kind.value, "months": self.months}
        if self.kind is ExpiryKind.YEAR_END:
            return {"kind": self.kind.value, "years_kept": self.years_kept}
        return {"kind": self.kind.value}


NO_EXPIRY: Final = ExpiryRule()


def last_day(rule: ExpiryRule, earned_at: datetime, zone: tzinfo) -> date | None:
    """The last day (in `zone`) points earned at `earned_at` may be used; None when they never expire."""
    day = earned_at.astimezone(zone).date()
    if rule.kind is ExpiryKind.ROLLING:
        month_index = day.month - 1 + rule.months
        year, month = day.year + month_index // 12, month_index % 12 + 1
        return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    if rule.kind is ExpiryKind.YEAR_END:
        return date(day.year + rule.years_kept, 12, 31)
    return None


@dataclass(frozen=True, slots=True)
class Movement:
    """A change to a member's points: positive for an earn or a positive adjustment, negative for a redemption, a
    negative adjustment, a reversal or an expiry. `ref` names a positive movement; `cancels` names the one a
    negative movement takes back (a reversal, a refund's claw-back)."""

    at: datetime
    points: int
    ref: str | None = None
    cancels: str | None = None


@dataclass(frozen=True, slots=True)
class Lot:
    """Points still held from one positive movement, usable through `last_day` (None: for ever)."""

    ref: str | None
    earned_at: datetime
    points: int
    last_day: date | None


@dataclass(frozen=True, slots=True)
class Holding:
    """What a member holds: their lots, oldest first, and any debt (points taken beyond every lot, which the next
    lots pay first). `balance` = sum of the lots − the debt = the sum of every movement."""

    lots: tuple[Lot, ...]
    debt: int

    @property
    def balance(self) -> int:
        return sum(lot.points for lot in self.lots) - self.debt


def holding(movements: Iterable[Movement], rule: ExpiryRule, zone: tzinfo) -> Holding:
    """The lots left after every movement, in time order (equal times keep the order given)."""
    lots: list[list[Any]] = []  # [ref, earned_at, points left, last day], oldest first
    debt = 0
    for movement in sorted(movements, key=lambda m: m.at):
        if movement.points > 0:
            paid = min(debt, movement.points)
            debt -= paid
            if movement.points > paid:
                lots.append([movement.ref, movement.at, movement.points - paid, last_day(rule, movement.at, zone)])
            continue
        wanted = -movement.points
        if movement.cancels is not None:
            for lot in lots:
                if lot[0] == movement.cancels:
                    taken = min(lot[2], wanted)
                    lot[2] -= taken
                    wanted -= taken
                    break
        for lot in lots:
            if not wanted:
                break
            taken = min(lot[2], wanted)
            lot[2] -= taken
            wanted -= taken
        debt += wanted
        lots = [lot for lot in lots if lot[2] > 0]
    return Holding(tuple(Lot(ref, at, points, day) for ref, at, points, day in lots), debt)


def net_lots(movements: Iterable[Movement], rule: ExpiryRule, zone: tzinfo) -> list[Lot]:
    """Each positive movement as a lot, less what the movements that cancel it took back (none below 0), oldest
    first: what `newest_part` keeps the newest part of."""
    ordered = sorted(movements, key=lambda m: m.at)
    cancelled: dict[str, int] = {}
    for movement in ordered:
        if movement.points < 0 and movement.cancels is not None:
            cancelled[movement.cancels] = cancelled.get(movement.cancels, 0) - movement.points
    lots: list[Lot] = []
    for movement in ordered:
        if movement.points > 0:
            left = movement.points - (cancelled.get(movement.ref, 0) if movement.ref is not None else 0)
            if left > 0:
                lots.append(Lot(movement.ref, movement.at, left, last_day(rule, movement.at, zone)))
    return lots


def newest_part(balance: int, lots: Sequence[Lot], *, horizon: datetime, horizon_last_day: date | None) -> Holding:
    """What a member holds, from their balance and their lots (`net_lots`) earned since `horizon`, without their
    whole history: every other movement takes from the oldest lots first, so what is held is always the newest part
    of the lots, adding up to the balance (`holding` gives the same; tests/test_expiry.py checks it). A balance above
    these lots is held in lots earned before `horizon`, all usable through `horizon_last_day` at the latest: one lot
    of it, first (the caller picks a horizon whose points have all expired by the day it asks about). A negative
    balance is a debt."""
    if balance <= 0:
        return Holding((), -balance)
    kept: list[Lot] = []
    left = balance
    for lot in reversed(lots):
        if left == 0:
            break
        taken = min(lot.points, left)
        kept.append(Lot(lot.ref, lot.earned_at, taken, lot.last_day))
        left -= taken
    if left:
        kept.append(Lot(None, horizon, left, horizon_last_day))
    return Holding(tuple(reversed(kept)), 0)


def horizon(rule: ExpiryRule, today: date, zone: tzinfo) -> tuple[datetime, date | None]:
    """The earliest moment whose points may still be usable on `today`, and the last day of points earned just
    before it (before `today`, so they have expired): a member's lots from then on, with `newest_part`, tell what
    they hold on `today`. Points never expiring: every lot counts (the start of time, None)."""
    if rule.kind is ExpiryKind.ROLLING:
        year, month = divmod(today.year * 12 + today.month - 1 - rule.months, 12)
        first = date(year, month + 1, 1)  # the month `months` before: its earns may still be good on `today`
        latest = date(today.year, today.month, 1) - timedelta(days=1)  # earned before it: gone by last month's end
    elif rule.kind is ExpiryKind.YEAR_END:
        first = date(today.year - rule.years_kept, 1, 1)
        latest = date(today.year - 1, 12, 31)
    else:
        return datetime.min.replace(tzinfo=zone), None
    return datetime.combine(first, datetime.min.time(), tzinfo=zone), latest


def expired(held: Holding, today: date) -> int:
    """Points whose last day is before `today`: what an expiry movement takes on `today` (after any debt, which
    the lots have already paid)."""
    return sum(lot.points for lot in held.lots if lot.last_day is not None and lot.last_day < today)


def expiring_within(held: Holding, today: date, days: int) -> Sequence[tuple[date, int]]:
    """The points that expire in the `days` from `today` (their last day from `today` on, before `today + days`),
    summed by last day, soonest first: what the card warns about ("N 积分将于 YYYY-MM-DD 过期")."""
    end = today + timedelta(days=days)
    due: dict[date, int] = {}
    for lot in held.lots:
        if lot.last_day is not None and today <= lot.last_day < end:
            due[lot.last_day] = due.get(lot.last_day, 0) + lot.points
    return sorted(due.items())
