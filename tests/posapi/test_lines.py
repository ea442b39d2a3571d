"""Quantities from the POS and the whole-bill discount spread over the lines: exact, in integer cents, always."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posapi.lines import BadQuantity, quantity_milli, spread_to
from protocol.wire import SaleLine, lines_break_total


@pytest.mark.parametrize(("given_", "milli"), [(2, 2000), ("2", 2000), ("0.35", 350), ("1.005", 1005), (" 3.1 ", 3100)])
def test_quantities_become_thousandths(given_: int | str, milli: int) -> None:
    assert quantity_milli(given_) == milli


@pytest.mark.parametrize("bad", ["1.2345", "-1", "1e3", "abc", "", "0", 0, -2, True, "0.000"])
def test_bad_quantities_are_refused(bad: int | str) -> None:
    with pytest.raises(BadQuantity):
        quantity_milli(bad)


@given(
    amounts=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=30),
    share=st.floats(min_value=0, max_value=1),
)
def test_a_spread_adds_up_exactly_and_no_line_gains(amounts: list[int], share: float) -> None:
    lines = [SaleLine(line_no=i, sku="S", name="N", category="C", quantity_milli=1000, amount_cents=a)
             for i, a in enumerate(amounts, start=1)]  # fmt: skip
    target = int(sum(amounts) * share)
    spread = spread_to(lines, target)
    assert not lines_break_total(spread, target)
    assert all(0 <= new.amount_cents <= old.amount_cents for new, old in zip(spread, lines, strict=True))
    total = sum(amounts)
    if total:  # each line within a cent of its exact share
        assert all(abs(new.amount_cents * total - old.amount_cents * target) < total
                   for new, old in zip(spread, lines, strict=True))  # fmt: skip
