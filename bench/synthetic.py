"""Deterministic synthetic members for the benchmarks: realistic Chinese names, valid mobile numbers, tiers.

`synthetic_members(n, seed)` yields one dict per member whose keys are the `member` table's column names, ready for
a Core `insert(Member.__table__)` executemany. The same `n` and `seed` always give the same members (all times are
relative to the fixed `ANCHOR`, not to the clock), so a benchmark store can be rebuilt identically.

Distributions (close enough to a Chinese supermarket chain's member base to give realistic index shapes):

- surnames: the ~100 most common single-character surnames weighted by their share of the population (王, 李 and 张
  about 7 % each), plus about 2.5 % two-character surnames (欧阳, 司马, 上官...);
- given names: one (30 %) or two (70 %) characters from ~200 common given-name characters, leaning by gender;
- phones: 11 digits drawn from real mobile prefixes (13x, 145, 147, 15x, 166, 17x, 18x, 19x), kept only when
  `loyalty.phone.parse_mobile` accepts them, unique across the set;
- tiers normal 70 % / silver 20 % / gold 8 % / platinum 2 %, with a 12-month spend inside the tier's band of
  `DEFAULT_RULES`; card serials 1..n; last visits over the two years before `ANCHOR`.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from loyalty.phone import InvalidPhone, parse_mobile
from loyalty.rules import DEFAULT_RULES

__all__ = ["ANCHOR", "synthetic_members"]

ANCHOR = datetime(2025, 1, 1, tzinfo=UTC)
"""The "now" of the synthetic data: last visits fall in the two years before it."""

HOME_STORE = "S001"

# The most common surnames with their approximate share of the population in percent (national statistics of the
# household registration, rounded; the order past the first twenty is approximate).
_SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.12), ("李", 7.00), ("张", 6.74), ("刘", 5.10), ("陈", 4.61), ("杨", 3.22), ("黄", 2.45), ("赵", 2.29),
    ("吴", 2.05), ("周", 1.99), ("徐", 1.60), ("孙", 1.46), ("马", 1.39), ("胡", 1.32), ("朱", 1.28), ("郭", 1.20),
    ("何", 1.17), ("林", 1.06), ("高", 1.05), ("罗", 0.98), ("郑", 0.92), ("梁", 0.89), ("谢", 0.79), ("唐", 0.78),
    ("许", 0.74), ("冯", 0.70), ("宋", 0.69), ("韩", 0.69), ("邓", 0.68), ("彭", 0.64), ("曹", 0.63), ("曾", 0.61),
    ("田", 0.58), ("于", 0.57), ("肖", 0.56), ("潘", 0.55), ("袁", 0.54), ("董", 0.53), ("叶", 0.53), ("杜", 0.50),
    ("丁", 0.49), ("蒋", 0.48), ("程", 0.47), ("余", 0.46), ("吕", 0.45), ("魏", 0.44), ("蔡", 0.43), ("苏", 0.42),
    ("任", 0.41), ("卢", 0.40), ("沈", 0.39), ("姜", 0.38), ("姚", 0.37), ("钟", 0.36), ("崔", 0.35), ("陆", 0.34),
    ("谭", 0.33), ("汪", 0.33), ("石", 0.32), ("付", 0.31), ("贾", 0.31), ("范", 0.30), ("金", 0.30), ("方", 0.29),
    ("韦", 0.28), ("夏", 0.28), ("廖", 0.27), ("侯", 0.27), ("白", 0.26), ("孟", 0.26), ("邹", 0.25), ("秦", 0.25),
    ("尹", 0.24), ("江", 0.24), ("熊", 0.23), ("薛", 0.23), ("邱", 0.22), ("闫", 0.22), ("段", 0.21), ("雷", 0.21),
    ("黎", 0.20), ("史", 0.20), ("陶", 0.19), ("毛", 0.19), ("贺", 0.19), ("龙", 0.18), ("万", 0.18), ("顾", 0.18),
    ("关", 0.17), ("郝", 0.17), ("孔", 0.16), ("向", 0.16), ("龚", 0.16), ("邵", 0.15), ("钱", 0.15), ("武", 0.15),
    ("严", 0.15), ("覃", 0.14), ("戴", 0.14), ("莫", 0.14), ("康", 0.13), ("洪", 0.13), ("常", 0.13), ("汤", 0.13),
)  # fmt: skip

_COMPOUND_SURNAMES: tuple[tuple[str, float], ...] = (
    ("欧阳", 40), ("司马", 10), ("上官", 10), ("诸葛", 8), ("司徒", 8), ("东方", 6), ("皇甫", 5), ("夏侯", 4),
    ("慕容", 3), ("尉迟", 2), ("令狐", 2), ("长孙", 2),
)  # fmt: skip
_COMPOUND_SHARE = 0.025

# About 200 distinct common given-name characters, leaning male, leaning female, or used for both.
_MALE_CHARS = (
    "伟强磊军洋勇杰涛明超刚平辉鹏飞浩俊帅斌波峰建国华林龙海东亮成志新宏兵锋健世毅正永振江博昊天泽宸轩睿哲"
    "铭瑞凯鑫鸿昌荣德胜彬坤仁义翔旭阳光然豪皓晟航远恒栋梁伦清坚武忠诚庆祥福贵生山元晖伯钧骏承奕霖煜锦熙彦楷弘"
)
_FEMALE_CHARS = (
    "芳娜敏静丽艳娟秀霞英玉萍红桂兰凤梅琳洁慧晶颖婷雪倩琪璐瑶怡欣涵妍彤萱悦蕾薇岚菲莉燕丹蓉诗雅婧媛露琴"
    "月云霏馨晓晴楠茜淑娴芬芝莹蓓琼娅宁灵巧珊琦柔美婉璇嫣曼莎"
)
_NEUTRAL_CHARS = "一子文思嘉安佳宇晨雨若心梓书可乐逸语言小春秋青"

_MOBILE_PREFIXES: tuple[tuple[str, float], ...] = (
    *((f"13{d}", 3.0) for d in range(10)),
    ("145", 0.4), ("147", 0.6),
    *((p, 2.5) for p in ("150", "151", "152", "153", "155", "156", "157", "158", "159")),
    ("166", 0.6),
    *((f"17{d}", 0.8) for d in range(9)),
    *((f"18{d}", 3.0) for d in range(10)),
    *((p, 1.0) for p in ("191", "193", "195", "196", "197", "198", "199")),
)  # fmt: skip

_TIER_WEIGHTS = {"normal": 70.0, "silver": 20.0, "gold": 8.0, "platinum": 2.0}
_TOP_SPEND_CENTS = 60_000_00  # the platinum band's (open) upper end used for drawing spends

_TAGS = ("会员日", "母婴", "生鲜", "烘焙", "酒水", "宠物", "美妆", "团购", "夜间购物", "周末客", "企业客户", "新客")

_BIRTHDAY_FIRST = date(1950, 1, 1).toordinal()
_BIRTHDAY_LAST = date(2008, 12, 31).toordinal()
_VISIT_WINDOW_S = int(timedelta(days=730).total_seconds())
_HISTORY_S = int(timedelta(days=8 * 365).total_seconds())


class _Weighted:
    """Draw from a fixed population with fixed weights (cumulative weights computed once)."""

    def __init__(self, pairs: Sequence[tuple[str, float]]) -> None:
        kept = [(value, weight) for value, weight in pairs if weight > 0]
        self.values = [value for value, _ in kept]
        self.cum_weights = list(accumulate(weight for _, weight in kept))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cum_weights)[0]


_SURNAME = _Weighted(_SURNAMES)
_COMPOUND = _Weighted(_COMPOUND_SURNAMES)
_PREFIX = _Weighted(_MOBILE_PREFIXES)
_TIER = _Weighted(list(_TIER_WEIGHTS.items()))
_GIVEN = {"M": _MALE_CHARS + _NEUTRAL_CHARS, "F": _FEMALE_CHARS + _NEUTRAL_CHARS}


def _tier_bands() -> dict[str, tuple[int, int]]:
    tiers = DEFAULT_RULES.tiers
    bands: dict[str, tuple[int, int]] = {}
    for index, tier in enumerate(tiers):
        upper = tiers[index + 1].min_spend_cents if index + 1 < len(tiers) else _TOP_SPEND_CENTS
        bands[tier.code] = (tier.min_spend_cents, upper)
    return bands


_BANDS = _tier_bands()


def _name(rng: random.Random, gender: str) -> str:
    surname = _COMPOUND.draw(rng) if rng.random() < _COMPOUND_SHARE else _SURNAME.draw(rng)
    chars = _GIVEN[gender]
    given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
    return surname + given


def _phone(rng: random.Random, seen: set[str]) -> str:
    """A new E.164 mobile number that `parse_mobile` accepts and no earlier member has."""
    while True:
        national = f"{_PREFIX.draw(rng)}{rng.randrange(100_000_000):08d}"
        if national in seen:
            continue
        try:
            e164 = parse_mobile(national)
        except InvalidPhone:
            continue
        seen.add(national)
        return e164


def _spend(rng: random.Random, tier: str) -> int:
    low, high = _BANDS[tier]
    # Skewed towards the low end of each band: most members sit just above their tier's threshold.
    return low + int(rng.betavariate(1.3, 3.0) * (high - low))


def _segment(last_visit: datetime) -> str:
    days = (ANCHOR - last_visit).days
    if days <= 90:
        return "active"
    if days <= 365:
        return "lapsing"
    return "dormant"


def synthetic_members(n: int, seed: int = 7) -> Iterator[dict[str, object]]:
    """`n` members as `member` rows (column name -> value), the same for the same `n` and `seed`."""
    rng = random.Random(seed)
    seen: set[str] = set()
    for serial in range(1, n + 1):
        gender = "F" if rng.random() < 0.56 else "M"
        tier = _TIER.draw(rng)
        spend = _spend(rng, tier)
        phone = _phone(rng, seen)
        last_visit = ANCHOR - timedelta(seconds=rng.randrange(_VISIT_WINDOW_S), microseconds=rng.randrange(10**6))
        created = last_visit - timedelta(seconds=rng.randrange(_HISTORY_S))
        updated = min(ANCHOR, last_visit + timedelta(seconds=rng.randrange(3600)))
        tag_count = rng.choices((0, 1, 2), cum_weights=(55, 85, 100))[0]
        yield {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "phone": phone,
            "phone_tail": phone[-4:],
            "name": _name(rng, gender),
            "gender": gender,
            "birthday": date.fromordinal(rng.randint(_BIRTHDAY_FIRST, _BIRTHDAY_LAST)),
            "tier": tier,
            "spend_12m_cents": spend,
            # Points: 1 a yuan, part of it already redeemed.
            "balance_synced": int(spend / 100 * rng.uniform(0.05, 1.0)),
            "segment": _segment(last_visit),
            "tags": rng.sample(_TAGS, tag_count),
            "consent_marketing": rng.random() < 0.45,
            "consent_profile": rng.random() < 0.6,
            "card_serial": serial,
            "version": 1,
            "home_store": HOME_STORE,
            "last_visit_at": last_visit,
            "created_at": created,
            "updated_at": updated,
        }
