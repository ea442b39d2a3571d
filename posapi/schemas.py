"""What the POS sends and gets back on /pos/v1 (pydantic): requests refuse unknown fields, so a typo is a 422 with a
code rather than a silent default. Money in integer cents, points in integers; quantities as a whole number or a
decimal string with at most 3 decimals."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from protocol.limits import MAX_CENTS, MAX_POINTS, MAX_RECEIPT_LENGTH, MAX_SALE_LINES

Cents = Annotated[int, Field(ge=0, le=MAX_CENTS)]
MAX_COUPONS = 10  # coupons on one bill
Receipt = Annotated[str, Field(min_length=1, max_length=MAX_RECEIPT_LENGTH, pattern=r"\S")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorBody(Model):
    """Every error: a stable `code` to act on and an English `message` for the POS developer."""

    code: str
    message: str
    limit: int | None = None  # over_refund: cents left; over_offline_cap: points left; insufficient_points: balance


class LineIn(Model):
    line_no: Annotated[int, Field(ge=1, le=MAX_SALE_LINES)] | None = None  # None: the line's position, from 1
    sku: Annotated[str, Field(min_length=1, max_length=64)]
    name: Annotated[str, Field(min_length=1, max_length=64)]
    category: Annotated[str, Field(min_length=1, max_length=32)]
    quantity: StrictInt | Annotated[str, Field(max_length=16)]  # 2, or "0.350" (≤ 3 decimals)
    amount_cents: Cents  # what the line cost before any whole-bill discount


Lines = Annotated[list[LineIn], Field(min_length=1, max_length=MAX_SALE_LINES)]


class MemberRef(Model):
    """Who the sale is for: one of the member's id (from a lookup), a scanned member code, or a full phone."""

    member_id: Annotated[str, Field(max_length=36)] | None = None
    member_code: Annotated[str, Field(max_length=512)] | None = None
    phone: Annotated[str, Field(max_length=32)] | None = None


class MemberOut(Model):
    member_id: str
    name: str
    phone_masked: str
    tier: str
    available_points: int


class LookupRequest(Model):
    member_code: Annotated[str, Field(max_length=512)] | None = None
    phone: Annotated[str, Field(max_length=32)] | None = None
    tail: Annotated[str, Field(max_length=8)] | None = None  # the phone's last 4 digits


class LookupResponse(Model):
    candidates: list[MemberOut]  # one for a code or a phone that is found; up to 20 for a tail, latest visit first


CouponIds = Annotated[list[Annotated[str, Field(min_length=1, max_length=36)]], Field(max_length=MAX_COUPONS)]


class SaleRequest(Model):
    receipt_no: Receipt
    total_cents: Annotated[int, Field(ge=1, le=MAX_CENTS)]  # what the bill comes to before coupons and points
    lines: Lines
    member: MemberRef | None = None
    #: The member's coupons to apply (ids from the quote's `coupons`), in this order, before the points.
    coupon_ids: CouponIds = Field(default_factory=list)
    points_to_redeem: Annotated[int, Field(ge=0, le=MAX_POINTS)] = 0


class CouponOut(Model):
    """A coupon the member holds, unused at this till, not expired: what it takes off this bill on its own, or why
    it cannot go on it (`problem`: not_yet_valid, below_min_spend, wrong_store)."""

    coupon_id: str
    template_code: str
    name: dict[str, str]  # {"zh_CN": …, "en": …}
    kind: Literal["amount_off", "percent_off", "gift"]
    gift_sku: str | None
    min_spend_cents: int
    stackable: bool
    last_day: date
    discount_cents: int
    problem: str | None


class UsedCoupon(Model):
    coupon_id: str
    name: dict[str, str]
    discount_cents: int


class Limits(Model):
    redeem_min_points: int
    redeem_step_points: int
    redeem_points_per_yuan: int  # 100: 100 points take ¥1 off
    redeem_max_bill_pct: int  # at most this share of the bill may be paid with points
    offline_cap_left: int  # points redeemable today at this till without the server
    online: bool  # the till's last contact with the server worked: redemptions are authorized online


class QuoteResponse(Model):
    receipt_no: str
    member: MemberOut
    points_earned: int  # on the total less the asked coupons' and points' discounts
    points_usable: int  # the most points this bill (less the coupons) may take now (offline: the cap applies)
    points_to_redeem: int
    discount_cents: int  # what the asked points take off
    coupons: list[CouponOut]  # every coupon the member may use here, soonest to expire first
    coupon_discount_cents: int  # what the asked coupons take off, together
    limits: Limits


class Slip(Model):
    """The figures a slip prints (the till prints it; the POS may print them on its own receipt)."""

    store_code: str
    store_name: str | None
    receipt_no: str
    phone_masked: str | None
    points_earned: int
    points_redeemed: int
    discount_cents: int
    balance: int | None
    coupons: list[UsedCoupon] = Field(default_factory=list)


class SaleResponse(Model):
    receipt_no: str
    member_id: str | None
    points_earned: int
    points_redeemed: int
    discount_cents: int  # the points' discount
    coupons: list[UsedCoupon]  # the coupons applied, in order
    coupon_discount_cents: int
    paid_cents: int  # total less the coupons' and the points' discounts: what earned
    balance: int | None  # the member's available points after; None without a member
    slip: Slip


class RefundLineIn(Model):
    line_no: Annotated[int, Field(ge=1, le=MAX_SALE_LINES)]  # the original sale's line
    quantity: StrictInt | Annotated[str, Field(max_length=16)] | None = None  # default: the whole line
    amount_cents: Cents | None = None  # default: the line's paid amount × the quantity's share


class RefundRequest(Model):
    refund_no: Receipt  # the POS's own receipt for the refund: the idempotency key
    receipt_no: Receipt  # the original sale's
    store_code: Annotated[str, Field(min_length=1, max_length=32)] | None = None  # another store's sale
    #: The lines given back; or, for a sale the till holds no lines of, `amount_cents` of it (one of the two).
    lines: Annotated[list[RefundLineIn], Field(min_length=1, max_length=MAX_SALE_LINES)] | None = None
    amount_cents: Annotated[int, Field(ge=1, le=MAX_CENTS)] | None = None


class RefundResponse(Model):
    refund_no: str
    #: refunded: done; needs_manager: the till must take the return (server unreachable, or a manager must approve
    #: the points moved): nothing was written; nothing_to_refund: no member earned or redeemed on that receipt.
    status: Literal["refunded", "needs_manager", "nothing_to_refund"]
    #: needs_manager: server_unreachable or approval_required; refunded: offline_return when a manager took it at
    #: the counter as an offline return (LedgerService.return_offline) under this refund number.
    reason: str | None = None
    member_id: str | None
    refunded_cents: int
    points_clawed_back: int  # the earn's points taken back (≥ 0)
    points_returned: int  # the redemption's points given back (≥ 0)
    balance: int | None


class PendingRequest(Model):
    receipt_no: Receipt
    total_cents: Annotated[int, Field(ge=1, le=MAX_CENTS)]
    lines: Lines
    points_to_redeem: Annotated[int, Field(ge=0, le=MAX_POINTS)] = 0


class OutcomeOut(Model):
    """A pending sale as the cashier confirmed it (`posapi.pending.SaleOutcome`)."""

    receipt_no: str
    member_id: str | None
    points_earned: int
    points_redeemed: int
    discount_cents: int
    balance: int | None
    coupon_discount_cents: int = 0  # what the coupons the cashier ticked took off (issue 18)


class PendingResponse(Model):
    receipt_no: str
    status: Literal["waiting", "done", "unknown"]  # unknown: not waiting and no outcome (cancelled, replaced)
    outcome: OutcomeOut | None = None
