"""The till's tables (SQLAlchemy 2.0 typed ORM): members, preferences, the points ledger, the outbox, sync state,
staff and the audit chain. The schema itself is created and upgraded by the Alembic migrations beside this file;
`tests/test_migrations.py` checks the two agree."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC and gives them back aware: SQLite keeps no zone of its own."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def sqlite_datetime(moment: datetime | None) -> str | None:
    """The text a `UtcDateTime` column holds for an aware datetime (naive UTC with microseconds, as SQLAlchemy's
    SQLite DateTime writes it: `2026-03-18 02:00:00.000000`), for writes and comparisons that bypass the ORM; the
    till's one such conversion (`tests/test_database.py` pins it against what the ORM writes)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class EntrySync(StrEnum):
    """Where a ledger entry stands with the server. Only PENDING entries add to the shown balance."""

    PENDING = "pending"
    APPLIED = "applied"
    FLAGGED = "flagged"
    REJECTED = "rejected"


class Member(Base):
    __tablename__ = "member"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), unique=True)
    phone_tail: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(64), index=True)
    # The name's search keys (loyalty.name_keys): its pinyin and initials, written with the name wherever it is.
    name_pinyin: Mapped[str] = mapped_column(String(160), default="", server_default="")
    name_initials: Mapped[str] = mapped_column(String(64), default="", server_default="")
    gender: Mapped[str | None] = mapped_column(String(1))
    birthday: Mapped[date | None] = mapped_column(Date)
    tier: Mapped[str] = mapped_column(String(16), default="normal")
    spend_12m_cents: Mapped[int] = mapped_column(Integer, default=0)
    balance_synced: Mapped[int] = mapped_column(Integer, default=0)
    segment: Mapped[str | None] = mapped_column(String(32))
    tags: Mapped[list[str]] = mapped_column(default=list)
    #: The member's top 3 categories by 12-month spend, as the server computed them (pulled; issue 16).
    top_categories: Mapped[list[str]] = mapped_column(default=list, server_default=text("'[]'"))
    #: The last day the member surely keeps their tier without buying more, as the server's refresh worked it out
    #: (pulled; issue 17). NULL: the first tier, or not worked out since their last change.
    tier_kept_until: Mapped[date | None] = mapped_column(Date)
    #: The coupons the member holds, unused as the server last knew (pulled; issue 18): `protocol.wire.CouponInfo`
    #: as JSON. Those this till used since are in `coupon_use`.
    coupons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    #: The points that expire soonest within 30 days and their last day, as the server's refresh worked them out
    #: (pulled; issue 18). 0 / NULL: none.
    expiring_points: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    expiring_on: Mapped[date | None] = mapped_column(Date)
    consent_marketing: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_profile: Mapped[bool] = mapped_column(Boolean, default=False)
    card_serial: Mapped[int | None] = mapped_column(Integer, unique=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    home_store: Mapped[str | None] = mapped_column(String(32))
    last_visit_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_member_tail_visit", "phone_tail", "last_visit_at"),
        Index("ix_member_name_visit", "name", "last_visit_at"),  # a name's most recent visitors first
        Index("ix_member_name_pinyin", "name_pinyin"),
        Index("ix_member_name_initials", "name_initials"),
        # Birthdays by month and day (the stored date's 'MM-DD'), for "whose birthday is today" on the lookup page.
        Index("ix_member_birthday_md", text("substr(birthday, 6, 5)"), "last_visit_at"),
        CheckConstraint("gender IN ('F', 'M') OR gender IS NULL", name="ck_member_gender"),
    )


class MemberAlias(Base):
    """A member id the server merged into another (`merge-members`), with the phone it had here: a lookup of that
    phone or a scan of that member's card finds the member kept. Dropped when the member kept is erased."""

    __tablename__ = "member_alias"

    alias_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(16), index=True)
    member_id: Mapped[str] = mapped_column(String(36), index=True)
    created_at: Mapped[datetime]


class ChurnWarning(Base):
    """The store's 需关注会员 list as the server last gave it (`GET /v1/warnings`, replaced each sync), with the
    outcomes this till recorded since (pushed as `warning_outcome` items)."""

    __tablename__ = "churn_warning"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # the server's id
    member_id: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(String(16))
    tag: Mapped[str | None] = mapped_column(String(32))
    from_segment: Mapped[str | None] = mapped_column(String(32))
    to_segment: Mapped[str | None] = mapped_column(String(32))
    raised_at: Mapped[datetime]
    outcome: Mapped[str | None] = mapped_column(String(16))
    handled_at: Mapped[datetime | None]
    handled_by: Mapped[str | None] = mapped_column(String(32))


class Preference(Base):
    __tablename__ = "preference"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16), default="staff")
    # True for rows as the server sent them; a row recorded here stays False until the server sends it back.
    synced: Mapped[bool] = mapped_column(Boolean, default=False)
    staff_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]
    removed_by: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_preference_member", "member_id", "kind"),
        Index(
            "ux_preference_active",
            "member_id",
            "kind",
            "value",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
        ),
    )


class PointEntry(Base):
    """The append-only ledger: an entry is never edited, only reversed by a new entry (its sync fields excepted)."""

    __tablename__ = "point_entry"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    kind: Mapped[str] = mapped_column(String(8))
    points: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int | None] = mapped_column(Integer)
    receipt_no: Mapped[str | None] = mapped_column(String(64))
    rule_version: Mapped[int] = mapped_column(Integer)
    staff_code: Mapped[str] = mapped_column(String(32))
    approved_by: Mapped[str | None] = mapped_column(String(32))
    store_code: Mapped[str] = mapped_column(String(32))
    device_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime]
    reverses: Mapped[str | None] = mapped_column(ForeignKey("point_entry.id"), unique=True)
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    sync_state: Mapped[str] = mapped_column(String(8), default=EntrySync.PENDING.value)
    sync_reason: Mapped[str | None] = mapped_column(String(64))
    # The member's change sequence right after the server applied this entry: once the till has pulled the member
    # at this version or later, the server's balance includes the entry and it stops counting as pending.
    server_version: Mapped[int | None] = mapped_column(Integer)
    bill_cents: Mapped[int | None] = mapped_column(Integer)  # a redemption: the bill its points paid part of
    # A refund: the entry it gives part of back. No foreign key: a return of another store's sale names an entry
    # only the server holds (fetched for the return).
    refund_of: Mapped[str | None] = mapped_column(String(36), index=True)
    ref_store_code: Mapped[str | None] = mapped_column(String(32))  # an offline return's original store
    ref_receipt_no: Mapped[str | None] = mapped_column(String(64))  # ... and receipt (the server reconciles)
    gift_sku: Mapped[str | None] = mapped_column(String(32))  # a gift entry's item of the catalogue (issue 18)

    __table_args__ = (
        # Not on sync_state: the push's answers change it on every entry, and an index on it made each answer a
        # write at a random leaf (migration 0015).
        Index("ix_point_entry_member_created", "member_id", "created_at"),
        Index("ix_point_entry_created", "created_at"),
        Index(
            "ux_point_entry_receipt",
            "store_code",
            "receipt_no",
            unique=True,
            sqlite_where=text("kind = 'earn' AND receipt_no IS NOT NULL"),
        ),
        CheckConstraint("sync_state IN ('pending', 'applied', 'flagged', 'rejected')", name="ck_point_entry_sync"),
    )


class SaleLine(Base):
    """A purchase line of an earn entry (or of a refund: the part of the original line given back), as the POS
    sent it. Kept with the entry for the slip, refunds and the member's history; the entry's outbox body carries
    the same lines to the server."""

    __tablename__ = "sale_line"

    entry_id: Mapped[str] = mapped_column(ForeignKey("point_entry.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    quantity_milli: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Integer)


class CouponUse(Base):
    """A coupon this till applied to a bill (`localdb.coupons`), queued for the server as a `coupon_use` item with
    the same id in the same transaction; its template's code and names are kept for the slip and the day report."""

    __tablename__ = "coupon_use"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    coupon_id: Mapped[str] = mapped_column(String(36), index=True)
    member_id: Mapped[str] = mapped_column(String(36))
    template_code: Mapped[str] = mapped_column(String(32))
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    receipt_no: Mapped[str] = mapped_column(String(64), index=True)
    bill_cents: Mapped[int] = mapped_column(Integer)
    discount_cents: Mapped[int] = mapped_column(Integer)
    staff_code: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(index=True)


class ChainHistory(Base):
    """The last answer of the server's purchase history for a recently seen member (`localdb.chain_history`): the
    guide sees it offline too. Bounded (the least recently fetched dropped); an erased or merged member's row goes
    when the pull says so."""

    __tablename__ = "chain_history"

    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    fetched_at: Mapped[datetime] = mapped_column(index=True)
    body: Mapped[dict[str, Any]]  # the server's answer (`protocol.wire.PurchaseHistoryResponse`), as JSON


class PosRequest(Base):
    """A sale or refund the POS interface answered (posapi): by operation and the POS's receipt or refund number,
    a hash of the request and the answer's exact JSON, so a retry is answered the same and never applied twice."""

    __tablename__ = "pos_request"

    op: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class OutboxItem(Base):
    """Each local change to send, in order. `seq` is the till's gap-free `till_seq`: rows are never deleted. The
    body it carries is in `outbox_body`, written once: this row is updated as the item is sent and answered, and
    with a sale's purchase lines a body is ~2 KB — in the row, each update rewrote (and re-encrypted) a page per
    item, half the till's work in a push (docs/performance.md, "Purchase lines stored per sale")."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))
    member: Mapped[str | None] = mapped_column(String(36))  # the member the server says the item landed on
    sent_at: Mapped[datetime | None]
    content: Mapped[OutboxBody] = relationship(viewonly=True)  # loaded when read

    __table_args__ = (Index("ix_outbox_unsent", "seq", sqlite_where=text("status IS NULL")),)

    @property
    def body(self) -> dict[str, Any]:
        """The body the item carries (its `outbox_body` row)."""
        return self.content.body


class OutboxBody(Base):
    """The body of an outbox item (its `seq`), as queued: the wire's typed body as JSON, sent as stored."""

    __tablename__ = "outbox_body"

    seq: Mapped[int] = mapped_column(ForeignKey("outbox.seq"), primary_key=True)
    body: Mapped[dict[str, Any]]


class SyncState(Base):
    """One row: who this till is and how far it has synced."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36))
    store_code: Mapped[str] = mapped_column(String(32))
    server_url: Mapped[str | None] = mapped_column(String(300))
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    config_version: Mapped[int] = mapped_column(Integer, default=0)
    rules: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    insight_rules: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # loyalty.insight; NULL: the defaults
    gifts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # the config's gift catalogue with the stock
    manager_coupons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # templates a manager may give here
    manager_daily_limit: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # coupons a day
    board: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the last health board (GET /v1/board); NULL: none
    member_code_public_key: Mapped[str | None] = mapped_column(String(64))
    revoked_cards: Mapped[list[int]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    last_push_at: Mapped[datetime | None]
    last_pull_at: Mapped[datetime | None]
    device_token: Mapped[str | None] = mapped_column(String(128))  # the file is owner-only (see database.py)
    store_name: Mapped[str | None] = mapped_column(String(64))
    device_name: Mapped[str | None] = mapped_column(String(64))  # this till's name as registered (reports say it)
    sync_blocked: Mapped[str | None] = mapped_column(String(32))  # e.g. "device_revoked": stop until re-registered
    # The server's time as last heard, and this computer's monotonic clock then (localdb.trusted_clock).
    server_time_seen: Mapped[datetime | None]
    server_seen_monotonic: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (CheckConstraint("id = 1", name="ck_sync_state_single_row"),)


class SyncRun(Base):
    """One sync attempt and what came of it, for the manager's end-of-day report."""

    __tablename__ = "sync_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    pushed: Mapped[int] = mapped_column(Integer, default=0)
    applied: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    pulled: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(64))


class Staff(Base):
    __tablename__ = "staff"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    pin_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (CheckConstraint("role IN ('cashier', 'guide', 'manager')", name="ck_staff_role"),)


class AuditRecord(Base):
    """Who did what and when. Each row's hash covers its content and the previous row's hash."""

    __tablename__ = "audit"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    staff_code: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditKey(Base):
    """A per-device key the audit chain is HMAC'd with from row `from_seq` on (that row is the `audit_keyed` row the
    key's arrival wrote); rows before the first key are plain SHA-256 (`localdb.audit`). `anchored_seq` is the last
    audit row the server accepted as this key's device's anchor (sent again with the next anchor, `prior`)."""

    __tablename__ = "audit_key"

    from_seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(128))
    anchored_seq: Mapped[int | None] = mapped_column(Integer)
