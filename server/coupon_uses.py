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

Thread: the API's worker threads, inside one push (`server.push_items`).
"""

from __future__ import annotations

from sqlalchemy import select

from loyalty.clock import store_day
from loyalty.coupons import CouponTemplate, HeldCoupon, discount_cents, stacking_problem
from loyalty.roles import Permission
from protocol.limits import ALLOWED_CLOCK_SKEW, OFFLINE_WINDOW
from protocol.vocabulary import ErrorCode, ItemStatus
from protocol.wire import CouponUseBody
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
    findings: list[ErrorCode] = []
    at = body.created_at
    if at > batch.now + ALLOWED_CLOCK_SKEW:
        at = batch.now
        findings.append(ErrorCode.CLOCK_SKEW)
    elif at < batch.now - OFFLINE_WINDOW:
        findings.append(ErrorCode.BEYOND_OFFLINE_WINDOW)
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
