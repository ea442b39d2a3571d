"""A member's purchase window kept with running totals (server.purchase_window) always agrees with summing the
entries again from scratch: entries added and reversed in any order, and the window carried forward in time across
batches (entries falling out of the 12-month and 90-day windows)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.tiers import twelve_months_before
from server.members import VISIT_WINDOW
from server.purchase_window import Window

START = datetime(2026, 1, 1, tzinfo=UTC)

# One step: (days after the previous batch's time, entries added as (days before now, amount), reversals by index).
steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=200),
        st.lists(
            st.tuples(st.integers(min_value=-2, max_value=500), st.integers(min_value=0, max_value=10**6)), max_size=6
        ),
        st.lists(st.integers(min_value=0, max_value=40), max_size=3),
    ),
    max_size=12,
)


def brute(entries: dict[str, tuple[datetime, int]], now: datetime) -> tuple[int, int]:
    year_start, visit_start = twelve_months_before(now), now - VISIT_WINDOW
    inside = [(at, amount) for at, amount in entries.values() if at > year_start]
    return sum(amount for _at, amount in inside), sum(1 for at, _amount in inside if at > visit_start)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_running_totals_match_a_fresh_sum(plan: list[tuple[int, list[tuple[int, int]], list[int]]]) -> None:
    now = START
    window = Window({}, 0, 0, None, None)
    live: dict[str, tuple[datetime, int]] = {}  # every unreversed entry ever added (the ledger)
    made = 0
    for days, added, reversals in plan:
        now += timedelta(days=days)
        year_start, visit_start = twelve_months_before(now), now - VISIT_WINDOW
        window = window.moved_to(year_start, visit_start)  # a new batch at a later time
        for days_before, amount in added:
            made += 1
            entry_id = f"e{made}"
            at = now - timedelta(days=days_before, seconds=made)
            live[entry_id] = (at, amount)
            window.add(entry_id, at, amount, year_start, visit_start)
        for index in reversals:
            ids = sorted(live)
            if ids:
                entry_id = ids[index % len(ids)]
                del live[entry_id]
                window.remove(entry_id, visit_start)
        assert (window.spend_cents, window.visits) == brute(live, now)
        assert {key for key, (at, _amount) in live.items() if at > year_start} == set(window.entries)
