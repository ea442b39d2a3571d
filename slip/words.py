"""The slip's own words, one small table per language. The slip is printed in the till's UI language, but slip/
has no Qt, so these are not Qt translations: a test checks that every language has every key.

`{name}` placeholders are filled with `str.format` by `slip.layout`; the words carry no data of a member's.
"""

from __future__ import annotations

from typing import Final

ZH_CN: Final = "zh_CN"
EN: Final = "en"
LANGUAGES: Final = (ZH_CN, EN)

WORDS: Final[dict[str, dict[str, str]]] = {
    ZH_CN: {
        "title": "会员积分小票",
        "guest_title": "购物小票",
        "test_title": "测试打印",
        "test_line": "打印机连接正常，这不是购物小票。",
        "store": "门店",
        "till": "收银台",
        "time": "时间",
        "receipt": "单号",
        "staff": "收银员",
        "purchase": "消费金额",
        "quantity": "x{quantity}",
        "member": "会员",
        "tier": "等级",
        "no_member": "非会员消费",
        "coupon": "券 {name}",
        "gift": "兑换礼品",
        "coupon_gift": "赠品",
        "points_earned": "本次积分",
        "points_redeemed": "使用积分",
        "discount": "积分抵扣",
        "new_balance": "积分余额",
        "expiring": "{points} 积分将于 {date} 到期",
        "qr_caption": "下次到店请出示此码",
        "thanks": "谢谢惠顾，欢迎再次光临",
    },
    EN: {
        "title": "Member points slip",
        "guest_title": "Receipt",
        "test_title": "TEST PRINT",
        "test_line": "The printer is connected. This is not a receipt.",
        "store": "Store",
        "till": "Till",
        "time": "Time",
        "receipt": "Receipt",
        "staff": "Cashier",
        "purchase": "Purchase",
        "quantity": "x{quantity}",
        "member": "Member",
        "tier": "Tier",
        "no_member": "No member",
        "coupon": "Coupon {name}",
        "gift": "Gift",
        "coupon_gift": "Gift",
        "points_earned": "Points earned",
        "points_redeemed": "Points redeemed",
        "discount": "Points discount",
        "new_balance": "Points balance",
        "expiring": "{points} points expire on {date}",
        "qr_caption": "Show this code on your next visit",
        "thanks": "Thank you, see you again",
    },
}


def word(language: str, key: str, **values: object) -> str:
    """The word for `key` in `language`, with its placeholders filled (a KeyError is a bug: the test catches it)."""
    text = WORDS[language][key]
    return text.format(**values) if values else text
