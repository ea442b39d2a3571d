"""The `changes` feed (`GET /v1/changes`): members changed after a cursor, at their latest state, in version order,
one page at a time, encoded to JSON bytes directly (a first sync streams a million members: no pydantic object per
member). Live members carry their live preferences, their top categories (`server.top_categories`) and the coupons
they hold unused and unexpired, with their terms (`server.coupons`); tombstones carry only id, version, deleted /
merged_into.

Thread: the API's worker threads; one read session per page.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy import (
    ARRAY,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Integer,
    String,
    Text,
    any_,
    bindparam,
    cast,
    select,
    type_coerce,
)
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from loyalty.clock import store_day, store_zone
from protocol.limits import MAX_CHANGES_PAGE
from protocol.vocabulary import ErrorCode
from server import chain
from server.db import ServerDatabase
from server.errors import ApiError
from server.models import Coupon, CouponTemplateRow, Member, Preference

DEFAULT_LIMIT: Final = 1000

_member = Member.__table__.c
_preference = Preference.__table__.c
_coupon = Coupon.__table__.c
_template = CouponTemplateRow.__table__.c


def _raw(column: Any, sqlite: bool) -> ColumnElement[Any]:
    """A column as the driver gives it, without SQLAlchemy's per-value result processing (which parses SQLite's
    datetime text into objects only for `changes_page` to print them again): datetimes are SQLite's text or
    PostgreSQL's naive UTC datetime, dates SQLite's text or a date, booleans SQLite's 0/1, tags JSON text."""
    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(kind, DateTime | Date):
        return type_coerce(column, String() if sqlite else kind.__class__()).label(column.name)
    if isinstance(kind, Boolean):
        return type_coerce(column, Integer() if sqlite else Boolean()).label(column.name)
    if column.name in ("tags", "top_categories"):
        return (type_coerce(column, Text()) if sqlite else cast(column, Text())).label(column.name)
    return column  # type: ignore[no-any-return]


_MEMBER_NAMES: Final = (
    "id", "version", "deleted", "merged_into", "phone", "name", "gender", "birthday", "tier", "spend_12m_cents",
    "balance", "segment", "tags", "consent_marketing", "consent_profile", "card_serial", "home_store",
    "last_visit_at", "updated_at", "top_categories", "tier_kept_until", "expiring_points", "expiring_on",
)  # fmt: skip
_PREFERENCE_NAMES: Final = ("member_id", "kind", "value", "source", "staff_code", "created_at")
_COLUMNS: Final = {
    sqlite: (
        tuple(_raw(_member[name], sqlite) for name in _MEMBER_NAMES),
        tuple(_raw(_preference[name], sqlite) for name in _PREFERENCE_NAMES),
    )
    for sqlite in (True, False)
}


def _iso(moment: datetime | date | None) -> str | None:
    """ISO text of a stored UTC datetime (naive) or a date, as `datetime.isoformat()` of the aware value gives it."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.isoformat() + "+00:00" if moment.tzinfo is None else moment.isoformat()
    return moment.isoformat()


def _sqlite_iso(text: str | None) -> str | None:
    """ISO text (`+00:00`) of SQLite's stored `YYYY-MM-DD HH:MM:SS.ffffff` UTC text, identical to
    `datetime.isoformat()` of the aware value (which leaves out zero microseconds)."""
    if text is None:
        return None
    if len(text) == 26 and text[10] == " " and text[19] == ".":
        if text.endswith("000000"):
            return f"{text[:10]}T{text[11:19]}+00:00"
        return f"{text[:10]}T{text[11:]}+00:00"
    return datetime.fromisoformat(text).replace(tzinfo=UTC).isoformat()


def _sqlite_date(text: Any) -> str | None:
    if text is None or (isinstance(text, str) and len(text) == 10):
        return text
    return date.fromisoformat(str(text)[:10]).isoformat()


def _coupons(connection: Connection, page_ids: Any, sqlite: bool, today: date) -> dict[str, list[dict[str, Any]]]:
    """The page's members' coupons that are unused and not expired today, oldest first, each with its template's
    terms (decoded once per template)."""
    rows = connection.execute(
        select(_coupon.id, _coupon.member_id, _coupon.template_code, _coupon.first_day, _coupon.last_day)
        .where(
            _coupon.member_id.in_(page_ids) if sqlite else _coupon.member_id == page_ids,
            _coupon.use_id.is_(None),
            _coupon.last_day >= today,
        )
        .order_by(_coupon.issued_at, _coupon.id)
    ).all()
    if not rows:
        return {}
    codes = sorted({row.template_code for row in rows})
    terms = dict(connection.execute(select(_template.code, _template.document).where(_template.code.in_(codes))).all())
    found: dict[str, list[dict[str, Any]]] = {}
    for coupon_id, member_id, code, first_day, last_day in rows:
        found.setdefault(member_id, []).append(
            {"id": coupon_id, "template": terms[code], "first_day": first_day.isoformat(),
             "last_day": last_day.isoformat()}
        )  # fmt: skip
    return found


def changes_page(db: ServerDatabase, since: int, limit: int = DEFAULT_LIMIT) -> bytes:
    """The JSON of `ChangesResponse` for members with version > `since`; raises `ApiError` 410 `cursor_gone`
    when the cursor is ahead of the server (a restore from backup) or older than what is kept (`min_cursor`)."""
    limit = max(1, min(limit, MAX_CHANGES_PAGE))
    with db.read() as session:
        connection = session.connection()
        current = db.current_version(session)
        oldest = chain.min_cursor(session)
        if since > current or (since != 0 and since < oldest):
            raise ApiError(
                410,
                ErrorCode.CURSOR_GONE,
                "this cursor can no longer be served: pull again from 0",
                field="since",
            )
        member_columns, preference_columns = _COLUMNS[db.is_sqlite]
        rows = connection.execute(
            select(*member_columns).where(_member.version > since).order_by(_member.version).limit(limit + 1)
        ).all()
        has_more = len(rows) > limit
        rows = rows[:limit]
        stamp = _sqlite_iso if db.is_sqlite else _iso
        preferences: dict[str, list[dict[str, Any]]] = {}
        coupons: dict[str, list[dict[str, Any]]] = {}
        if rows:
            last = rows[-1].version
            page_ids: Any = select(_member.id).where(_member.version > since, _member.version <= last)
            if not db.is_sqlite:  # the page's ids as one array: PostgreSQL planned the subquery as a full scan
                live_ids = [row.id for row in rows if not row.deleted and row.merged_into is None]
                page_ids = any_(bindparam("page_ids", live_ids, type_=ARRAY(String())))
            for member_id, kind, value, source, staff_code, created_at in connection.execute(
                select(*preference_columns)
                .where(
                    _preference.member_id.in_(page_ids) if db.is_sqlite else _preference.member_id == page_ids,
                    _preference.removed_at.is_(None),
                )
                .order_by(_preference.id)
            ).all():
                preferences.setdefault(member_id, []).append(
                    {"kind": kind, "value": value, "source": source, "staff_code": staff_code, "at": stamp(created_at)}
                )
            coupons = _coupons(connection, page_ids, db.is_sqlite, store_day(db.clock(), store_zone()))
    day = _sqlite_date if db.is_sqlite else _iso
    tag_lists: dict[Any, list[Any]] = {}  # tags repeat a lot: each distinct JSON text decoded once per page
    changes: list[dict[str, Any]] = []
    for (
        member_id, version, deleted, merged_into, phone, name, gender, birthday, tier, spend, balance, segment,
        tags, consent_marketing, consent_profile, card_serial, home_store, last_visit_at, updated_at, top, kept_until,
        expiring_points, expiring_on,
    ) in rows:  # fmt: skip
        if deleted or merged_into is not None:
            changes.append({"id": member_id, "version": version, "deleted": bool(deleted), "merged_into": merged_into})
            continue
        tag_list = tag_lists.get(tags)
        if tag_list is None:
            tag_list = tag_lists[tags] = (json.loads(tags) if isinstance(tags, str) else tags) or []
        top_list = tag_lists.get(top)
        if top_list is None:
            top_list = tag_lists[top] = (json.loads(top) if isinstance(top, str) else top) or []
        changes.append(
            {
                "id": member_id,
                "version": version,
                "deleted": False,
                "merged_into": None,
                "phone": phone,
                "name": name,
                "gender": gender,
                "birthday": day(birthday),
                "tier": tier,
                "spend_12m_cents": spend,
                "balance": balance,
                "segment": segment,
                "tags": tag_list,
                "consent_marketing": bool(consent_marketing),
                "consent_profile": bool(consent_profile),
                "card_serial": card_serial,
                "home_store": home_store,
                "last_visit_at": stamp(last_visit_at),
                "updated_at": stamp(updated_at),
                "preferences": preferences.get(member_id, []),
                "top_categories": top_list,
                "tier_kept_until": day(kept_until),
                "expiring_points": expiring_points,
                "expiring_on": day(expiring_on),
                "coupons": coupons.get(member_id, []),
            }
        )
    next_cursor = rows[-1].version if rows else since
    document = {"changes": changes, "next_cursor": next_cursor, "has_more": has_more, "latest": current}
    db.make_durable()  # the till will store this cursor: what the page shows must survive a power cut
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
