"""The hash-chained audit log: who did what and when. Appending happens inside the caller's write transaction;
`verify_audit` walks the chain and names the first row that was edited, deleted or moved.

Keyed: once the till holds a per-device audit key (the server's, handed over at registration or fetched once by the
first sync after an upgrade: `install_audit_key`), every row's hash is an HMAC-SHA256 with it, so whoever has the
file but not the key cannot recompute the chain. The key's arrival is itself a row (`audit_keyed`, the first row
under that key); rows before it stay plain SHA-256 and verify as they always did: re-chaining them under the key
would have laundered any edit made to them before the key came. A new key (the till registered again) starts
after its own `audit_keyed` row the same way. Each key must sit on an `audit_keyed` row that verifies under it, so
moving a key's start or deleting a key is found, too.

What the chain alone cannot show — the last rows deleted, or the whole chain recomputed by someone holding the key —
the server's anchor shows (`localdb.audit_anchor`)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from localdb.models import AuditKey, AuditRecord

GENESIS_HASH: Final = "0" * 64
_INSERT = insert(cast(Table, AuditRecord.__table__))
#: The action of the row a key's arrival writes: the first row hashed with that key.
KEYED_ACTION: Final = "audit_keyed"


def _row_hash(
    seq: int,
    at: datetime,
    staff_code: str | None,
    action: str,
    subject: str | None,
    detail: dict[str, Any],
    prev: str,
    key: bytes | None = None,
) -> str:
    """SHA-256 of the row's canonical JSON (a row before any key), else HMAC-SHA256 of it with `key`."""
    payload = json.dumps(
        [seq, at.isoformat(), staff_code, action, subject, detail, prev],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


_KEY_TABLE = cast(Table, AuditKey.__table__)
_RECORD_TABLE = cast(Table, AuditRecord.__table__)
# Prebuilt Core statements on the caller's connection: every write reads both, so no ORM query is built each time.
_CURRENT_KEY = select(_KEY_TABLE.c.key).order_by(_KEY_TABLE.c.from_seq.desc()).limit(1)
_HEAD = select(_RECORD_TABLE.c.seq, _RECORD_TABLE.c.hash).order_by(_RECORD_TABLE.c.seq.desc()).limit(1)


def _current_key(session: Session) -> bytes | None:
    found = session.connection().execute(_CURRENT_KEY).scalar()
    return bytes.fromhex(found) if found else None


def _head(session: Session) -> tuple[int, str]:
    last = session.connection().execute(_HEAD).first()
    return (last[0], last[1]) if last else (0, GENESIS_HASH)


def _add(
    session: Session,
    key: bytes | None,
    *,
    at: datetime,
    staff_code: str | None,
    action: str,
    subject: str | None,
    detail: dict[str, Any],
) -> int:
    session.flush()  # the caller's ORM changes first, as before the row (a no-op when there are none)
    last_seq, prev = _head(session)
    seq = last_seq + 1
    row = {
        "seq": seq,
        "at": at,
        "staff_code": staff_code,
        "action": action,
        "subject": subject,
        "detail": detail,
        "prev_hash": prev,
        "hash": _row_hash(seq, at, staff_code, action, subject, detail, prev, key),
    }
    session.connection().execute(_INSERT, row)  # Core, compiled once: no ORM object or flush on every write's path
    return seq


def append_audit(
    session: Session,
    *,
    at: datetime,
    staff_code: str | None,
    action: str,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one row to the chain. The caller's transaction is `BEGIN IMMEDIATE`, so no other writer interleaves."""
    _add(session, _current_key(session), at=at, staff_code=staff_code, action=action, subject=subject,
         detail=detail or {})  # fmt: skip


def parse_audit_key(text: str) -> bytes:
    """The key as the server sends it: 64 hex digits (32 bytes); ValueError otherwise."""
    key = bytes.fromhex(text)
    if len(key) != 32:
        raise ValueError("an audit key is 32 bytes (64 hex digits)")
    return key


def has_audit_key(session: Session) -> bool:
    return session.scalar(select(AuditKey.from_seq).limit(1)) is not None


def install_audit_key(session: Session, key: bytes, *, at: datetime, reason: str) -> int:
    """From now on the chain is HMAC'd with `key`: writes the `audit_keyed` row (the first under it, `reason` in its
    detail: `registered` or `fetched`) and keeps the key from that row on. Returns the row's seq."""
    seq = _head(session)[0] + 1
    session.add(AuditKey(from_seq=seq, key=key.hex(), anchored_seq=None))
    session.flush()
    _add(session, key, at=at, staff_code=None, action=KEYED_ACTION, subject=None, detail={"reason": reason})
    return seq


def audit_head(session: Session) -> tuple[int, str]:
    """The last row's (seq, hash); (0, GENESIS_HASH) for an empty chain."""
    return _head(session)


def audit_hash_at(session: Session, seq: int) -> str | None:
    """The stored hash of row `seq`, None when there is no such row."""
    return session.scalar(select(AuditRecord.hash).where(AuditRecord.seq == seq))


@dataclass(frozen=True, slots=True)
class AuditCheck:
    rows: int
    first_bad_seq: int | None
    problem: str | None  # "edited", "missing", "relinked" or "key_missing"
    keyed: bool = False  # the chain ends under a key (HMAC), not plain SHA-256

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def verify_audit(session: Session) -> AuditCheck:
    """Walk the chain in order: an edited row fails its own hash (with the key in force at it), a deleted one
    leaves a gap in `seq`, and a moved or re-inserted one no longer points at the hash before it. A key whose
    `audit_keyed` row is not there (or does not verify under it), and an `audit_keyed` row without its key, are
    found at that row: a key's start moved or a key deleted."""
    keys = {row.from_seq: bytes.fromhex(row.key) for row in session.scalars(select(AuditKey))}
    expected_seq, prev, rows, key = 1, GENESIS_HASH, 0, None
    for row in session.scalars(select(AuditRecord).order_by(AuditRecord.seq)):
        rows += 1
        if row.seq != expected_seq:
            return AuditCheck(rows, expected_seq, "missing", key is not None)
        if row.prev_hash != prev:
            return AuditCheck(rows, row.seq, "relinked", key is not None)
        if row.seq in keys:
            key = keys.pop(row.seq)
            if row.action != KEYED_ACTION:
                return AuditCheck(rows, row.seq, "edited", True)
        elif row.action == KEYED_ACTION:
            return AuditCheck(rows, row.seq, "key_missing", key is not None)
        if row.hash != _row_hash(
            row.seq, row.at, row.staff_code, row.action, row.subject, row.detail, row.prev_hash, key
        ):
            return AuditCheck(rows, row.seq, "edited", key is not None)
        expected_seq, prev = row.seq + 1, row.hash
    if keys:  # a key starting beyond the last row: its `audit_keyed` row was deleted
        return AuditCheck(rows, min(keys), "missing", True)
    return AuditCheck(rows, None, None, key is not None)
