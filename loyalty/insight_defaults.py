"""The insight rules a chain starts with (`loyalty.insight.DEFAULT_INSIGHT_RULES`), as the JSON document the chain
would write: the segment thresholds of `loyalty.segments`, a month's grace before a tier moves down, an action per
segment, and tags in three layers from the seeds (生日临近, 夜间购物, 母婴, 流失风险 …). A chain replaces the whole
document with `server admin set-insight-rules FILE`; docs/insight.md explains each figure."""

from __future__ import annotations

from typing import Any, Final


def _words(zh_cn: str, en: str) -> dict[str, str]:
    return {"zh_CN": zh_cn, "en": en}


def _when(figure: str, op: str, value: int | str, category: str | None = None) -> dict[str, Any]:
    clause: dict[str, Any] = {"figure": figure, "op": op, "value": value}
    if category is not None:
        clause["category"] = category
    return clause


DEFAULT_DOCUMENT: Final[dict[str, Any]] = {
    "version": 1,
    "segments": {
        "dormant_after_days": 90,
        "loyal_min_visits_90d": 4,
        "loyal_min_spend_cents": 300_000,
        "loyal_max_recency_days": 30,
        "new_for_days": 30,
    },
    "tier_grace_days": 30,
    "segment_actions": {
        "high_value_loyal": _words(
            "高价值忠诚会员：优先服务，邀请参加会员专享活动", "Loyal, high value: serve first, invite to member events"
        ),
        "potential": _words(
            "潜力会员：推荐常购品类的组合优惠，鼓励再次到店",
            "Potential: suggest bundles of their usual categories, invite them back",
        ),
        "dormant": _words(
            "沉睡会员：赠送唤醒券并推荐常购品类", "Dormant: give a win-back coupon and suggest their usual categories"
        ),
        "new": _words("新会员：介绍积分规则和会员权益", "New member: explain how points and benefits work"),
    },
    "tags": [
        {"code": "birthday_soon", "layer": "basic", "name": _words("生日临近", "Birthday soon"),
         "when": [_when("birthday_in_days", "<=", 14)],
         "action": _words("生日临近：提醒生日当月双倍积分", "Birthday soon: mention the birthday-month bonus")},
        {"code": "new_member", "layer": "basic", "name": _words("新会员", "New member"),
         "when": [_when("days_since_enrol", "<=", 30)]},
        {"code": "young", "layer": "basic", "name": _words("年轻客群", "Under 25"),
         "when": [_when("age_years", "<", 25)]},
        {"code": "silver", "layer": "basic", "name": _words("银发族", "Over 60"),
         "when": [_when("age_years", ">=", 60)]},
        {"code": "night_shopper", "layer": "behaviour", "name": _words("夜间购物", "Night shopper"),
         "when": [_when("night_visit_share_pct", ">=", 40), _when("visits_90d", ">=", 3)]},
        {"code": "mother_baby", "layer": "behaviour", "name": _words("母婴", "Mother & baby"),
         "when": [_when("category_share_pct", ">=", 30, "母婴")]},
        {"code": "fresh_food", "layer": "behaviour", "name": _words("生鲜常客", "Fresh food regular"),
         "when": [_when("category_share_pct", ">=", 40, "生鲜")]},
        {"code": "beauty", "layer": "behaviour", "name": _words("美妆", "Beauty"),
         "when": [_when("category_share_pct", ">=", 30, "美妆")]},
        {"code": "frequent", "layer": "behaviour", "name": _words("高频到店", "Frequent visitor"),
         "when": [_when("f_score", ">=", 5), _when("visits_90d", ">=", 6)]},
        {"code": "points_sensitive", "layer": "behaviour", "name": _words("积分敏感", "Responds to points"),
         "when": [_when("redeem_visit_share_pct", ">=", 30)],
         "action": _words("积分敏感：提醒可用积分抵现", "Responds to points: mention the points they can use")},
        {"code": "churn_risk", "layer": "prediction", "name": _words("流失风险", "Churn risk"),
         "when": [_when("m_score", ">=", 4), _when("recency_days", ">", 45)],
         "action": _words("流失风险：本周内电话回访并赠送专属券",
                          "Churn risk: call this week and offer a personal coupon"),
         "warn": True},
        {"code": "upgrade_potential", "layer": "prediction", "name": _words("升级潜力", "Could move up a tier"),
         "when": [_when("segment", "==", "potential"), _when("f_score", ">=", 4), _when("m_score", ">=", 3)]},
        {"code": "win_back", "layer": "prediction", "name": _words("待唤醒", "Worth winning back"),
         "when": [_when("segment", "==", "dormant"), _when("m_score", ">=", 3)]},
    ],
}  # fmt: skip
