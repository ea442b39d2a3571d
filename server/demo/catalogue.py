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


# --- what the demo's purchases are made of (issue 16: purchase lines) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class Product:
    """A product on the demo chain's shelves: SKU, name, its price (per piece, or per kg when `weighed`)."""

    sku: str
    name: str
    price_cents: int
    weighed: bool = False  # sold by weight: the quantity is in grams (thousandths of a kg)


#: The chain's categories as its POS names them (chain data: shown as written, in either language), each with a few
#: products. SKUs are made up (the category's letters and a number).
PRODUCTS: Final[dict[str, tuple[Product, ...]]] = {
    "生鲜": (
        Product("SX1001", "红富士苹果", 1_290, weighed=True), Product("SX1002", "海南香蕉", 790, weighed=True),
        Product("SX1003", "精品猪里脊", 3_980, weighed=True), Product("SX1004", "鲜活基围虾", 8_800, weighed=True),
        Product("SX1005", "有机上海青", 990, weighed=True), Product("SX1006", "新鲜鸡蛋 30枚", 2_590),
        Product("SX1007", "冰鲜三文鱼块", 12_800, weighed=True), Product("SX1008", "西红柿", 690, weighed=True),
    ),
    "冷冻": (
        Product("LD2001", "三全猪肉水饺 1kg", 2_590), Product("LD2002", "思念汤圆 500g", 1_290),
        Product("LD2003", "冷冻鸡翅中 1kg", 4_590), Product("LD2004", "哈根达斯冰淇淋", 4_200),
        Product("LD2005", "速冻玉米粒 500g", 890),
    ),
    "母婴": (
        Product("MY3001", "飞鹤星飞帆奶粉 3段", 29_800), Product("MY3002", "帮宝适拉拉裤 L码", 13_900),
        Product("MY3003", "婴儿湿巾 80抽×3", 3_990), Product("MY3004", "宝宝米粉", 6_800),
        Product("MY3005", "儿童牙膏", 2_590), Product("MY3006", "婴儿洗衣液", 4_990),
    ),
    "美妆": (
        Product("MZ4001", "玉兰油精华面霜", 26_900), Product("MZ4002", "完美日记口红", 8_990),
        Product("MZ4003", "自然堂面膜 10片", 9_900), Product("MZ4004", "资生堂防晒霜", 19_800),
        Product("MZ4005", "卸妆水 400ml", 6_900),
    ),
    "服饰": (
        Product("FS5001", "纯棉T恤", 7_900), Product("FS5002", "休闲牛仔裤", 19_900),
        Product("FS5003", "运动袜 5双装", 3_990),
        Product("FS5004", "羽绒马甲", 29_900), Product("FS5005", "真丝围巾", 15_900),
    ),
    "家居日用": (
        Product("JJ6001", "维达抽纸 24包", 5_990), Product("JJ6002", "蓝月亮洗衣液 3kg", 4_990),
        Product("JJ6003", "不粘锅炒锅", 16_900), Product("JJ6004", "保鲜袋 200只", 1_590),
        Product("JJ6005", "洗洁精 1.5kg", 1_890), Product("JJ6006", "纯棉毛巾", 2_990),
    ),
    "零食饮料": (
        Product("LS7001", "乐事薯片", 890), Product("LS7002", "农夫山泉 550ml×24", 3_600),
        Product("LS7003", "三只松鼠坚果礼盒", 12_800), Product("LS7004", "可口可乐 330ml×6", 1_990),
        Product("LS7005", "德芙巧克力", 2_490), Product("LS7006", "散装话梅", 4_800, weighed=True),
    ),
    "粮油调味": (
        Product("LY8001", "五常大米 5kg", 6_990), Product("LY8002", "金龙鱼花生油 5L", 12_990),
        Product("LY8003", "海天生抽 1.9L", 2_290), Product("LY8004", "中粮面粉 2.5kg", 2_190),
        Product("LY8005", "太太乐鸡精", 1_290),
    ),
    "乳品烘焙": (
        Product("RP9001", "蒙牛纯牛奶 250ml×12", 4_590), Product("RP9002", "安慕希酸奶", 6_990),
        Product("RP9003", "全麦吐司", 1_590), Product("RP9004", "奶油蛋糕", 8_800),
    ),
}  # fmt: skip
#: Every member's basket leans this way before their own leaning is added (weights, not shares).
BASE_CATEGORY_WEIGHTS: Final = {
    "生鲜": 30.0, "冷冻": 8.0, "母婴": 2.0, "美妆": 4.0, "服饰": 3.0, "家居日用": 12.0, "零食饮料": 14.0,
    "粮油调味": 14.0, "乳品烘焙": 10.0,
}  # fmt: skip
LINES_PER_PURCHASE: Final = (5, 20)
