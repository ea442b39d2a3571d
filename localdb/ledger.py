"""The points ledger at the till: award, redeem and reverse. Each call is one `BEGIN IMMEDIATE` transaction that
writes the ledger row, its outbox row and its audit row together, or nothing.

Rules come from the till's config (the server's, once registered). While the till cannot get a redemption
authorized online, a member may redeem at most the rules' stand-in cap per local day at this till; beyond it a
manager approves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from uuid6 import uuid7

from localdb import pos_requests
from localdb.audit import append_audit
from localdb.changes import Changes
from localdb.coupons import AppliedCoupon, CouponBook
from localdb.database import Database
from localdb.errors import Problem, StoreError
from localdb.member_view import MemberQueries, MemberView
from localdb.models import EntrySync, Member, PointEntry, SaleLine
from localdb.outbox import enqueue
from localdb.pos_requests import RequestKey
from localdb.staff import StaffSession, require
from localdb.till_config import TillConfig, TillSettings
from loyalty.clock import Clock, day_bounds
from loyalty.gifts import GiftProblem, GiftRefused
from loyalty.points import (
    EarnRefused,
    earn_points,
    offline_cap_left,
    over_offline_cap,
    quote_redemption,
    refund_left_cents,
    refund_points,
    reversal_needs_approval,
    whole_redemption,
)
from loyalty.roles import Permission, can
from loyalty.tiers import is_birthday_month
from protocol.limits import MAX_RECEIPT_LENGTH
from protocol.vocabulary import EntryKind

if TYPE_CHECKING:
    from protocol.wire import SaleLine as WireLine


@cache
def _row_fields() -> set[str]:
    """The ledger columns an entry's outbox body also carries (the rest are the till's own: sync state, answers)."""
    from protocol.wire import PointEntryBody

    return set(PointEntry.__table__.columns.keys()) & set(PointEntryBody.model_fields)


_ENTRY_TABLE = cast(Table, PointEntry.__table__)
_MEMBER_TABLE = cast(Table, Member.__table__)
_INSERT_ENTRY = insert(_ENTRY_TABLE)
_INSERT_LINE = insert(cast(Table, SaleLine.__table__))
_TOUCH_MEMBER = (
    update(_MEMBER_TABLE)
    .where(_MEMBER_TABLE.c.id == bindparam("member"))
    .values(last_visit_at=bindparam("at", type_=_MEMBER_TABLE.c.last_visit_at.type))
)
_EARLIER_EARN = select(_ENTRY_TABLE.c.id).where(
    _ENTRY_TABLE.c.store_code == bindparam("store"),
    _ENTRY_TABLE.c.receipt_no == bindparam("receipt"),
    _ENTRY_TABLE.c.kind == EntryKind.EARN.value,
)
#: Every ledger column a new entry leaves empty: the same parameter set for each insert (one compiled statement).
_ENTRY_DEFAULTS: dict[str, object] = {
    "reverses": None, "approved_by": None, "receipt_no": None, "amount_cents": None, "offline": False,
    "sync_reason": None, "server_version": None, "bill_cents": None, "refund_of": None, "ref_store_code": None,
    "ref_receipt_no": None,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class EntryView:
    id: str
    member_id: str
    kind: EntryKind
    points: int
    amount_cents: int | None  # earn: the purchase; redeem: the money the points paid
    receipt_no: str | None
    staff_code: str
    approved_by: str | None
    created_at: datetime
    reverses: str | None
    offline: bool
    sync_state: EntrySync
    refund_of: str | None = None
    gift_sku: str | None = None  # a gift entry's item of the catalogue


@dataclass(frozen=True, slots=True)
class RefundTarget:
    """An entry a refund gives part of back, as the till knows it: from its own ledger, or (a return of another
    store's sale, online) as the server answered for the receipt. `refunded_cents` is the money already given
    back on it that the till's own pending refunds do not include."""

    entry_id: str
    member_id: str
    kind: EntryKind  # earn or redeem
    points: int  # as applied
    base_cents: int  # an earn's amount, a redemption's bill
    refunded_cents: int
    receipt_no: str | None = None


@dataclass(frozen=True, slots=True)
class SaleRecord:
    """What a POS sale wrote: its redemption and award for a member, else the id of the sale recorded without
    one; the member as the till now sees them; `answer`: the POS request's answer kept with it, when keyed."""

    sale_id: str | None
    redemption: LedgerResult | None
    earn: LedgerResult | None
    member: MemberView | None
    answer: str | None = None
    coupons: tuple[AppliedCoupon, ...] = ()  # the coupons applied, in order

    @property
    def coupon_cents(self) -> int:
        return sum(coupon.discount_cents for coupon in self.coupons)


@dataclass(frozen=True, slots=True)
class LedgerResult:
    """The entry just written and the member as the till now sees them."""

    entry: EntryView
    member: MemberView
    coupons: tuple[AppliedCoupon, ...] = ()  # an award's coupons, applied before the points (issue 18)

    @property
    def coupon_cents(self) -> int:
        return sum(coupon.discount_cents for coupon in self.coupons)

    @property
    def changes(self) -> Changes:
        return Changes.of_member(self.entry.member_id)


def _entry_view(entry: PointEntry) -> EntryView:
    return EntryView(
        id=entry.id,
        member_id=entry.member_id,
        kind=EntryKind(entry.kind),
        points=entry.points,
        amount_cents=entry.amount_cents,
        receipt_no=entry.receipt_no,
        staff_code=entry.staff_code,
        approved_by=entry.approved_by,
        created_at=entry.created_at,
        reverses=entry.reverses,
        offline=entry.offline,
        sync_state=EntrySync(entry.sync_state),
        refund_of=entry.refund_of,
        gift_sku=entry.gift_sku,
    )


def _check_lines(lines: Sequence[WireLine] | None, amount_cents: int) -> None:
    """Purchase lines must add up to the money they stand for, each line number once (the server's own check:
    `protocol.wire.lines_break_total`)."""
    if lines is None:
        return
    from protocol.wire import lines_break_total

    if not lines or lines_break_total(list(lines), amount_cents):
        raise StoreError(Problem.INVALID_LINES)


def _clean_receipt(receipt_no: str | None) -> str | None:
    if receipt_no is None:
        return None
    cleaned = receipt_no.strip()
    if len(cleaned) > MAX_RECEIPT_LENGTH:
        raise StoreError(Problem.INVALID_RECEIPT, limit=MAX_RECEIPT_LENGTH)
    return cleaned or None


class LedgerService:
    def __init__(
        self,
        db: Database,
        settings: TillSettings,
        queries: MemberQueries,
        clock: Clock,
        *,
        trusted: Clock | None = None,
        coupons: CouponBook | None = None,
    ) -> None:
        self._db = db
        self._coupons = coupons or CouponBook(db, settings, clock)
        self._settings = settings
        self._queries = queries
        self._clock = clock
        self._trusted = trusted or clock  # the stand-in cap's day counts by it (localdb.trusted_clock)

    # -- helpers inside one transaction ---------------------------------------------------------------------------

    def _member(self, session: Session, member_id: str) -> MemberView:
        member = self._queries.by_id(self._db.session_connection(session), member_id)
        if member is None:
            raise StoreError(Problem.MEMBER_NOT_FOUND, member_id=member_id)
        return member

    def _write_entry(
        self,
        session: Session,
        actor: StaffSession,
        config: TillConfig,
        now: datetime,
        *,
        member_id: str,
        kind: EntryKind,
        points: int,
        amount_cents: int | None,
        receipt_no: str | None = None,
        approved_by: str | None = None,
        reverses: str | None = None,
        offline: bool = False,
        bill_cents: int | None = None,
        bonuses: tuple[str, ...] = (),
        birthday_month: bool = False,
        tier: str | None = None,
        entry_id: str | None = None,
        lines: Sequence[WireLine] | None = None,
        refund_of: str | None = None,
        ref_store_code: str | None = None,
        ref_receipt_no: str | None = None,
        gift_sku: str | None = None,
    ) -> LedgerResult:
        from protocol.wire import PointEntryBody  # with the first entry, not at start (localdb.outbox says why)

        body = PointEntryBody(
            id=entry_id or str(uuid7()),
            member_id=member_id,
            kind=kind,
            points=points,
            amount_cents=amount_cents,
            bill_cents=bill_cents,
            receipt_no=receipt_no,
            rule_version=config.rules.version,
            staff_code=actor.code,
            approved_by=approved_by,
            store_code=config.store_code,
            device_id=config.device_id,
            created_at=now,
            reverses=reverses,
            offline=offline,
            bonuses=list(bonuses),
            birthday_month=birthday_month,
            tier=tier,
            lines=list(lines) if lines else None,
            refund_of=refund_of,
            ref_store_code=ref_store_code,
            ref_receipt_no=ref_receipt_no,
            gift_sku=gift_sku,
        )
        if body.breaks_kind_rule():  # a bug in this service: refuse before the server would
            raise ValueError(f"a {kind.value} entry without what its kind needs")
        # The ledger row is the body's own fields: what is queued for the server is what is kept here. Written with
        # Core inserts, no ORM objects and no flushes: the unit of work cost 5x the rows' own writing (bench/pos.py).
        # Values as parameters, not in the statement: each statement is compiled once and cached.
        row = body.model_dump(include=_row_fields()) | {"kind": kind.value, "sync_state": EntrySync.PENDING.value}
        connection = session.connection()
        connection.execute(_INSERT_ENTRY, _ENTRY_DEFAULTS | row)
        connection.execute(_TOUCH_MEMBER, {"member": member_id, "at": now})
        if body.lines:
            connection.execute(_INSERT_LINE, [{"entry_id": body.id, **line.model_dump()} for line in body.lines])
        enqueue(session, body, at=now)
        append_audit(
            session,
            at=now,
            staff_code=actor.code,
            action=kind.value,
            subject=body.id,
            detail={"member_id": member_id, "points": points, "approved_by": approved_by},
        )
        view = EntryView(
            id=body.id,
            member_id=member_id,
            kind=kind,
            points=points,
            amount_cents=amount_cents,
            receipt_no=receipt_no,
            staff_code=actor.code,
            approved_by=approved_by,
            created_at=now,
            reverses=reverses,
            offline=offline,
            sync_state=EntrySync.PENDING,
            refund_of=refund_of,
            gift_sku=gift_sku,
        )
        return LedgerResult(view, self._member(session, member_id))

    # -- services ----------------------------------------------------------------------------------------------

    def award(
        self,
        actor: StaffSession,
        member_id: str,
        amount_cents: int,
        *,
        receipt_no: str | None = None,
        bonuses: tuple[str, ...] = (),
        lines: Sequence[WireLine] | None = None,
        coupon_ids: Sequence[str] = (),
        online: bool = False,
    ) -> LedgerResult:
        """Points for a purchase (with its purchase lines when the POS sent them: their amounts add up to the
        purchase). The same receipt at this store earns once: a second try is refused. `coupon_ids`: the member's
        coupons on the bill (`localdb.coupons`), taken off it first in the same transaction; the points are earned
        on what is left (`online`: the till could reach the server, said on each coupon use). A purchase typed by
        hand has no lines, so coupons and lines do not go together (a POS sale's go through `sale`)."""
        require(actor, Permission.AWARD)
        _check_lines(lines, amount_cents)
        if coupon_ids and lines:
            raise StoreError(Problem.INVALID_LINES)
        config = self._settings.current()
        receipt = _clean_receipt(receipt_no)
        now = self._clock()
        try:
            with self._db.write() as session:
                if not coupon_ids:
                    return self._award_in(session, actor, config, now, member_id, amount_cents, receipt, bonuses, lines)
                entry_id = str(uuid7())
                coupons = self._coupons.apply_in(session, actor, config, now, member_id=member_id,
                                                 coupon_ids=coupon_ids, bill_cents=amount_cents,
                                                 receipt_no=receipt or entry_id, offline=not online)  # fmt: skip
                paid = amount_cents - sum(coupon.discount_cents for coupon in coupons)
                result = self._award_in(session, actor, config, now, member_id, paid, receipt, bonuses, None,
                                        entry_id=entry_id)  # fmt: skip
                return replace(result, coupons=tuple(coupons))
        except IntegrityError as exc:  # the partial unique index caught a concurrent double award
            raise StoreError(Problem.DUPLICATE_RECEIPT) from exc

    def _award_in(
        self,
        session: Session,
        actor: StaffSession,
        config: TillConfig,
        now: datetime,
        member_id: str,
        amount_cents: int,
        receipt: str | None,
        bonuses: tuple[str, ...],
        lines: Sequence[WireLine] | None,
        *,
        entry_id: str | None = None,
    ) -> LedgerResult:
        member = self._member(session, member_id)
        birthday_month = is_birthday_month(member.birthday, config.today(now))
        quote = earn_points(config.rules, amount_cents, member.tier, birthday_month=birthday_month, bonuses=bonuses)
        if quote.points <= 0:
            raise StoreError(Problem.NOTHING_TO_AWARD)
        if receipt is not None:
            earlier = (
                session.connection().execute(_EARLIER_EARN, {"store": config.store_code, "receipt": receipt}).scalar()
            )
            if earlier is not None:
                raise StoreError(Problem.DUPLICATE_RECEIPT, entry_id=earlier)
        return self._write_entry(
            session,
            actor,
            config,
            now,
            member_id=member_id,
            kind=EntryKind.EARN,
            points=quote.points,
            amount_cents=amount_cents,
            receipt_no=receipt,
            bonuses=bonuses,
            birthday_month=birthday_month,
            tier=member.tier,
            lines=lines,
            entry_id=entry_id,
        )

    def offline_redeemed_today(self, session: Session, config: TillConfig, member_id: str, now: datetime) -> int:
        """Points this member redeemed at this till today without online authorization (reversed ones excluded)."""
        reversed_ids = select(PointEntry.reverses).where(PointEntry.reverses.is_not(None))
        total = session.scalar(
            select(func.coalesce(func.sum(-PointEntry.points), 0)).where(
                PointEntry.member_id == member_id,
                PointEntry.kind.in_((EntryKind.REDEEM.value, EntryKind.GIFT.value)),  # gifts count as redemptions
                PointEntry.offline.is_(True),
                PointEntry.created_at >= day_bounds(config.today(now), config.zone)[0],
                PointEntry.id.not_in(reversed_ids),
            )
        )
        return int(total or 0)

    def _cap_approval(
        self,
        session: Session,
        actor: StaffSession,
        config: TillConfig,
        member_id: str,
        points: int,
        approver: StaffSession | None,
    ) -> str | None:
        """Points redeemed on the till's word (offline, or a gift) within the day's stand-in cap: None. Over it, the
        manager who approves (`approver`, or the actor when a manager); else refused `OVER_OFFLINE_CAP` with what is
        left."""
        used = self.offline_redeemed_today(session, config, member_id, self._trusted())
        if not over_offline_cap(config.rules, used, points):
            return None
        if approver is not None:
            return approver.code
        if can(actor.role, Permission.APPROVE):
            return actor.code
        raise StoreError(Problem.OVER_OFFLINE_CAP, member_id=member_id, limit=offline_cap_left(config.rules, used))

    def redeem_gift(
        self, actor: StaffSession, member_id: str, sku: str, *, approver: StaffSession | None = None
    ) -> LedgerResult:
        """An item of the gift catalogue for its points (积分兑换礼品): offered today, within the member's available
        points and, as a redemption on the till's word, within the day's stand-in cap unless a manager (the actor or
        `approver`) approves. The shelf may be empty by the till's count: handed over all the same (the cashier has
        the item in hand), and the server flags it `out_of_stock`."""
        require(actor, Permission.REDEEM)
        if approver is not None:
            require(approver, Permission.APPROVE)
        config = self._settings.current()
        now = self._clock()
        gift = config.gift(sku)
        if gift is None:
            raise GiftRefused(GiftProblem.UNKNOWN)
        problem = gift.refusal(config.today(now))
        if problem is not None:
            raise GiftRefused(problem)
        with self._db.write() as session:
            member = self._member(session, member_id)
            if member.available_points < gift.points:
                raise StoreError(Problem.INSUFFICIENT_POINTS, member_id=member_id, limit=member.available_points)
            approved_by = self._cap_approval(session, actor, config, member_id, gift.points, approver)
            return self._write_entry(session, actor, config, now, member_id=member_id, kind=EntryKind.GIFT,
                                     points=-gift.points, amount_cents=None, approved_by=approved_by, offline=True,
                                     gift_sku=gift.sku)  # fmt: skip

    def redeem(
        self,
        actor: StaffSession,
        member_id: str,
        points: int,
        *,
        bill_cents: int,
        receipt_no: str | None = None,
        approver: StaffSession | None = None,
        online_authorized: bool = False,
        entry_id: str | None = None,
    ) -> LedgerResult:
        """Points off a bill. Checks the rules and the available balance; without online authorization the
        stand-in cap applies and a manager (the actor or `approver`) may approve going over it. `entry_id` is the id
        the online authorization reserved the points under (the pushed entry consumes that hold); a fresh UUIDv7
        when None."""
        require(actor, Permission.REDEEM)
        points, bill_cents = whole_redemption(points, bill_cents)  # 100.5 or "100" from outside: RedeemRefused
        if approver is not None:
            require(approver, Permission.APPROVE)
        config = self._settings.current()
        now = self._clock()
        with self._db.write() as session:
            return self._redeem_in(session, actor, config, now, member_id, points, bill_cents,
                                   _clean_receipt(receipt_no), approver, online_authorized, entry_id)  # fmt: skip

    def _redeem_in(
        self,
        session: Session,
        actor: StaffSession,
        config: TillConfig,
        now: datetime,
        member_id: str,
        points: int,
        bill_cents: int,
        receipt: str | None,
        approver: StaffSession | None,
        online_authorized: bool,
        entry_id: str | None,
    ) -> LedgerResult:
        member = self._member(session, member_id)
        quote = quote_redemption(config.rules, points, bill_cents, member.available_points)
        approved_by = None
        if not online_authorized:
            approved_by = self._cap_approval(session, actor, config, member_id, quote.points, approver)
        return self._write_entry(
            session,
            actor,
            config,
            now,
            member_id=member_id,
            kind=EntryKind.REDEEM,
            points=-quote.points,
            amount_cents=quote.value_cents,
            receipt_no=receipt,
            approved_by=approved_by,
            offline=not online_authorized,
            bill_cents=bill_cents,
            entry_id=entry_id,
        )

    def reverse(self, actor: StaffSession, entry_id: str, *, approver: StaffSession | None = None) -> LedgerResult:
        """Undo an entry with a new one pointing at it. An entry is reversed at most once; above the rules' limit
        a manager approves; a reversal that would take the member below zero is refused."""
        require(actor, Permission.REVERSE)
        if approver is not None:
            require(approver, Permission.APPROVE)
        config = self._settings.current()
        now = self._clock()
        try:
            with self._db.write() as session:
                original = session.get(PointEntry, entry_id)
                if original is None:
                    raise StoreError(Problem.ENTRY_NOT_FOUND, entry_id=entry_id)
                if original.kind == EntryKind.REVERSE.value or original.sync_state == EntrySync.REJECTED.value:
                    raise StoreError(Problem.NOT_REVERSIBLE, entry_id=entry_id)
                done = session.scalar(select(PointEntry.id).where(PointEntry.reverses == entry_id))
                if done is not None:
                    raise StoreError(Problem.ALREADY_REVERSED, entry_id=done)
                approved_by: str | None = None
                if reversal_needs_approval(config.rules, original.points):
                    if approver is not None:
                        approved_by = approver.code
                    elif can(actor.role, Permission.APPROVE):
                        approved_by = actor.code
                    else:
                        raise StoreError(
                            Problem.APPROVAL_REQUIRED, entry_id=entry_id, limit=config.rules.reversal_approval_points
                        )
                member = self._member(session, original.member_id)
                if member.available_points - original.points < 0:
                    raise StoreError(Problem.INSUFFICIENT_POINTS, member_id=member.id, limit=member.available_points)
                return self._write_entry(
                    session,
                    actor,
                    config,
                    now,
                    member_id=original.member_id,
                    kind=EntryKind.REVERSE,
                    points=-original.points,
                    amount_cents=original.amount_cents,
                    receipt_no=original.receipt_no,
                    approved_by=approved_by,
                    reverses=entry_id,
                )
        except IntegrityError as exc:  # the unique `reverses` caught a concurrent second reversal
            raise StoreError(Problem.ALREADY_REVERSED, entry_id=entry_id) from exc

    # -- refunds -------------------------------------------------------------------------------------------------

    def refund_target(self, session: Session, entry_id: str) -> RefundTarget | None:
        """An entry of this till's ledger as a refund sees it: what is left of it counts every refund this till
        made of it (the server's figure covers the others when the sale is looked up online)."""
        original = session.get(PointEntry, entry_id)
        if original is None:
            return None
        base = original.amount_cents if original.kind == EntryKind.EARN.value else original.bill_cents
        return RefundTarget(
            entry_id=original.id,
            member_id=original.member_id,
            kind=EntryKind(original.kind),
            points=original.points,
            base_cents=base or 0,
            refunded_cents=0,
            receipt_no=original.receipt_no,
        )

    def _refunded_here(self, session: Session, entry_id: str, *, pending_only: bool) -> int:
        query = select(func.coalesce(func.sum(PointEntry.amount_cents), 0)).where(
            PointEntry.refund_of == entry_id, PointEntry.sync_state != EntrySync.REJECTED.value
        )
        if pending_only:
            query = query.where(PointEntry.sync_state == EntrySync.PENDING.value)
        return int(session.scalar(query) or 0)

    def refunded_cents(self, entry_id: str, *, pending_only: bool = False) -> int:
        """The money this till's refunds gave back on an entry so far (only those not yet sent: `pending_only`)."""
        with self._db.read() as session:
            return self._refunded_here(session, entry_id, pending_only=pending_only)

    def refund(
        self,
        actor: StaffSession,
        refunds: Sequence[tuple[RefundTarget | str, int, Sequence[WireLine] | None]],
        *,
        approver: StaffSession | None = None,
        receipt_no: str | None = None,
        request: RequestKey[list[LedgerResult]] | None = None,
    ) -> list[LedgerResult]:
        """Give back part (or all) of earlier sales, in one transaction: for each (target, money refunded, lines
        given back) a refund entry moving the target's points back in proportion (`loyalty.points.refund_points`:
        an earn's points clawed back, a redemption's points returned). A target is an entry id of this till's
        ledger, or a `RefundTarget` the server answered for another store's receipt. Refused, with nothing
        written, when a target is not a purchase or redemption, more money than is left would be refunded, the
        member would go below zero, or the points moved need a manager who did not approve."""
        require(actor, Permission.REVERSE)
        if approver is not None:
            require(approver, Permission.APPROVE)
        config = self._settings.current()
        receipt = _clean_receipt(receipt_no)
        now = self._clock()
        results: list[LedgerResult] = []
        with self._db.write() as session:
            if request is not None:
                pos_requests.claim(session, request)
            for target_or_id, cents, lines in refunds:
                target = self._target(session, target_or_id)
                _check_lines(lines, cents)
                refunded = target.refunded_cents + self._refunded_here(
                    session, target.entry_id, pending_only=not isinstance(target_or_id, str)
                )
                left = refund_left_cents(target.base_cents, refunded)
                if cents <= 0 or cents > left:
                    raise StoreError(Problem.OVER_REFUND, entry_id=target.entry_id, limit=left)
                points = refund_points(target.points, target.base_cents, refunded, cents)
                approved_by = self._approval(actor, approver, config, points, target.entry_id)
                member = self._member(session, target.member_id)
                if member.available_points + points < 0:
                    raise StoreError(Problem.INSUFFICIENT_POINTS, member_id=member.id, limit=member.available_points)
                results.append(
                    self._write_entry(
                        session,
                        actor,
                        config,
                        now,
                        member_id=member.id,
                        kind=EntryKind.REFUND,
                        points=points,
                        amount_cents=cents,
                        receipt_no=receipt or target.receipt_no,
                        approved_by=approved_by,
                        refund_of=target.entry_id,
                        lines=lines,
                    )
                )
            if request is not None:
                pos_requests.record(session, request, results, now)
        return results

    def _target(self, session: Session, target: RefundTarget | str) -> RefundTarget:
        found = self.refund_target(session, target) if isinstance(target, str) else target
        if found is None:
            raise StoreError(Problem.ENTRY_NOT_FOUND, entry_id=str(target))
        if found.kind not in (EntryKind.EARN, EntryKind.REDEEM):
            raise StoreError(Problem.NOT_REFUNDABLE, entry_id=found.entry_id)
        if isinstance(target, str):
            original = session.get(PointEntry, target)
            if original is not None and original.sync_state == EntrySync.REJECTED.value:
                raise StoreError(Problem.NOT_REFUNDABLE, entry_id=found.entry_id)
            reversed_by = session.scalar(select(PointEntry.id).where(PointEntry.reverses == found.entry_id))
            if reversed_by is not None:
                raise StoreError(Problem.ALREADY_REVERSED, entry_id=reversed_by)
        return found

    @staticmethod
    def _approval(
        actor: StaffSession, approver: StaffSession | None, config: TillConfig, points: int, entry_id: str
    ) -> str | None:
        """Who approved moving `points` back (None when no approval is needed), or refused for want of one."""
        if not reversal_needs_approval(config.rules, points):
            return None
        if approver is not None:
            return approver.code
        if can(actor.role, Permission.APPROVE):
            return actor.code
        raise StoreError(Problem.APPROVAL_REQUIRED, entry_id=entry_id, limit=config.rules.reversal_approval_points)

    def return_offline(
        self,
        actor: StaffSession,
        member_id: str,
        points: int,
        *,
        ref_store_code: str,
        ref_receipt_no: str,
        refunded_cents: int,
        approver: StaffSession | None = None,
        request: RequestKey[LedgerResult] | None = None,
    ) -> LedgerResult:
        """A return of another store's sale while the server cannot be asked for it: a manager-approved negative
        adjustment naming the original's store and receipt, which the server reconciles with that sale once it
        holds it (docs/pos.md, "Returns"). `request`: the refund number it is kept under, in the same transaction
        (as `refund` keeps the POS's), so the same return sent again later is answered, never applied twice."""
        require(actor, Permission.REVERSE)
        if approver is not None:
            require(approver, Permission.APPROVE)
        elif not can(actor.role, Permission.APPROVE):
            raise StoreError(Problem.APPROVAL_REQUIRED, member_id=member_id, limit=0)
        if points <= 0 or refunded_cents <= 0:
            raise StoreError(Problem.NOTHING_TO_AWARD)
        store = ref_store_code.strip()
        receipt = _clean_receipt(ref_receipt_no)
        if not store or receipt is None:
            raise StoreError(Problem.INVALID_RECEIPT, limit=MAX_RECEIPT_LENGTH)
        config = self._settings.current()
        now = self._clock()
        approved_by = approver.code if approver is not None else actor.code
        with self._db.write() as session:
            if request is not None:
                pos_requests.claim(session, request)
            member = self._member(session, member_id)
            if member.available_points - points < 0:
                raise StoreError(Problem.INSUFFICIENT_POINTS, member_id=member_id, limit=member.available_points)
            result = self._write_entry(
                session,
                actor,
                config,
                now,
                member_id=member_id,
                kind=EntryKind.ADJUST,
                points=-points,
                amount_cents=refunded_cents,
                approved_by=approved_by,
                ref_store_code=store,
                ref_receipt_no=receipt,
            )
            if request is not None:
                pos_requests.record(session, request, result, now)
            return result

    def earn_for_receipt(self, receipt_no: str) -> list[EntryView]:
        """This store's entries (an earn and any redemption) made for a receipt at this till, oldest first: what a
        refund of that receipt gives back."""
        receipt = _clean_receipt(receipt_no)
        config = self._settings.current()
        with self._db.read() as session:
            rows = session.scalars(
                select(PointEntry)
                .where(
                    PointEntry.store_code == config.store_code,
                    PointEntry.receipt_no == receipt,
                    PointEntry.kind.in_((EntryKind.EARN.value, EntryKind.REDEEM.value)),
                )
                .order_by(PointEntry.created_at, PointEntry.id)
            )
            return [_entry_view(row) for row in rows]

    def lines_of(self, entry_id: str) -> list[WireLine]:
        """The purchase lines kept with an entry, in line order (none for an entry without lines)."""
        from protocol.wire import SaleLine as WireLine

        with self._db.read() as session:
            rows = session.scalars(select(SaleLine).where(SaleLine.entry_id == entry_id).order_by(SaleLine.line_no))
            return [
                WireLine(line_no=row.line_no, sku=row.sku, name=row.name, category=row.category,
                         quantity_milli=row.quantity_milli, amount_cents=row.amount_cents)
                for row in rows
            ]  # fmt: skip

    def record_sale(
        self, actor: StaffSession, receipt_no: str, total_cents: int, lines: Sequence[WireLine] | None = None
    ) -> str:
        """A sale without a member, as the POS sent it: queued for the server (counted for the members' share of
        sales) and audited; nothing is awarded. Returns its id."""
        require(actor, Permission.AWARD)
        _check_lines(lines, total_cents)
        receipt = _clean_receipt(receipt_no)
        if receipt is None:
            raise StoreError(Problem.INVALID_RECEIPT, limit=MAX_RECEIPT_LENGTH)
        config = self._settings.current()
        now = self._clock()
        with self._db.write() as session:
            return self._record_sale_in(session, actor, config, now, receipt, total_cents, lines)

    @staticmethod
    def _record_sale_in(
        session: Session,
        actor: StaffSession,
        config: TillConfig,
        now: datetime,
        receipt: str,
        total_cents: int,
        lines: Sequence[WireLine] | None,
    ) -> str:
        from protocol.wire import SaleBody

        body = SaleBody(
            id=str(uuid7()),
            receipt_no=receipt,
            total_cents=total_cents,
            lines=list(lines) if lines else None,
            store_code=config.store_code,
            device_id=config.device_id,
            staff_code=actor.code,
            created_at=now,
        )
        enqueue(session, body, at=now)
        append_audit(session, at=now, staff_code=actor.code, action="sale", subject=body.id,
                     detail={"total_cents": total_cents})  # fmt: skip
        return body.id

    def sale(
        self,
        actor: StaffSession,
        receipt_no: str,
        total_cents: int,
        lines: Sequence[WireLine] | None,
        *,
        member_id: str | None = None,
        coupon_ids: Sequence[str] = (),
        redeem_points: int = 0,
        earn_lines: Sequence[WireLine] | None = None,
        online_authorized: bool = False,
        online: bool = False,
        redemption_id: str | None = None,
        request: RequestKey[SaleRecord] | None = None,
    ) -> SaleRecord:
        """A POS sale in one transaction: for a member, the coupons (`coupon_ids`, in order, off the total:
        `localdb.coupons`), then the redemption (`redeem_points` off what the coupons left, when asked), then the award
        on what was paid (the total less both discounts, `earn_lines` its lines: the POS interface spreads the
        discounts over them); without a member, or when what was paid earns nothing, the sale is recorded as one
        without a member (`record_sale`). `online`: the till could reach the server (a coupon use says whether it
        was made offline). `request` (the POS's idempotency key) is checked and recorded in the same transaction:
        `pos_requests.Replayed` / `RequestConflict` when it was answered. A coupon that may not go raises
        `loyalty.coupons.CouponRefused` and nothing is written."""
        require(actor, Permission.AWARD)
        if redeem_points:
            require(actor, Permission.REDEEM)
        _check_lines(lines, total_cents)
        receipt = _clean_receipt(receipt_no)
        if receipt is None:
            raise StoreError(Problem.INVALID_RECEIPT, limit=MAX_RECEIPT_LENGTH)
        if coupon_ids and member_id is None:
            raise StoreError(Problem.MEMBER_NOT_FOUND)
        config = self._settings.current()
        now = self._clock()
        try:
            with self._db.write() as session:
                if request is not None:
                    pos_requests.claim(session, request)
                redemption: LedgerResult | None = None
                earn: LedgerResult | None = None
                sale_id: str | None = None
                coupons: list[AppliedCoupon] = []
                if member_id is not None and coupon_ids:
                    coupons = self._coupons.apply_in(session, actor, config, now, member_id=member_id,
                                                     coupon_ids=coupon_ids, bill_cents=total_cents,
                                                     receipt_no=receipt, offline=not online)  # fmt: skip
                bill = total_cents - sum(coupon.discount_cents for coupon in coupons)
                if member_id is not None and redeem_points > 0:
                    redemption = self._redeem_in(session, actor, config, now, member_id, redeem_points, bill,
                                                 receipt, None, online_authorized, redemption_id)  # fmt: skip
                paid = bill - (redemption.entry.amount_cents or 0 if redemption else 0)
                if member_id is not None and paid > 0:
                    _check_lines(earn_lines, paid)
                    quote = self._earn_quote(session, config, now, member_id, paid)
                    if quote > 0:
                        earn = self._award_in(session, actor, config, now, member_id, paid, receipt, (), earn_lines)
                if earn is None:
                    sale_id = self._record_sale_in(session, actor, config, now, receipt, total_cents, lines)
                member = self._member(session, member_id) if member_id is not None else None
                record = SaleRecord(sale_id=sale_id, redemption=redemption, earn=earn, member=member,
                                    coupons=tuple(coupons))  # fmt: skip
                if request is not None:
                    record = replace(record, answer=pos_requests.record(session, request, record, now))
                return record
        except IntegrityError as exc:  # a concurrent double award caught by the index (the request row's key)
            raise StoreError(Problem.DUPLICATE_RECEIPT) from exc

    def _earn_quote(self, session: Session, config: TillConfig, now: datetime, member_id: str, cents: int) -> int:
        member = self._member(session, member_id)
        birthday_month = is_birthday_month(member.birthday, config.today(now))
        try:
            return earn_points(config.rules, cents, member.tier, birthday_month=birthday_month).points
        except EarnRefused:
            return 0

    def earn_preview(self, member_id: str, amount_cents: int) -> int:
        """The points a purchase of `amount_cents` would earn this member now, as `award` counts them (0 when it
        would earn nothing)."""
        if amount_cents <= 0:
            return 0
        config = self._settings.current()
        now = self._clock()
        with self._db.read() as session:
            return self._earn_quote(session, config, now, member_id, amount_cents)

    def offline_cap_left(self, actor: StaffSession, member_id: str) -> int:
        """How many points this member may still redeem at this till today without online authorization and without
        a manager (the stand-in cap less what was redeemed offline today): what the redeem screen offers offline."""
        require(actor, Permission.LOOKUP)
        config = self._settings.current()
        with self._db.read() as session:
            used = self.offline_redeemed_today(session, config, member_id, self._trusted())
        return offline_cap_left(config.rules, used)

    def recent_entries(self, actor: StaffSession, member_id: str, limit: int = 20) -> list[EntryView]:
        """This till's entries for a member, newest first (for the reverse screen and recent visits)."""
        require(actor, Permission.LOOKUP)
        with self._db.read() as session:
            rows = session.scalars(
                select(PointEntry)
                .where(PointEntry.member_id == member_id)
                .order_by(PointEntry.created_at.desc(), PointEntry.id.desc())
                .limit(limit)
            )
            return [_entry_view(row) for row in rows]
