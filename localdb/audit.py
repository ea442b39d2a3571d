"""The hash-chained audit log: who did what and when. Appending happens inside the caller's write transaction;
`verify_audit` walks the chain and names the first row that was edited, deleted or moved."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from localdb.models import AuditRecord

GENESIS_HASH = "0" * 64


def _row_hash(
    seq: int, at: datetime, staff_code: str | None, action: str, subject: str | None, detail: dict[str, Any], prev: str
) -> str:
    payload = json.dumps(
        [seq, at.isoformat(), staff_code, action, subject, detail, prev],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


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
    detail = detail or {}
    last = session.execute(select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    session.add(
        AuditRecord(
            seq=seq,
            at=at,
            staff_code=staff_code,
            action=action,
            subject=subject,
            detail=detail,
            prev_hash=prev,
            hash=_row_hash(seq, at, staff_code, action, subject, detail, prev),
        )
    )
    session.flush()


@dataclass(frozen=True, slots=True)
class AuditCheck:
    rows: int
    first_bad_seq: int | None
    problem: str | None  # "edited", "missing" or "relinked"

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def verify_audit(session: Session) -> AuditCheck:
    """Walk the chain in order: an edited row fails its own hash, a deleted one leaves a gap in `seq`, and a moved
    or re-inserted one no longer points at the hash before it."""
    expected_seq, prev, rows = 1, GENESIS_HASH, 0
    for row in session.scalars(select(AuditRecord).order_by(AuditRecord.seq)):
        rows += 1
        if row.seq != expected_seq:
            return AuditCheck(rows, expected_seq, "missing")
        if row.prev_hash != prev:
            return AuditCheck(rows, row.seq, "relinked")
        if row.hash != _row_hash(row.seq, row.at, row.staff_code, row.action, row.subject, row.detail, row.prev_hash):
            return AuditCheck(rows, row.seq, "edited")
        expected_seq, prev = row.seq + 1, row.hash
    return AuditCheck(rows, None, None)
