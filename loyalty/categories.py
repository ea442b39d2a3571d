"""Which categories a spend is mostly made of: the one ranking the server uses for a member's top categories and a
purchase's, and the till for its own purchases' lines (so both tell the same story). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

TOP_CATEGORIES: Final = 3


def top_categories(spend: Mapping[str, int], count: int = TOP_CATEGORIES) -> list[str]:
    """The categories of the largest spend first (cents per category), ties by name so every server and till agree;
    a category whose spend is zero or less (refunded) is left out."""
    ranked = sorted((-cents, category) for category, cents in spend.items() if cents > 0)
    return [category for _cents, category in ranked[:count]]


def spend_per_category(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    """(category, cents) pairs summed per category."""
    spend: dict[str, int] = {}
    for category, cents in lines:
        spend[category] = spend.get(category, 0) + cents
    return spend
