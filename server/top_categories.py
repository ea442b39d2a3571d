"""A member's top categories (Fav): the (up to) 3 categories of their largest spend over the last 12 months, from the
purchase lines the server holds (`entry_lines`, one JSON array per sale; a refund's lines count against their
categories, so a return lowers them; an earn that was reversed counts for nothing); for a member with no such spend
(their POS sends no lines, or they bought nothing in 12 months), the categories guides recorded as their favourites
(`preference` of kind category, not removed), newest first (`favourites`). Kept on the member row
(`member.top_categories`) so every till's cached member shows them offline.

Computed set-wise by the refresh's profile pass (`server.member_insight`, run by `server admin refresh` and nightly),
which reads each chunk of members' 12-month spend per category in one query, over the lines' JSON in the database,
and gives a new version only to the members whose top 3 (or tags) changed (the tills pull only those). A merge
recomputes the survivor's at
once (`spend_by_category`, `server.members.merge`). The push does not: it only stores the lines. Re-reading each
pushed member's 12 months of lines on every batch cost more than the rest of the push together for members with a
long history (225 ms of a 470 ms batch at ~550 lines each), and a day's members are mostly each pushed once, so
nothing kept between batches helped; a window that also moves when nothing is bought needs a periodic pass anyway
(docs/sync.md, "Top categories").

Like preferences and tags, a member's top categories are a profile: kept only for a member who consented to one
(`consent_profile`); a member who withdraws it loses them with their preferences (`server.push`).

Ties go to the category name (so two servers agree); categories whose 12-month spend is zero or less are left out.

Thread: the admin command line (the refresh, merges, demo data).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import Table

from loyalty.categories import TOP_CATEGORIES, top_categories
from server.bulk import Bulk
from server.models import Member

_MEMBER_TABLE: Table = Member.__table__  # type: ignore[assignment]


def rank(spend: Mapping[str, int]) -> list[str]:
    """The top categories of a member's spend per category (`loyalty.categories`: largest first, ties by name,
    only positive spend)."""
    return top_categories(spend)


def spend_by_category(bulk: Bulk, member_ids: Collection[str], since: datetime) -> dict[str, dict[str, int]]:
    """Each member's spend per category on the lines of their sales after `since` (one query over the lines' JSON:
    earns count, refunds count against, reversed earns not at all; members without lines: {})."""
    found: dict[str, dict[str, int]] = {member_id: {} for member_id in member_ids}
    if not member_ids:
        return found
    where, keys = bulk.in_keys("l.member_id", member_ids)
    if bulk.sqlite:
        each, category, cents = "json_each(e.lines) AS j", "j.value ->> 'category'", "j.value ->> 'amount_cents'"
    else:
        each = "LATERAL json_array_elements(e.lines) AS j(value)"
        category, cents = "j.value ->> 'category'", "(j.value ->> 'amount_cents')::bigint"
    sql = (
        f"SELECT l.member_id, {category}, SUM(CASE WHEN l.kind = 'refund' THEN -({cents}) ELSE {cents} END) "  # noqa: S608
        f"FROM ledger_entry l JOIN entry_lines e ON e.entry_id = l.id CROSS JOIN {each} "
        f"WHERE {where} AND l.created_at > {bulk.mark} AND l.kind IN ('earn', 'refund') "
        "AND NOT EXISTS (SELECT 1 FROM ledger_entry r WHERE r.reverses = l.id) "
        f"GROUP BY l.member_id, {category}"
    )
    for member_id, name, total in bulk.rows(sql, (*keys, bulk.stored_time(since))):
        found[member_id][name] = int(total or 0)  # PostgreSQL's SUM of bigint is numeric
    return found


def recorded_categories(bulk: Bulk, member_ids: Collection[str]) -> dict[str, list[str]]:
    """The categories recorded as each member's favourites (preferences of kind category, not removed), newest first,
    up to 3 (one query; a member with none is not in the answer)."""
    found: dict[str, list[str]] = {}
    if not member_ids:
        return found
    where, keys = bulk.in_keys("member_id", member_ids)
    sql = (
        f"SELECT member_id, value FROM preference WHERE {where} AND kind = 'category' AND removed_at IS NULL "  # noqa: S608
        "ORDER BY member_id, created_at DESC, id DESC"
    )
    for member_id, value in bulk.rows(sql, keys):
        listed = found.setdefault(member_id, [])
        if value not in listed and len(listed) < TOP_CATEGORIES:
            listed.append(value)
    return found


def favourites(bulk: Bulk, spend: Mapping[str, Mapping[str, int]]) -> dict[str, list[str]]:
    """Each member's top categories from their spend per category (`spend_by_category`), or, for a member with no
    positive spend on lines, the categories recorded as their favourites."""
    ranked = {member_id: rank(cents) for member_id, cents in spend.items()}
    recorded = recorded_categories(bulk, [member_id for member_id, top in ranked.items() if not top])
    return {member_id: top or recorded.get(member_id, []) for member_id, top in ranked.items()}
