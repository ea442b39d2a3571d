"""A pushed coupon use (`protocol.wire.CouponUseBody`, issue 18) checked again and recorded: the server is the
authority, so every term the till checked before it took the money off is checked here with the same code
(`loyalty.coupons`).

- **Rejected** (nothing recorded, the coupon stays the member's): `coupon_not_held` when the member (or the member
  they were merged into) holds no coupon of that id: a rogue or confused till; `coupon_refused` when the coupon's
  terms refuse the bill (its days on the chain's calendar at the till's time, its minimum spend, its stores, more off
  than it gives, or one bill with a coupon it does not stack with, or the receipt's coupons taking more than the bill).
- **Flagged, recorded**: `coupon_reused` when the coupon was spent by another use (two tills offline: its value is
  the bounded loss, as with the points cap); the staff and the till's store and clock are checked as for an entry.
- **Applied**: the coupon is spent (`coupon.use_id`, `used_at`, `used_store`), and the member gets a new version,
  so every till pulls them without it.

A coupon a store manager gave at the till (`protocol.wire.CouponIssueBody`, `apply_issue`) is created with the
till's id (the till offered it at once): rejected `coupon_refused` for a template the chain does not let managers give,
or the staff's reason when they are not a manager here; beyond the store's daily limit (or the template's budget) it
is created all the same, the member having it, and flagged `over_issue_limit`.

Thread: the API's worker threads, inside one push (`server.push_items`).
"""

from __future__ import annotations

from sqlalchemy import func, select

from loyalty.clock import day_bounds, store_day
from loyalty.coupons import CouponTemplate, HeldCoupon, discount_cents, stacking_problem, valid_window
from loyalty.roles import Permission
from protocol.vocabulary import ErrorCode, ItemStatus
from protocol.wire import CouponIssueBody, CouponUseBody
from server import chain
from server.coupons import within_budget
from server.entry_checks import time_finding
from server.models import Coupon, CouponTemplateRow, CouponUseRow
from server.push_state import Batch, MemberState
from server.staff_checks import first_finding, staff_finding


class CouponRejected(Exception):
    def __init__(self, reason: ErrorCode) -> None:
        super().__init__(reason.value)
        self.reason = reason


def apply_use(batch: Batch, body: CouponUseBody, member: MemberState) -> tuple[ItemStatus, ErrorCode | None]:
    """Check the use against the coupon the member holds and record it (see the module's note); raises
    `CouponRejected` for a use that cannot stand."""
    session = batch.session
    coupon = session.get(Coupon, body.coupon_id)
    if coupon is None or coupon.member_id != member.id:
        raise CouponRejected(ErrorCode.COUPON_NOT_HELD)
    template = _terms(batch, coupon.template_code)
    at, clock = time_finding(batch, body.created_at)  # the till's clock, checked as for an entry
    findings = [] if clock is None else [clock]
    store = batch.device.store_code
    held = HeldCoupon(coupon.id, template, coupon.first_day, coupon.last_day)
    if held.refusal(today=store_day(at, batch.zone), bill_cents=body.bill_cents, store=store) is not None:
        raise CouponRejected(ErrorCode.COUPON_REFUSED)
    if body.discount_cents > discount_cents(template, body.bill_cents):
        raise CouponRejected(ErrorCode.COUPON_REFUSED)
    _check_receipt(batch, body, template, store, member.id)
    if body.store_code != store:
        findings.append(ErrorCode.WRONG_STORE)
    staff = staff_finding(batch, body.staff_code, Permission.AWARD)
    if staff is not None:
        findings.append(staff)
    reason = ErrorCode.COUPON_REUSED if coupon.use_id not in (None, body.id) else first_finding(findings)
    status = ItemStatus.APPLIED if reason is None else ItemStatus.FLAGGED
    batch.materialize(member)
    session.add(
        CouponUseRow(id=body.id, coupon_id=coupon.id, member_id=member.id, store_code=store,
                     device_id=batch.device.id, staff_code=body.staff_code, receipt_no=body.receipt_no,
                     bill_cents=body.bill_cents, discount_cents=body.discount_cents, used_at=at,
                     received_at=batch.now, offline=body.offline, status=status.value,
                     reason=None if reason is None else reason.value)
    )  # fmt: skip
    if coupon.use_id is None:
        coupon.use_id, coupon.used_at, coupon.used_store = body.id, at, store
    session.flush()  # the next use of the batch on this receipt sees this one
    return status, reason


def apply_issue(batch: Batch, body: CouponIssueBody, member: MemberState) -> tuple[ItemStatus, ErrorCode | None]:
    """Create the coupon a manager gave (see the module's note); raises `CouponRejected`."""
    session = batch.session
    rules = chain.benefit_rules(session)
    row = session.get(CouponTemplateRow, body.template_code)
    if body.template_code not in rules.manager_templates or row is None:
        raise CouponRejected(ErrorCode.COUPON_REFUSED)
    staff = staff_finding(batch, body.staff_code, Permission.APPROVE)
    if staff is not None:
        raise CouponRejected(staff)
    if session.get(Coupon, body.id) is not None:
        raise CouponRejected(ErrorCode.ID_CONFLICT)
    template = CouponTemplate.from_dict(row.document)
    batch.materialize(member)  # enrolled in this very batch: its row first
    at = min(body.created_at, batch.now)
    day = store_day(at, batch.zone)
    start, end = day_bounds(day, batch.zone)
    store = batch.device.store_code
    given_today = session.scalar(
        select(func.count()).select_from(Coupon).where(Coupon.source == "manager", Coupon.campaign == store,
                                                        Coupon.issued_at >= start, Coupon.issued_at < end)
    ) or 0  # fmt: skip
    within = given_today < rules.manager_daily_limit and within_budget(template, row)
    first, last = valid_window(template, day)
    session.add(Coupon(id=body.id, template_code=row.code, member_id=member.id, source="manager", campaign=store,
                       staff_code=body.staff_code, issued_at=at, first_day=first, last_day=last))  # fmt: skip
    row.issued_count += 1
    row.issued_cents += template.face_cents
    session.flush()  # the batch's next coupon of this store counts this one
    return (ItemStatus.APPLIED, None) if within else (ItemStatus.FLAGGED, ErrorCode.OVER_ISSUE_LIMIT)


def _terms(batch: Batch, code: str) -> CouponTemplate:
    row = batch.session.get(CouponTemplateRow, code)
    assert row is not None  # a coupon's template is a foreign key
    return CouponTemplate.from_dict(row.document)


def _check_receipt(batch: Batch, body: CouponUseBody, template: CouponTemplate, store: str, coupon_member: str) -> None:
    """The sale's other coupons (pushed before this one: the same receipt, member and bill at this store) must stack
    with it, and all together take no more than the bill."""
    others = batch.session.execute(
        select(CouponUseRow.discount_cents, Coupon.template_code)
        .join(Coupon, Coupon.id == CouponUseRow.coupon_id)
        .where(CouponUseRow.store_code == store, CouponUseRow.receipt_no == body.receipt_no,
               CouponUseRow.member_id == coupon_member, CouponUseRow.bill_cents == body.bill_cents,
               CouponUseRow.id != body.id)
    ).all()  # fmt: skip
    if not others:
        return
    templates = [_terms(batch, code) for _off, code in others]
    if stacking_problem([*templates, template]) is not None:
        raise CouponRejected(ErrorCode.COUPON_REFUSED)
    if sum(off for off, _code in others) + body.discount_cents > body.bill_cents:
        raise CouponRejected(ErrorCode.COUPON_REFUSED)
