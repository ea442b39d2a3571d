"""The manager's end-of-day figures for this till, read-only: the day's report (points awarded, redeemed and
reversed per member of staff, purchases, new members, coupons used, how far the day's entries have synced) and the
items the server flagged or rejected, with what they were. Set-wise SELECTs, one read snapshot per call; no Qt.

The day is a calendar day in the store's zone (the till's config, Asia/Shanghai unless the server says otherwise);
the store keeps UTC, so the day becomes a half-open UTC interval [local midnight, next local midnight).

Reading the figures is `Permission.SYNC`: the report belongs to the end-of-day run a manager does on the sync page
(`Permission.APPROVE` is about authorising one override at the counter, not reading the day's books).

Thread: any; the GUI calls it through `ctx.ops.db` (the database worker).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import SQLCoreOperations

from localdb.database import Database
from localdb.models import CouponUse, EntrySync, OutboxBody, OutboxItem, PointEntry, Staff, SyncRun
from localdb.outbox import NEEDS_ATTENTION
from localdb.staff import StaffSession, require
from localdb.till_config import TillSettings, ensure_sync_state
from loyalty.clock import Clock, day_bounds
from loyalty.roles import Permission
from protocol.vocabulary import EntryKind, ItemStatus, ItemType

# Outbox answers that mean an enrolment did not make a new member: the phone already belonged to one (merged into
# it), or the server refused it.
_NOT_NEW = (ItemStatus.MERGED.value, ItemStatus.REJECTED.value)


@dataclass(frozen=True, slots=True)
class StaffDay:
    """One member of staff's day at this till. Points are whole points, money integer cents. Entries the server
    rejected are left out (they moved no points); `DayReport.entry_sync` counts them."""

    staff_code: str
    staff_name: str | None  # None for a code this till no longer knows
    entries: int = 0  # ledger entries of any kind
    points_awarded: int = 0  # earned on purchases
    points_redeemed: int = 0  # spent on bills (a positive number)
    reversals: int = 0  # reversal entries made
    points_reversed: int = 0  # what those reversals moved (signed: undoing an award is negative)
    points_adjusted: int = 0
    net_points: int = 0  # what this person's entries, of every kind, changed members' balances by, all told
    #: purchases that earned points, less purchases whose award was reversed today and money refunded on purchases
    purchase_cents: int = 0
    new_members: int = 0
    refunds: int = 0  # refund entries made (returns: part or all of a sale given back)
    points_refunded: int = 0  # what those refunds moved (signed: clawed back negative, redeemed points returned +)
    sales_without_member: int = 0  # sales the POS recorded without a member
    sales_without_member_cents: int = 0
    coupons_used: int = 0  # coupons applied to bills (those the server rejected left out)
    coupon_cents: int = 0  # what they took off
    coupons_flagged: int = 0  # of those, uses the server flagged (a coupon already used at another till)


@dataclass(frozen=True, slots=True)
class EntrySyncCounts:
    """Where the day's ledger entries stand with the server."""

    pending: int = 0
    applied: int = 0
    flagged: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.applied + self.flagged + self.rejected


@dataclass(frozen=True, slots=True)
class DayReport:
    day: date  # the store's calendar day
    zone: tzinfo  # the store's zone, for showing times
    store_code: str
    device_id: str
    starts_at: datetime  # UTC, inclusive
    ends_at: datetime  # UTC, exclusive
    staff: tuple[StaffDay, ...]  # by staff code
    entry_sync: EntrySyncCounts
    last_sync_at: datetime | None  # the last sync run that finished without error, any day (UTC)
    generated_at: datetime  # UTC
    store_name: str | None = None  # as the server gave it at registration
    device_name: str | None = None  # this till's name as registered (None: registered before names were kept)
    totals: StaffDay = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "totals", _sum_days(self.staff))


@dataclass(frozen=True, slots=True)
class SyncException:
    """An item the server flagged or rejected (or answered with a reason), with what it was, for the manager."""

    item_id: str
    item_type: str  # localdb.outbox.ItemType value
    status: str | None  # the server's answer: flagged, rejected, duplicate...
    reason: str | None  # a protocol.vocabulary.ErrorCode value, or None
    created_at: datetime  # UTC, when it was made at the till
    staff_code: str | None
    points: int | None  # for ledger entries
    entry_kind: EntryKind | None
    receipt_no: str | None


def _sum_days(days: Iterable[StaffDay]) -> StaffDay:
    rows = list(days)
    return StaffDay(
        staff_code="",
        staff_name=None,
        entries=sum(d.entries for d in rows),
        points_awarded=sum(d.points_awarded for d in rows),
        points_redeemed=sum(d.points_redeemed for d in rows),
        reversals=sum(d.reversals for d in rows),
        points_reversed=sum(d.points_reversed for d in rows),
        points_adjusted=sum(d.points_adjusted for d in rows),
        net_points=sum(d.net_points for d in rows),
        purchase_cents=sum(d.purchase_cents for d in rows),
        new_members=sum(d.new_members for d in rows),
        refunds=sum(d.refunds for d in rows),
        points_refunded=sum(d.points_refunded for d in rows),
        sales_without_member=sum(d.sales_without_member for d in rows),
        sales_without_member_cents=sum(d.sales_without_member_cents for d in rows),
        coupons_used=sum(d.coupons_used for d in rows),
        coupon_cents=sum(d.coupon_cents for d in rows),
        coupons_flagged=sum(d.coupons_flagged for d in rows),
    )


class ReportService:
    def __init__(self, db: Database, settings: TillSettings, clock: Clock) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock

    def day(self, actor: StaffSession, day: date | None = None) -> DayReport:
        """The day's report for this till (today in the store's zone when `day` is None)."""
        require(actor, Permission.SYNC)
        config = self._settings.current()
        now = self._clock()
        wanted = day or config.today(now)
        start, end = day_bounds(wanted, config.zone)
        with self._db.read() as session:
            by_staff = self._entries_by_staff(session, start, end)
            for code, enrolled in self._enrolments_by_staff(session, start, end).items():
                base = by_staff.get(code) or StaffDay(staff_code=code, staff_name=None)
                by_staff[code] = replace(base, new_members=enrolled)
            for code, (sales, cents) in self._sales_without_member(session, start, end).items():
                base = by_staff.get(code) or StaffDay(staff_code=code, staff_name=None)
                by_staff[code] = replace(base, sales_without_member=sales, sales_without_member_cents=cents)
            for code, (used, cents, flagged) in self._coupons_by_staff(session, start, end).items():
                base = by_staff.get(code) or StaffDay(staff_code=code, staff_name=None)
                by_staff[code] = replace(base, coupons_used=used, coupon_cents=cents, coupons_flagged=flagged)
            names = self._staff_names(session, by_staff)
            staff = tuple(replace(by_staff[code], staff_name=names.get(code)) for code in sorted(by_staff))
            entry_sync = self._entry_sync(session, start, end)
            state = ensure_sync_state(session)
            store_name, device_name = state.store_name, state.device_name
            last_sync_at = session.scalar(
                select(func.max(SyncRun.finished_at)).where(SyncRun.error.is_(None), SyncRun.finished_at.is_not(None))
            )
        return DayReport(
            day=wanted,
            zone=config.zone,
            store_code=config.store_code,
            device_id=config.device_id,
            starts_at=start,
            ends_at=end,
            staff=staff,
            entry_sync=entry_sync,
            last_sync_at=last_sync_at,
            generated_at=now,
            store_name=store_name,
            device_name=device_name,
        )

    def sync_exceptions(self, actor: StaffSession) -> list[SyncException]:
        """Every item the server flagged or rejected, or answered with a reason, oldest first, with the ledger
        entry it carried (the same items as `SyncStore.exceptions`, told in full for the manager's list)."""
        require(actor, Permission.SYNC)
        with self._db.read() as session:
            rows = session.execute(
                select(
                    OutboxItem.item_id,
                    OutboxItem.type,
                    OutboxItem.status,
                    OutboxItem.reason,
                    OutboxItem.created_at,
                    OutboxBody.body["staff_code"].as_string(),
                    PointEntry.points,
                    PointEntry.kind,
                    func.coalesce(PointEntry.receipt_no, OutboxBody.body["receipt_no"].as_string()),  # a coupon use's
                )
                .join(OutboxBody, OutboxBody.seq == OutboxItem.seq)
                .outerjoin(PointEntry, PointEntry.id == OutboxItem.item_id)
                .where(NEEDS_ATTENTION)
                .order_by(OutboxItem.seq)
            )
            return [
                SyncException(
                    item_id=r[0],
                    item_type=r[1],
                    status=r[2],
                    reason=r[3],
                    created_at=r[4],
                    staff_code=r[5],
                    points=r[6],
                    entry_kind=EntryKind(r[7]) if r[7] else None,
                    receipt_no=r[8],
                )
                for r in rows
            ]

    # -- the day's pieces, each one statement ---------------------------------------------------------------------

    @staticmethod
    def _entries_by_staff(session: Session, start: datetime, end: datetime) -> dict[str, StaffDay]:
        entry, original, refunded = PointEntry, aliased(PointEntry), aliased(PointEntry)
        kind = entry.kind
        amount = func.coalesce(entry.amount_cents, 0)

        def total(when: ColumnElement[bool], value: SQLCoreOperations[int] | int) -> ColumnElement[int]:
            return func.coalesce(func.sum(case((when, value), else_=0)), 0)

        # A reversal of an award takes its purchase back out; a reversal of a redemption moves no purchase. So does a
        # refund of a purchase: of this till's (its original is here, an earn) or another store's (not here; a
        # refund of a redemption gives points back, one of a purchase never does).
        reversed_award = and_(kind == EntryKind.REVERSE.value, original.kind == EntryKind.EARN.value)
        refunded_purchase = and_(
            kind == EntryKind.REFUND.value,
            or_(refunded.kind == EntryKind.EARN.value, and_(refunded.id.is_(None), entry.points <= 0)),
        )
        rows = session.execute(
            select(
                entry.staff_code,
                func.count(),
                total(kind == EntryKind.EARN.value, entry.points),
                total(kind == EntryKind.REDEEM.value, -entry.points),
                total(kind == EntryKind.REVERSE.value, 1),
                total(kind == EntryKind.REVERSE.value, entry.points),
                total(kind == EntryKind.ADJUST.value, entry.points),
                func.coalesce(func.sum(entry.points), 0),
                func.coalesce(
                    func.sum(
                        case(
                            (kind == EntryKind.EARN.value, amount),
                            (reversed_award, -amount),
                            (refunded_purchase, -amount),
                            else_=0,
                        )
                    ),
                    0,
                ),
                total(kind == EntryKind.REFUND.value, 1),
                total(kind == EntryKind.REFUND.value, entry.points),
            )
            .outerjoin(original, original.id == entry.reverses)
            .outerjoin(refunded, refunded.id == entry.refund_of)
            .where(entry.created_at >= start, entry.created_at < end, entry.sync_state != EntrySync.REJECTED.value)
            .group_by(entry.staff_code)
        )
        return {
            r[0]: StaffDay(
                staff_code=r[0],
                staff_name=None,
                entries=r[1],
                points_awarded=r[2],
                points_redeemed=r[3],
                reversals=r[4],
                points_reversed=r[5],
                points_adjusted=r[6],
                net_points=r[7],
                purchase_cents=r[8],
                refunds=r[9],
                points_refunded=r[10],
            )
            for r in rows
        }

    @staticmethod
    def _sales_without_member(session: Session, start: datetime, end: datetime) -> dict[str, tuple[int, int]]:
        """Per staff code: the sales without a member recorded today (they live in the outbox only) and their
        money."""
        rows = session.execute(
            select(
                OutboxBody.body["staff_code"].as_string(),
                func.count(),
                func.coalesce(func.sum(OutboxBody.body["total_cents"].as_integer()), 0),
            )
            .select_from(OutboxItem)
            .join(OutboxBody, OutboxBody.seq == OutboxItem.seq)
            .where(OutboxItem.type == ItemType.SALE.value, OutboxItem.created_at >= start, OutboxItem.created_at < end)
            .group_by(OutboxBody.body["staff_code"].as_string())
        )
        return {str(code): (int(count), int(cents)) for code, count, cents in rows}

    @staticmethod
    def _coupons_by_staff(session: Session, start: datetime, end: datetime) -> dict[str, tuple[int, int, int]]:
        """Per staff code: the coupons applied today that the server did not reject, what they took off, and how many
        of them it flagged."""
        flagged = case((OutboxItem.status == ItemStatus.FLAGGED.value, 1), else_=0)
        rows = session.execute(
            select(CouponUse.staff_code, func.count(), func.coalesce(func.sum(CouponUse.discount_cents), 0),
                   func.coalesce(func.sum(flagged), 0))
            .join(OutboxItem, OutboxItem.item_id == CouponUse.id)
            .where(CouponUse.created_at >= start, CouponUse.created_at < end,
                   or_(OutboxItem.status.is_(None), OutboxItem.status != ItemStatus.REJECTED.value))
            .group_by(CouponUse.staff_code)
        )  # fmt: skip
        return {str(code): (int(used), int(cents), int(flags)) for code, used, cents, flags in rows}

    @staticmethod
    def _enrolments_by_staff(session: Session, start: datetime, end: datetime) -> dict[str, int]:
        # Enrolments are told by the outbox, not by member.created_at: a member pulled from the server gets the
        # pull's time as its local created_at.
        staff_code = OutboxBody.body["staff_code"].as_string()
        rows = session.execute(
            select(staff_code, func.count())
            .select_from(OutboxItem)
            .join(OutboxBody, OutboxBody.seq == OutboxItem.seq)
            .where(
                OutboxItem.type == ItemType.ENROL.value,
                OutboxItem.created_at >= start,
                OutboxItem.created_at < end,
                or_(OutboxItem.status.is_(None), OutboxItem.status.not_in(_NOT_NEW)),
            )
            .group_by(staff_code)
        )
        return {str(code or ""): int(count) for code, count in rows}

    @staticmethod
    def _staff_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
        wanted = list(codes)
        if not wanted:
            return {}
        rows = session.execute(select(Staff.code, Staff.name).where(Staff.code.in_(wanted)))
        return {code: name for code, name in rows}

    @staticmethod
    def _entry_sync(session: Session, start: datetime, end: datetime) -> EntrySyncCounts:
        rows = session.execute(
            select(PointEntry.sync_state, func.count())
            .where(PointEntry.created_at >= start, PointEntry.created_at < end)
            .group_by(PointEntry.sync_state)
        )
        counts = {state: int(n) for state, n in rows}
        return EntrySyncCounts(
            pending=counts.get(EntrySync.PENDING.value, 0),
            applied=counts.get(EntrySync.APPLIED.value, 0),
            flagged=counts.get(EntrySync.FLAGGED.value, 0),
            rejected=counts.get(EntrySync.REJECTED.value, 0),
        )
