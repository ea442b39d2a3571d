"""Applying a till's pushed batch (`POST /v1/push`): exactly once per item id, in order, in one write transaction.

- A known id with the same body (SHA-256 of the canonical JSON of type and body) is answered `duplicate` with the
  first answer; a known id with another body makes the whole request a 409 `id_conflict` (nothing applied), and
  the conflicting items are kept in `conflicting_item` for inspection.
- A new item is checked against its wire schema (a bad one, or one over `MAX_BODY_JSON`, is `rejected` /
  `invalid_body`, the rest go on), its `till_seq` is checked for gaps (alarm), then it is applied by type
  (`server.push_items`); every new item, rejected ones included, is stored in `pushed_item` so a replay gets the
  same answer for ever.

Speed: the batch's known ids, members (and their survivors), phones, reversal targets, reservations and the members'
ledger activity are each fetched in one query (`server.push_state`); ledger rows, preferences, pushed items and the
members' new state are written in one statement each at the end (`server.bulk`); there is no per-item commit.

Thread: the API's worker threads; one `ServerDatabase.write()` per request.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Table, delete, insert, update
from sqlalchemy.orm import Session

from protocol.vocabulary import ErrorCode, ItemStatus
from protocol.wire import ItemBody, PushItem, PushRequest
from server.auth import AuthenticatedDevice
from server.bulk import Bulk
from server.coupons import give_for_events
from server.db import ServerDatabase
from server.errors import ApiError
from server.models import (
    ConflictingItem,
    ConsentEvent,
    EntryLines,
    GiftStock,
    LedgerEntry,
    Member,
    Preference,
    PushedItem,
    Reservation,
    Sale,
    SeqAlarm,
)
from server.push_items import MAX_POINTS, Outcome, apply_one, parse
from server.push_state import Batch, prepare

__all__ = ["MAX_BODY_JSON", "MAX_POINTS", "MAX_TILL_SEQ", "ItemAnswer", "answer_json", "body_hash", "push"]

MAX_TILL_SEQ = 2**62
#: A body whose canonical JSON is longer than this is no body a till writes (the longest, a preference, is ~1 KiB):
#: it is rejected (`invalid_body`) without being checked against its schema, whose errors (one per wrong value of a
#: list, say) would otherwise cost a few hundred bytes each for every value of a megabyte of body.
MAX_BODY_JSON = 16 * 1024
#: How long a batch sent with `after_seq` waits for the batch before it to be applied before it is refused.
ORDER_WAIT_SECONDS = 5.0
#: A batch applied by another server process (`serve --workers`) wakes nobody here: look again this often (each look
#: queues for the write lock, so it mostly waits for the other process's write to end).
_ORDER_POLL_SECONDS = 0.005

_LEDGER_TABLE: Table = LedgerEntry.__table__  # type: ignore[assignment]
_PUSHED_TABLE: Table = PushedItem.__table__  # type: ignore[assignment]
_PREFERENCE_TABLE: Table = Preference.__table__  # type: ignore[assignment]
_RESERVATION_TABLE: Table = Reservation.__table__  # type: ignore[assignment]
_LINE_TABLE: Table = EntryLines.__table__  # type: ignore[assignment]
_SALE_TABLE: Table = Sale.__table__  # type: ignore[assignment]
_LEDGER_COLUMNS = (
    "id", "member_id", "kind", "points", "amount_cents", "receipt_no", "rule_version", "staff_code", "approved_by",
    "store_code", "device_id", "created_at", "received_at", "reverses", "offline", "status", "reason", "bill_cents",
    "refund_of", "ref_store_code", "ref_receipt_no", "reconciled_with", "gift_sku",
)  # fmt: skip
_LINE_COLUMNS = ("entry_id", "lines")
_SALE_COLUMNS = (
    "id", "device_id", "store_code", "receipt_no", "staff_code", "total_cents", "line_count", "created_at",
    "received_at",
)  # fmt: skip
_PUSHED_COLUMNS = (
    "id", "device_id", "till_seq", "type", "body_hash", "status", "reason", "member", "member_version", "received_at",
)  # fmt: skip
_PREFERENCE_COLUMNS = ("member_id", "kind", "value", "source", "staff_code", "created_at", "removed_at")
#: The canonical form hashed for exactly-once: keys sorted, no spaces, UTF-8 as is — `json.dumps(sort_keys=True,
#: separators=(",", ":"), ensure_ascii=False)`, which orjson writes five times faster and byte for byte the same for
#: strings, integers, booleans, nulls, lists and objects (`tests/server/test_push.py`). A body holding a float takes
#: json's own (orjson writes NaN and infinities as `null`, which would make two bodies one), as does an integer beyond
#: 64 bits, which orjson refuses.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)

# An already pushed id: (body_hash, status, reason, member, member_version).
_Known = tuple[str, str, str | None, str | None, int | None]


@dataclass(frozen=True, slots=True)
class ItemAnswer:
    """One item's answer, as `protocol.wire.PushResult` states it (same fields, same order)."""

    id: str
    status: ItemStatus
    reason: str | None
    member: str | None
    member_version: int | None
    first_status: ItemStatus | None = None


def answer_json(answers: list[ItemAnswer]) -> bytes:
    """The push's answer as the JSON of `protocol.wire.PushResponse`. Built from values this module made (ids the
    request's validation passed, our own statuses), so written straight from the dataclasses by orjson: building
    and validating 500 pydantic results a batch cost more than the rest of the answer."""
    return orjson.dumps({"results": answers})


def body_hash(item_type: str, body: dict[str, Any]) -> str:
    """SHA-256 hex of the canonical JSON of an item's type and body (key order and spacing do not matter)."""
    return hashlib.sha256(canonical_json(item_type, body)).hexdigest()


def canonical_json(item_type: str, body: dict[str, Any]) -> bytes:
    """The canonical JSON of an item's type and body, as hashed for exactly-once."""
    document = {"type": item_type, "body": body}
    if not _holds_float(body):
        with contextlib.suppress(orjson.JSONEncodeError):  # raised for an integer beyond 64 bits
            return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    return _CANONICAL.encode(document).encode("utf-8")


def _holds_float(value: object) -> bool:
    """Whether a decoded JSON value holds a float anywhere (a plain loop: this runs for every pushed item)."""
    values = value.values() if isinstance(value, dict) else value if isinstance(value, list) else (value,)
    for element in values:
        kind = type(element)
        if kind is float or ((kind is dict or kind is list) and _holds_float(element)):
            return True
    return False


class _NotYet(Exception):
    """The batch before this one (`after_seq`) has not been applied yet: leave the write, nothing written."""


def push(db: ServerDatabase, device: AuthenticatedDevice, request: PushRequest) -> list[ItemAnswer]:
    """Apply a batch for a device and answer each item in order; raises `ApiError` 409 on an id conflict, and on a
    batch whose predecessor (`after_seq`) was not applied within `ORDER_WAIT_SECONDS`.

    What needs no database (hashing and checking the bodies) is done before the write lock is taken, so a till's next
    batch is made ready while the one before it is still being written."""
    items = request.items
    canonical = [canonical_json(item.type.value, item.body) for item in items]
    hashes = [hashlib.sha256(text).hexdigest() for text in canonical]
    parsed = [parse(item) if len(text) <= MAX_BODY_JSON else None for item, text in zip(items, canonical, strict=True)]
    deadline = time.monotonic() + ORDER_WAIT_SECONDS
    while True:
        try:
            return _push_now(db, device, request, hashes, parsed)
        except _NotYet as not_yet:
            seen = not_yet.args[0]
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ApiError(
                409,
                ErrorCode.OUT_OF_ORDER,
                "the batch before this one (after_seq) has not been applied; nothing in this batch was applied",
                field="after_seq",
            )
        db.wait_for_commit(seen, min(remaining, _ORDER_POLL_SECONDS))


def _push_now(
    db: ServerDatabase,
    device: AuthenticatedDevice,
    request: PushRequest,
    hashes: list[str],
    parsed: list[ItemBody | None],
) -> list[ItemAnswer]:
    items = request.items
    conflicts: list[str] = []
    with db.write() as session:
        bulk = Bulk(session.connection())
        stored_seq = bulk.rows(f"SELECT last_till_seq FROM device WHERE id = {bulk.mark}", (device.id,))[0][0]  # noqa: S608
        if not _predecessor_applied(bulk, request, stored_seq):
            raise _NotYet(db.generation)
        where, keys = bulk.in_keys("id", {i.id for i in items})
        sql = f"SELECT id, body_hash, status, reason, member, member_version FROM pushed_item WHERE {where}"  # noqa: S608
        known: dict[str, _Known] = {row[0]: row[1:] for row in bulk.rows(sql, keys)}
        conflicts = _conflicting_ids(items, hashes, known)
        if conflicts:
            _keep_conflicts(session, db, device, items, hashes, known, conflicts)
        else:
            results = _apply(session, bulk, db, device, items, hashes, parsed, known, stored_seq)
    if not conflicts:
        return results
    raise ApiError(
        409,
        ErrorCode.ID_CONFLICT,
        "these ids were pushed before with another body; nothing in this batch was applied",
        field="items",
        ids=conflicts,
    )


def _predecessor_applied(bulk: Bulk, request: PushRequest, stored_seq: int) -> bool:
    """Whether the batch this one names (`after_seq`, `after_id`) has been applied: the device's highest till_seq has
    reached it (a batch refused with 409 moves nothing, though its last id may be known from before) and its last id
    is known (a till restored from a backup sends till_seqs the server has seen, but new ids)."""
    if request.after_seq is not None and stored_seq < request.after_seq:
        return False
    if request.after_id is None:
        return True
    return bool(bulk.rows(f"SELECT 1 FROM pushed_item WHERE id = {bulk.mark}", (request.after_id,)))  # noqa: S608


def _conflicting_ids(items: list[PushItem], hashes: list[str], known: dict[str, _Known]) -> list[str]:
    seen: dict[str, str] = {}
    conflicts: list[str] = []
    for item, digest in zip(items, hashes, strict=True):
        first = known[item.id][0] if item.id in known else seen.get(item.id)
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
    known: dict[str, _Known],
    conflicts: list[str],
) -> None:
    now = db.clock()
    first_hash: dict[str, str] = {item_id: row[0] for item_id, row in known.items()}
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


def _replay(
    item_id: str, first: ItemStatus, reason: str | None, member: str | None, member_version: int | None
) -> ItemAnswer:
    """The answer to an id already applied: `duplicate`, repeating what its first push was answered."""
    return ItemAnswer(item_id, ItemStatus.DUPLICATE, reason, member, member_version, first)


def _apply(
    session: Session,
    bulk: Bulk,
    db: ServerDatabase,
    device: AuthenticatedDevice,
    items: list[PushItem],
    hashes: list[str],
    parsed: list[ItemBody | None],
    known: dict[str, _Known],
    stored_seq: int,
) -> list[ItemAnswer]:
    now = db.clock()
    last_seq = stored_seq
    bodies: list[ItemBody | None] = []
    first_seen: set[str] = set()
    for item, body in zip(items, parsed, strict=True):
        # only the first occurrence of a new id is applied; later ones in the batch are replays
        new = item.id not in known and item.id not in first_seen
        first_seen.add(item.id)
        bodies.append(body if new else None)
    batch = prepare(session, db, device, bodies, now)
    alarms: list[dict[str, Any]] = []
    answered: dict[str, Outcome] = {}
    outcomes: list[Outcome | None] = []  # None: a replay of a known id
    for item, body in zip(items, bodies, strict=True):
        if item.id in known:  # a replay: no alarm, but the till has shown it got this far (a re-registered till)
            last_seq = max(last_seq, item.till_seq)
            outcomes.append(None)
            continue
        if item.id in answered:
            outcomes.append(answered[item.id])
            continue
        if item.till_seq > last_seq + 1:
            alarms.append({"device_id": device.id, "expected": last_seq + 1, "received": item.till_seq, "at": now})
        last_seq = max(last_seq, item.till_seq)
        outcome = apply_one(batch, body)
        answered[item.id] = outcome
        outcomes.append(outcome)
    batch.finish()  # one new version per changed member
    results, pushed_rows = _answers(items, hashes, outcomes, known, device, now)
    _write(session, batch.bulk, batch, pushed_rows, now)
    if alarms:
        batch.bulk.flush()
        session.execute(insert(SeqAlarm), alarms)
    if last_seq != stored_seq:
        sql = f"UPDATE device SET last_till_seq = {bulk.mark} WHERE id = {bulk.mark}"  # noqa: S608 - our own names
        batch.bulk.execute(sql, (last_seq, device.id))
    batch.bulk.flush()  # the batch's writes, in one round trip on PostgreSQL
    return results


def _answers(
    items: list[PushItem],
    hashes: list[str],
    outcomes: list[Outcome | None],
    known: dict[str, _Known],
    device: AuthenticatedDevice,
    now: datetime,
) -> tuple[list[ItemAnswer], list[tuple[Any, ...]]]:
    """Each item's answer, in order, and the `pushed_item` row of each new id."""
    results: list[ItemAnswer] = []
    pushed_rows: list[tuple[Any, ...]] = []
    written: set[str] = set()
    for item, digest, answer in zip(items, hashes, outcomes, strict=True):
        if answer is None:
            _hash, status, reason, member, member_version = known[item.id]
            results.append(_replay(item.id, ItemStatus(status), reason, member, member_version))
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
        results.append(ItemAnswer(item.id, answer.status, answer.reason, answer.member, answer.member_version))
    return results, pushed_rows


def _write(session: Session, bulk: Bulk, batch: Batch, pushed_rows: list[tuple[Any, ...]], now: datetime) -> None:
    """The batch's rows, one statement per table: members first (the rows after them refer to them). On PostgreSQL
    the bulk writes are queued (`Bulk.flush`): flushed before each statement made through the session."""
    batch.write_members()
    if batch.events:  # the benefit rules' welcome and tier-upgrade coupons (their members now exist)
        bulk.flush()
        give_for_events(session, batch.events, now)
    if batch.consumed:
        bulk.flush()
        session.execute(
            update(_RESERVATION_TABLE).where(_RESERVATION_TABLE.c.id.in_(batch.consumed)).values(consumed_at=now)
        )
    bulk.insert(_LEDGER_TABLE, _LEDGER_COLUMNS, batch.ledger_rows)
    if batch.gifts_taken:  # the store's stock, lowered by what the batch handed out (a store with no row yet: from 0)
        bulk.flush()
        store = batch.device.store_code
        for sku, taken in batch.gifts_taken.items():
            if session.get(GiftStock, (store, sku)) is None:
                session.add(GiftStock(store_code=store, sku=sku, stock=0))
                session.flush()
            session.execute(update(GiftStock).where(GiftStock.store_code == store, GiftStock.sku == sku)
                            .values(stock=GiftStock.stock - taken))  # fmt: skip
    bulk.insert(_LINE_TABLE, _LINE_COLUMNS, batch.line_rows)
    bulk.insert(_SALE_TABLE, _SALE_COLUMNS, batch.sale_rows)
    if batch.reconciled:  # offline returns entered before their sale arrived (rare)
        bulk.update(_LEDGER_TABLE, ("reconciled_with",), "id", [(earn, ret) for ret, earn in batch.reconciled])
    if batch.removed_preferences:
        bulk.update(_PREFERENCE_TABLE, ("removed_at",), "id", batch.removed_preferences)
    if batch.withdrawn:  # profile consent withdrawn: preferences and tags forgotten (docs/operations.md)
        bulk.flush()
        withdrawn = sorted(batch.withdrawn)
        session.execute(delete(_PREFERENCE_TABLE).where(_PREFERENCE_TABLE.c.member_id.in_(withdrawn)))
        session.execute(update(Member).where(Member.id.in_(withdrawn)).values(tags=[], top_categories=[]))
    if batch.consent_events:
        bulk.flush()
        session.execute(insert(ConsentEvent), batch.consent_events)
    bulk.insert(
        _PREFERENCE_TABLE,
        _PREFERENCE_COLUMNS,
        [tuple(row[name] for name in _PREFERENCE_COLUMNS) for row in batch.preference_rows],
    )
    bulk.insert(_PUSHED_TABLE, _PUSHED_COLUMNS, pushed_rows)
