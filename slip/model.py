"""What a slip says: `Slip`, a frozen record of one visit's points (store, till, time, staff, the member's masked
phone and tier, the purchase and its lines, the coupons applied, points earned and redeemed, the discount, the new
balance, points expiring soon, the member code for the QR) and the language it is printed in.

The record is checked when it is made, so a printer never meets a half-valid slip: times carry their zone, money
is integer cents, points are integers, and a phone is only ever the masked form (`loyalty.phone.mask_phone`) —
a slip is paper that leaves the store, and a full phone number on it would be a leak.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from loyalty.member_code import looks_like_member_code
from loyalty.phone import mask_phone
from slip.words import LANGUAGES

_UNMASKED_DIGITS = re.compile(r"\d{5}")  # a masked phone ("138****8000") has at most 4 digits in a row


class InvalidSlip(ValueError):
    """A slip record that cannot be printed (a bug in its builder, not the cashier's input)."""


@dataclass(frozen=True, slots=True)
class SlipLine:
    """One line of a sale: what, how many, and what it cost (integer cents, the line's total)."""

    name: str
    quantity: int
    amount_cents: int


@dataclass(frozen=True, slots=True)
class SlipCoupon:
    """A coupon applied to the sale: its name in the slip's language and what it took off (0: a gift)."""

    name: str
    discount_cents: int


@dataclass(frozen=True, slots=True)
class ExpiringPoints:
    """Points that expire soon, and the store day they expire on."""

    points: int
    on: date


@dataclass(frozen=True, slots=True)
class Slip:
    store_name: str
    store_code: str
    till_name: str
    printed_at: datetime  # aware; printed on the store's clock (`zone`)
    zone: tzinfo
    staff_code: str
    language: str = "zh_CN"  # "zh_CN" or "en": the till's UI language
    receipt_no: str | None = None
    member_phone_masked: str | None = None  # None: a sale without a member (no phone, no tier, no QR)
    tier_name: str | None = None
    purchase_cents: int | None = None
    lines: tuple[SlipLine, ...] = ()
    coupons: tuple[SlipCoupon, ...] = ()  # applied before the points, in order
    points_earned: int = 0
    points_redeemed: int = 0  # a positive count of points spent
    discount_cents: int = 0  # what the redeemed points took off the bill
    gift: str | None = None  # the catalogue's item the redeemed points were for (积分兑换礼品), in the slip's language
    new_balance: int | None = None  # the member's points after this visit
    expiring: ExpiringPoints | None = None
    member_code: str | None = None  # the member's signed code (loyalty.member_code), for the next visit's QR
    test: bool = False  # a test print from the printer settings, not a visit

    def __post_init__(self) -> None:
        if self.printed_at.tzinfo is None or self.printed_at.utcoffset() is None:
            raise InvalidSlip("printed_at must be an aware datetime")
        if self.language not in LANGUAGES:
            raise InvalidSlip(f"unknown slip language {self.language!r}")
        for name in ("points_earned", "points_redeemed", "discount_cents"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidSlip(f"{name} must be a whole number, 0 or more")
        for name in ("purchase_cents", "new_balance"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise InvalidSlip(f"{name} must be a whole number")
        for line in self.lines:
            if not isinstance(line.quantity, int) or not isinstance(line.amount_cents, int):
                raise InvalidSlip("a line's quantity and amount are whole numbers (cents)")
        if self.member_phone_masked is not None and _UNMASKED_DIGITS.search(self.member_phone_masked):
            raise InvalidSlip("a slip carries only a masked phone (loyalty.phone.mask_phone)")
        if any(isinstance(c.discount_cents, bool) or not isinstance(c.discount_cents, int) or c.discount_cents < 0
               for c in self.coupons):  # fmt: skip
            raise InvalidSlip("a coupon's discount is a whole number of cents, 0 or more")
        if self.member_phone_masked is None and (self.member_code or self.tier_name or self.new_balance is not None):
            raise InvalidSlip("a slip without a member has no tier, balance or member code")
        if self.member_code is not None and not looks_like_member_code(self.member_code):
            raise InvalidSlip("member_code is not a member code")
        if self.expiring is not None and self.expiring.points <= 0:
            raise InvalidSlip("expiring points must be more than 0")

    @property
    def has_member(self) -> bool:
        return self.member_phone_masked is not None

    @property
    def local_time(self) -> datetime:
        """When it was printed, on the store's clock."""
        return self.printed_at.astimezone(self.zone)


def masked_phone(phone: str) -> str:
    """The member's phone as a slip prints it: ``"13800138000"`` -> ``"138****8000"``."""
    return mask_phone(phone)
