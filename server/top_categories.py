"""A member's top categories: the (up to) 3 categories of their largest spend over the last 12 months, from the
purchase lines the server holds (`purchase_line`; a refund's lines are negative there, so a return lowers its
category). Kept on the member row (`member.top_categories`) so every till's cached member shows them offline.

Recomputed set-wise: `refresh` reads the 12-month spend per category of a set of members in one query and writes
only the members whose top 3 changed, in one statement. The push calls it once per batch for the members whose
entries carried lines (their entries give them a new version in that batch already, so a change of the top 3 is in
the row the next pull sends; a top 3 that did not change writes nothing). A member whose purchases only age out of
the window keeps their top 3 until their next purchase with lines (docs/sync.md).

Like preferences and tags, a member's top categories are a profile: kept only for a member who consented to one
(`consent_profile`); a member who withdraws it loses them with their preferences (`server.push`).

Ties go to the category name (so two servers agree); categories whose 12-month spend is zero or less are left out.

The push keeps each member's spend per category between batches (`refresh_for_batch`, a per-process cache keyed by
the member's version as `server.purchase_window` keeps purchase windows): a member the last batch saw, unchanged
since (same version, by this process or any other), is not read again; the batch's own lines are added to what was
kept. Re-reading 12 months of lines for every member of every batch cost 225 ms of a 470 ms batch in
`bench/sync.py` (members with ~550 lines each). A kept spend is read again when its oldest line leaves the window.

Thread: the API's worker threads (inside the push's write), the admin command line (merges, demo data).
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Table

from loyalty.categories import top_categories
from server.bulk import Bulk
from server.db import ServerDatabase
from server.models import Member

_MEMBER_TABLE: Table = Member.__table__  # type: ignore[assignment]


def rank(spend: Mapping[str, int]) -> list[str]:
    """The top categories of a member's spend per category (`loyalty.categories`: largest first, ties by name,
    only positive spend)."""
    return top_categories(spend)


def spend_by_category(bulk: Bulk, member_ids: Collection[str], since: datetime) -> dict[str, dict[str, int]]:
    """Each member's spend per category on purchase lines after `since` (one query; members without lines: {})."""
    found: dict[str, dict[str, int]] = {member_id: {} for member_id in member_ids}
    if not member_ids:
        return found
    where, keys = bulk.in_keys("member_id", member_ids)
    sql = (
        "SELECT member_id, category, SUM(amount_cents) FROM purchase_line "  # noqa: S608 - our own names
        f"WHERE {where} AND created_at > {bulk.mark} GROUP BY member_id, category"
    )
    for member_id, category, cents in bulk.rows(sql, (*keys, bulk.stored_time(since))):
        found[member_id][category] = int(cents or 0)  # PostgreSQL's SUM of bigint is numeric
    return found


def _stored_list(value: Any) -> list[str]:
    """A stored JSON list: SQLite's text or the PostgreSQL driver's decoded value."""
    if value is None:
        return []
    decoded = json.loads(value) if isinstance(value, str | bytes) else value
    return [str(item) for item in decoded] if isinstance(decoded, list) else []


def refresh(bulk: Bulk, member_ids: Iterable[str], since: datetime) -> dict[str, list[str]]:
    """Recompute the top categories of these members (those who consented to a profile) from the lines after
    `since` (the 12-month window's start) and write those that changed; returns the changed members' new lists.
    Two queries and at most one write."""
    ids = set(member_ids)
    if not ids:
        return {}
    where, keys = bulk.in_keys("id", ids)
    sql = f"SELECT id, top_categories, consent_profile FROM member WHERE {where}"  # noqa: S608 - our own names
    rows = bulk.rows(sql, keys)
    current = {member_id: _stored_list(value) for member_id, value, _consent in rows}
    profiled = {member_id for member_id, _value, consent in rows if consent}
    changed: dict[str, list[str]] = {}
    for member_id, spend in spend_by_category(bulk, profiled, since).items():
        top = rank(spend)
        if top != current[member_id]:
            changed[member_id] = top
    bulk.update(_MEMBER_TABLE, ("top_categories",), "id", [(top, member_id) for member_id, top in changed.items()])
    return changed


# -- the push's cache ---------------------------------------------------------------------------------------------

_CACHE_LIMIT: Final = 200_000  # members


@dataclass(slots=True)
class KeptSpend:
    """A member's spend per category on lines after the window's start, as of the member's `version`; `oldest` the
    time of the oldest line counted (None: none), `top` the top categories stored on the member then."""

    version: int
    oldest: datetime | None
    spend: dict[str, int]
    top: list[str]


_cache: weakref.WeakKeyDictionary[ServerDatabase, dict[str, KeptSpend]] = weakref.WeakKeyDictionary()


def _read(bulk: Bulk, member_ids: Collection[str], since: datetime) -> dict[str, KeptSpend]:
    """Spend per category, oldest line and stored top of members not kept (three columns, two queries)."""
    found = {member_id: KeptSpend(0, None, {}, []) for member_id in member_ids}
    if not member_ids:
        return found
    where, keys = bulk.in_keys("id", member_ids)
    sql = f"SELECT id, top_categories FROM member WHERE {where}"  # noqa: S608 - our own names
    for member_id, value in bulk.rows(sql, keys):
        found[member_id].top = _stored_list(value)
    where, keys = bulk.in_keys("member_id", member_ids)
    sql = (
        "SELECT member_id, category, SUM(amount_cents), MIN(created_at) FROM purchase_line "  # noqa: S608
        f"WHERE {where} AND created_at > {bulk.mark} GROUP BY member_id, category"
    )
    for member_id, category, cents, oldest in bulk.rows(sql, (*keys, bulk.stored_time(since))):
        kept = found[member_id]
        kept.spend[category] = int(cents or 0)  # PostgreSQL's SUM of bigint is numeric
        first = bulk.read_time(oldest)
        if first is not None and (kept.oldest is None or first < kept.oldest):
            kept.oldest = first
    return found


def refresh_for_batch(
    bulk: Bulk,
    db: ServerDatabase,
    lines: Mapping[str, list[tuple[str, int, datetime]]],
    versions: Mapping[str, int],
    profiled: Collection[str],
    since: datetime,
) -> dict[str, KeptSpend]:
    """The push's `refresh`: `lines` are the batch's lines per live member (category, cents, time; already
    written), `versions` the members' versions when the batch read them, `profiled` the members with profile
    consent now. Members kept at the version the batch read (and whose oldest line is still in the window) get the
    batch's lines added; the others are read (their lines of this batch included). Writes the changed top
    categories; returns what to keep once the batch committed (`remember`, with the members' new versions)."""
    cache = _cache.get(db, {})
    wanted = [member_id for member_id in lines if member_id in profiled]
    result: dict[str, KeptSpend] = {}
    missing: list[str] = []
    for member_id in wanted:
        kept = cache.pop(member_id, None)
        if (
            kept is None
            or kept.version != versions.get(member_id)
            or (kept.oldest is not None and kept.oldest <= since)
        ):
            missing.append(member_id)
            continue
        for category, cents, at in lines[member_id]:
            kept.spend[category] = kept.spend.get(category, 0) + cents
            if kept.oldest is None or at < kept.oldest:
                kept.oldest = at
        result[member_id] = kept
    result.update(_read(bulk, missing, since))
    changed: list[tuple[list[str], str]] = []
    for member_id, kept in result.items():
        top = rank(kept.spend)
        if top != kept.top:
            changed.append((top, member_id))
            kept.top = top
    bulk.update(_MEMBER_TABLE, ("top_categories",), "id", changed)
    for member_id in lines:
        if member_id not in profiled:
            cache.pop(member_id, None)
    return result


def remember(db: ServerDatabase, kept: Mapping[str, KeptSpend], versions: Mapping[str, int]) -> None:
    """After the batch committed: each member's spend at its version now (a batch that failed keeps nothing)."""
    cache = _cache.get(db)
    if cache is None:
        cache = _cache.setdefault(db, {})
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    for member_id, spend in kept.items():
        version = versions.get(member_id)
        if version is None:
            cache.pop(member_id, None)
        else:
            spend.version = version
            cache[member_id] = spend
