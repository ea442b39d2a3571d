"""Draws the printed slip as PNGs for people to look at, in Chinese and in English, on 58 mm and 80 mm paper, into
docs/screenshots/slips/: a member's visit (purchase lines, points earned and redeemed, the discount, the new
balance, points expiring soon, the QR for the next visit), a sale without a member, and the settings' test print.
The pictures are drawn from the same rows the printer is sent (slip/image.py); look at every one after a change.

    .venv/bin/python scripts/slip_screenshots.py
"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loyalty.member_code import sign_member_code  # noqa: E402
from slip.image import has_cjk_font, render_png  # noqa: E402
from slip.layout import Paper  # noqa: E402
from slip.model import ExpiringPoints, Slip, SlipLine  # noqa: E402

OUT = ROOT / "docs" / "screenshots" / "slips"
_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))  # a fixed demo key: the pictures do not change
_CODE = sign_member_code(_KEY, uuid.UUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"), 1)
_LINES = {
    "zh_CN": (
        SlipLine("有机全脂牛奶 1L 装（冷藏）", 2, 3980),
        SlipLine("全麦吐司", 1, 1290),
        SlipLine("环保购物袋", 1, 100),
    ),
    "en": (SlipLine("Organic whole milk 1 l", 2, 3980), SlipLine("Wholemeal bread", 1, 1290), SlipLine("Bag", 1, 100)),
}


def _common(language: str) -> dict[str, object]:
    till = "1号收银台" if language == "zh_CN" else "Till 1"
    return {
        "store_name": "旗舰店",
        "store_code": "S001",
        "till_name": till,
        "zone": ZoneInfo("Asia/Shanghai"),
        "printed_at": datetime(2026, 3, 18, 2, 5, tzinfo=UTC),
        "staff_code": "C001",
        "language": language,
    }


def sample_slips(language: str) -> dict[str, Slip]:
    common = _common(language)
    member = Slip(
        **common,  # type: ignore[arg-type]
        receipt_no="R20260318-0042",
        member_phone_masked="138****8000",
        tier_name="金卡" if language == "zh_CN" else "Gold",
        purchase_cents=9350,
        lines=_LINES[language],
        points_earned=88,
        points_redeemed=500,
        discount_cents=500,
        new_balance=2345,
        expiring=ExpiringPoints(300, date(2026, 4, 30)),
        member_code=_CODE,
    )
    guest = Slip(**common, receipt_no="R20260318-0043", purchase_cents=1390, lines=_LINES[language][1:])  # type: ignore[arg-type]
    test = Slip(**common, test=True)  # type: ignore[arg-type]
    return {"member": member, "guest": guest, "test": test}


def main() -> int:
    if not has_cjk_font():
        print("no Chinese font found (install fonts-noto-cjk): the Chinese would be boxes", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    for language in ("zh_CN", "en"):
        for name, slip in sample_slips(language).items():
            for paper in Paper:
                path = OUT / f"{language}_{paper.value}mm_{name}.png"
                path.write_bytes(render_png(slip, paper))
                print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
