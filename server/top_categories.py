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

Thread: the API's worker threads (inside the push's write), the admin command line (merges, demo data).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table

from loyalty.categories import top_categories
from server.bulk import Bulk
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
