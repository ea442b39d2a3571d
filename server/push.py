"""Applying a till's pushed batch (`POST /v1/push`): exactly once per item id, in order, in one write transaction.

- A known id with the same body (SHA-256 of the canonical JSON of type and body) is answered `duplicate` with the
  first answer; a known id with another body makes the whole request a 409 `id_conflict` (nothing applied), and
  the conflicting items are kept in `conflicting_item` for inspection.
- A new item is checked against its wire schema (a bad one is `rejected` / `invalid_body`, the rest go on),
  its `till_seq` is checked for gaps (alarm), then it is applied by type; every new item, rejected ones included,
  is stored in `pushed_item` so a replay gets the same answer for ever.

Speed: the batch's known ids, members (and their survivors), phones, reversal targets, reservations and the members'
ledger activity are each fetched in one query; ledger rows, preferences and pushed items are inserted in bulk at
the end; there is no per-item commit.

Thread: the API's worker threads; one `ServerDatabase.write()` per request.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlalchemy import Dialect, Table, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased

from loyalty.phone import InvalidPhone, parse_mobile
from loyalty.rules import PointsRules
from loyalty.tiers import twelve_months_before
from server import chain
from server.auth import AuthenticatedDevice
from server.db import ServerDatabase
from server.errors import ApiError
from server.members import VISIT_WINDOW, Activity, derived
from server.models import (
    ConflictingItem,
    Device,
    LedgerEntry,
    Member,
    Preference,
    PushedItem,
    Reservation,
    SeqAlarm,
)
from sync.wire import (
    BODY_SCHEMAS,
    EnrolBody,
    ErrorCode,
    ItemStatus,
    ItemType,
    MemberUpdateBody,
    PointEntryBody,
    PreferenceBody,
    PushItem,
    PushRequest,
    PushResult,
    Wire,
)

CONSENT_FIELDS = frozenset({"consent_marketing", "consent_profile"})
#: Bounds the database columns can hold (BIGINT, INTEGER, VARCHAR(64)); the wire schemas leave them open.
MAX_POINTS = 10**12
MAX_TILL_SEQ = 2**62
_MAX_RULE_VERSION = 2**31 - 1
_MAX_RECEIPT = 64
_MAX_MERGE_DEPTH = 32


def body_hash(item_type: str, body: dict[str, Any]) -> str:
    """SHA-256 hex of the canonical JSON of an item's type and body (key order and spacing do not matter)."""
    canonical = json.dumps({"type": item_type, "body": body}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _Refused(Exception):
    def __init__(self, reason: ErrorCode) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(slots=True)
class _Outcome:
    status: ItemStatus
    reason: str | None = None
    member: str | None = None
    member_version: int | None = None
    state: _MemberState | None = None  # the member whose version (final for the batch) is the answer's version


@dataclass(slots=True)
class _EntryFacts:
    """What a reversal needs to know about the entry it reverses."""

    member_id: str
    kind: str
    points: int
    amount_cents: int | None
    created_at: datetime


@dataclass(slots=True)
class _MemberState:
    """A member as the batch sees it: loaded with Core, changed in memory, written back in one executemany."""

    id: str
    phone: str | None
    deleted: bool
    merged_into: str | None
    created_at: datetime
    last_visit_at: datetime | None
    balance: int
    spend_12m_cents: int
    visits_90d: int
    tier: str
    segment: str | None
    consent_marketing: bool
    consent_profile: bool
    version: int
    updated_at: datetime
    new_row: dict[str, Any] | None = None  # the columns of a member created by this batch
    dirty: bool = False


_MEMBER_TABLE: Table = Member.__table__  # type: ignore[assignment]
_m = _MEMBER_TABLE.c
_STATE_COLUMNS = (
    _m.id, _m.phone, _m.deleted, _m.merged_into, _m.created_at, _m.last_visit_at, _m.balance, _m.spend_12m_cents,
    _m.visits_90d, _m.tier, _m.segment, _m.consent_marketing, _m.consent_profile, _m.version, _m.updated_at,
)  # fmt: skip
_CHANGING = (
    "balance", "spend_12m_cents", "visits_90d", "tier", "segment", "last_visit_at", "consent_marketing",
    "consent_profile", "updated_at", "version",
)  # fmt: skip
_LEDGER_TABLE: Table = LedgerEntry.__table__  # type: ignore[assignment]
_PUSHED_TABLE: Table = PushedItem.__table__  # type: ignore[assignment]
_PREFERENCE_TABLE: Table = Preference.__table__  # type: ignore[assignment]
_RESERVATION_TABLE: Table = Reservation.__table__  # type: ignore[assignment]
_LEDGER_COLUMNS = (
    "id", "member_id", "kind", "points", "amount_cents", "receipt_no", "rule_version", "staff_code", "approved_by",
    "store_code", "device_id", "created_at", "received_at", "reverses", "offline", "status", "reason",
)  # fmt: skip
_PUSHED_COLUMNS = (
    "id", "device_id", "till_seq", "type", "body_hash", "status", "reason", "member", "member_version", "received_at",
)  # fmt: skip
_PREFERENCE_COLUMNS = ("member_id", "kind", "value", "source", "staff_code", "created_at", "removed_at")


class _Writer:
    """Rows written with the driver's own executemany (SQLite) or one statement over `unnest` of one array per
    column (PostgreSQL: psycopg's executemany and long multi-row VALUES both cost more than the writes), values
    turned into what the column types store by the columns' own bind processors: no ORM, no per-row statement."""

    _processors: ClassVar[dict[tuple[str, str, tuple[str, ...]], list[Any]]] = {}

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect: Dialect = connection.dialect
        self.qmark = self.dialect.paramstyle == "qmark"

    def _converters(self, table: Table, columns: tuple[str, ...]) -> list[Any]:
        key = (self.dialect.name, table.name, columns)
        found = self._processors.get(key)
        if found is None:
            found = [table.c[name].type.bind_processor(self.dialect) for name in columns]
            self._processors[key] = found
        return found

    def _tuples(self, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        converters = [(i, f) for i, f in enumerate(self._converters(table, columns)) if f is not None]
        if not converters:
            return rows
        converted = []
        for row in rows:
            values = list(row)
            for i, convert in converters:
                values[i] = convert(values[i])
            converted.append(tuple(values))
        return converted

    def insert(self, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        values = self._tuples(table, columns, rows)
        names = ", ".join(columns)
        if self.qmark:
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608 - our own table's names
            self.connection.exec_driver_sql(sql, values)
            return
        # PostgreSQL: one statement whatever the number of rows, each column sent as one typed array.
        arrays = ", ".join(f"%s::{self._sql_type(table, name)}[]" for name in columns)
        sql = f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays})"  # noqa: S608 - our own names
        self.connection.exec_driver_sql(sql, tuple(list(column) for column in zip(*values, strict=True)))

    def _sql_type(self, table: Table, name: str) -> str:
        return str(table.c[name].type.compile(dialect=self.dialect))

    def update(self, table: Table, columns: tuple[str, ...], key: str, rows: list[tuple[Any, ...]]) -> None:
        """`UPDATE table SET columns WHERE key = …`, each row being the columns' values then the key's."""
        if not rows:
            return
        values = self._tuples(table, (*columns, key), rows)
        if self.qmark:
            assignments = ", ".join(f"{name} = ?" for name in columns)
            sql = f"UPDATE {table.name} SET {assignments} WHERE {key} = ?"  # noqa: S608 - our own names
            self.connection.exec_driver_sql(sql, values)
            return
        names = (*columns, key)
        arrays = ", ".join(f"%s::{self._sql_type(table, name)}[]" for name in names)
        assignments = ", ".join(f"{name} = v.{name}" for name in columns)
        sql = (
            f"UPDATE {table.name} SET {assignments} FROM unnest({arrays}) AS v({', '.join(names)}) "  # noqa: S608
            f"WHERE {table.name}.{key} = v.{key}"
        )
        self.connection.exec_driver_sql(sql, tuple(list(column) for column in zip(*values, strict=True)))


def _state(row: Any) -> _MemberState:
    return _MemberState(*row)


@dataclass
class _Batch:
    """Everything fetched up front for a batch, and everything to write at its end."""

    session: Session
    db: ServerDatabase
    device: AuthenticatedDevice
    now: datetime
    rules: PointsRules
    members: dict[str, _MemberState]
    by_phone: dict[str, _MemberState]
    entries: dict[str, _EntryFacts]
    reversed_ids: set[str]
    reservations: set[str]  # ids of unconsumed reservations of the batch's redemptions
    purchases: dict[str, dict[str, tuple[datetime, int]]]  # live member -> its unreversed earns in the window
    card_serials: list[int]
    live_preferences: dict[tuple[str, str, str], list[int]]  # (member, kind, value) -> ids of live rows
    ledger_rows: list[tuple[Any, ...]] = field(default_factory=list)
    preference_rows: list[dict[str, Any]] = field(default_factory=list)
    removed_preferences: list[tuple[datetime, int]] = field(default_factory=list)
    consumed: list[str] = field(default_factory=list)
    touched: dict[str, _MemberState] = field(default_factory=dict)
    year_start: datetime = field(init=False)
    visit_start: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.year_start = twelve_months_before(self.now)
        self.visit_start = self.now - VISIT_WINDOW

    def resolve(self, member_id: str) -> _MemberState | None:
        member = self.members.get(member_id)
        for _ in range(_MAX_MERGE_DEPTH):
            if member is None or member.deleted:
                return None
            if member.merged_into is None:
                return member
            member = self.members.get(member.merged_into)
        return None

    def touch(self, member: _MemberState) -> int:
        """The member changed: a new version for the item (its answer), the member's row written once at the end
        of the batch with the last one, so every item's version is at or before a state that includes it."""
        member.version = self.db.next_version(self.session)
        member.dirty = True
        self.touched.setdefault(member.id, member)
        return member.version

    def finish(self) -> None:
        """Each changed member once: tier, visits and segment from the batch's running ledger activity."""
        for member in self.touched.values():
            facts = self.activity_of(member.id)
            member.spend_12m_cents, member.visits_90d = facts.spend_12m_cents, facts.visits_90d
            member.tier, member.segment = derived(self.rules, self.now, member.created_at, member.last_visit_at, facts)
            member.updated_at = self.now

    def activity_of(self, member_id: str) -> Activity:
        spend = visits = 0
        for created_at, amount_cents in self.purchases.get(member_id, {}).values():
            if created_at > self.year_start:
                spend += amount_cents
                if created_at > self.visit_start:
                    visits += 1
        return Activity(spend, visits)

    def count_purchase(self, member_id: str, entry_id: str, amount_cents: int, created_at: datetime) -> None:
        if created_at > self.year_start:
            self.purchases.setdefault(member_id, {})[entry_id] = (created_at, amount_cents)

    def uncount_purchase(self, member_id: str, entry_id: str) -> None:
        self.purchases.get(member_id, {}).pop(entry_id, None)

    def write_members(self) -> None:
        """New members (and tombstones) inserted, changed ones updated, each in one statement."""
        new_rows: list[dict[str, Any]] = []
        updates: list[tuple[Any, ...]] = []
        for member in self.members.values():
            if member.new_row is not None:
                new_rows.append({**member.new_row, **{name: getattr(member, name) for name in _CHANGING}})
            elif member.dirty:
                updates.append((*(getattr(member, name) for name in _CHANGING), member.id))
        if new_rows:
            self.session.execute(insert(Member), new_rows)
        if updates:
            _Writer(self.session.connection()).update(_MEMBER_TABLE, _CHANGING, "id", updates)


def push(db: ServerDatabase, device: AuthenticatedDevice, request: PushRequest) -> list[PushResult]:
    """Apply a batch for a device and answer each item in order; raises `ApiError` 409 on an id conflict."""
    items = request.items
    hashes = [body_hash(item.type.value, item.body) for item in items]
    conflicts: list[str] = []
    with db.write() as session:
        known: dict[str, Any] = {
            row.id: row
            for row in session.connection().execute(
                select(
                    PushedItem.id,
                    PushedItem.body_hash,
                    PushedItem.status,
                    PushedItem.reason,
                    PushedItem.member,
                    PushedItem.member_version,
                ).where(PushedItem.id.in_({i.id for i in items}))
            )
        }
        conflicts = _conflicting_ids(items, hashes, known)
        if conflicts:
            _keep_conflicts(session, db, device, items, hashes, known, conflicts)
        else:
            results, batch = _apply(session, db, device, items, hashes, known)
    if not conflicts:
        _remember(db, batch)  # committed
        return results
    raise ApiError(
        409,
        ErrorCode.ID_CONFLICT,
        "these ids were pushed before with another body; nothing in this batch was applied",
        field="items",
        ids=conflicts,
    )


def _conflicting_ids(items: list[PushItem], hashes: list[str], known: dict[str, Any]) -> list[str]:
    seen: dict[str, str] = {}
    conflicts: list[str] = []
    for item, digest in zip(items, hashes, strict=True):
        first = known[item.id].body_hash if item.id in known else seen.get(item.id)
        if first is not None and first != digest and item.id not in conflicts:
            conflicts.append(item.id)
        seen.setdefault(item.id, digest)
    return conflicts


def _keep_conflicts(
    session: Session,
    db: ServerDatabase,
    device: AuthenticatedDevice,
    items: list[PushItem],
    hashes: list[str],
    known: dict[str, Any],
    conflicts: list[str],
) -> None:
    now = db.clock()
    first_hash: dict[str, str] = {item_id: row.body_hash for item_id, row in known.items()}
    rows = []
    for item, digest in zip(items, hashes, strict=True):
        first_hash.setdefault(item.id, digest)
        if item.id in conflicts and first_hash[item.id] != digest:
            rows.append(
                {
                    "item_id": item.id,
                    "device_id": device.id,
                    "till_seq": item.till_seq,
                    "type": item.type.value,
                    "body": item.body,
                    "received_at": now,
                }
            )
    session.execute(insert(ConflictingItem), rows)


def _parse(item: PushItem) -> Wire | None:
    try:
        body = BODY_SCHEMAS[item.type].model_validate(item.body)
    except ValidationError:
        return None
    # The item's id is the idempotency key of what it creates: an entry's id, an enrolment's member id.
    if isinstance(body, PointEntryBody) and (body.id != item.id or not _fits(body)):
        return None
    if isinstance(body, EnrolBody) and body.member_id != item.id:
        return None
    if isinstance(body, MemberUpdateBody) and not set(body.changes) <= CONSENT_FIELDS:
        return None
    return body


def _fits(body: PointEntryBody) -> bool:
    amounts = (body.points, body.amount_cents or 0, body.bill_cents or 0)
    return (
        all(abs(amount) <= MAX_POINTS for amount in amounts)
        and 0 <= body.rule_version <= _MAX_RULE_VERSION
        and (body.receipt_no is None or len(body.receipt_no) <= _MAX_RECEIPT)
    )


def _load_members(session: Session, ids: set[str]) -> dict[str, _MemberState]:
    members: dict[str, _MemberState] = {}
    wanted = set(ids)
    for _ in range(_MAX_MERGE_DEPTH):
        if not wanted:
            break
        query = select(*_STATE_COLUMNS).where(_m.id.in_(wanted))
        found = [_state(row) for row in session.connection().execute(query).all()]
        members.update((member.id, member) for member in found)
        wanted = {m.merged_into for m in found if m.merged_into is not None and m.merged_into not in members}
    return members


@dataclass(slots=True)
class _Purchases:
    """A live member's unreversed earn entries whose `created_at` was inside the 12-month window at `as_of`, valid
    while the member's version is still `version` (every change to a member's ledger gives it a new version)."""

    version: int
    as_of: datetime
    entries: dict[str, tuple[datetime, int]]


_CACHE_LIMIT = 200_000  # members
#: Per database: what recent pushes learned of their members' windows, so the members a till keeps pushing for
#: are not re-read from the ledger each batch (that read was most of a batch's time). Written only after commit.
_purchase_cache: weakref.WeakKeyDictionary[ServerDatabase, dict[str, _Purchases]] = weakref.WeakKeyDictionary()


def _purchases(
    session: Session, db: ServerDatabase, live_ids: set[str], members: dict[str, _MemberState], now: datetime
) -> dict[str, dict[str, tuple[datetime, int]]]:
    """Each live member's unreversed earn entries inside the 12-month window (id -> created_at, amount): from the
    cache when the member has not changed since, else from the ledger in one query."""
    cache = _purchase_cache.get(db, {})
    year_start = twelve_months_before(now)
    found: dict[str, dict[str, tuple[datetime, int]]] = {}
    missing: list[str] = []
    for member_id in live_ids:
        known = cache.get(member_id)
        if known is not None and known.version == members[member_id].version and known.as_of <= now:
            found[member_id] = {key: value for key, value in known.entries.items() if value[0] > year_start}
        else:
            missing.append(member_id)
    if missing:
        entry = aliased(LedgerEntry)
        reversal = aliased(LedgerEntry)
        query = (
            select(entry.member_id, entry.id, entry.created_at, entry.amount_cents)
            .outerjoin(reversal, reversal.reverses == entry.id)
            .where(
                entry.member_id.in_(missing),
                entry.kind == "earn",
                entry.created_at > year_start,
                reversal.id.is_(None),
            )
        )
        for member_id, entry_id, created_at, amount_cents in session.execute(query).all():
            found.setdefault(member_id, {})[entry_id] = (created_at, amount_cents or 0)
    return found


def _remember(db: ServerDatabase, batch: _Batch) -> None:
    """After the batch committed: its live members' windows, at their versions now."""
    cache = _purchase_cache.get(db)
    if cache is None:
        cache = _purchase_cache.setdefault(db, {})
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    for member_id, member in batch.members.items():
        if member.merged_into is None and not member.deleted:
            cache[member_id] = _Purchases(member.version, batch.now, batch.purchases.get(member_id, {}))
        else:
            cache.pop(member_id, None)


def _prepare(
    session: Session, db: ServerDatabase, device: AuthenticatedDevice, bodies: list[Wire | None], now: datetime
) -> _Batch:
    member_ids = {
        body.member_id
        for body in bodies
        if isinstance(body, EnrolBody | PointEntryBody | PreferenceBody | MemberUpdateBody)
    }
    phones: set[str] = set()
    enrols = 0
    for body in bodies:
        if isinstance(body, EnrolBody):
            enrols += 1
            with contextlib.suppress(InvalidPhone):
                phones.add(parse_mobile(body.phone))
    members = _load_members(session, member_ids)
    by_phone = {m.phone: m for m in members.values() if m.phone is not None}
    missing_phones = phones - set(by_phone)
    if missing_phones:
        for found in session.connection().execute(select(*_STATE_COLUMNS).where(_m.phone.in_(missing_phones))):
            member = _state(found)
            members[member.id] = member
            by_phone[member.phone or ""] = member
    entry_bodies = [body for body in bodies if isinstance(body, PointEntryBody)]
    targets = {body.reverses for body in entry_bodies if body.reverses is not None}
    entries: dict[str, _EntryFacts] = {}
    reversed_ids: set[str] = set()
    if targets:
        for row in session.execute(
            select(
                LedgerEntry.id,
                LedgerEntry.member_id,
                LedgerEntry.kind,
                LedgerEntry.points,
                LedgerEntry.amount_cents,
                LedgerEntry.created_at,
            ).where(LedgerEntry.id.in_(targets))
        ):
            entries[row.id] = _EntryFacts(row.member_id, row.kind, row.points, row.amount_cents, row.created_at)
        reversed_ids = set(session.scalars(select(LedgerEntry.reverses).where(LedgerEntry.reverses.in_(targets))))
        missing_members = {facts.member_id for facts in entries.values()} - set(members)
        members.update(_load_members(session, missing_members))
    redeem_ids = {body.id for body in entry_bodies if body.kind == "redeem"}
    connection = session.connection()
    reservations: set[str] = set()
    if redeem_ids:
        reservations = set(
            connection.execute(
                select(Reservation.id).where(Reservation.id.in_(redeem_ids), Reservation.consumed_at.is_(None))
            ).scalars()
        )
    live_ids = {m.id for m in members.values() if m.merged_into is None and not m.deleted}
    live_preferences: dict[tuple[str, str, str], list[int]] = {}
    if live_ids and any(isinstance(body, PreferenceBody) for body in bodies):
        for pref in connection.execute(
            select(Preference.id, Preference.member_id, Preference.kind, Preference.value)
            .where(Preference.member_id.in_(live_ids), Preference.removed_at.is_(None))
            .order_by(Preference.id)
        ):
            live_preferences.setdefault((pref.member_id, pref.kind, pref.value), []).append(pref.id)
    card_serials: list[int] = []
    if enrols:
        first = db.reserve_card_serials(session, enrols)
        card_serials = list(range(first + enrols - 1, first - 1, -1))  # popped from the end: ascending
    return _Batch(
        session=session,
        db=db,
        device=device,
        now=now,
        rules=chain.rules(session),
        members=members,
        by_phone=by_phone,
        entries=entries,
        reversed_ids=reversed_ids,
        reservations=reservations,
        purchases=_purchases(session, db, live_ids, members, now),
        card_serials=card_serials,
        live_preferences=live_preferences,
    )


def _replay(
    item_id: str, first: ItemStatus, reason: str | None, member: str | None, member_version: int | None
) -> PushResult:
    """The answer to an id already applied: `duplicate`, repeating what its first push was answered."""
    return PushResult(id=item_id, status=ItemStatus.DUPLICATE, first_status=first, reason=reason, member=member,
                      member_version=member_version)  # fmt: skip


def _apply(
    session: Session,
    db: ServerDatabase,
    device: AuthenticatedDevice,
    items: list[PushItem],
    hashes: list[str],
    known: dict[str, Any],
) -> tuple[list[PushResult], _Batch]:
    now = db.clock()
    connection = session.connection()
    stored_seq = connection.execute(select(Device.last_till_seq).where(Device.id == device.id)).scalar_one()
    last_seq = stored_seq
    bodies: list[Wire | None] = []
    first_seen: set[str] = set()
    for item in items:  # only the first occurrence of a new id is applied; later ones in the batch are replays
        new = item.id not in known and item.id not in first_seen
        first_seen.add(item.id)
        bodies.append(_parse(item) if new else None)
    batch = _prepare(session, db, device, bodies, now)
    alarms: list[dict[str, Any]] = []
    answered: dict[str, _Outcome] = {}
    outcomes: list[_Outcome | None] = []  # None: a replay of a known id
    for item, body in zip(items, bodies, strict=True):
        if item.id in known:
            outcomes.append(None)
            continue
        if item.id in answered:
            outcomes.append(answered[item.id])
            continue
        if item.till_seq > last_seq + 1:
            alarms.append({"device_id": device.id, "expected": last_seq + 1, "received": item.till_seq, "at": now})
        last_seq = max(last_seq, item.till_seq)
        outcome = _apply_one(batch, item.type, body)
        answered[item.id] = outcome
        outcomes.append(outcome)
    batch.finish()  # one new version per changed member
    results: list[PushResult] = []
    pushed_rows: list[tuple[Any, ...]] = []
    written: set[str] = set()
    for item, digest, answer in zip(items, hashes, outcomes, strict=True):
        if answer is None:
            first = known[item.id]
            results.append(_replay(item.id, ItemStatus(first.status), first.reason, first.member, first.member_version))
            continue
        if answer.state is not None:
            answer.member_version = answer.state.version
        if item.id in written:  # a replay within the batch
            results.append(_replay(item.id, answer.status, answer.reason, answer.member, answer.member_version))
            continue
        written.add(item.id)
        pushed_rows.append(
            (item.id, device.id, item.till_seq, item.type.value, digest, answer.status.value, answer.reason,
             answer.member, answer.member_version, now)
        )  # fmt: skip
        results.append(
            PushResult(
                id=item.id,
                status=answer.status,
                reason=answer.reason,
                member=answer.member,
                member_version=answer.member_version,
            )
        )
    batch.write_members()  # new and changed members first: the rows below refer to them
    writer = _Writer(connection)
    if batch.consumed:
        connection.execute(
            update(_RESERVATION_TABLE).where(_RESERVATION_TABLE.c.id.in_(batch.consumed)).values(consumed_at=now)
        )
    writer.insert(_LEDGER_TABLE, _LEDGER_COLUMNS, batch.ledger_rows)
    if batch.removed_preferences:
        writer.update(_PREFERENCE_TABLE, ("removed_at",), "id", batch.removed_preferences)
    writer.insert(
        _PREFERENCE_TABLE,
        _PREFERENCE_COLUMNS,
        [tuple(row[name] for name in _PREFERENCE_COLUMNS) for row in batch.preference_rows],
    )
    writer.insert(_PUSHED_TABLE, _PUSHED_COLUMNS, pushed_rows)
    if alarms:
        session.execute(insert(SeqAlarm), alarms)
    if last_seq != stored_seq:
        connection.execute(update(Device).where(Device.id == device.id).values(last_till_seq=last_seq))
    return results, batch


def _apply_one(batch: _Batch, item_type: ItemType, body: Wire | None) -> _Outcome:
    try:
        if body is None:
            raise _Refused(ErrorCode.INVALID_BODY)
        if isinstance(body, EnrolBody):
            return _enrol(batch, body)
        if isinstance(body, PointEntryBody):
            return _point_entry(batch, body)
        if isinstance(body, PreferenceBody):
            return _preference(batch, body)
        if isinstance(body, MemberUpdateBody):
            return _member_update(batch, body)
        raise _Refused(ErrorCode.INVALID_BODY)
    except _Refused as refusal:
        return _Outcome(ItemStatus.REJECTED, reason=refusal.reason.value)


def _enrol(batch: _Batch, body: EnrolBody) -> _Outcome:
    try:
        phone = parse_mobile(body.phone)
    except InvalidPhone:
        raise _Refused(ErrorCode.INVALID_PHONE) from None
    existing = batch.members.get(body.member_id)
    if existing is not None:  # the id is known already (imported, or merged by an earlier item)
        survivor = batch.resolve(existing.id)
        if survivor is None:
            raise _Refused(ErrorCode.UNKNOWN_MEMBER)
        status = ItemStatus.APPLIED if survivor.id == existing.id else ItemStatus.MERGED
        return _Outcome(status, member=survivor.id, state=survivor)
    holder = batch.by_phone.get(phone)
    if holder is not None and holder.phone == phone and holder.merged_into is None and not holder.deleted:
        # The till's id becomes a tombstone pointing at the survivor, so its later entries land there.
        tombstone = _new_member(batch, body.member_id, None, merged_into=holder.id)
        tombstone.version = batch.db.next_version(batch.session)
        return _Outcome(ItemStatus.MERGED, member=holder.id, state=holder)
    member = _new_member(batch, body.member_id, phone, body=body)
    batch.by_phone[phone] = member
    return _Outcome(ItemStatus.APPLIED, member=member.id, member_version=batch.touch(member))


def _new_member(
    batch: _Batch, member_id: str, phone: str | None, *, body: EnrolBody | None = None, merged_into: str | None = None
) -> _MemberState:
    """A member (from an enrolment) or a merge tombstone, inserted when the batch is written."""
    created = min(body.created_at, batch.now) if body is not None else batch.now
    member = _MemberState(
        id=member_id, phone=phone, deleted=False, merged_into=merged_into, created_at=created, last_visit_at=None,
        balance=0, spend_12m_cents=0, visits_90d=0, tier=batch.rules.tiers[0].code if body else "", segment=None,
        consent_marketing=body.consent_marketing if body else False,
        consent_profile=body.consent_profile if body else False, version=0, updated_at=batch.now,
    )  # fmt: skip
    member.new_row = {
        "id": member_id, "phone": phone, "deleted": False, "merged_into": merged_into, "created_at": created,
        "name": " ".join(body.name.split())[:64] if body else "", "gender": body.gender if body else None,
        "birthday": body.birthday if body else None, "tags": [],
        "card_serial": batch.card_serials.pop() if body else None, "home_store": body.store_code if body else None,
    }  # fmt: skip
    batch.members[member_id] = member
    return member


def _check_entry(batch: _Batch, body: PointEntryBody, member: _MemberState) -> _EntryFacts | None:
    """Refuse an entry that breaks the ledger's rules; returns the reversed entry for a reversal."""
    if body.kind == "earn" and not (body.points > 0 and body.amount_cents is not None and body.amount_cents >= 0):
        raise _Refused(ErrorCode.RULE_VIOLATION)
    if body.kind == "redeem" and body.points >= 0:
        raise _Refused(ErrorCode.RULE_VIOLATION)
    if body.kind == "adjust" and (body.approved_by is None or body.points == 0):
        raise _Refused(ErrorCode.RULE_VIOLATION)
    if body.kind != "reverse":
        if body.reverses is not None:
            raise _Refused(ErrorCode.RULE_VIOLATION)
        return None
    if body.reverses is None:
        raise _Refused(ErrorCode.RULE_VIOLATION)
    original = batch.entries.get(body.reverses)
    if original is None:
        raise _Refused(ErrorCode.UNKNOWN_ENTRY)
    owner = batch.resolve(original.member_id)
    if owner is None or owner.id != member.id:
        raise _Refused(ErrorCode.UNKNOWN_ENTRY)
    if body.reverses in batch.reversed_ids:
        raise _Refused(ErrorCode.ALREADY_REVERSED)
    if original.kind == "reverse" or body.points != -original.points:
        raise _Refused(ErrorCode.RULE_VIOLATION)
    return original


def _point_entry(batch: _Batch, body: PointEntryBody) -> _Outcome:
    member = batch.resolve(body.member_id)
    if member is None:
        raise _Refused(ErrorCode.UNKNOWN_MEMBER)
    original = _check_entry(batch, body, member)
    member.balance += body.points
    status, reason = ItemStatus.APPLIED, None
    if body.points < 0 and member.balance < 0:  # the server is the authority: recorded, flagged, never dropped
        status, reason = ItemStatus.FLAGGED, ErrorCode.OVERDRAWN.value
    if body.kind == "earn":
        batch.count_purchase(member.id, body.id, body.amount_cents or 0, body.created_at)
    elif original is not None and original.kind == "earn":
        batch.uncount_purchase(member.id, body.reverses or "")
    if body.kind in ("earn", "redeem") and (member.last_visit_at is None or body.created_at > member.last_visit_at):
        member.last_visit_at = body.created_at
    if body.kind == "redeem" and body.id in batch.reservations:
        batch.reservations.discard(body.id)
        batch.consumed.append(body.id)
    if body.reverses is not None:
        batch.reversed_ids.add(body.reverses)
    batch.entries[body.id] = _EntryFacts(member.id, body.kind, body.points, body.amount_cents, body.created_at)
    batch.ledger_rows.append(
        (body.id, member.id, body.kind, body.points, body.amount_cents, body.receipt_no, body.rule_version,
         body.staff_code, body.approved_by, body.store_code, batch.device.id, body.created_at, batch.now,
         body.reverses, body.offline, status.value, reason)
    )  # fmt: skip
    version = batch.touch(member)
    return _Outcome(status, reason=reason, member=member.id, member_version=version)


def _preference(batch: _Batch, body: PreferenceBody) -> _Outcome:
    member = batch.resolve(body.member_id)
    if member is None:
        raise _Refused(ErrorCode.UNKNOWN_MEMBER)
    pending = [
        row
        for row in batch.preference_rows
        if row["member_id"] == member.id
        and row["kind"] == body.kind
        and row["value"] == body.value
        and row["removed_at"] is None
    ]
    live = batch.live_preferences.get((member.id, body.kind, body.value))
    if body.op == "add":
        if not pending and not live:
            batch.preference_rows.append(
                {
                    "member_id": member.id,
                    "kind": body.kind,
                    "value": body.value,
                    "source": "staff",
                    "staff_code": body.staff_code,
                    "created_at": body.at,
                    "removed_at": None,
                }
            )
    elif pending:
        pending[0]["removed_at"] = body.at
    elif live:
        batch.removed_preferences.append((body.at, live.pop(0)))
    return _Outcome(ItemStatus.APPLIED, member=member.id, member_version=batch.touch(member))


def _member_update(batch: _Batch, body: MemberUpdateBody) -> _Outcome:
    member = batch.resolve(body.member_id)
    if member is None:
        raise _Refused(ErrorCode.UNKNOWN_MEMBER)
    if "consent_marketing" in body.changes:
        member.consent_marketing = body.changes["consent_marketing"]
    if "consent_profile" in body.changes:
        member.consent_profile = body.changes["consent_profile"]
    return _Outcome(ItemStatus.APPLIED, member=member.id, member_version=batch.touch(member))
