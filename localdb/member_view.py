"""What a screen may see of a member: `MemberView`, with the phone masked and the balance the till can vouch for
(the server's balance at the last pull plus this till's entries the server has not applied yet).

Lookups are the till's hot path (a scan must paint the card at once), so the member queries are built from the
ORM metadata once, compiled once, and run straight on the DBAPI connection; see docs/performance.md for why.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Dialect, Select, and_, bindparam, func, literal_column, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from localdb.models import EntrySync, Member, PointEntry
from loyalty.phone import mask_phone


@dataclass(frozen=True, slots=True)
class MemberView:
    id: str
    name: str
    phone_masked: str
    phone_tail: str
    gender: str | None
    birthday: date | None
    tier: str
    spend_12m_cents: int
    balance_synced: int
    pending_points: int
    segment: str | None
    tags: tuple[str, ...]
    consent_marketing: bool
    consent_profile: bool
    card_serial: int | None
    last_visit_at: datetime | None
    version: int
    top_categories: tuple[str, ...] = ()  # the server's top 3 by 12-month spend (chain data, shown as written)
    tier_kept_until: date | None = None  # the last day the tier is surely kept without buying more (server's)
    expiring_points: int = 0  # the points expiring soonest within 30 days, as the server last said (0: none)
    expiring_on: date | None = None  # their last day

    @property
    def available_points(self) -> int:
        return self.balance_synced + self.pending_points


#: An entry the member's pulled figures do not include yet: not yet applied by the server, or applied at a member
#: version newer than the one this till last pulled (its member is `Member`: correlated or joined by the query).
NOT_PULLED_YET = or_(
    PointEntry.sync_state == EntrySync.PENDING.value,
    and_(PointEntry.sync_state != EntrySync.REJECTED.value, PointEntry.server_version > Member.version),
)

_pending = (
    select(func.coalesce(func.sum(PointEntry.points), 0))
    .where(PointEntry.member_id == Member.id, NOT_PULLED_YET)
    .correlate(Member)
    .scalar_subquery()
)

_COLUMNS = (
    Member.id,
    Member.name,
    Member.phone,
    Member.phone_tail,
    Member.gender,
    Member.birthday,
    Member.tier,
    Member.spend_12m_cents,
    Member.balance_synced,
    _pending,
    Member.segment,
    Member.tags,
    Member.consent_marketing,
    Member.consent_profile,
    Member.card_serial,
    Member.last_visit_at,
    Member.version,
    Member.top_categories,
    Member.tier_kept_until,
    Member.expiring_points,
    Member.expiring_on,
)


def _from_raw(row: Sequence[Any]) -> MemberView:
    """A row as SQLite returns it (text dates, JSON text, 0/1 booleans) to a view."""
    visit = row[15]
    return MemberView(
        id=row[0],
        name=row[1],
        phone_masked=mask_phone(row[2]) if row[2].startswith("+") else "",  # a phone given up: "~id"
        phone_tail=row[3],
        gender=row[4],
        birthday=date.fromisoformat(row[5]) if row[5] else None,
        tier=row[6],
        spend_12m_cents=row[7],
        balance_synced=row[8],
        pending_points=row[9],
        segment=row[10],
        tags=tuple(json.loads(row[11])) if row[11] and row[11] != "[]" else (),
        consent_marketing=bool(row[12]),
        consent_profile=bool(row[13]),
        card_serial=row[14],
        last_visit_at=datetime.fromisoformat(visit).replace(tzinfo=UTC) if visit else None,
        version=row[16],
        top_categories=tuple(json.loads(row[17])) if row[17] and row[17] != "[]" else (),
        tier_kept_until=date.fromisoformat(row[18]) if row[18] else None,
        expiring_points=row[19],
        expiring_on=date.fromisoformat(row[20]) if row[20] else None,
    )


class _Compiled:
    """One member query compiled once: its SQL and its positional parameters with a slot for the key."""

    def __init__(
        self,
        dialect: Dialect,
        condition: ColumnElement[bool],
        *order: ColumnElement[Any] | InstrumentedAttribute[Any],
        counting: bool = False,
    ) -> None:
        stmt = select(func.count()).select_from(Member) if counting else select(*_COLUMNS)
        stmt = stmt.where(condition)
        if order:
            stmt = stmt.order_by(*order).limit(bindparam("limit"))
        compiled = stmt.compile(dialect=dialect)
        names = list(compiled.positiontup or [])
        self.sql = compiled.string
        self._template = [compiled.params.get(name) for name in names]
        # A key may be bound in several places (a subquery's and the outer query's): every place gets the value.
        self._slots: dict[str, list[int]] = {
            name: [i for i, bound in enumerate(names) if bound == name] for name in ("key", "upper", "since", "limit")
        }

    def params(self, **values: object) -> list[object]:
        params = list(self._template)
        for name, value in values.items():
            for slot in self._slots[name]:
                params[slot] = value
        return params


class MemberQueries:
    """The lookups, runnable on any sqlite3 connection: the reader's own, or the one inside a write transaction."""

    def __init__(self, dialect: Dialect) -> None:
        key: BindParameter[Any] = bindparam("key")
        self._by_id = _Compiled(dialect, Member.id == key)
        self._by_phone = _Compiled(dialect, Member.phone == key)
        self._by_serial = _Compiled(dialect, Member.card_serial == key)
        recent_first = Member.last_visit_at.desc().nulls_last()
        self._by_tail = _Compiled(dialect, Member.phone_tail == key, recent_first, Member.name)
        self._count_tail = _Compiled(dialect, Member.phone_tail == key, counting=True)
        name_range = (Member.name >= key) & (Member.name < bindparam("upper"))
        # The most recent visitors among the names that start so: the 20 row ids are chosen on the (name, last visit)
        # index alone, and only those rows are read (a common surname matches tens of thousands at a million).
        chosen: Select[Any] = (
            select(literal_column("rowid"))
            .select_from(Member)
            .where(name_range)
            .order_by(recent_first, Member.name)
            .limit(bindparam("limit"))
        )
        self._by_name = _Compiled(dialect, literal_column("member.rowid").in_(chosen.scalar_subquery()), recent_first,
                                  Member.name)  # fmt: skip
        self._count_name = _Compiled(dialect, name_range, counting=True)
        # Written as the index is (`ix_member_birthday_md`): with bound 6 and 5 SQLite would not match it and would
        # read every member (0.5 s at a million, on every return to the lookup page).
        birthday_md = literal_column("substr(member.birthday, 6, 5)") == key
        visited = Member.last_visit_at >= bindparam("since")
        self._birthdays = _Compiled(dialect, birthday_md & visited, Member.last_visit_at.desc())
        pinyin_range = (Member.name_pinyin >= key) & (Member.name_pinyin < bindparam("upper"))
        self._by_pinyin = _Compiled(dialect, pinyin_range, Member.name_pinyin)
        initials_range = (Member.name_initials >= key) & (Member.name_initials < bindparam("upper"))
        self._by_initials = _Compiled(dialect, initials_range, Member.name_initials)

    @staticmethod
    def _one(conn: sqlite3.Connection, query: _Compiled, key: object) -> MemberView | None:
        row = conn.execute(query.sql, query.params(key=key)).fetchone()
        return None if row is None else _from_raw(row)

    def by_id(self, conn: sqlite3.Connection, member_id: str) -> MemberView | None:
        return self._one(conn, self._by_id, member_id)

    def by_phone(self, conn: sqlite3.Connection, e164: str) -> MemberView | None:
        return self._one(conn, self._by_phone, e164)

    @staticmethod
    def alias_target(conn: sqlite3.Connection, *, alias_id: str | None = None, phone: str | None = None) -> str | None:
        """The member kept for a merged member's id or phone (`member_alias`), when the server merged it."""
        if alias_id is not None:
            row = conn.execute("SELECT member_id FROM member_alias WHERE alias_id = ?", (alias_id,)).fetchone()
        else:
            row = conn.execute("SELECT member_id FROM member_alias WHERE phone = ? LIMIT 1", (phone,)).fetchone()
        return None if row is None else str(row[0])

    def by_card_serial(self, conn: sqlite3.Connection, serial: int) -> MemberView | None:
        return self._one(conn, self._by_serial, serial)

    def by_tail(self, conn: sqlite3.Connection, tail: str, limit: int) -> list[MemberView]:
        rows = conn.execute(self._by_tail.sql, self._by_tail.params(key=tail, limit=limit)).fetchall()
        return [_from_raw(row) for row in rows]

    def by_name_prefix(self, conn: sqlite3.Connection, prefix: str, limit: int) -> list[MemberView]:
        """Members whose name starts with `prefix`, the most recent visitors first (then by name)."""
        params = self._by_name.params(key=prefix, upper=prefix + "\U0010ffff", limit=limit)
        rows = conn.execute(self._by_name.sql, params).fetchall()
        return [_from_raw(row) for row in rows]

    def birthdays(
        self, conn: sqlite3.Connection, month_days: Sequence[str], since: str, limit: int
    ) -> list[MemberView]:
        """Members born on one of `month_days` ('MM-DD') who came since `since` (stored-time text), the most recent
        first: a range on `ix_member_birthday_md` for each day."""
        found: list[MemberView] = []
        for month_day in month_days:
            params = self._birthdays.params(key=month_day, since=since, limit=limit)
            found += map(_from_raw, conn.execute(self._birthdays.sql, params).fetchall())
        found.sort(key=lambda member: member.last_visit_at or datetime.min.replace(tzinfo=UTC), reverse=True)
        return found[:limit]

    def by_name_keys(self, conn: sqlite3.Connection, key: str, limit: int) -> list[MemberView]:
        """Members whose name's initials start with `key` (lower-case letters), then those whose pinyin does: "zs"
        finds 张三 by initials, "zhang" by pinyin. Each a range on its own index."""
        found: list[MemberView] = []
        seen: set[str] = set()
        for query in (self._by_initials, self._by_pinyin):
            rows = conn.execute(query.sql, query.params(key=key, upper=key + "\x7f", limit=limit)).fetchall()
            for member in map(_from_raw, rows):
                if member.id not in seen and len(found) < limit:
                    seen.add(member.id)
                    found.append(member)
        return found

    def count_by_name_prefix(self, conn: sqlite3.Connection, prefix: str) -> int:
        params = self._count_name.params(key=prefix, upper=prefix + "\U0010ffff")
        return int(conn.execute(self._count_name.sql, params).fetchone()[0])

    def count_by_tail(self, conn: sqlite3.Connection, tail: str) -> int:
        return int(conn.execute(self._count_tail.sql, self._count_tail.params(key=tail)).fetchone()[0])
