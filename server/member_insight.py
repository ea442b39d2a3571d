"""The refresh's profile pass: each live member's Fav (top categories by 12-month spend on purchase lines, else
the favourites guides recorded), RFM
scores (quintiles over the chain, recomputed each run), Sens (the share of their visits that redeemed points), the
night share of their visits, and the tags the chain's insight rules (`loyalty.insight`) give them from those
figures. Only a member whose top categories or tags changed gets a new version (the tills pull exactly those).

Top categories and tags are a profile: kept only for a member who consented to one (`consent_profile`); a member
who has not loses any they had. The figures this pass reads (spend, visits, recency, segment, tier) are those the
figures pass (`server.member_figures`) has just brought up to date, so `server.refresh` runs it second.

Per chunk of members: one query for the spend per category (`server.top_categories.spend_by_category`; skipped
when the chain holds no purchase lines at all), one for the favourites recorded for members without such spend
(`server.top_categories.favourites`), one for the ledger counts (visits and redemptions in 12 months, visits and
night visits in 90 days). The chain's RFM cuts come from the figures pass's results
(`server.member_figures.ChainValues`), or, when the pass runs on its own, from one query over every live member.
Night is 20:00 or later on the store's clock (each store's zone, at its offset when the pass runs).

Thread: the admin command line and the server's scheduler (`server.refresh`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import Table

from loyalty.clock import store_day, store_zone
from loyalty.insight import MemberFigures, quintile_cuts, quintile_score, share_pct
from loyalty.tiers import twelve_months_before
from protocol.vocabulary import WarningReason
from server import chain
from server.bulk import Bulk, read_date
from server.churn_warnings import Raised, raise_warnings
from server.db import ServerDatabase
from server.member_chunks import CHUNK, live_member_chunks
from server.member_figures import ChainValues
from server.models import Member
from server.purchase_window import VISIT_WINDOW
from server.top_categories import favourites, spend_by_category

_MEMBER_TABLE: Table = Member.__table__  # type: ignore[assignment]
_CHAIN_ZONE: Final = store_zone()
NIGHT_FROM_MINUTE: Final = 20 * 60  # a visit at 20:00 or later, store time, is a night visit
_COLUMNS: Final = (
    "consent_profile, top_categories, tags, gender, birthday, segment, tier, spend_12m_cents, visits_90d, "
    "last_visit_at, created_at"
)


@dataclass(frozen=True, slots=True)
class ProfileReport:
    members: int  # live members looked at
    changed: int  # members whose top categories or tags changed (each given a new version)
    warned: int = 0  # churn warnings raised: members who gained a tag the rules mark `warn`


@dataclass(frozen=True, slots=True)
class RfmCuts:
    """The chain's quintile cuts of recency (days), 90-day visits and 12-month spend, over its live members."""

    recency: tuple[int, ...]
    visits: tuple[int, ...]
    spend: tuple[int, ...]

    @classmethod
    def of(cls, values: ChainValues) -> RfmCuts:
        return cls(quintile_cuts(values.recency), quintile_cuts(values.visits), quintile_cuts(values.spend))


@dataclass(frozen=True, slots=True)
class _Counts:
    visits_12m: int = 0
    redeems_12m: int = 0
    visits_90d: int = 0
    night_90d: int = 0


_NO_COUNTS: Final = _Counts()


def refresh_profiles(
    db: ServerDatabase, now: datetime, *, chunk: int = CHUNK, values: ChainValues | None = None
) -> ProfileReport:
    """Recompute every live member's top categories and tags at `now`, a chunk of members per write transaction.
    `values`: the chain's figures as the figures pass just left them (else read from the member table)."""
    with db.read() as session:
        rules = chain.insight_rules(session)
        reader = Bulk(session.connection())
        cuts = rfm_cuts(reader, now) if values is None else RfmCuts.of(values)
        offsets = store_offsets(reader, now)
        lines_kept = bool(reader.rows("SELECT 1 FROM entry_lines LIMIT 1"))  # a chain whose POS sends no lines: none
    today = store_day(now, _CHAIN_ZONE)  # ages and birthdays by the chain's calendar
    stored = _StoredLists()
    looked = changed_total = warned = 0
    warning_tags = {tag.code for tag in rules.tags if tag.warn}
    for session, bulk, rows in live_member_chunks(db, _COLUMNS, chunk=chunk):
        looked += len(rows)
        consenting = [row[0] for row in rows if row[1]]
        if lines_kept:
            spend = spend_by_category(bulk, consenting, twelve_months_before(now))
        else:
            spend = {member_id: {} for member_id in consenting}
        tops = favourites(bulk, spend)
        counts = ledger_counts(bulk, consenting, now, offsets)
        changed: list[tuple[Any, ...]] = []
        gained: list[Raised] = []
        for member_id, consent, top_value, tags_value, *facts in rows:
            if consent:
                figures = member_figures(
                    facts, spend[member_id], counts.get(member_id, _NO_COUNTS), cuts, now, today, bulk
                )
                top, tags = tops[member_id], rules.tags_for(figures)
            else:
                top, tags = [], []
            held = stored(tags_value)
            if top != stored(top_value) or tags != held:
                changed.append((top, tags, member_id))
                gained += [Raised(member_id, WarningReason.TAG, code) for code in tags if code in warning_tags
                           and code not in held]  # fmt: skip
        if changed:
            first = db.reserve_versions(session, len(changed))
            out = [(top, tags, first + n, now, member_id) for n, (top, tags, member_id) in enumerate(changed)]
            bulk.update(_MEMBER_TABLE, ("top_categories", "tags", "version", "updated_at"), "id", out)
        warned += raise_warnings(bulk, gained, now)
        bulk.flush()
        changed_total += len(changed)
    return ProfileReport(looked, changed_total, warned)


def member_figures(
    facts: list[Any],
    spend: Mapping[str, int],
    counts: _Counts,
    cuts: RfmCuts,
    now: datetime,
    today: date,
    bulk: Bulk,
) -> MemberFigures:
    """One member's figures from their row (`gender, birthday, segment, tier, spend, visits, last visit, enrolled`),
    their spend per category and their ledger counts, at `now` (`today`: its day on the chain's calendar)."""
    gender, birthday_value, segment, tier, spend_12m, visits_90d, last_visit_value, created_value = facts
    last_visit, created = bulk.read_time(last_visit_value), bulk.read_time(created_value)
    birthday = read_date(birthday_value)
    recency = None if last_visit is None else max(0, (now - last_visit).days)
    lines_total = sum(cents for cents in spend.values() if cents > 0)
    return MemberFigures(
        spend_12m_cents=int(spend_12m),
        visits_90d=int(visits_90d),
        recency_days=recency,
        days_since_enrol=max(0, (now - created).days),
        age_years=None if birthday is None else _age(birthday, today),
        birthday_in_days=None if birthday is None else _days_to_birthday(birthday, today),
        gender=gender,
        segment=segment,
        tier=tier,
        night_visit_share_pct=share_pct(counts.night_90d, counts.visits_90d),
        redeem_visit_share_pct=share_pct(min(counts.redeems_12m, counts.visits_12m), counts.visits_12m),
        r_score=1 if recency is None else quintile_score(recency, cuts.recency, lower_is_better=True),
        f_score=quintile_score(int(visits_90d), cuts.visits),
        m_score=quintile_score(int(spend_12m), cuts.spend),
        category_share_pct={
            name: cents * 100 // lines_total for name, cents in spend.items() if cents > 0 and lines_total
        },
    )


def _age(birthday: date, today: date) -> int:
    return today.year - birthday.year - ((today.month, today.day) < (birthday.month, birthday.day))


def _days_to_birthday(birthday: date, today: date) -> int:
    """Days from `today` to the next birthday (0 on the day; 29 February counts as 28 February in other years)."""
    for year in (today.year, today.year + 1):
        try:
            next_one = birthday.replace(year=year)
        except ValueError:
            next_one = date(year, 2, 28)
        if next_one >= today:
            return (next_one - today).days
    raise AssertionError("a birthday falls within a year")  # pragma: no cover


class _StoredLists:
    """`stored_list`, remembered by stored text: a chain's members share a few hundred tag lists, and decoding each
    member's twice a night was a tenth of the pass."""

    def __init__(self) -> None:
        self._seen: dict[Any, list[str]] = {}

    def __call__(self, value: Any) -> list[str]:
        if not isinstance(value, str):  # PostgreSQL's driver hands the decoded list
            return stored_list(value)
        found = self._seen.get(value)
        if found is None:
            if len(self._seen) >= 50_000:  # bounded, whatever the chain's lists
                self._seen.clear()
            found = self._seen[value] = stored_list(value)
        return found


def stored_list(value: Any) -> list[str]:
    """A stored JSON list: SQLite's text or the PostgreSQL driver's decoded value."""
    if value is None:
        return []
    decoded = json.loads(value) if isinstance(value, str | bytes) else value
    return [str(item) for item in decoded] if isinstance(decoded, list) else []


def rfm_cuts(bulk: Bulk, now: datetime) -> RfmCuts:
    """The chain's quintile cuts, over every live member (one query)."""
    rows = bulk.rows(
        "SELECT last_visit_at, visits_90d, spend_12m_cents FROM member WHERE NOT deleted AND merged_into IS NULL"
    )
    recency = [max(0, (now - bulk.read_time(last)).days) for last, _visits, _spend in rows if last is not None]
    return RfmCuts(
        quintile_cuts(recency),
        quintile_cuts([int(visits) for _last, visits, _spend in rows]),
        quintile_cuts([int(spend) for _last, _visits, spend in rows]),
    )


def store_offsets(bulk: Bulk, now: datetime) -> dict[str, int]:
    """Each store's UTC offset in minutes at `now` (an unknown zone counts as UTC)."""
    offsets: dict[str, int] = {}
    for code, zone in bulk.rows("SELECT code, timezone FROM store"):
        try:
            offset = now.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
        except (KeyError, ValueError):
            offset = timedelta(0)
        offsets[code] = int(offset.total_seconds() // 60)
    return offsets


def ledger_counts(
    bulk: Bulk, member_ids: Collection[str], now: datetime, offsets: Mapping[str, int]
) -> dict[str, _Counts]:
    """Per member: unreversed earns (visits) and redemptions in the 12 months before `now`, and earns and night
    earns in the 90 days (one query)."""
    if not member_ids:
        return {}
    where, keys = bulk.in_keys("l.member_id", member_ids)
    mark = bulk.mark
    if bulk.sqlite:
        minute = "(CAST(strftime('%H', l.created_at) AS INTEGER) * 60 + CAST(strftime('%M', l.created_at) AS INTEGER))"
    else:
        minute = "CAST(EXTRACT(HOUR FROM l.created_at) * 60 + EXTRACT(MINUTE FROM l.created_at) AS INTEGER)"
    cases = " ".join(f"WHEN {mark} THEN {mark}" for _code in offsets)
    offset = f"(CASE l.store_code {cases} ELSE 0 END)" if offsets else "0"
    shifted = f"{minute} + {offset} + 1440"
    night = f"({shifted}) % 1440" if bulk.sqlite else f"MOD({shifted}, 1440)"  # psycopg reads % as a placeholder
    night = f"{night} >= {NIGHT_FROM_MINUTE}"
    recent = f"l.kind = 'earn' AND l.created_at > {mark}"
    sql = (
        "SELECT l.member_id, SUM(CASE WHEN l.kind = 'earn' THEN 1 ELSE 0 END), "  # noqa: S608 - our own names
        "SUM(CASE WHEN l.kind = 'redeem' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {recent} THEN 1 ELSE 0 END), SUM(CASE WHEN {recent} AND {night} THEN 1 ELSE 0 END) "
        f"FROM ledger_entry l WHERE {where} AND l.created_at > {mark} AND l.kind IN ('earn', 'redeem') "
        "AND NOT EXISTS (SELECT 1 FROM ledger_entry r WHERE r.reverses = l.id) GROUP BY l.member_id"
    )
    visit_start = bulk.stored_time(now - VISIT_WINDOW)
    pairs = [value for code, minutes in offsets.items() for value in (code, minutes)]
    parameters = (visit_start, visit_start, *pairs, *keys, bulk.stored_time(twelve_months_before(now)))
    return {
        member_id: _Counts(int(visits or 0), int(redeems or 0), int(recent_visits or 0), int(nights or 0))
        for member_id, visits, redeems, recent_visits, nights in bulk.rows(sql, parameters)
    }
