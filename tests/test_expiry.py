"""Points expiry's arithmetic (`loyalty.expiry`): the last day of each rule across month ends and the year boundary
on the chain's calendar; redemptions take the oldest points first, a reversal its own earn; an overdraft is paid by
the next earn; and, for any history (hypothesis), the points are conserved, what is left is the newest part of what
was earned, and an expiry movement of the expired points leaves none expired and nothing else touched."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.clock import store_zone
from loyalty.expiry import (
    NO_EXPIRY,
    ExpiryKind,
    ExpiryRule,
    InvalidExpiryRule,
    Movement,
    expired,
    expiring_within,
    holding,
    horizon,
    last_day,
    net_lots,
    newest_part,
)

SHANGHAI = store_zone()
YEAR_END = ExpiryRule(ExpiryKind.YEAR_END)
NEXT_YEAR_END = ExpiryRule(ExpiryKind.YEAR_END, years_kept=1)
TWO_YEARS = ExpiryRule(ExpiryKind.ROLLING, months=24)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_last_day_of_each_rule_on_the_chains_calendar() -> None:
    # 16:30 UTC on 31 December is 00:30 on 1 January in Shanghai: the new year's points
    assert last_day(YEAR_END, utc("2026-12-31 15:59"), SHANGHAI) == date(2026, 12, 31)
    assert last_day(YEAR_END, utc("2026-12-31 16:30"), SHANGHAI) == date(2027, 12, 31)
    assert last_day(NEXT_YEAR_END, utc("2026-03-01 02:00"), SHANGHAI) == date(2027, 12, 31)
    one_month = ExpiryRule(ExpiryKind.ROLLING, months=1)
    assert last_day(one_month, utc("2027-03-31 02:00"), SHANGHAI) == date(2027, 4, 30)  # no 31 April
    assert last_day(TWO_YEARS, utc("2028-02-29 02:00"), SHANGHAI) == date(2030, 2, 28)
    assert last_day(ExpiryRule(ExpiryKind.ROLLING, months=13), utc("2026-12-15 02:00"), SHANGHAI) == date(2028, 1, 15)
    assert last_day(NO_EXPIRY, utc("2026-12-31 02:00"), SHANGHAI) is None


def test_a_year_end_clearing_with_partial_redemptions_across_the_boundary() -> None:
    """500 earned in June 2026, of which a redemption in November takes 200; 300 earned in January 2027. In December
    the card warns of 2026's 300; on 5 January they have expired, and the expiry entry takes exactly those."""
    history = [
        Movement(utc("2026-06-01 04:00"), 500, "e1"),
        Movement(utc("2026-11-20 04:00"), -200),  # a redemption: from e1
        Movement(utc("2027-01-05 04:00"), 300, "e2"),
    ]
    held = holding(history, YEAR_END, SHANGHAI)
    assert [(lot.ref, lot.points, lot.last_day) for lot in held.lots] == [
        ("e1", 300, date(2026, 12, 31)),
        ("e2", 300, date(2027, 12, 31)),
    ]
    assert expiring_within(held, date(2026, 12, 10), 30) == [(date(2026, 12, 31), 300)]
    assert expired(held, date(2027, 1, 5)) == 300  # the refresh of 5 January clears 2026's 300
    history.append(Movement(utc("2027-01-05 18:30"), -300))  # the expiry entry
    after = holding(history, YEAR_END, SHANGHAI)
    assert [(lot.ref, lot.points) for lot in after.lots] == [("e2", 300)] and expired(after, date(2027, 1, 6)) == 0


def test_a_reversal_takes_back_its_own_earn_and_an_overdraft_is_paid_by_the_next_earn() -> None:
    history = [
        Movement(utc("2026-01-10 04:00"), 100, "old"),
        Movement(utc("2026-05-10 04:00"), 400, "wrong"),
        Movement(utc("2026-05-10 05:00"), -400, cancels="wrong"),  # the mistaken sale reversed
        Movement(utc("2026-06-01 04:00"), -250),  # redeemed offline beyond the 100 held: 150 owed
        Movement(utc("2026-07-01 04:00"), 200, "next"),
    ]
    held = holding(history, TWO_YEARS, SHANGHAI)
    assert held.debt == 0 and [(lot.ref, lot.points) for lot in held.lots] == [("next", 50)]
    assert held.balance == sum(m.points for m in history) == 50


def test_a_rule_document_is_checked() -> None:
    assert ExpiryRule.from_dict({"kind": "rolling", "months": 24}) == TWO_YEARS
    assert ExpiryRule.from_dict(NEXT_YEAR_END.to_dict()) == NEXT_YEAR_END
    assert ExpiryRule.from_dict({}) == NO_EXPIRY
    bad: object
    for bad in ({"kind": "rolling"}, {"kind": "monthly"}, {"kind": "rolling", "months": 1.5}, {"kind": "none", "x": 1},
                {"kind": "year_end", "years_kept": 11}, []):  # fmt: skip
        with pytest.raises(InvalidExpiryRule):
            ExpiryRule.from_dict(bad)


_START = utc("2025-12-20 00:00")
_RULES = st.sampled_from([NO_EXPIRY, YEAR_END, NEXT_YEAR_END, TWO_YEARS, ExpiryRule(ExpiryKind.ROLLING, months=1)])


@st.composite
def _histories(draw: st.DrawFn) -> list[Movement]:
    """Earns, redemptions (sometimes beyond the balance: offline) and reversals of earlier earns, hours apart."""
    movements: list[Movement] = []
    at = _START
    for n in range(draw(st.integers(0, 30))):
        at += timedelta(hours=draw(st.integers(1, 24 * 120)))
        earns = [m.ref for m in movements if m.points > 0]
        kind = draw(st.sampled_from(["earn", "earn", "redeem", "reverse"] if earns else ["earn", "redeem"]))
        if kind == "earn":
            movements.append(Movement(at, draw(st.integers(1, 5_000)), f"e{n}"))
        elif kind == "redeem":
            movements.append(Movement(at, -draw(st.integers(1, 5_000))))
        else:
            target = draw(st.sampled_from(earns))
            earned = next(m.points for m in movements if m.ref == target)
            movements.append(Movement(at, -draw(st.integers(1, earned)), cancels=target))
    return movements


@settings(max_examples=300, deadline=None)
@given(history=_histories(), rule=_RULES, days=st.integers(0, 900))
def test_points_are_conserved_the_newest_are_kept_and_an_expiry_takes_exactly_the_expired(
    history: list[Movement], rule: ExpiryRule, days: int
) -> None:
    held = holding(history, rule, SHANGHAI)
    assert held.balance == sum(m.points for m in history)  # nothing made or lost
    assert held.debt >= 0 and all(lot.points > 0 for lot in held.lots)
    assert held.debt == 0 or not held.lots  # a debt only while nothing is held
    assert [lot.earned_at for lot in held.lots] == sorted(lot.earned_at for lot in held.lots)
    days_kept = [lot.last_day for lot in held.lots if lot.last_day is not None]
    assert days_kept == sorted(days_kept)  # oldest expire first: FIFO takes the soonest-expiring points
    today = (_START + timedelta(days=days)).astimezone(SHANGHAI).date()
    due = expired(held, today)
    assert 0 <= due <= max(held.balance, 0)
    soon = expiring_within(held, today, 30)
    assert sum(points for _day, points in soon) + due <= max(held.balance, 0)
    moment = max([m.at for m in history] + [_START + timedelta(days=days)]) + timedelta(seconds=1)
    after = holding([*history, Movement(moment, -due)] if due else history, rule, SHANGHAI)
    assert expired(after, today) == 0 and after.balance == held.balance - due
    assert [(lot.ref, lot.points) for lot in after.lots] == [
        (lot.ref, lot.points) for lot in held.lots if lot.last_day is None or lot.last_day >= today
    ]


@settings(max_examples=400, deadline=None)
@given(history=_histories(), rule=_RULES, days=st.integers(0, 900))
def test_the_newest_part_of_the_lots_since_the_horizon_is_what_is_held(
    history: list[Movement], rule: ExpiryRule, days: int
) -> None:
    """What the server's refresh works out from a member's balance and their lots since the horizon alone (not
    their whole history) is what the whole history holds: the same lots, and the same points expired and expiring
    on any day after the history."""
    held = holding(history, rule, SHANGHAI)
    balance = sum(m.points for m in history)
    everything = newest_part(balance, net_lots(history, rule, SHANGHAI), horizon=_START, horizon_last_day=None)
    assert (everything.lots, everything.debt) == (held.lots, held.debt)

    end = max([m.at for m in history] + [_START])
    today = (end + timedelta(days=days)).astimezone(SHANGHAI).date()
    since, latest = horizon(rule, today, SHANGHAI)
    assert latest is None or latest < today
    recent = [lot for lot in net_lots(history, rule, SHANGHAI) if lot.earned_at >= since]
    cut = newest_part(balance, recent, horizon=since, horizon_last_day=latest)
    assert expired(cut, today) == expired(held, today)
    assert expiring_within(cut, today, 30) == expiring_within(held, today, 30)
