"""The shopping simulator: each demo member drawn from one random stream — who they are, how they shop, and the
18 months of purchases that follow (earn entries at the points the rules give, some redemptions against the bill),
with what guides learnt about them — and the batch of rows a chunk of members makes. The member's row comes from the
server's one builder (`server.members.new_member_row`), so its tier and segment are what the server computes.

Thread: the generator — the forked worker process (`server.demo.pipeline`), or the caller's thread when a run
generates in-process. It reads no database.
"""

from __future__ import annotations

import random
import uuid
from bisect import bisect
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from loyalty.categories import top_categories
from loyalty.points import earn_points, max_redeemable_points, points_value_cents
from loyalty.rules import PointsRules
from loyalty.segments import Segment
from loyalty.tiers import is_birthday_month, tier_for_spend, twelve_months_before
from protocol.vocabulary import EntryKind, ItemStatus
from server.demo.catalogue import (
    BASE_CATEGORY_WEIGHTS,
    CATEGORIES,
    CLOTHING_SIZES,
    COLOURS,
    HABITS,
    LINES_PER_PURCHASE,
    NOTES,
    PRODUCTS,
    SCENE_TAGS,
    SHOE_SIZES,
    STORY,
    STYLES,
    VISITS_A_YEAR,
    spend_bands,
)
from server.fakes import MobileStream, chinese_name
from server.members import new_member_row
from server.purchase_window import Activity

HISTORY: Final = timedelta(days=548)  # 18 months of purchases
_DEVICE: Final = "demo"  # the ledger's device_id for generated entries
_CASHIER: Final = "C001"
_GUIDE: Final = "G001"
_LOCAL: Final = timedelta(hours=8)  # the demo stores are in China (UTC+8, no daylight saving)
_LOCAL_S: Final = 8 * 3600
_OPEN_S: Final = 14 * 3600  # 08:00-22:00
_YEAR_S: Final = 365 * 86400
_EPOCH_DAY: Final = date(1970, 1, 1)
_OWN_BAG: Final = ("own_bag",)
_EARN: Final = EntryKind.EARN.value  # the ledger's column values, as the loops write them
_REDEEM: Final = EntryKind.REDEEM.value
_APPLIED: Final = ItemStatus.APPLIED.value


@dataclass(slots=True)
class Batch:
    """One chunk's rows, as Core executemany takes them (dicts), or already encoded for the driver (lists in the
    order of `server.demo.encoder.COLUMNS`) when the database is SQLite."""

    members: list[Any]
    ledger: list[Any]
    preferences: list[Any]
    encoded: bool = False
    lines: list[Any] = field(default_factory=list)  # `entry_lines` rows of the earn entries (one per sale)
    line_count: int = 0  # the purchase lines those rows hold


def _uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _uuid7(rng: random.Random, ms: int) -> str:
    """A UUIDv7 (what tills make) for a time in epoch milliseconds, with its random bits from `rng`: time-ordered
    and reproducible."""
    ms &= (1 << 48) - 1
    bits = rng.getrandbits(74)
    value = (ms << 80) | (0x7 << 76) | ((bits >> 62) << 64) | (0b10 << 62) | (bits & ((1 << 62) - 1))
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Shoppers:
    """Members of one run, drawn from one random stream."""

    def __init__(self, rules: PointsRules, rng: random.Random, now: datetime, *, lines: bool = True) -> None:
        self.rules = rules
        self.lines = lines
        self.rng = rng
        self.now = now
        self.phones = MobileStream(random.Random(rng.getrandbits(64)))  # noqa: S311 - demo data, not secrets
        self.history_start = now - HISTORY
        self.bands = spend_bands(rules)
        self.own_bag = "own_bag" in rules.bonus_pct
        self.today = (now + _LOCAL).date()
        # Exact windows of loyalty.tiers (12 calendar months) and of the server's visit count (90 days), as
        # epoch seconds: a purchase at whole second ts is inside when ts > the window's start.
        self.now_ts = int(now.timestamp())
        self.year_ago_ts = twelve_months_before(now).timestamp()
        self.days_90_ago_ts = (now - timedelta(days=90)).timestamp()
        self._days: dict[int, tuple[str, date]] = {}
        self._habit = "normal"  # the last member's shopping habit (their purchase lines lean by it)

    def _day(self, local_day: int) -> tuple[str, date]:
        """The receipt date text and the date of a local day number (days since 1970-01-01, China time)."""
        known = self._days.get(local_day)
        if known is None:
            day = _EPOCH_DAY + timedelta(days=local_day)
            known = self._days[local_day] = (f"{day:%Y%m%d}", day)
        return known

    def _visit_times(self, start: int, end: int, count: int) -> list[int]:
        """`count` shopping times (epoch seconds) between start and end, during opening hours (08:00-22:00 China
        time), oldest first."""
        rng = self.rng
        first_day = (start + _LOCAL_S) // 86400
        span = (end + _LOCAL_S) // 86400 - first_day
        # Local day d opens at 08:00 China time, which is d * 86400 seconds since the epoch in UTC.
        times = [
            (first_day + int(rng.random() * (span + 1))) * 86400 + int(rng.random() * _OPEN_S) for _ in range(count)
        ]
        times.sort()
        return [min(max(at, start), end) for at in times]

    def member(self, home_store: str, other_store: str, phone: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """One member row (without version and card serial) and its ledger rows, oldest first."""
        rng = self.rng
        now = self.now
        gender = "F" if rng.random() < 0.56 else "M"
        name = chinese_name(rng, gender)
        age_days = rng.randint(18 * 365, 78 * 365)
        birthday: date | None = self.today - timedelta(days=age_days) if rng.random() < 0.92 else None
        habit = self._habit = HABITS.draw(rng)
        story = STORY.draw(rng)

        if story == "new":
            created_at = now - timedelta(seconds=rng.randrange(29 * 86400))
        else:
            created_at = now - timedelta(days=31 + rng.randrange(6 * 365), seconds=rng.randrange(86400))
        shop_from = max(created_at, self.history_start)
        if story == "dormant":
            shop_to = now - timedelta(days=92 + rng.randrange(420), seconds=rng.randrange(86400))
            shop_to = max(shop_to, shop_from)
        elif story == "new":
            shop_to = now - timedelta(seconds=rng.randrange(max(1, int((now - shop_from).total_seconds()))))
        else:
            recency_days = rng.randrange(12) if habit in ("gold", "platinum") else rng.randrange(70)
            shop_to = max(now - timedelta(days=recency_days, seconds=rng.randrange(86400)), shop_from)

        low, high = VISITS_A_YEAR[habit]
        per_year = rng.uniform(low, high)
        years = (shop_to - shop_from).total_seconds() / (365 * 86400)
        visits = 1 if story == "new" and rng.random() < 0.5 else max(1, round(per_year * years))
        band_low, band_high = self.bands[habit]
        yearly_spend = band_low + int(rng.betavariate(1.5, 2.5) * (band_high - band_low))
        basket = max(3000, yearly_spend // max(1, round(per_year)))

        ledger: list[dict[str, Any]] = []
        rules = self.rules
        window: deque[tuple[int, int]] = deque()  # (time, amount) of the purchases of the year before
        window_spend = 0
        balance = 0
        spend_12m = 0
        visits_90d = 0
        last_ts: int | None = None
        now_ts = self.now_ts
        for ts in self._visit_times(int(shop_from.timestamp()), int(shop_to.timestamp()), visits):
            at = datetime.fromtimestamp(ts, UTC)
            amount = max(500, int(basket * (0.35 + 1.3 * rng.random())) // 10 * 10)
            # The tier this purchase earns at: from the 365 days before it (the member's figures below use the
            # exact 12-month window of loyalty.tiers).
            while window and window[0][0] <= ts - _YEAR_S:
                window_spend -= window.popleft()[1]
            tier = tier_for_spend(rules, window_spend).code
            store = other_store if rng.random() < 0.12 else home_store
            day_text, day = self._day((ts + _LOCAL_S) // 86400)
            receipt = f"{store}-{day_text}-{rng.getrandbits(48):012X}"
            received = datetime.fromtimestamp(min(ts + 1 + int(rng.random() * 14400), now_ts), UTC)
            # Points already held may pay part of this bill (before this receipt's points are credited).
            if balance >= 5 * rules.redeem_min_points and rng.random() < 0.15:
                most = max_redeemable_points(rules, amount, balance)
                step = rules.redeem_step_points
                points = max(rules.redeem_min_points, int(most * (0.3 + 0.7 * rng.random())) // step * step)
                if most and points <= most:
                    balance -= points
                    value = points_value_cents(rules, points)
                    ledger.append(self._entry(ts, at, received, _REDEEM, -points, value, receipt, store))
            birthday_month = is_birthday_month(birthday, day)
            bonuses = _OWN_BAG if self.own_bag and rng.random() < 0.3 else ()
            quote = earn_points(rules, amount, tier, birthday_month=birthday_month, bonuses=bonuses)
            if quote.points > 0:
                balance += quote.points
                ledger.append(self._entry(ts, at, received, _EARN, quote.points, amount, receipt, store))
            window.append((ts, amount))
            window_spend += amount
            if ts > self.year_ago_ts:
                spend_12m += amount
            if ts > self.days_90_ago_ts:
                visits_90d += 1
            last_ts = ts
        last_visit = None if last_ts is None else datetime.fromtimestamp(last_ts, UTC)

        row = new_member_row(
            rules,
            now,
            member_id=_uuid4(rng),
            phone=phone,
            name=name,
            card_serial=None,  # both given under the write lock
            version=None,
            gender=gender,
            birthday=birthday,
            home_store=home_store,
            created_at=created_at,
            balance=balance,
            activity=Activity(spend_12m, visits_90d),
            last_visit_at=last_visit,
            updated_at=ledger[-1]["received_at"] if ledger else created_at,
        )
        # Drawn after the row is built (the tags need its segment), in the order the stream has always drawn them:
        # the same seed gives the same members.
        row["tags"] = self._tags(gender, birthday, Segment(row["segment"]), habit)
        row["consent_marketing"] = rng.random() < 0.45
        row["consent_profile"] = rng.random() < 0.65
        return row, ledger

    def purchase_lines(self, member: dict[str, Any], ledger: list[dict[str, Any]], habit: str) -> list[dict[str, Any]]:
        """The lines of a member's earn entries (5-20 each, adding up to the purchase exactly), drawn from the
        member's own random stream (seeded by their id, so the members drawn before lines existed stay the same)
        with the member's leaning: a young mother buys 母婴, a student snacks, an older member cooks; everyone has a
        favourite. Sets the member's `top_categories` (12-month spend, for a member who consented to a profile)."""
        rng = random.Random(member["id"])  # noqa: S311 - demo data
        categories, cumulative = _leaning(member, habit, rng, self.today)
        rows: list[dict[str, Any]] = []
        spend: dict[str, int] = {}
        low, high = LINES_PER_PURCHASE
        for entry in ledger:
            if entry["kind"] != _EARN:
                continue
            total = entry["amount_cents"]
            count = max(1, min(rng.randint(low, high), total // 200))
            drawn = []
            for _ in range(count):
                category = categories[bisect(cumulative, rng.random() * cumulative[-1])]
                product = rng.choice(PRODUCTS[category])
                quantity = rng.randint(200, 2500) if product.weighed else 1000 * (1 + int(rng.random() ** 3 * 3))
                drawn.append((category, product, quantity, max(1, product.price_cents * quantity // 1000)))
            raw_total = sum(raw for *_rest, raw in drawn)
            amounts = [raw * total // raw_total for *_rest, raw in drawn]
            amounts[amounts.index(max(amounts))] += total - sum(amounts)  # the lines add up to the purchase
            at = entry["created_at"]
            counted = at.timestamp() > self.year_ago_ts
            lines = []
            for line_no, ((category, product, quantity, _raw), cents) in enumerate(zip(drawn, amounts, strict=True), 1):
                lines.append({"line_no": line_no, "sku": product.sku, "name": product.name, "category": category,
                              "quantity_milli": quantity, "amount_cents": cents})  # fmt: skip
                if counted:
                    spend[category] = spend.get(category, 0) + cents
            rows.append({"entry_id": entry["id"], "lines": lines})
        member["top_categories"] = top_categories(spend) if member["consent_profile"] else []
        return rows

    def _entry(
        self, ts: int, at: datetime, received: datetime, kind: str, points: int, amount: int, receipt: str, store: str
    ) -> dict[str, Any]:
        return {
            "id": _uuid7(self.rng, ts * 1000),
            "kind": kind,
            "points": points,
            "amount_cents": amount,
            "receipt_no": receipt,
            "rule_version": self.rules.version,
            "staff_code": _CASHIER,
            "approved_by": None,
            "store_code": store,
            "device_id": _DEVICE,
            "created_at": at,
            "received_at": received,
            "reverses": None,
            "offline": False,
            "status": _APPLIED,
            "reason": None,
        }

    def _tags(self, gender: str, birthday: date | None, segment: Segment, habit: str) -> list[str]:
        """Three layers: basic (who), scene (how they shop), predicted (what the model expects)."""
        rng = self.rng
        tags: list[str] = []
        age = None if birthday is None else (self.today - birthday).days // 365
        if age is not None and age < 24:
            tags.append("学生")
        elif gender == "F" and age is not None and 25 <= age <= 40 and rng.random() < 0.35:
            tags.append("宝妈")
        elif age is not None and age >= 60:
            tags.append("银发族")
        elif rng.random() < 0.4:
            tags.append("上班族")
        if rng.random() < 0.5:
            tags.append(rng.choice(SCENE_TAGS))
        if segment is Segment.DORMANT:
            tags.append("流失风险")
        elif segment is Segment.HIGH_VALUE_LOYAL or habit == "platinum":
            tags.append("高复购")
        elif segment is Segment.POTENTIAL and rng.random() < 0.3:
            tags.append("升级潜力")
        return tags

    def preferences(self, member: dict[str, Any]) -> list[dict[str, Any]]:
        """What guides learnt and what purchases show, for a member who consented to a profile."""
        if not member["consent_profile"]:
            return []
        rng = self.rng
        start: datetime = member["created_at"]
        span = max(1, int((self.now - start).total_seconds()))

        def row(kind: str, value: str, source: str) -> dict[str, Any]:
            return {
                "member_id": member["id"],
                "kind": kind,
                "value": value,
                "source": source,
                "staff_code": _GUIDE if source == "staff" else None,
                "created_at": start + timedelta(seconds=rng.randrange(span)),
                "removed_at": None,
            }

        sampled = rng.sample(CATEGORIES, 1 + (rng.random() < 0.4))  # drawn either way: the stream stays the same
        # With purchase lines, what "purchases show" is what the member's lines show most.
        shown = member.get("top_categories") or sampled
        prefs = [row("category", value, "purchases") for value in shown[: len(sampled)]]
        if rng.random() < 0.2:
            prefs.append(row("size", rng.choice(CLOTHING_SIZES), "staff"))
        if rng.random() < 0.08:
            prefs.append(row("size", rng.choice(SHOE_SIZES), "staff"))
        if rng.random() < 0.15:
            prefs.append(row("colour", rng.choice(COLOURS), "staff"))
        if rng.random() < 0.1:
            prefs.append(row("style", rng.choice(STYLES), "staff"))
        if rng.random() < 0.05:
            prefs.append(row("note", rng.choice(NOTES), "staff"))
        return prefs

    def batch(self, count: int, stores: Sequence[str]) -> Batch:
        """`count` members with their ledger and preference rows (member ids filled in; version and card serial are
        given under the write lock)."""
        batch = Batch([], [], [])
        for _ in range(count):
            home = stores[0] if len(stores) == 1 or self.rng.random() < 0.65 else stores[1]
            other = stores[1] if home == stores[0] and len(stores) > 1 else stores[0]
            member, ledger = self.member(home, other, self.phones.next())
            if self.lines:
                sales = self.purchase_lines(member, ledger, self._habit)
                batch.lines.extend(sales)
                batch.line_count += sum(len(sale["lines"]) for sale in sales)
            for entry in ledger:
                entry["member_id"] = member["id"]
            batch.members.append(member)
            batch.ledger.extend(ledger)
            batch.preferences.extend(self.preferences(member))
        return batch


def _leaning(member: dict[str, Any], habit: str, rng: random.Random, today: date) -> tuple[list[str], list[float]]:
    """The categories and their cumulative weights for this member's baskets: the chain's usual basket, tilted by
    who they are (tags, age, gender, how much they spend) and a favourite of their own."""
    weights = dict(BASE_CATEGORY_WEIGHTS)
    tags = member["tags"]
    birthday: date | None = member["birthday"]
    age = None if birthday is None else (today - birthday).days // 365
    if "宝妈" in tags:
        weights["母婴"] += 45.0
    if "学生" in tags:
        weights["零食饮料"] += 25.0
    if "银发族" in tags or (age is not None and age >= 60):
        weights["粮油调味"] += 15.0
        weights["生鲜"] += 15.0
    if member["gender"] == "F" and age is not None and age < 45:
        weights["美妆"] += 10.0
    if habit in ("gold", "platinum"):
        weights["服饰"] += 8.0
        weights["美妆"] += 6.0
    weights[rng.choice(list(weights))] += 15.0
    categories = list(weights)
    cumulative: list[float] = []
    running = 0.0
    for category in categories:
        running += weights[category]
        cumulative.append(running)
    return categories, cumulative
