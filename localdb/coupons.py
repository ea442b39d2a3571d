"""The coupons a member holds at this till and their use on a bill (issue 18; docs/benefits.md).

The pull brings each member's unused coupons with their terms (`member.coupons`, `protocol.wire.CouponInfo`). A coupon
this till applied is written to `coupon_use` and queued as a `coupon_use` item in the sale's own transaction, so it
is never offered here again, whatever an older pull says: offline, a coupon is usable **once per till**. Two tills
offline can each use it once; the server records both and flags the second (`server.coupon_uses`).

The bill is planned with the same code the server checks with (`loyalty.coupons.plan_bill`): the coupon's days on
the store's calendar, its minimum spend, its stores, the stacking, and each discount taken off what the coupons
before it left.

Thread: the caller's; `apply_in` inside the caller's write transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from uuid6 import uuid7

from localdb.audit import append_audit
from localdb.database import Database
from localdb.errors import Problem, StoreError
from localdb.models import CouponUse, Member, OutboxItem
from localdb.outbox import enqueue
from localdb.staff import StaffSession, require
from localdb.till_config import TillConfig, TillSettings
from loyalty.clock import Clock, day_bounds
from loyalty.coupons import (
    CouponProblem,
    CouponRefused,
    CouponTemplate,
    HeldCoupon,
    InvalidCouponTemplate,
    discount_cents,
    plan_bill,
    valid_window,
)
from loyalty.coupons import (
    CouponUse as PlannedUse,
)
from loyalty.roles import Permission
from protocol.vocabulary import ItemType

__all__ = ["AppliedCoupon", "CouponBook", "CouponOffer", "held_from_json"]


@dataclass(frozen=True, slots=True)
class CouponOffer:
    """A coupon the member holds, as the card and the POS quote show it: what it would take off this bill, or why it
    cannot go on it (`problem`)."""

    coupon: HeldCoupon
    discount_cents: int
    problem: CouponProblem | None


@dataclass(frozen=True, slots=True)
class AppliedCoupon:
    """A coupon this till applied to a bill: the use's id (the pushed item's) and what it took off."""

    use_id: str
    coupon_id: str
    template_code: str
    name: dict[str, str]
    discount_cents: int


def held_from_json(stored: Sequence[Mapping[str, Any]]) -> list[HeldCoupon]:
    """The pulled coupons (`member.coupons`) as the domain's `HeldCoupon`s; one whose terms this till cannot read (a
    newer server's field) is left out rather than offered on terms the server would read otherwise."""
    found: list[HeldCoupon] = []
    for info in stored:
        try:
            template = CouponTemplate.from_dict(info["template"])
            first, last = date.fromisoformat(info["first_day"]), date.fromisoformat(info["last_day"])
        except (InvalidCouponTemplate, KeyError, TypeError, ValueError):
            continue
        found.append(HeldCoupon(str(info["id"]), template, first, last))
    return found


class CouponBook:
    def __init__(self, db: Database, settings: TillSettings, clock: Clock) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock

    @staticmethod
    def _held(session: Session, member_id: str) -> list[HeldCoupon]:
        """The member's coupons not used at this till (any day: the caller checks the days)."""
        stored = session.scalar(select(Member.coupons).where(Member.id == member_id))
        coupons = held_from_json(stored or [])
        if not coupons:
            return []
        used = set(session.scalars(select(CouponUse.coupon_id).where(
            CouponUse.coupon_id.in_([coupon.id for coupon in coupons]))))  # fmt: skip
        return [coupon for coupon in coupons if coupon.id not in used]

    def offers(self, member_id: str, bill_cents: int | None = None) -> list[CouponOffer]:
        """The member's coupons not used here and not expired, soonest to expire first: each with its discount on
        `bill_cents` (alone), or the reason it cannot go on it; without a bill, only the days and the store count."""
        config = self._settings.current()
        today = config.today(self._clock())
        with self._db.read() as session:
            held = self._held(session, member_id)
        offers: list[CouponOffer] = []
        for coupon in sorted(held, key=lambda c: (c.last_day, c.id)):
            problem = coupon.refusal(today=today, bill_cents=bill_cents or 0, store=config.store_code)
            if problem is CouponProblem.EXPIRED:
                continue
            if bill_cents is None and problem is CouponProblem.BELOW_MIN_SPEND:
                problem = None
            off = 0 if problem is not None or bill_cents is None else discount_cents(coupon.template, bill_cents)
            offers.append(CouponOffer(coupon, off, problem))
        return offers

    def plan(self, member_id: str, coupon_ids: Sequence[str], bill_cents: int) -> list[PlannedUse]:
        """The coupons on a bill as `apply_in` would apply them now; raises `CouponRefused`."""
        config = self._settings.current()
        with self._db.read() as session:
            return self._plan(session, config, self._clock(), member_id, coupon_ids, bill_cents)

    def _plan(
        self,
        session: Session,
        config: TillConfig,
        now: datetime,
        member_id: str,
        coupon_ids: Sequence[str],
        bill_cents: int,
    ) -> list[PlannedUse]:
        held = {coupon.id: coupon for coupon in self._held(session, member_id)}
        missing = next((coupon_id for coupon_id in coupon_ids if coupon_id not in held), None)
        if missing is not None:
            raise CouponRefused(CouponProblem.NOT_HELD, missing)
        chosen = [held[coupon_id] for coupon_id in coupon_ids]
        return plan_bill(chosen, today=config.today(now), bill_cents=bill_cents, store=config.store_code)

    def give(self, actor: StaffSession, member_id: str, template_code: str) -> HeldCoupon:
        """A coupon a store manager gives the member now (one of the templates the chain lets managers give), at most
        the chain's daily limit a day at this till (`OVER_ISSUE_LIMIT`, naming the limit): usable here at once, and
        queued for the server, which creates it under the same id and counts the limit per store."""
        from protocol.wire import CouponIssueBody  # with the first write, not at start (localdb.outbox says why)

        require(actor, Permission.APPROVE)
        config = self._settings.current()
        template = next((t for t in config.manager_coupons if t.code == template_code), None)
        if template is None:
            raise CouponRefused(CouponProblem.NOT_FOR_MEMBER, template_code)
        now = self._clock()
        today = config.today(now)
        start, end = day_bounds(today, config.zone)
        with self._db.write() as session:
            if _given_between(session, start, end) >= config.manager_daily_limit:
                raise StoreError(Problem.OVER_ISSUE_LIMIT, limit=config.manager_daily_limit)
            member = session.get(Member, member_id)
            if member is None:
                raise StoreError(Problem.MEMBER_NOT_FOUND, member_id=member_id)
            first, last = valid_window(template, today)
            coupon = HeldCoupon(str(uuid7()), template, first, last)
            info = {"id": coupon.id, "template": template.to_dict(), "first_day": first.isoformat(),
                    "last_day": last.isoformat()}  # fmt: skip
            member.coupons = [*(member.coupons or []), info]  # offered here at once; the pull brings the server's
            body = CouponIssueBody(id=coupon.id, member_id=member_id, template_code=template.code,
                                   store_code=config.store_code, device_id=config.device_id, staff_code=actor.code,
                                   created_at=now)  # fmt: skip
            enqueue(session, body, at=now)
            append_audit(session, at=now, staff_code=actor.code, action="coupon_issue", subject=coupon.id,
                         detail={"member_id": member_id, "template": template.code})  # fmt: skip
        return coupon

    def given_today(self) -> int:
        """Coupons managers gave at this till today (the daily limit counts them)."""
        config = self._settings.current()
        start, end = day_bounds(config.today(self._clock()), config.zone)
        with self._db.read() as session:
            return _given_between(session, start, end)

    def apply_in(
        self,
        session: Session,
        actor: StaffSession,
        config: TillConfig,
        now: datetime,
        *,
        member_id: str,
        coupon_ids: Sequence[str],
        bill_cents: int,
        receipt_no: str,
        offline: bool,
    ) -> list[AppliedCoupon]:
        """Apply the coupons to the bill inside the caller's transaction: each use written and queued for the
        server (one `coupon_use` item each), audited without amounts or names. Raises `CouponRefused`."""
        from protocol.wire import CouponUseBody  # with the first use, not at start (localdb.outbox says why)

        applied: list[AppliedCoupon] = []
        for use in self._plan(session, config, now, member_id, coupon_ids, bill_cents):
            body = CouponUseBody(
                id=str(uuid7()),
                coupon_id=use.coupon.id,
                member_id=member_id,
                receipt_no=receipt_no,
                bill_cents=bill_cents,
                discount_cents=use.discount_cents,
                store_code=config.store_code,
                device_id=config.device_id,
                staff_code=actor.code,
                created_at=now,
                offline=offline,
            )
            name = dict(use.coupon.template.name.to_dict())
            session.execute(
                insert(CouponUse).values(
                    id=body.id, coupon_id=body.coupon_id, member_id=member_id, template_code=use.coupon.template.code,
                    name=name, receipt_no=receipt_no, bill_cents=bill_cents, discount_cents=use.discount_cents,
                    staff_code=actor.code, created_at=now,
                )
            )  # fmt: skip
            enqueue(session, body, at=now)
            append_audit(session, at=now, staff_code=actor.code, action="coupon_use", subject=body.id,
                         detail={"member_id": member_id, "coupon_id": body.coupon_id})  # fmt: skip
            applied.append(AppliedCoupon(body.id, body.coupon_id, use.coupon.template.code, name, use.discount_cents))
        return applied


def _given_between(session: Session, start: datetime, end: datetime) -> int:
    """Coupons managers gave at this till in [start, end) (its queued `coupon_issue` items)."""
    counted = (
        select(func.count())
        .select_from(OutboxItem)
        .where(
            OutboxItem.type == ItemType.COUPON_ISSUE.value, OutboxItem.created_at >= start, OutboxItem.created_at < end
        )
    )
    return session.scalar(counted) or 0
