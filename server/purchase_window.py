"""A member's purchases in the rolling windows that set their tier and segment (12 months of spend, 90 days of
visits): the `Window` a push batch keeps per member with its running totals, the one definition of those figures as
SQL (`read_windows` per entry, `read_figures` summed in the database), and how long stored figures stay exact.

What counts: an *unreversed* earn created in the window, for its amount less the money refunds and reconciled
returns gave back on it; a visit is such an earn in the last 90 days.

Why the totals: a push recomputes the tier of every member it touches. The totals change by one entry at a time,
and a window's figures stay exact until its oldest entry can leave it (`Window.valid_until`): 365 days after it
for the spend (12 months are never shorter), 90 for the visits. The member row keeps that time
(`member.figures_valid_until`), so a push whose member's figures are still exact adds the sale to them
(`Window.from_figures`) instead of reading the member's year of ledger entries — the largest read of a push
(docs/performance.md, "Member figures kept exact"). Figures that expired (or were never stamped) are read from the
ledger once (`read_windows`) and stamped again; the nightly refresh (`server.member_figures`) stamps every member,
so a day's push reads almost none.

Thread: the API's worker threads (a `Window` belongs to one batch); the admin command line (the refresh, merges).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from loyalty.tiers import twelve_months_before
from protocol.vocabulary import EntryKind
from server.bulk import Bulk

VISIT_WINDOW: Final = timedelta(days=90)
#: No 12 months are shorter: an entry this old may have left the 12-month window, a younger one has not.
_YEAR_AT_LEAST: Final = timedelta(days=365)
#: The validity of figures that count no purchase: they change only when one is added.
FOREVER: Final = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Activity:
    """What the ledger says about a member's recent purchases, and until when that stays true without new ones
    (None: not known)."""

    spend_12m_cents: int = 0
    visits_90d: int = 0
    valid_until: datetime | None = None


#: A member without purchases (a new one, an import): exact until they buy.
NO_ACTIVITY: Final = Activity(valid_until=FOREVER)


def figures_valid(valid_until: datetime | None, now: datetime) -> bool:
    """Whether figures stamped `valid_until` are still exact at `now`."""
    return valid_until is not None and now < valid_until


@dataclass(slots=True)
class Window:
    """A live member's unreversed earn entries with `created_at` after `year_start` (id -> created_at, amount), their
    total, and how many are after `visit_start` — as of the window's time. `oldest` and `oldest_visit` are lower
    bounds of the entries' and counted visits' times (exact until an entry is removed).

    A window made from a member's stored figures (`from_figures`) holds only the entries the batch may take back
    (its reversals' and refunds' targets); its totals count all the others too, and `horizon` is when those stop
    being exact."""

    entries: dict[str, tuple[datetime, int]]
    spend_cents: int
    visits: int
    oldest: datetime | None
    oldest_visit: datetime | None
    horizon: datetime | None = None

    @classmethod
    def of(cls, entries: dict[str, tuple[datetime, int]], year_start: datetime, visit_start: datetime) -> Window:
        """The window at a time whose 12-month and 90-day windows start at `year_start` and `visit_start`."""
        window = cls({}, 0, 0, None, None)
        for entry_id, (created_at, amount_cents) in entries.items():
            window.add(entry_id, created_at, amount_cents, year_start, visit_start)
        return window

    @classmethod
    def from_figures(
        cls, figures: Activity, known: dict[str, tuple[datetime, int]], year_start: datetime, visit_start: datetime
    ) -> Window:
        """The window of a member whose stored figures are exact now (`figures_valid`): their totals, and `known`,
        the member's earns the batch may reverse or refund (already counted in the totals), those in the window."""
        entries = {key: value for key, value in known.items() if value[0] > year_start}
        return cls(entries, figures.spend_12m_cents, figures.visits_90d, None, None, figures.valid_until)

    def valid_until(self) -> datetime:
        """Until when the totals stay exact without new entries: when the oldest entry counted can first leave its
        window."""
        bounds = [self.horizon or FOREVER]
        if self.oldest is not None:
            bounds.append(self.oldest + _YEAR_AT_LEAST)
        if self.oldest_visit is not None:
            bounds.append(self.oldest_visit + VISIT_WINDOW)
        return min(bounds)

    def activity(self) -> Activity:
        return Activity(self.spend_cents, self.visits, self.valid_until())

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
        """An entry reversed (the lower bounds stay: at worst the figures are read again a little early)."""
        found = self.entries.pop(entry_id, None)
        if found is None:
            return
        created_at, amount_cents = found
        self.spend_cents -= amount_cents
        if created_at > visit_start:
            self.visits -= 1


def earns_sql(bulk: Bulk, where: str) -> str:
    """Each counted earn of the members `where` names after a time (one more parameter): member, id, time and its
    money less what refunds and reconciled returns gave back (each found by its own index)."""
    return (
        "SELECT e.member_id, e.id, e.created_at, e.amount_cents"  # noqa: S608 - our names
        " - COALESCE((SELECT SUM(f.amount_cents) FROM ledger_entry f WHERE f.refund_of = e.id), 0)"
        " - COALESCE((SELECT SUM(g.amount_cents) FROM ledger_entry g WHERE g.reconciled_with = e.id), 0) AS net "
        "FROM ledger_entry e LEFT OUTER JOIN ledger_entry r ON r.reverses = e.id "
        f"WHERE {where} AND e.kind = '{EntryKind.EARN.value}' AND e.created_at > {bulk.mark} AND r.id IS NULL"
    )


def read_windows(bulk: Bulk, member_ids: Collection[str], now: datetime) -> dict[str, Window]:
    """Each member's window at `now` from the ledger, entry by entry (one query)."""
    year_start, visit_start = twelve_months_before(now), now - VISIT_WINDOW
    entries: dict[str, dict[str, tuple[datetime, int]]] = {member_id: {} for member_id in member_ids}
    if member_ids:
        where, keys = bulk.in_keys("e.member_id", member_ids)
        for member_id, entry_id, created_at, amount_cents in bulk.rows(
            earns_sql(bulk, where), (*keys, bulk.stored_time(year_start))
        ):
            entries[member_id][entry_id] = (bulk.read_time(created_at), int(amount_cents or 0))  # PG: numeric
    return {member_id: Window.of(earns, year_start, visit_start) for member_id, earns in entries.items()}


def read_figures(bulk: Bulk, member_ids: Collection[str], now: datetime) -> dict[str, Activity]:
    """Each member's figures at `now` summed in the database (one query; the same as their `read_windows`)."""
    year_start, visit_start = twelve_months_before(now), now - VISIT_WINDOW
    found = dict.fromkeys(member_ids, NO_ACTIVITY)
    if not member_ids:
        return found
    where, keys = bulk.in_keys("e.member_id", member_ids)
    visit = bulk.mark
    sql = (
        "SELECT member_id, SUM(net), "  # noqa: S608 - our names
        f"SUM(CASE WHEN created_at > {visit} THEN 1 ELSE 0 END), MIN(created_at), "
        f"MIN(CASE WHEN created_at > {visit} THEN created_at END) "
        f"FROM ({earns_sql(bulk, where)}) AS counted GROUP BY member_id"
    )
    stored_visit = bulk.stored_time(visit_start)
    for member_id, spend, visits, oldest, oldest_visit in bulk.rows(
        sql, (stored_visit, stored_visit, *keys, bulk.stored_time(year_start))
    ):
        window = Window({}, int(spend or 0), int(visits or 0), bulk.read_time(oldest), bulk.read_time(oldest_visit))
        found[member_id] = window.activity()
    return found
