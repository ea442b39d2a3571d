"""What the demo chain is made of: its stores and staff, the shape of its member base (how members shop, what their
life with the chain looks like), and the catalogue guides and purchases draw from (categories, sizes, colours,
styles, notes, scene tags). Constants and one pure function, no randomness of its own.

Thread: any (read by the generator, wherever it runs, and by the loader).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from loyalty.rules import PointsRules
from server.fakes import Weighted

DEMO_STORES: Final = (("S001", "旗舰店"), ("S002", "滨江店"))


@dataclass(frozen=True, slots=True)
class DemoStaff:
    code: str
    name: str
    role: str
    pin: str
    store: str | None = None  # None: chain-wide, for a manager only (server.staff_scope)


DEMO_STAFF: Final = (
    DemoStaff("M001", "王店长", "manager", "2468"),
    DemoStaff("C001", "李收银", "cashier", "1357", "S001"),
    DemoStaff("G001", "张导购", "guide", "8642", "S001"),
)

# --- the shape of the member base ------------------------------------------------------------------------------------

# How a member shops: the tier their yearly spend aims at, visits a year (low, high), and the share of members.
HABITS: Final = Weighted([("normal", 60.0), ("silver", 24.0), ("gold", 11.0), ("platinum", 5.0)])
VISITS_A_YEAR: Final = {"normal": (1, 3), "silver": (2, 6), "gold": (5, 14), "platinum": (10, 22)}
_TOP_SPEND_CENTS: Final = 50_000_00  # the (open) top of the highest tier's band, for drawing spends
# What a member's recent life with the chain looks like: still shopping, drifted away, or just enrolled.
STORY: Final = Weighted([("active", 70.0), ("dormant", 24.0), ("new", 6.0)])

# --- what guides learn and purchases show ----------------------------------------------------------------------------

CATEGORIES: Final = ("生鲜", "乳品", "零食", "酒水", "日化", "母婴", "服饰", "烘焙", "粮油", "冷冻", "家居", "美妆")
CLOTHING_SIZES: Final = ("S", "M", "L", "XL", "XXL")
SHOE_SIZES: Final = tuple(f"{size}码" for size in range(35, 45))
COLOURS: Final = ("黑色", "白色", "灰色", "藏青", "米色", "红色", "粉色", "蓝色", "绿色", "卡其")
STYLES: Final = ("简约", "休闲", "商务", "运动", "甜美", "国潮", "复古", "通勤")
NOTES: Final = (
    "喜欢新鲜水果，周末常来",
    "对乳糖不耐受，推荐无乳糖奶",
    "家里有宝宝，关注母婴促销",
    "只买有机蔬菜",
    "偏好进口红酒",
    "常买烘焙原料",
    "喜欢会员日折扣",
    "下班后来店，时间紧",
)
SCENE_TAGS: Final = ("周末客", "夜间购物", "会员日", "团购", "早市客", "线上下单")


def spend_bands(rules: PointsRules) -> dict[str, tuple[int, int]]:
    """Each tier's 12-month spend band (cents); a shopping habit named after a tier aims inside it."""
    tiers = rules.tiers
    bands = {}
    for index, tier in enumerate(tiers):
        upper = (
            tiers[index + 1].min_spend_cents
            if index + 1 < len(tiers)
            else max(_TOP_SPEND_CENTS, tier.min_spend_cents * 2)
        )
        bands[tier.code] = (max(tier.min_spend_cents, 20_000), upper)
    # Habits are named after the default tiers; rules with other tier codes map them by rank.
    codes = [tier.code for tier in tiers]
    for rank, habit in enumerate(("normal", "silver", "gold", "platinum")):
        if habit not in bands:
            bands[habit] = bands[codes[min(rank, len(codes) - 1)]]
    return bands
