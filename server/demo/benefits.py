"""The demo chain's benefits (issue 18), so the demo shows them on real demo members: coupon templates (a birthday
gift, a win-back coupon, a welcome coupon), the benefit rules that give them (and let a manager give two of them at
the till), a gift catalogue with each store's stock, and points that expire 18 months after
they are earned (the demo's purchases go 18 months back, so its oldest points are the ones about to expire: nothing
is lost at the first refresh, and the card says what goes within 30 days, whatever day the demo is built).

`set_up_benefits` runs before the demo's first refresh (which gives the birthday coupons and works out the expiring
points); `win_back_campaign` after it, as a head office would reach the members who were dormant already (the rule
gives the win-back coupon only to members who become dormant from then on).

Thread: the caller's (the embedded demo server's start, the admin command line).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final

from sqlalchemy import select

from loyalty.coupons import BenefitRules, CouponTemplate
from loyalty.expiry import ExpiryKind, ExpiryRule
from loyalty.gifts import Gift
from server import admin, chain
from server.coupons import CampaignReport, issue_campaign, put_template, set_benefit_rules
from server.db import ServerDatabase
from server.gifts import put_gift, set_stock
from server.models import Store

DEMO_EXPIRY: Final = ExpiryRule(ExpiryKind.ROLLING, months=18)
WIN_BACK_CAMPAIGN: Final = "演示：唤醒沉睡会员"
#: The rules give birthday, win-back and welcome coupons, put members with 500 points or more about to expire on
#: their store's list, and let a store manager give the win-back or the welcome coupon at the till, 20 a day.
DEMO_RULES: Final[dict[str, Any]] = {
    "win_back": "winback15", "birthday": "bday20", "welcome": "welcome95", "expiry_warning_points": 500,
    "manager_templates": ["winback15", "welcome95"], "manager_daily_limit": 20,
}  # fmt: skip
TEMPLATES: Final[tuple[dict[str, Any], ...]] = (
    {"code": "bday20", "name": {"zh_CN": "生日礼券 满100减20", "en": "Birthday gift: 20 off 100"},
     "kind": "amount_off", "amount_off_cents": 2_000, "min_spend_cents": 10_000, "valid_days": 31},
    {"code": "winback15", "name": {"zh_CN": "唤醒券 满50减15", "en": "Welcome back: 15 off 50"},
     "kind": "amount_off", "amount_off_cents": 1_500, "min_spend_cents": 5_000, "valid_days": 30,
     "segments": ["dormant"], "budget_count": 100_000},
    {"code": "welcome95", "name": {"zh_CN": "新会员 95 折券", "en": "New member: 5 % off"},
     "kind": "percent_off", "percent_off": 5, "cap_cents": 2_000, "valid_days": 30, "stackable": True},
)  # fmt: skip


GIFTS: Final[tuple[dict[str, Any], ...]] = (
    {"sku": "GIFT-BAG", "name": {"zh_CN": "环保购物袋", "en": "Tote bag"}, "points": 300},
    {"sku": "GIFT-CUP", "name": {"zh_CN": "保温杯", "en": "Vacuum flask"}, "points": 1_500},
    {"sku": "GIFT-OIL", "name": {"zh_CN": "花生油 5L", "en": "Peanut oil, 5 l"}, "points": 3_000},
)  # fmt: skip


def set_up_benefits(db: ServerDatabase) -> None:
    """The demo's templates, its benefit rules, its gift catalogue (20 of each at each store) and its expiry rule (a
    new version of the points rules)."""
    for document in TEMPLATES:
        put_template(db, CouponTemplate.from_dict(document))
    with db.read() as session:
        stores = list(session.scalars(select(Store.code)))
    for document in GIFTS:
        put_gift(db, Gift.from_dict(document))
        for store in stores:
            set_stock(db, store, document["sku"], 20)
    set_benefit_rules(db, BenefitRules.from_dict(DEMO_RULES))
    with db.read() as session:
        rules = chain.rules(session)
    if rules.expiry != DEMO_EXPIRY:
        admin.set_rules(db, dataclasses.replace(rules, version=rules.version + 1, expiry=DEMO_EXPIRY))


def win_back_campaign(db: ServerDatabase) -> CampaignReport:
    """The win-back coupon to the dormant members who consented to marketing."""
    return issue_campaign(db, "winback15", WIN_BACK_CAMPAIGN)
