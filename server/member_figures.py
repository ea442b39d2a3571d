"""The nightly refresh of every live member's figures: 12-month spend, 90-day visits, tier and segment as of now,
and until when the figures stay exact (`member.figures_valid_until`, `server.purchase_window`).

A member's figures change without a purchase: a sale leaves the 12-month window, a visit the 90 days, and the
segment follows recency (a loyal member who stopped coming drifts towards 沉睡). A push only recomputes the members it
touches, so this pass (`server admin refresh`, docs/operations.md "Nightly refresh") brings the others up to date:
members whose stored figures expired are read from the ledger set-wise (`read_figures`, one query per chunk), every
member's segment is derived again at `now` (with the chain's thresholds, `loyalty.insight`) and their tier under
the chain's downgrade grace (`loyalty.tiers.tier_with_grace`: the only place a tier moves down), with the last day
they surely keep it without buying more (`member.tier_kept_until`, `loyalty.tiers.tier_kept_until`: worked out from
their purchases only for members without one, which any change to a member clears, or whose tier moved). Only a
member whose figures, tier, segment or that day changed gets a new version (the tills pull exactly those); one
whose figures merely got a new expiry is stamped without one. It also means a day's push finds nearly every
member's figures exact and adds its sales to them instead of reading the members' year of ledger entries. On the
way it leaves every member's recency, visits and spend in `ChainValues`, for the profile pass's RFM cuts.

Thread: the admin command line.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Table

from loyalty.clock import store_zone
from loyalty.segments import Segment
from loyalty.tiers import tier_kept_until, tier_with_grace
from protocol.vocabulary import WarningReason
from server import chain
from server.bulk import read_date
from server.churn_warnings import Raised, raise_warnings
from server.db import ServerDatabase
from server.member_chunks import CHUNK, live_member_chunks
from server.members import derived
from server.models import Member
from server.purchase_window import Activity, figures_valid, read_figures, read_windows

_MEMBER_TABLE: Table = Member.__table__  # type: ignore[assignment]
_DRIFTED: Final = frozenset({Segment.POTENTIAL.value, Segment.DORMANT.value})  # where a loyal member drifts to
_CHANGED_COLUMNS: Final = (
    "spend_12m_cents", "visits_90d", "tier", "segment", "figures_valid_until", "tier_below_since", "tier_kept_until",
    "version", "updated_at",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FiguresReport:
    members: int  # live members looked at
    read: int  # of those, members whose figures had expired (or were never stamped), read from the ledger
    changed: int  # members whose figures, tier or segment changed (each given a new version)
    warned: int = 0  # churn warnings raised: 高价值忠诚型 members who drifted down (`server.churn_warnings`)
    entered_dormant: tuple[str, ...] = ()  # members who became 沉睡唤醒型 in this pass (the win-back coupon's)


@dataclass(slots=True)
class ChainValues:
    """What the pass leaves every live member with, for the chain's RFM quintile cuts (`server.member_insight`):
    recency in days (members who ever visited), 90-day visits and 12-month spend. Kept as machine integers: 24 MB
    for 1,000,000 members, where reading them back was a second pass over the member table."""

    recency: array[int] = field(default_factory=lambda: array("q"))
    visits: array[int] = field(default_factory=lambda: array("q"))
    spend: array[int] = field(default_factory=lambda: array("q"))


def refresh_figures(
    db: ServerDatabase, now: datetime, *, chunk: int = CHUNK, values: ChainValues | None = None
) -> FiguresReport:
    """Bring every live member's figures, tier and segment to `now`, a chunk of members per write transaction
    (and, given `values`, add each member's to them)."""
    looked = read_total = changed_total = warned = 0
    entered_dormant: list[str] = []
    columns = (
        "spend_12m_cents, visits_90d, tier, segment, created_at, last_visit_at, figures_valid_until, tier_below_since, "
        "tier_kept_until"
    )
    zone = store_zone()  # the card's "kept until" day is on the chain's calendar
    for session, bulk, rows in live_member_chunks(db, columns, chunk=chunk):
        looked += len(rows)
        stale = [row[0] for row in rows if not figures_valid(bulk.read_time(row[7]), now)]
        fresh = read_figures(bulk, stale, now)
        read_total += len(stale)
        rules, insight = chain.rules(session), chain.insight_rules(session)
        grace, first_tier = insight.tier_grace_days, rules.tiers[0].code
        results: list[tuple[Any, ...]] = []
        unknown: list[str] = []  # members whose "kept until" needs their purchases
        drifted: list[Raised] = []
        for member_id, spend, visits, tier, segment, created_at, last_visit_at, valid_until, below, kept in rows:
            figures = fresh.get(member_id) or Activity(spend, visits, bulk.read_time(valid_until))
            last_visit = bulk.read_time(last_visit_at)
            _reached, new_segment = derived(
                rules, now, bulk.read_time(created_at), last_visit, figures, thresholds=insight.thresholds
            )
            if values is not None:
                if last_visit is not None:
                    values.recency.append(max(0, (now - last_visit).days))
                values.visits.append(figures.visits_90d)
                values.spend.append(figures.spend_12m_cents)
            below_since = bulk.read_time(below)
            new_tier, new_below = tier_with_grace(rules, tier, figures.spend_12m_cents, below_since, now, grace)
            stored_kept = new_kept = read_date(kept)
            if new_tier == first_tier:
                new_kept = None  # nothing to lose
            elif new_below is not None:
                new_kept = tier_kept_until(rules, new_tier, (), new_below, now, grace, zone)
            elif new_tier != tier or stored_kept is None:  # else: nothing bought or returned since it was worked out
                unknown.append(member_id)
            if new_segment == Segment.DORMANT and segment != Segment.DORMANT:
                entered_dormant.append(member_id)
            if segment == Segment.HIGH_VALUE_LOYAL and new_segment in _DRIFTED:
                drifted.append(Raised(member_id, WarningReason.LEFT_LOYAL, None, segment, new_segment))
            results.append((member_id, spend, visits, tier, segment, figures, new_segment, new_tier, new_below,
                            below_since, stored_kept, new_kept))  # fmt: skip
        windows = read_windows(bulk, unknown, now)
        changed: list[tuple[object, ...]] = []
        stamped: list[tuple[object, ...]] = []
        for (member_id, spend, visits, tier, segment, figures, new_segment, new_tier, new_below, below_since,
             stored_kept, new_kept) in results:  # fmt: skip
            if member_id in windows:
                purchases = windows[member_id].entries.values()
                new_kept = tier_kept_until(rules, new_tier, purchases, None, now, grace, zone)
            now_figures = (figures.spend_12m_cents, figures.visits_90d, new_tier, new_segment, new_kept)
            if now_figures != (spend, visits, tier, segment, stored_kept):
                changed.append((figures.spend_12m_cents, figures.visits_90d, new_tier, new_segment,
                                figures.valid_until, new_below, new_kept, member_id))  # fmt: skip
            elif member_id in fresh or new_below != below_since:
                stamped.append((figures.valid_until, new_below, member_id))
        if changed:
            first = db.reserve_versions(session, len(changed))
            rows_out = [(*row[:7], first + n, now, row[7]) for n, row in enumerate(changed)]
            bulk.update(_MEMBER_TABLE, _CHANGED_COLUMNS, "id", rows_out)
        bulk.update(_MEMBER_TABLE, ("figures_valid_until", "tier_below_since"), "id", stamped)
        warned += raise_warnings(bulk, drifted, now)
        bulk.flush()
        changed_total += len(changed)
    return FiguresReport(looked, read_total, changed_total, warned, tuple(entered_dormant))
