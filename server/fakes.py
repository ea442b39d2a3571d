"""Deterministic fake people for the server's demo data: realistic Chinese names and valid, unique mobile numbers.

The distributions are those of `bench/synthetic.py` (the benchmarks' member generator), kept here so the server
package, which is installed without `bench/`, does not depend on it:

- surnames: the ~100 most common single-character surnames weighted by their share of the population (王, 李 and 张
  about 7 % each), plus about 2.5 % two-character surnames (欧阳, 司马, 上官...);
- given names: one (30 %) or two (70 %) characters from ~200 common given-name characters, leaning by gender;
- phones: 11 digits drawn from real mobile prefixes (13x, 145, 147, 15x, 166, 17x, 18x, 19x), kept only when
  `loyalty.phone.parse_mobile` accepts them.

`MobileStream` hands out numbers that are unique *by construction* (each prefix walks an affine permutation of its
10^8 suffixes), so a million members need no set of the numbers already drawn: memory stays constant.
Everything is driven by a caller's `random.Random`, so the same seed gives the same people.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from itertools import accumulate

from loyalty.phone import InvalidPhone, parse_mobile

__all__ = ["MobileStream", "Weighted", "chinese_name"]

# The most common surnames with their approximate share of the population in percent (as in bench/synthetic.py).
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

_SUFFIXES = 10**8  # eight digits after the three-digit prefix


class Weighted:
    """Draw from a fixed population with fixed weights (cumulative weights computed once)."""

    def __init__(self, pairs: Sequence[tuple[str, float]]) -> None:
        kept = [(value, weight) for value, weight in pairs if weight > 0]
        if not kept:
            raise ValueError("a weighted draw needs at least one value with a positive weight")
        self.values = [value for value, _ in kept]
        self.cum_weights = list(accumulate(weight for _, weight in kept))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cum_weights)[0]


_SURNAME = Weighted(_SURNAMES)
_COMPOUND = Weighted(_COMPOUND_SURNAMES)
_GIVEN = {"M": _MALE_CHARS + _NEUTRAL_CHARS, "F": _FEMALE_CHARS + _NEUTRAL_CHARS}


def chinese_name(rng: random.Random, gender: str) -> str:
    """A realistic full name for gender "F" or "M": surname then a one- or two-character given name."""
    surname = _COMPOUND.draw(rng) if rng.random() < _COMPOUND_SHARE else _SURNAME.draw(rng)
    chars = _GIVEN[gender]
    given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
    return surname + given


class MobileStream:
    """Valid Chinese mobile numbers (E.164), never the same one twice within a stream, in constant memory.

    Each prefix has its own counter k and hands out suffix (a·k + b) mod 10^8, with a coprime to 10^8: a permutation
    of the prefix's 10^8 suffixes, so no number repeats until the prefix is exhausted (it is then dropped). Numbers
    `parse_mobile` refuses (ranges that are not mobile) are skipped. Two streams with different seeds may meet: the
    caller checks the numbers against the database.
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._prefixes = Weighted(_MOBILE_PREFIXES)
        self._step: dict[str, int] = {}
        self._offset: dict[str, int] = {}
        self._count: dict[str, int] = {}
        for prefix in self._prefixes.values:
            step = rng.randrange(_SUFFIXES // 3, _SUFFIXES)
            while math.gcd(step, _SUFFIXES) != 1:
                step += 1
            self._step[prefix] = step
            self._offset[prefix] = rng.randrange(_SUFFIXES)
            self._count[prefix] = 0

    def next(self) -> str:
        """The next number, in E.164 (``+86`` and 11 digits)."""
        while True:
            prefix = self._prefixes.draw(self._rng)
            k = self._count[prefix]
            if k >= _SUFFIXES:  # exhausted: never in practice (10^8 numbers a prefix)
                self._prefixes = Weighted([(p, 0.0 if p == prefix else w) for p, w in _weights(self._prefixes)])
                continue
            self._count[prefix] = k + 1
            national = f"{prefix}{(self._step[prefix] * k + self._offset[prefix]) % _SUFFIXES:08d}"
            try:
                return parse_mobile(national)
            except InvalidPhone:
                continue


def _weights(weighted: Weighted) -> list[tuple[str, float]]:
    previous = 0.0
    pairs = []
    for value, cumulative in zip(weighted.values, weighted.cum_weights, strict=True):
        pairs.append((value, cumulative - previous))
        previous = cumulative
    return pairs
