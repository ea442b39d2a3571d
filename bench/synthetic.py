"""Deterministic synthetic members for the benchmarks: realistic Chinese names, valid mobile numbers, tiers.

`synthetic_members(n, seed)` yields one dict per member whose keys are the `member` table's column names, ready for
a Core `insert(Member.__table__)` executemany. The same `n` and `seed` always give the same members (all times are
relative to the fixed `ANCHOR`, not to the clock), so a benchmark store can be rebuilt identically.

Distributions (close enough to a Chinese supermarket chain's member base to give realistic index shapes):

- names and phones from `server.fakes` (the demo data's generators): surnames weighted by their share of the
  population, one- or two-character given names leaning by gender; valid mobiles from real prefixes, never repeated;
- tiers normal 70 % / silver 20 % / gold 8 % / platinum 2 %, with a 12-month spend inside the tier's band of
  `DEFAULT_RULES`; card serials 1..n; last visits over the two years before `ANCHOR`.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from loyalty.rules import DEFAULT_RULES
from loyalty.segments import segment_for
from server.fakes import MobileStream, Weighted, chinese_name

__all__ = ["ANCHOR", "synthetic_members"]

ANCHOR = datetime(2025, 1, 1, tzinfo=UTC)
"""The "now" of the synthetic data: last visits fall in the two years before it."""

HOME_STORE = "S001"

_TIER_WEIGHTS = {"normal": 70.0, "silver": 20.0, "gold": 8.0, "platinum": 2.0}
_TOP_SPEND_CENTS = 60_000_00  # the platinum band's (open) upper end used for drawing spends

_TAGS = ("会员日", "母婴", "生鲜", "烘焙", "酒水", "宠物", "美妆", "团购", "夜间购物", "周末客", "企业客户", "新客")

_BIRTHDAY_FIRST = date(1950, 1, 1).toordinal()
_BIRTHDAY_LAST = date(2008, 12, 31).toordinal()
_VISIT_WINDOW_S = int(timedelta(days=730).total_seconds())
_HISTORY_S = int(timedelta(days=8 * 365).total_seconds())


_TIER = Weighted(list(_TIER_WEIGHTS.items()))


def _tier_bands() -> dict[str, tuple[int, int]]:
    tiers = DEFAULT_RULES.tiers
    bands: dict[str, tuple[int, int]] = {}
    for index, tier in enumerate(tiers):
        upper = tiers[index + 1].min_spend_cents if index + 1 < len(tiers) else _TOP_SPEND_CENTS
        bands[tier.code] = (tier.min_spend_cents, upper)
    return bands


_BANDS = _tier_bands()


def _spend(rng: random.Random, tier: str) -> int:
    low, high = _BANDS[tier]
    # Skewed towards the low end of each band: most members sit just above their tier's threshold.
    return low + int(rng.betavariate(1.3, 3.0) * (high - low))


def _segment(last_visit: datetime, created: datetime, spend: int) -> str:
    visits = 4 if (ANCHOR - last_visit).days <= 30 and spend >= 300_000 else 1
    return segment_for(now=ANCHOR, created_at=created, last_visit_at=last_visit, visits_90d=visits,
                       spend_12m_cents=spend).value  # fmt: skip


def synthetic_members(n: int, seed: int = 7) -> Iterator[dict[str, object]]:
    """`n` members as `member` rows (column name -> value), the same for the same `n` and `seed`."""
    rng = random.Random(seed)
    phones = MobileStream(random.Random(f"{seed}:phones"))
    for serial in range(1, n + 1):
        gender = "F" if rng.random() < 0.56 else "M"
        tier = _TIER.draw(rng)
        spend = _spend(rng, tier)
        phone = phones.next()
        last_visit = ANCHOR - timedelta(seconds=rng.randrange(_VISIT_WINDOW_S), microseconds=rng.randrange(10**6))
        created = last_visit - timedelta(seconds=rng.randrange(_HISTORY_S))
        updated = min(ANCHOR, last_visit + timedelta(seconds=rng.randrange(3600)))
        tag_count = rng.choices((0, 1, 2), cum_weights=(55, 85, 100))[0]
        yield {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "phone": phone,
            "phone_tail": phone[-4:],
            "name": chinese_name(rng, gender),
            "gender": gender,
            "birthday": date.fromordinal(rng.randint(_BIRTHDAY_FIRST, _BIRTHDAY_LAST)),
            "tier": tier,
            "spend_12m_cents": spend,
            # Points: 1 a yuan, part of it already redeemed.
            "balance_synced": int(spend / 100 * rng.uniform(0.05, 1.0)),
            "segment": _segment(last_visit, created, spend),
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
