"""The central server's tables (SQLAlchemy 2.0 typed ORM), the same on SQLite and PostgreSQL: stores, devices and
their one-time enrolment codes, staff, settings (rules, signing key), members with their change sequence, the
ledger, preferences, every pushed item for ever (the idempotency key), conflicting replays kept for inspection,
till_seq gap alarms, online-redemption reservations and the audit of member codes handed out. Alembic migrations
beside this file create and upgrade it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as naive UTC (both databases), given back aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the server database")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
        date: Date,
    }


class Store(Base):
    __tablename__ = "store"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    created_at: Mapped[datetime]


class Device(Base):
    """A registered till. Only the SHA-256 of its bearer token is stored; `revoked_at` set means 401 for ever."""

    __tablename__ = "device"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token before the last rotation: still valid until the new one is first used (server.auth).
    previous_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    last_till_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    #: The till's audit-chain key (hex), handed over once: at registration, or by `POST /v1/audit/key` to a till
    #: registered before keys existed. Kept so the head office can check a till's chain it is handed.
    audit_key: Mapped[str | None] = mapped_column(String(64))


class EnrolmentCode(Base):
    """A one-time code a manager hands to whoever registers a till: stored hashed, expires, works once."""

    __tablename__ = "enrolment_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_device: Mapped[str | None] = mapped_column(String(36))


class Staff(Base):
    """Staff of the chain; `store_id` NULL means every store (e.g. an area manager)."""

    __tablename__ = "staff"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    pin_hash: Mapped[str] = mapped_column(String(200))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]


class Setting(Base):
    """Chain-wide settings as JSON values: `rules` (PointsRules.to_dict()), `config_version`, `signing_key`
    (the Ed25519 private key for member codes, text), `next_card_serial`, `min_cursor` (changes before it pruned)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class RulesVersion(Base):
    """Every points rule set the chain ever put in force, by version: a till may push entries made under an older
    version while offline, and the server checks each entry against the rules its till names."""

    __tablename__ = "rules_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    set_at: Mapped[datetime]


class ChangeCounter(Base):
    """The single row whose value numbers member changes. A writing transaction locks it first (SELECT … FOR
    UPDATE; SQLite's BEGIN IMMEDIATE does the same), so versions are handed out in commit order and a till that
    pulled up to N can never later meet a change numbered below N."""

    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (CheckConstraint("id = 1", name="ck_change_counter_single_row"),)


class Member(Base):
    """A member at its latest state. `version` is the change sequence of its last change (unique, indexed: the
    `changes` feed reads by it). A merged or deleted member stays as a tombstone: phone NULL, `merged_into` or
    `deleted` set."""

    __tablename__ = "member"
    __table_args__ = (Index("ix_member_referred_by", "referred_by", sqlite_where=text("referred_by IS NOT NULL"),
                            postgresql_where=text("referred_by IS NOT NULL")),)  # fmt: skip

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str | None] = mapped_column(String(1))
    birthday: Mapped[date | None]
    tier: Mapped[str] = mapped_column(String(16), default="normal")
    spend_12m_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    segment: Mapped[str | None] = mapped_column(String(32))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    consent_marketing: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_profile: Mapped[bool] = mapped_column(Boolean, default=False)
    card_serial: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    home_store: Mapped[str | None] = mapped_column(String(32))
    last_visit_at: Mapped[datetime | None]
    visits_90d: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(BigInteger, unique=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into: Mapped[str | None] = mapped_column(String(36))
    #: Up to 3 category names, the member's largest by 12-month spend on purchase lines (`server.top_categories`),
    #: as the chain's POS wrote them.
    top_categories: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    #: Until when `spend_12m_cents` and `visits_90d` stay exact if the member buys nothing more: the moment the
    #: oldest purchase they count can first leave its window (`server.purchase_window`). NULL: not known, read the
    #: ledger. Server-side only (not on the wire): set wherever the figures are computed, and by the nightly refresh.
    figures_valid_until: Mapped[datetime | None]
    #: Since when the member's 12-month spend has been below the tier they hold: the nightly refresh moves them down
    #: once the chain's grace has passed (`loyalty.tiers.tier_with_grace`). NULL: not below. Server-side only.
    tier_below_since: Mapped[datetime | None]
    # The last day (chain calendar) the member surely keeps their tier if they buy nothing more (`loyalty.tiers.
    # tier_kept_until`), for the card; NULL for the first tier, and after any change until the next refresh.
    tier_kept_until: Mapped[date | None] = mapped_column(Date)
    #: The points that expire soonest within 30 days and their last day (`server.points_expiry`, nightly); a
    #: redemption pushed since takes from them (the oldest points go first). 0 / NULL: none.
    expiring_points: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    expiring_on: Mapped[date | None] = mapped_column(Date)
    #: The earliest day any of the member's points can expire (their oldest held lot's last day), as the refresh last
    #: worked it out: it only moves later until the next refresh, so the refresh reads the ledger only of members
    #: whose day is near (`server.points_expiry`). NULL: to be worked out (a merge, a rules change).
    next_expiry_on: Mapped[date | None] = mapped_column(Date)
    #: The member who brought this one in (the enrolment's `referrer_id`), until both are given the referral coupon
    #: after this member's first purchase (`server.coupons.reward_referrals`, nightly): then NULL again.
    referred_by: Mapped[str | None] = mapped_column(String(36))


def _partial_index(name: str, *columns: str) -> Index:
    """An index of the rows whose last column is not NULL (both databases)."""
    where = text(f"{columns[-1]} IS NOT NULL")
    return Index(name, *columns, postgresql_where=where, sqlite_where=where)


class LedgerEntry(Base):
    """An applied point entry as the till made it (same id), against the surviving member. Append-only."""

    __tablename__ = "ledger_entry"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    kind: Mapped[str] = mapped_column(String(8))
    points: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    receipt_no: Mapped[str | None] = mapped_column(String(64))
    rule_version: Mapped[int] = mapped_column(Integer)
    staff_code: Mapped[str] = mapped_column(String(32))
    approved_by: Mapped[str | None] = mapped_column(String(32))
    store_code: Mapped[str] = mapped_column(String(32))
    device_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime]  # the till's clock
    received_at: Mapped[datetime]  # the server's clock: events are ordered by it
    reverses: Mapped[str | None] = mapped_column(String(36), unique=True)
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(8))  # applied / flagged
    reason: Mapped[str | None] = mapped_column(String(32))
    bill_cents: Mapped[int | None] = mapped_column(BigInteger)  # a redemption: the bill (a refund's base)
    refund_of: Mapped[str | None] = mapped_column(String(36))  # a refund: the entry it gives back from
    # An offline return of another store's sale (a manager's adjustment): the original's store and receipt, and
    # the original entry once the server holds it (`server.returns`).
    ref_store_code: Mapped[str | None] = mapped_column(String(32))
    ref_receipt_no: Mapped[str | None] = mapped_column(String(64))
    reconciled_with: Mapped[str | None] = mapped_column(String(36))
    gift_sku: Mapped[str | None] = mapped_column(String(32))  # a gift entry's item (issue 18)

    __table_args__ = (
        Index("ix_ledger_member_created", "member_id", "created_at"),
        Index("ix_ledger_created", "created_at"),  # the health board's windows (server.health_board)
        # Partial: most entries leave these columns empty, and every query compares them with a value (migration 0009)
        _partial_index("ix_ledger_store_receipt", "store_code", "receipt_no"),
        _partial_index("ix_ledger_returned_receipt", "ref_store_code", "ref_receipt_no"),
        _partial_index("ix_ledger_entry_refund_of", "refund_of"),
        _partial_index("ix_ledger_entry_reconciled_with", "reconciled_with"),
    )


class EntryLines(Base):
    """The purchase lines of one sale, as its POS sent them: the wire's `SaleLine`s (line_no, sku, name, category,
    quantity_milli, amount_cents as paid) in line order, of an earn entry, of a refund (the lines given back: the
    entry's kind makes them count against their categories) or of a sale without a member (`sale`). Kept for
    history, returns and the categories a member buys (`server.top_categories`).

    One row per sale, not one per line: every reader wants a sale's lines together (a receipt, a purchase in the
    history, an export), sums over lines are set-wise passes over the JSON, and a push writes one row (a primary
    key appended in time order) where ~12 rows with three index entries each made lines the largest cost of a push
    (docs/performance.md, "Purchase lines stored per sale")."""

    __tablename__ = "entry_lines"

    entry_id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a ledger entry's or a sale's id
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class Sale(Base):
    """A sale without a member, as a till's POS interface recorded it (counted, never tied to anyone)."""

    __tablename__ = "sale"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36))
    store_code: Mapped[str] = mapped_column(String(32))
    receipt_no: Mapped[str] = mapped_column(String(64))
    staff_code: Mapped[str] = mapped_column(String(32))
    total_cents: Mapped[int] = mapped_column(BigInteger)
    line_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    received_at: Mapped[datetime]

    __table_args__ = (Index("ix_sale_store_created", "store_code", "created_at"),)


class ChurnWarning(Base):
    """A member their store should call (需关注会员): raised by the nightly refresh when a 高价值忠诚型 member drifts
    to 潜力 or 沉睡 (`reason` "left_loyal") or gains a tag the insight rules mark `warn` (`reason` "tag"). At most one
    open warning per member. A guide or manager records what was done (`outcome`) at a till; it syncs back
    (`server.churn_warnings`)."""

    __tablename__ = "churn_warning"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    store_code: Mapped[str | None] = mapped_column(String(32))  # the member's home store; NULL: every store's list
    reason: Mapped[str] = mapped_column(String(16))
    tag: Mapped[str | None] = mapped_column(String(32))
    from_segment: Mapped[str | None] = mapped_column(String(32))
    to_segment: Mapped[str | None] = mapped_column(String(32))
    raised_at: Mapped[datetime]
    outcome: Mapped[str | None] = mapped_column(String(16))
    handled_at: Mapped[datetime | None]
    handled_by: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_churn_warning_member", "member_id"),
        Index("ix_churn_warning_store_raised", "store_code", "raised_at"),
    )


class SegmentSnapshot(Base):
    """How many live members a store had in each segment on a day: the nightly refresh writes the day's mix after
    its figures pass, `admin segment-history --backfill` works out earlier days from the ledger
    (`server.segment_history`); the health board draws the mix over time from these rows. `store_code` is the
    members' home store ("" for members without one); the chain's mix is the sum over stores."""

    __tablename__ = "segment_snapshot"

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # the chain's calendar day (store zone)
    store_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    segment: Mapped[str] = mapped_column(String(32), primary_key=True)
    members: Mapped[int] = mapped_column(Integer)


class CouponTemplateRow(Base):
    """A coupon template the chain wrote (`loyalty.coupons.CouponTemplate`, its JSON form), by code, with what has
    been issued from it so far, counted against its budget (`server.coupons`)."""

    __tablename__ = "coupon_template"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    issued_count: Mapped[int] = mapped_column(Integer, default=0)
    issued_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class Coupon(Base):
    """A coupon a member holds: issued from a template (by a campaign, a rule or a manager), usable from
    `first_day` to `last_day` (the chain's calendar); `used_at` once applied."""

    __tablename__ = "coupon"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    template_code: Mapped[str] = mapped_column(ForeignKey("coupon_template.code"))
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    source: Mapped[str] = mapped_column(String(16))  # campaign / rule / manager
    campaign: Mapped[str | None] = mapped_column(String(64))
    staff_code: Mapped[str | None] = mapped_column(String(32))
    issued_at: Mapped[datetime]
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    used_at: Mapped[datetime | None]
    used_store: Mapped[str | None] = mapped_column(String(32))
    use_id: Mapped[str | None] = mapped_column(String(36))  # the use that spent it (`CouponUseRow`)

    __table_args__ = (
        Index("ix_coupon_member", "member_id"),
        Index("ix_coupon_template_member", "template_code", "member_id"),
    )


class GiftRow(Base):
    """An item of the gift catalogue (积分兑换礼品): `loyalty.gifts.Gift`'s JSON form, by SKU (`server.gifts`)."""

    __tablename__ = "gift"

    sku: Mapped[str] = mapped_column(String(32), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class GiftStock(Base):
    """How many of a gift a store has, as the server counts them: set by head office, lowered by each gift entry
    pushed (below 0 after offline hand-outs the stock did not cover: those entries are flagged)."""

    __tablename__ = "gift_stock"

    store_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("gift.sku"), primary_key=True)
    stock: Mapped[int] = mapped_column(Integer)


class CouponUseRow(Base):
    """A coupon use a till pushed (`protocol.wire.CouponUseBody`): the one that spent the coupon, and any later use
    of it (status flagged, reason `coupon_reused`: its discount is the bounded loss of an offline double use)."""

    __tablename__ = "coupon_use"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    coupon_id: Mapped[str] = mapped_column(ForeignKey("coupon.id"))
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    store_code: Mapped[str] = mapped_column(String(32))
    device_id: Mapped[str] = mapped_column(String(36))
    staff_code: Mapped[str] = mapped_column(String(32))
    receipt_no: Mapped[str] = mapped_column(String(64))
    bill_cents: Mapped[int] = mapped_column(BigInteger)
    discount_cents: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[datetime]
    received_at: Mapped[datetime]
    offline: Mapped[bool]
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_coupon_use_coupon", "coupon_id"),
        Index("ix_coupon_use_receipt", "store_code", "receipt_no"),
        Index("ix_coupon_use_received", "received_at"),
    )


class Preference(Base):
    __tablename__ = "preference"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16), default="staff")
    staff_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_preference_member", "member_id"),)


class PushedItem(Base):
    """Every item any till ever pushed, keyed by its id for ever: a replay is answered from here."""

    __tablename__ = "pushed_item"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36))
    till_seq: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(16))
    body_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the canonical JSON of type and body
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    member: Mapped[str | None] = mapped_column(String(36))
    member_version: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[datetime]


class ConflictingItem(Base):
    """A replay of a known id with another body (answered 409), kept whole for inspection."""

    __tablename__ = "conflicting_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(36), index=True)
    device_id: Mapped[str] = mapped_column(String(36))
    till_seq: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(16))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]


class SeqAlarm(Base):
    """A gap in a till's `till_seq`: the till lost items it had numbered."""

    __tablename__ = "seq_alarm"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36), index=True)
    expected: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime]


class Reservation(Base):
    """Points held by an online authorization under the coming entry's id, until that entry is pushed or the
    hold expires."""

    __tablename__ = "reservation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id"), index=True)
    points: Mapped[int] = mapped_column(BigInteger)
    device_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]


class AuditAnchorRecord(Base):
    """An audit anchor a till sent (`POST /v1/audit/anchor`): its chain's (seq, hash) at a sync. `verdict` is
    `accepted`, or the code it was refused with (`audit_behind`, `audit_rewritten`): a refusal is kept as the record
    of the tampering it shows. Every accepted pair is kept: a later anchor is checked against them."""

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime]

    __table_args__ = (Index("ix_audit_anchor_device_seq", "device_id", "seq"),)


class AdminLog(Base):
    """What the admin command line did (no personal data): for the chain's own audit."""

    __tablename__ = "admin_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


class ConsentEvent(Base):
    """Each change of a member's consent, for ever (the member's consent history, which a subject-access export
    shows and an erasure keeps: ids, flags and times only, nothing that names the person)."""

    __tablename__ = "consent_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), index=True)
    field: Mapped[str] = mapped_column(String(24))  # consent_marketing / consent_profile
    value: Mapped[bool] = mapped_column(Boolean)
    staff_code: Mapped[str | None] = mapped_column(String(32))
    device_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[datetime]  # the server's receipt time


class HistoryAccess(Base):
    """The audit of purchase histories read (`GET /v1/members/{id}/purchases`): which till (and the staff it names)
    read whose history, when, and the outcome (`answered`, `unknown_member`). Ids only."""

    __tablename__ = "history_access"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    device_id: Mapped[str] = mapped_column(String(36), index=True)
    store_code: Mapped[str] = mapped_column(String(32))
    staff_code: Mapped[str | None] = mapped_column(String(32))
    member_id: Mapped[str] = mapped_column(String(36), index=True)  # as asked
    outcome: Mapped[str] = mapped_column(String(16))


class MemberCodeRequest(Base):
    """The audit of member codes handed out: one row per member asked in a `POST /v1/member-codes` call, and one per
    card re-issued (`POST /v1/cards/reissue`, `admin reissue-card`). Codes and ids only, never a phone or a name;
    `outcome` is `issued`, `unknown_member`, `no_valid_card` or `reissued`. `device_id`, `store_code` and
    `staff_code` are empty for the admin command line (`staff_code` also when the till did not say who asked)."""

    __tablename__ = "member_code_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    device_id: Mapped[str | None] = mapped_column(String(36), index=True)
    store_code: Mapped[str | None] = mapped_column(String(32))
    staff_code: Mapped[str | None] = mapped_column(String(32))
    member_id: Mapped[str] = mapped_column(String(36), index=True)  # as asked
    card_serial: Mapped[int | None] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(16))
