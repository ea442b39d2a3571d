"""A member's figures (12-month spend, 90-day visits) as a push keeps them (server.purchase_window) always agree with
summing the ledger again from scratch: entries added, refunded and reversed in any order across batches at later
and later times, each batch starting from the member's stored figures while they are still exact
(`figures_valid`), else from the ledger — as `server.push_state` does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.tiers import twelve_months_before
from server.purchase_window import FOREVER, VISIT_WINDOW, Activity, Window, figures_valid

START = datetime(2026, 1, 1, tzinfo=UTC)

# One batch: (days after the previous batch, entries added as (days before now, amount), refunds as (index, cents),
# reversals by index).
steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=200),
        st.lists(
            st.tuples(st.integers(min_value=-2, max_value=500), st.integers(min_value=0, max_value=10**6)), max_size=6
        ),
        st.lists(st.tuples(st.integers(min_value=0, max_value=40), st.integers(0, 10**6)), max_size=2),
        st.lists(st.integers(min_value=0, max_value=40), max_size=3),
    ),
    max_size=12,
)


def brute(entries: dict[str, tuple[datetime, int]], now: datetime) -> tuple[int, int]:
    year_start, visit_start = twelve_months_before(now), now - VISIT_WINDOW
    inside = [(at, amount) for at, amount in entries.values() if at > year_start]
    return sum(amount for _at, amount in inside), sum(1 for at, _amount in inside if at > visit_start)


def pick(ids: list[str], index: int) -> str | None:
    return ids[index % len(ids)] if ids else None


@settings(max_examples=400, deadline=None)
@given(steps)
def test_figures_carried_between_batches_match_a_fresh_sum(
    plan: list[tuple[int, list[tuple[int, int]], list[tuple[int, int]], list[int]]],
) -> None:
    now = START
    stored = Activity(0, 0, FOREVER)  # a new member's row
    ledger: dict[str, tuple[datetime, int]] = {}  # every unreversed earn ever added, net of its refunds
    made = 0
    for days, added, refunds, reversals in plan:
        now += timedelta(days=days)
        year_start, visit_start = twelve_months_before(now), now - VISIT_WINDOW
        # The batch names its targets among the earlier entries and its own (by index into both): the earlier ones
        # the server fetches before it applies anything, each with its money net of earlier refunds.
        earlier = sorted(ledger)
        named = earlier + [f"e{made + n + 1}" for n in range(len(added))]
        targets = {pick(named, index) for index, _cents in refunds} | {pick(named, index) for index in reversals}
        known = {key: ledger[key] for key in targets if key in ledger}
        if figures_valid(stored.valid_until, now):
            window = Window.from_figures(stored, known, year_start, visit_start)
        else:
            window = Window.of(ledger, year_start, visit_start)
        for days_before, amount in added:
            made += 1
            entry_id = f"e{made}"
            at = now - timedelta(days=days_before, seconds=made)
            ledger[entry_id] = (at, amount)
            window.add(entry_id, at, amount, year_start, visit_start)
        for index, cents in refunds:
            refunded = pick(named, index)
            if refunded is not None and refunded in ledger:
                at, amount = ledger[refunded]
                ledger[refunded] = (at, amount - min(cents, amount))
                window.refund(refunded, cents)
        for index in reversals:
            reversed_id = pick(named, index)
            if reversed_id is not None and reversed_id in ledger:
                del ledger[reversed_id]
                window.remove(reversed_id, visit_start)
        stored = window.activity()
        assert (stored.spend_12m_cents, stored.visits_90d) == brute(ledger, now)
        # the stamp never claims longer than the figures hold: just before it, nothing counted has left a window
        if stored.valid_until is not None and stored.valid_until != FOREVER:
            later = stored.valid_until - timedelta(microseconds=1)
            if later > now:
                assert brute(ledger, later) == (stored.spend_12m_cents, stored.visits_90d)


def test_figures_expire_when_the_oldest_visit_leaves_the_90_days() -> None:
    now = START
    window = Window({}, 0, 0, None, None)
    bought = now - timedelta(days=10)
    window.add("e1", bought, 5_000, twelve_months_before(now), now - VISIT_WINDOW)
    stamp = window.activity()
    assert stamp.valid_until == bought + VISIT_WINDOW
    assert figures_valid(stamp.valid_until, bought + VISIT_WINDOW - timedelta(seconds=1))
    assert not figures_valid(stamp.valid_until, bought + VISIT_WINDOW)
    assert not figures_valid(None, now)  # never stamped: read the ledger
