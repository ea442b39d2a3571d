"""Slips the slip tests print: a member's award and redemption with lines, a sale without a member, a test print."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from loyalty.member_code import new_signing_key, sign_member_code
from slip.model import ExpiringPoints, Slip, SlipLine

SHANGHAI = ZoneInfo("Asia/Shanghai")
PRINTED_AT = datetime(2026, 3, 18, 2, 5, tzinfo=UTC)  # 10:05 in the store


@cache
def member_code() -> str:
    return sign_member_code(new_signing_key(), uuid.UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"), 7)


def member_slip(language: str = "zh_CN", /, **changes: object) -> Slip:
    slip = Slip(
        store_name="旗舰店",
        store_code="S001",
        till_name="1号收银台",
        printed_at=PRINTED_AT,
        zone=SHANGHAI,
        staff_code="C001",
        language=language,
        receipt_no="R20260318-0042",
        member_phone_masked="138****8000",
        tier_name="金卡" if language == "zh_CN" else "Gold",
        purchase_cents=12850,
        lines=(
            SlipLine("有机全脂牛奶 1L 装（冷藏）" if language == "zh_CN" else "Organic milk 1 l (chilled)", 2, 3980),
            SlipLine("Bread", 1, 890),
        ),
        points_earned=128,
        points_redeemed=500,
        discount_cents=500,
        new_balance=2345,
        expiring=ExpiringPoints(300, date(2026, 4, 30)),
        member_code=member_code(),
    )
    return replace(slip, **changes)  # type: ignore[arg-type]


def guest_slip(language: str = "zh_CN") -> Slip:
    return Slip(
        store_name="旗舰店",
        store_code="S001",
        till_name="1号收银台",
        printed_at=PRINTED_AT,
        zone=SHANGHAI,
        staff_code="C001",
        language=language,
        receipt_no="R20260318-0043",
        purchase_cents=4200,
        lines=(SlipLine("Bread", 2, 4200),),
    )
