"""The audit chain held against the server's anchor: what the till sends as its anchor on each sync (its head, and
its row at the last anchor the server accepted, `prior`), what it keeps when the server accepts one, and how the
local chain compares with the anchor the server holds (`verify-audit`).

The server keeps the (seq, hash) pairs it accepted; a till whose chain no longer reaches the anchored row (rows
deleted at the end) or holds another hash there (the chain recomputed, even with the key) is found out by the
comparison here and refused by the server on its next anchor (docs/operations.md "The audit log")."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from localdb.audit import GENESIS_HASH, audit_hash_at, audit_head
from localdb.models import AuditKey


@dataclass(frozen=True, slots=True)
class Anchor:
    """One audit row as the server holds it: its seq and hash."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class AnchorRequest:
    """What the till sends: its head, and its own hash now at the last seq the server accepted (None before the
    first accepted anchor under the current key)."""

    head: Anchor
    prior: Anchor | None


class AnchorVerdict(StrEnum):
    MATCHES = "matches"  # the chain holds the anchored row unchanged
    BEHIND = "behind"  # the chain ends before the anchored row: rows after it were deleted
    RECOMPUTED = "recomputed"  # the anchored row's hash differs: the chain was rewritten from there or before


def _current_key(session: Session) -> AuditKey | None:
    return session.scalar(select(AuditKey).order_by(AuditKey.from_seq.desc()).limit(1))


def anchor_request(session: Session) -> AnchorRequest:
    seq, head_hash = audit_head(session)
    key = _current_key(session)
    prior = None
    if key is not None and key.anchored_seq is not None:
        # a row deleted since is sent as the genesis hash: the server finds it differs from what it accepted
        prior = Anchor(key.anchored_seq, audit_hash_at(session, key.anchored_seq) or GENESIS_HASH)
    return AnchorRequest(Anchor(seq, head_hash), prior)


def note_anchored(session: Session, seq: int) -> None:
    """The server accepted row `seq` as the anchor: the next request names it as `prior`."""
    key = _current_key(session)
    if key is not None:
        key.anchored_seq = seq


def compare_with_anchor(session: Session, anchor: Anchor) -> AnchorVerdict:
    head_seq, _ = audit_head(session)
    if head_seq < anchor.seq:
        return AnchorVerdict.BEHIND
    stored = audit_hash_at(session, anchor.seq)
    if stored is None:
        return AnchorVerdict.BEHIND
    return AnchorVerdict.MATCHES if stored == anchor.hash else AnchorVerdict.RECOMPUTED
