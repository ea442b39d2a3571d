"""Purchase lines as the POS sends them, made into the ledger's: a quantity given as a whole number or a decimal
string with at most 3 decimals becomes thousandths (`quantity_milli`), and a whole-bill discount (lines adding up to
more than was paid) is spread over the lines in proportion, in integer cents by largest remainder, so the lines add
up to the money exactly (`protocol.wire.lines_break_total`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from protocol.wire import SaleLine

_DECIMAL = re.compile(r"^(\d{1,9})(?:\.(\d{1,3}))?$")


class BadQuantity(ValueError):
    """A quantity that is not a positive whole number or decimal with at most 3 decimals."""


def quantity_milli(value: int | str) -> int:
    """2 → 2000; "0.35" → 350; "1.2345", "-1", "abc", 0 or True are refused with BadQuantity."""
    if isinstance(value, bool):
        raise BadQuantity("a quantity is a number, not true or false")
    if isinstance(value, int):
        milli = value * 1000
    else:
        match = _DECIMAL.match(value.strip())
        if match is None:
            raise BadQuantity("a quantity is a whole number or a decimal string with at most 3 decimals")
        whole, fraction = match.group(1), (match.group(2) or "").ljust(3, "0")
        milli = int(whole) * 1000 + int(fraction)
    if milli <= 0:
        raise BadQuantity("a quantity must be above zero")
    return milli


def spread_to(lines: Sequence[SaleLine], cents: int) -> list[SaleLine]:
    """The lines scaled down to add up to `cents` (≤ their sum): each line loses its share of the difference in
    proportion to its amount, floored, and the cents left over go to the lines with the largest remainders (ties:
    the earlier line). Lines already adding up to `cents` come back unchanged."""
    total = sum(line.amount_cents for line in lines)
    if cents > total or cents < 0:
        raise ValueError("the lines add up to less than the money they must stand for")
    if total == cents:
        return list(lines)
    shares = [line.amount_cents * cents for line in lines]  # each line's new amount × total
    floors = [share // total for share in shares]
    left = cents - sum(floors)
    order = sorted(range(len(lines)), key=lambda i: (-(shares[i] % total), i))
    for i in order[:left]:
        floors[i] += 1
    return [line.model_copy(update={"amount_cents": amount}) for line, amount in zip(lines, floors, strict=True)]
