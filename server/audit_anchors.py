"""The server's side of the till audit chains (docs/sync.md "The audit anchor"): each till's audit key, handed over
once (at registration, or once to a till registered before keys existed), and the anchors tills send on every sync —
their chain's head (seq, hash) — checked against the pairs already accepted from that till and kept.

An anchor is refused, and the refusal kept as the record of it, when its seq is below the latest accepted one
(`audit_behind`: rows at the end of the chain were deleted) or when a hash differs from the one accepted at the
same seq, or it does not name (`prior`) a row the server accepted (`audit_rewritten`: the chain was recomputed).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from protocol.vocabulary import ErrorCode
from protocol.wire import AnchorRequest, AuditAnchor
from server.db import ServerDatabase
from server.models import AuditAnchorRecord, Device, Store

ACCEPTED: Final = "accepted"


def new_audit_key() -> str:
    """32 random bytes, as 64 hex digits."""
    return secrets.token_hex(32)


class AuditKeyIssued(Exception):
    """The device's audit key was handed over already: it is never given twice."""


def issue_audit_key(db: ServerDatabase, device_id: str) -> str:
    """Make and keep the device's audit key and return it; AuditKeyIssued when it has one already. One conditional
    UPDATE, so two calls at once cannot both get a key."""
    key = new_audit_key()
    with db.write() as session:
        done = session.execute(
            update(Device).where(Device.id == device_id, Device.audit_key.is_(None)).values(audit_key=key)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise AuditKeyIssued(device_id)
    return key


@dataclass(frozen=True, slots=True)
class AnchorVerdict:
    """What became of an anchor: `refused` is None (accepted) or the error code; `anchor` the latest accepted one."""

    refused: ErrorCode | None
    anchor: AuditAnchor | None


def _latest(session: Session, device_id: str) -> AuditAnchorRecord | None:
    return session.scalar(
        select(AuditAnchorRecord)
        .where(AuditAnchorRecord.device_id == device_id, AuditAnchorRecord.verdict == ACCEPTED)
        .order_by(AuditAnchorRecord.seq.desc(), AuditAnchorRecord.id.desc())
        .limit(1)
    )


def _wire(record: AuditAnchorRecord | None) -> AuditAnchor | None:
    return None if record is None else AuditAnchor(seq=record.seq, hash=record.hash)


def _judge(session: Session, device_id: str, request: AnchorRequest, latest: AuditAnchorRecord) -> ErrorCode | None:
    named = {request.seq: request.hash}
    if request.prior is not None:
        named[request.prior.seq] = request.prior.hash
    known = session.execute(
        select(AuditAnchorRecord.seq, AuditAnchorRecord.hash).where(
            AuditAnchorRecord.device_id == device_id,
            AuditAnchorRecord.verdict == ACCEPTED,
            AuditAnchorRecord.seq.in_(list(named)),
        )
    ).all()
    if request.seq < latest.seq:  # first: the chain ends before the anchored row (its hash is gone with it)
        return ErrorCode.AUDIT_BEHIND
    if any(named[seq] != stored for seq, stored in known):
        return ErrorCode.AUDIT_REWRITTEN
    if request.prior is None or request.prior.seq not in {seq for seq, _ in known}:
        return ErrorCode.AUDIT_REWRITTEN  # it cannot show it still holds a row this server accepted
    return None


def record_anchor(db: ServerDatabase, device_id: str, request: AnchorRequest) -> AnchorVerdict:
    """Check the anchor against what this device's anchors were, keep it (accepted, or refused as the record of
    tampering; the same head sent again is not kept twice) and say what became of it."""
    now = db.clock()
    with db.write() as session:
        # the device's row, locked (PostgreSQL; SQLite's BEGIN IMMEDIATE already is): one anchor at a time per till
        session.execute(select(Device.id).where(Device.id == device_id).with_for_update())
        latest = _latest(session, device_id)
        refused = None if latest is None else _judge(session, device_id, request, latest)
        repeated = refused is None and latest is not None and (latest.seq, latest.hash) == (request.seq, request.hash)
        if not repeated:
            record = AuditAnchorRecord(device_id=device_id, seq=request.seq, hash=request.hash,
                                       verdict=refused.value if refused else ACCEPTED, received_at=now)  # fmt: skip
            session.add(record)
            session.flush()
            if refused is None:
                latest = record
        return AnchorVerdict(refused, _wire(latest))


def latest_anchor(db: ServerDatabase, device_id: str) -> AuditAnchor | None:
    with db.read() as session:
        return _wire(_latest(session, device_id))


@dataclass(frozen=True, slots=True)
class AnchorSummary:
    """One till's audit anchor for the admin: the latest accepted, and the refusals (tampering) recorded."""

    device_id: str
    store_code: str
    device_name: str
    keyed: bool
    seq: int | None
    hash: str | None
    anchored_at: datetime | None
    refusals: int
    last_refusal: str | None
    last_refusal_at: datetime | None


def list_anchors(db: ServerDatabase) -> list[AnchorSummary]:
    """Every registered till with its latest accepted anchor and its refused ones (by store, then registration)."""
    with db.read() as session:
        devices = session.execute(
            select(Device.id, Device.name, Device.audit_key.is_not(None), Store.code)
            .join(Store, Store.id == Device.store_id)
            .order_by(Store.code, Device.created_at)
        ).all()
        refusal_counts = dict(
            session.execute(
                select(AuditAnchorRecord.device_id, func.count())
                .where(AuditAnchorRecord.verdict != ACCEPTED)
                .group_by(AuditAnchorRecord.device_id)
            ).all()
        )
        summaries = []
        for device_id, name, keyed, store_code in devices:
            latest = _latest(session, device_id)
            refusal = session.scalar(
                select(AuditAnchorRecord)
                .where(AuditAnchorRecord.device_id == device_id, AuditAnchorRecord.verdict != ACCEPTED)
                .order_by(AuditAnchorRecord.id.desc())
                .limit(1)
            )
            summaries.append(
                AnchorSummary(
                    device_id=device_id,
                    store_code=store_code,
                    device_name=name,
                    keyed=bool(keyed),
                    seq=latest.seq if latest else None,
                    hash=latest.hash if latest else None,
                    anchored_at=latest.received_at if latest else None,
                    refusals=int(refusal_counts.get(device_id, 0)),
                    last_refusal=refusal.verdict if refusal else None,
                    last_refusal_at=refusal.received_at if refusal else None,
                )
            )
        return summaries
