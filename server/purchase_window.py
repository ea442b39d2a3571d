"""A member's purchases in the rolling windows that set their tier and segment (12 months of spend, 90 days of
visits), kept with their running totals, and a per-process cache of them so a push does not re-read the ledger for
members it saw recently.

Why the totals: a push recomputes the tier of every member it touches. Summing each member's window again every
batch cost time in proportion to their purchases (a member with a year of daily shopping: hundreds of entries per
batch); the totals change by one entry at a time, and the windows' edges only move forward, so a window stays
exact until its oldest entry falls out of it — then (rarely) it is filtered again.

Thread: the API's worker threads; a `Window` belongs to one batch until the batch commits, then to the cache.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from server.db import ServerDatabase

_CACHE_LIMIT: Final = 200_000  # members


@dataclass(slots=True)
class Window:
    """A live member's unreversed earn entries with `created_at` after `year_start` (id -> created_at, amount), their
    total, and how many are after `visit_start` — as of the window's time. `oldest` and `oldest_visit` are lower
    bounds of the entries' and counted visits' times (exact until an entry is removed)."""

    entries: dict[str, tuple[datetime, int]]
    spend_cents: int
    visits: int
    oldest: datetime | None
    oldest_visit: datetime | None

    @classmethod
    def of(cls, entries: dict[str, tuple[datetime, int]], year_start: datetime, visit_start: datetime) -> Window:
        """The window at a time whose 12-month and 90-day windows start at `year_start` and `visit_start`."""
        window = cls({}, 0, 0, None, None)
        for entry_id, (created_at, amount_cents) in entries.items():
            window.add(entry_id, created_at, amount_cents, year_start, visit_start)
        return window

    def moved_to(self, year_start: datetime, visit_start: datetime) -> Window:
        """The window at a later time: itself when nothing left either window, else a filtered copy."""
        if (self.oldest is None or self.oldest > year_start) and (
            self.oldest_visit is None or self.oldest_visit > visit_start
        ):
            return self
        return Window.of(self.entries, year_start, visit_start)

    def add(
        self, entry_id: str, created_at: datetime, amount_cents: int, year_start: datetime, visit_start: datetime
    ) -> None:
        if created_at <= year_start or entry_id in self.entries:
            return
        self.entries[entry_id] = (created_at, amount_cents)
        self.spend_cents += amount_cents
        if self.oldest is None or created_at < self.oldest:
            self.oldest = created_at
        if created_at > visit_start:
            self.visits += 1
            if self.oldest_visit is None or created_at < self.oldest_visit:
                self.oldest_visit = created_at

    def refund(self, entry_id: str, cents: int) -> None:
        """Money given back on an earn in the window: its spend counts less (the visit stays: it happened)."""
        found = self.entries.get(entry_id)
        if found is None or cents <= 0:
            return
        created_at, amount_cents = found
        taken = min(cents, amount_cents)
        self.entries[entry_id] = (created_at, amount_cents - taken)
        self.spend_cents -= taken

    def remove(self, entry_id: str, visit_start: datetime) -> None:
        """An entry reversed (the lower bounds stay: at worst the window is filtered again one batch early)."""
        found = self.entries.pop(entry_id, None)
        if found is None:
            return
        created_at, amount_cents = found
        self.spend_cents -= amount_cents
        if created_at > visit_start:
            self.visits -= 1


@dataclass(slots=True)
class _Cached:
    """A member's window as of `as_of`, valid while the member's version is still `version` (every change to a
    member's ledger gives it a new version)."""

    version: int
    as_of: datetime
    window: Window


#: Per database: what recent pushes learned of their members' windows. A batch *takes* its members' windows out of
#: the cache (no copy: the batch changes them in place) and puts them back only after it committed, so a batch that
#: fails leaves those members to be read from the ledger again. Batches run one at a time (`ServerDatabase.write`).
_cache: weakref.WeakKeyDictionary[ServerDatabase, dict[str, _Cached]] = weakref.WeakKeyDictionary()


def cached_windows(
    db: ServerDatabase, versions: dict[str, int], now: datetime, year_start: datetime, visit_start: datetime
) -> tuple[dict[str, Window], list[str]]:
    """The windows at `now` of the members (id -> current version) the cache knows at that version, taken out of the
    cache, and the ids of the others (to be read from the ledger)."""
    cache = _cache.get(db, {})
    found: dict[str, Window] = {}
    missing: list[str] = []
    for member_id, version in versions.items():
        known = cache.pop(member_id, None)
        if known is not None and known.version == version and known.as_of <= now:
            found[member_id] = known.window.moved_to(year_start, visit_start)
        else:
            missing.append(member_id)
    return found, missing


def remember_windows(db: ServerDatabase, now: datetime, windows: dict[str, tuple[int, Window | None]]) -> None:
    """After a batch committed: each member's window (None: no longer live) at its version now."""
    cache = _cache.get(db)
    if cache is None:
        cache = _cache.setdefault(db, {})
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    for member_id, (version, window) in windows.items():
        if window is None:
            cache.pop(member_id, None)
        else:
            cache[member_id] = _Cached(version, now, window)
