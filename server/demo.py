"""Demo data for the central server: two stores, the README's demo staff, and N members with a believable 18 months
of shopping, so a till registered against the server has something real to sync, show and segment.

What `generate_demo` makes:

- stores `S001` 旗舰店 and `S002` 滨江店 (when missing);
- staff, valid in every store (when missing; an existing code keeps its PIN): `M001` 王店长 manager PIN 2468,
  `C001` 李收银 cashier PIN 1357, `G001` 张导购 guide PIN 8642 (the same codes and PINs as the till's tests);
- `members` members: realistic Chinese names and valid, unique mobiles (`server.fakes`), birthdays, genders,
  consent flags, a home store, and a purchase history: `earn` ledger entries over the last 18 months whose points
  follow the server's current rules (tier multiplier as of each purchase, birthday month, own-bag bonus), with
  some `redeem` entries against the bill within the rules' limits. Spending habits are drawn per member so the
  members spread over every tier (普通/银卡/金卡/白金) and every RFM segment (high value loyal, potential, dormant,
  new); preferences (categories 生鲜/乳品/零食/酒水/日化/母婴/服饰…, sizes, colours, styles, notes) for members who
  consented to a profile, and tags in three layers (basic, scene, predicted).
- Each member's `balance` is the sum of its ledger; `tier`, `spend_12m_cents`, `visits_90d`, `last_visit_at` and
  `segment` are computed in Python from the generated history with `loyalty.tiers` and `loyalty.segments`.

Speed and memory: members are generated and inserted in chunks (10,000 by default), each chunk one
`ServerDatabase.write()` transaction with executemany inserts and versions / card serials reserved as a block;
at most two generated chunks wait at any time, so memory does not grow with N. With more than one chunk and more
than one CPU, a forked worker process generates while this process writes (the data are the same either way).
On PostgreSQL the rows go through Core executemany; on SQLite the worker also encodes them to SQLite's storage
form (the formats SQLAlchemy itself binds, checked by the tests) and the writer runs the driver's executemany,
because Core's per-row parameter processing was half the writer's time. Cyclic garbage collection is paused while
generating (the rows make no cycles; collections walking the growing batch cost a third of the time).
Measured on a 2-vCPU VM: 100,000 members (~470,000 ledger entries) in about 30 s.

Determinism and running twice: the same `seed` on an empty database gives the same members (times are relative to
`now`, which callers may fix). Running demo again *adds* `members` more: the random stream is seeded with the seed
and the number of members already on the server, and every chunk's phones are checked against the database, a
number already taken (an earlier run, an import, an enrolment) being replaced by a number from a spare stream, so
phones stay unique.
"""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
import multiprocessing.queues
import os
import random
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from queue import Empty
from typing import Any, Final

from sqlalchemy import JSON, BigInteger, Boolean, Date, Dialect, Integer, String, Table, func, insert, select
from sqlalchemy.orm import Session

from loyalty.points import earn_points, max_redeemable_points, points_value_cents
from loyalty.rules import PointsRules
from loyalty.segments import Segment, segment_for
from loyalty.tiers import tier_for_spend, twelve_months_before
from server import admin, chain
from server.db import ServerDatabase
from server.fakes import MobileStream, Weighted, chinese_name
from server.members import taken_phones
from server.models import Base, Member, Staff, Store, UtcDateTime

__all__ = ["DEMO_STAFF", "DEMO_STORES", "DemoReport", "generate_demo"]

logger = logging.getLogger(__name__)

DEMO_STORES: Final = (("S001", "旗舰店"), ("S002", "滨江店"))


@dataclass(frozen=True, slots=True)
class DemoStaff:
    code: str
    name: str
    role: str
    pin: str


DEMO_STAFF: Final = (
    DemoStaff("M001", "王店长", "manager", "2468"),
    DemoStaff("C001", "李收银", "cashier", "1357"),
    DemoStaff("G001", "张导购", "guide", "8642"),
)

CHUNK: Final = 10_000
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
_SQLITE_CACHE_KIB: Final = 64 * 1024  # page cache of the writing connection while loading: random keys of big indexes
_QUEUED_BATCHES: Final = 2  # generated batches waiting to be written (bounds the memory)

# --- the shape of the member base ------------------------------------------------------------------------------------

# How a member shops: the tier their yearly spend aims at, visits a year (low, high), and the share of members.
_HABITS: Final = Weighted([("normal", 60.0), ("silver", 24.0), ("gold", 11.0), ("platinum", 5.0)])
_VISITS_A_YEAR: Final = {"normal": (1, 3), "silver": (2, 6), "gold": (5, 14), "platinum": (10, 22)}
_TOP_SPEND_CENTS: Final = 50_000_00  # the (open) top of the highest tier's band, for drawing spends
# What a member's recent life with the chain looks like: still shopping, drifted away, or just enrolled.
_STORY: Final = Weighted([("active", 70.0), ("dormant", 24.0), ("new", 6.0)])

_CATEGORIES: Final = ("生鲜", "乳品", "零食", "酒水", "日化", "母婴", "服饰", "烘焙", "粮油", "冷冻", "家居", "美妆")
_CLOTHING_SIZES: Final = ("S", "M", "L", "XL", "XXL")
_SHOE_SIZES: Final = tuple(f"{size}码" for size in range(35, 45))
_COLOURS: Final = ("黑色", "白色", "灰色", "藏青", "米色", "红色", "粉色", "蓝色", "绿色", "卡其")
_STYLES: Final = ("简约", "休闲", "商务", "运动", "甜美", "国潮", "复古", "通勤")
_NOTES: Final = (
    "喜欢新鲜水果，周末常来",
    "对乳糖不耐受，推荐无乳糖奶",
    "家里有宝宝，关注母婴促销",
    "只买有机蔬菜",
    "偏好进口红酒",
    "常买烘焙原料",
    "喜欢会员日折扣",
    "下班后来店，时间紧",
)
_SCENE_TAGS: Final = ("周末客", "夜间购物", "会员日", "团购", "早市客", "线上下单")


@dataclass(frozen=True, slots=True)
class DemoReport:
    """What one run added (stores and staff only when they were missing)."""

    members: int
    ledger_entries: int
    preferences: int
    stores_created: tuple[str, ...]
    staff_created: tuple[str, ...]
    first_version: int | None
    last_version: int | None


@dataclass(slots=True)
class _Batch:
    """One chunk's rows, as Core executemany takes them (dicts), or already encoded for the driver (lists in the
    order of `_Encoder.columns`) when the database is SQLite."""

    members: list[Any]
    ledger: list[Any]
    preferences: list[Any]
    encoded: bool = False


def _sqlite_datetime(value: datetime | None) -> str | None:
    """What SQLAlchemy's SQLite DATETIME stores for a UTC time (`UtcDateTime` stores UTC, naive)."""
    return None if value is None else value.astimezone(UTC).isoformat(" ", "microseconds")[:26]


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _sqlite_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


class _Encoder:
    """Rows turned into what SQLAlchemy would hand the SQLite driver, done in the generator process so the writing
    process only runs the driver's executemany (about twice Core's insert rate). The conversions are SQLAlchemy's
    storage formats for these column types (tests compare them with SQLAlchemy's own bind processors)."""

    def __init__(self, dialect: Dialect) -> None:
        self.columns: dict[str, tuple[str, ...]] = {}
        self.converters: dict[str, list[Callable[[Any], Any] | None]] = {}
        self.sql: dict[str, str] = {}
        quote = dialect.identifier_preparer.quote
        for table, columns in _COLUMNS.items():
            self.columns[table.name] = columns
            self.converters[table.name] = [_converter(table.columns[name].type) for name in columns]
            names = ", ".join(quote(name) for name in columns)
            marks = ", ".join("?" * len(columns))
            # Identifiers from our own table definitions, quoted by the dialect; the values are bound parameters.
            self.sql[table.name] = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"  # noqa: S608

    def encode(self, table: str, rows: list[dict[str, Any]]) -> list[list[Any]]:
        pairs = list(zip(self.columns[table], self.converters[table], strict=True))
        return [[row[name] if convert is None else convert(row[name]) for name, convert in pairs] for row in rows]

    def batch(self, batch: _Batch) -> _Batch:
        return _Batch(
            self.encode("member", batch.members),
            self.encode("ledger_entry", batch.ledger),
            self.encode("preference", batch.preferences),
            encoded=True,
        )


def _converter(column_type: Any) -> Callable[[Any], Any] | None:
    if isinstance(column_type, UtcDateTime):
        return _sqlite_datetime
    if isinstance(column_type, Date):
        return _sqlite_date
    if isinstance(column_type, Boolean):
        return _sqlite_bool
    if isinstance(column_type, JSON):
        return _sqlite_json
    if isinstance(column_type, String | Integer | BigInteger):
        return None
    raise TypeError(f"no SQLite conversion for the column type {column_type!r}")


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


class _Generator:
    """Members of one run, drawn from one random stream."""

    def __init__(self, rules: PointsRules, rng: random.Random, now: datetime) -> None:
        self.rules = rules
        self.rng = rng
        self.now = now
        self.phones = MobileStream(random.Random(rng.getrandbits(64)))  # noqa: S311 - demo data, not secrets
        self.history_start = now - HISTORY
        self.bands = _bands(rules)
        self.own_bag = "own_bag" in rules.bonus_pct
        self.today = (now + _LOCAL).date()
        # Exact windows of loyalty.tiers (12 calendar months) and of the server's visit count (90 days), as
        # epoch seconds: a purchase at whole second ts is inside when ts > the window's start.
        self.now_ts = int(now.timestamp())
        self.year_ago_ts = twelve_months_before(now).timestamp()
        self.days_90_ago_ts = (now - timedelta(days=90)).timestamp()
        self._days: dict[int, tuple[str, int]] = {}

    def _day(self, local_day: int) -> tuple[str, int]:
        """The receipt date text and the month of a local day number (days since 1970-01-01, China time)."""
        known = self._days.get(local_day)
        if known is None:
            day = _EPOCH_DAY + timedelta(days=local_day)
            known = self._days[local_day] = (f"{day:%Y%m%d}", day.month)
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
        habit = _HABITS.draw(rng)
        story = _STORY.draw(rng)

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

        low, high = _VISITS_A_YEAR[habit]
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
            day_text, month = self._day((ts + _LOCAL_S) // 86400)
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
                    ledger.append(self._entry(ts, at, received, "redeem", -points, value, receipt, store))
            birthday_month = birthday is not None and birthday.month == month
            bonuses = _OWN_BAG if self.own_bag and rng.random() < 0.3 else ()
            quote = earn_points(rules, amount, tier, birthday_month=birthday_month, bonuses=bonuses)
            if quote.points > 0:
                balance += quote.points
                ledger.append(self._entry(ts, at, received, "earn", quote.points, amount, receipt, store))
            window.append((ts, amount))
            window_spend += amount
            if ts > self.year_ago_ts:
                spend_12m += amount
            if ts > self.days_90_ago_ts:
                visits_90d += 1
            last_ts = ts
        last_visit = None if last_ts is None else datetime.fromtimestamp(last_ts, UTC)

        tier_code = tier_for_spend(self.rules, spend_12m).code
        segment = segment_for(
            now=now,
            created_at=created_at,
            last_visit_at=last_visit,
            visits_90d=visits_90d,
            spend_12m_cents=spend_12m,
        )
        row = {
            "id": _uuid4(rng),
            "phone": phone,
            "name": name,
            "gender": gender,
            "birthday": birthday,
            "tier": tier_code,
            "spend_12m_cents": spend_12m,
            "balance": balance,
            "segment": segment.value,
            "tags": self._tags(gender, birthday, segment, habit),
            "consent_marketing": rng.random() < 0.45,
            "consent_profile": rng.random() < 0.65,
            "home_store": home_store,
            "last_visit_at": last_visit,
            "visits_90d": visits_90d,
            "created_at": created_at,
            "updated_at": ledger[-1]["received_at"] if ledger else created_at,
            "deleted": False,
            "merged_into": None,
            "version": None,  # both given under the write lock
            "card_serial": None,
        }
        return row, ledger

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
            "status": "applied",
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
            tags.append(rng.choice(_SCENE_TAGS))
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

        prefs = [row("category", value, "purchases") for value in rng.sample(_CATEGORIES, 1 + (rng.random() < 0.4))]
        if rng.random() < 0.2:
            prefs.append(row("size", rng.choice(_CLOTHING_SIZES), "staff"))
        if rng.random() < 0.08:
            prefs.append(row("size", rng.choice(_SHOE_SIZES), "staff"))
        if rng.random() < 0.15:
            prefs.append(row("colour", rng.choice(_COLOURS), "staff"))
        if rng.random() < 0.1:
            prefs.append(row("style", rng.choice(_STYLES), "staff"))
        if rng.random() < 0.05:
            prefs.append(row("note", rng.choice(_NOTES), "staff"))
        return prefs

    def batch(self, count: int, stores: Sequence[str]) -> _Batch:
        """`count` members with their ledger and preference rows (member ids filled in; version and card serial are
        given under the write lock)."""
        batch = _Batch([], [], [])
        for _ in range(count):
            home = stores[0] if len(stores) == 1 or self.rng.random() < 0.65 else stores[1]
            other = stores[1] if home == stores[0] and len(stores) > 1 else stores[0]
            member, ledger = self.member(home, other, self.phones.next())
            for entry in ledger:
                entry["member_id"] = member["id"]
            batch.members.append(member)
            batch.ledger.extend(ledger)
            batch.preferences.extend(self.preferences(member))
        return batch


_MEMBER: Final = Base.metadata.tables["member"]
_LEDGER: Final = Base.metadata.tables["ledger_entry"]
_PREFERENCE: Final = Base.metadata.tables["preference"]
_COLUMNS: Final[dict[Table, tuple[str, ...]]] = {
    _MEMBER: (
        "id", "phone", "name", "gender", "birthday", "tier", "spend_12m_cents", "balance", "segment", "tags",
        "consent_marketing", "consent_profile", "home_store", "last_visit_at", "visits_90d", "created_at",
        "updated_at", "deleted", "merged_into", "version", "card_serial",
    ),
    _LEDGER: (
        "id", "member_id", "kind", "points", "amount_cents", "receipt_no", "rule_version", "staff_code", "approved_by",
        "store_code", "device_id", "created_at", "received_at", "reverses", "offline", "status", "reason",
    ),
    _PREFERENCE: ("member_id", "kind", "value", "source", "staff_code", "created_at", "removed_at"),
}  # fmt: skip
_PHONE: Final = _COLUMNS[_MEMBER].index("phone")
_VERSION: Final = _COLUMNS[_MEMBER].index("version")
_CARD_SERIAL: Final = _COLUMNS[_MEMBER].index("card_serial")


def _bands(rules: PointsRules) -> dict[str, tuple[int, int]]:
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


def _ensure_stores_and_staff(db: ServerDatabase) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The demo stores and staff that are missing, through the admin actions (so they are logged like any other)."""
    with db.read() as session:
        stores = set(session.scalars(select(Store.code)))
        staff = set(session.scalars(select(Staff.code)))
    new_stores = [(code, name) for code, name in DEMO_STORES if code not in stores]
    for code, name in new_stores:
        admin.create_store(db, code, name)
    new_staff = [person for person in DEMO_STAFF if person.code not in staff]
    for person in new_staff:
        admin.add_staff(db, person.code, person.name, person.role, person.pin)
    return tuple(code for code, _ in new_stores), tuple(person.code for person in new_staff)


def _replace_taken(session: Session, spare: MobileStream, batch: _Batch) -> int:
    """Give a fresh number to every member whose phone is already on the server (an earlier demo run or an import),
    so that phones stay unique; returns how many were replaced."""
    key: Any = _PHONE if batch.encoded else "phone"
    members = batch.members
    in_batch = {member[key] for member in members}
    check = list(range(len(members)))
    replaced = 0
    while check:
        taken = taken_phones(session, [members[i][key] for i in check])
        check = [i for i in check if members[i][key] in taken]
        for i in check:
            phone = spare.next()
            while phone in in_batch:  # the spare stream may meet a number of this very batch
                phone = spare.next()
            in_batch.add(phone)
            members[i][key] = phone
            replaced += 1
    return replaced


def _write(session: Session, batch: _Batch, encoder: _Encoder | None, version: int, serial: int) -> None:
    """Insert one chunk's rows: the driver's executemany for encoded rows, Core executemany otherwise."""
    if batch.encoded:
        assert encoder is not None
        for offset, row in enumerate(batch.members):
            row[_VERSION] = version + offset
            row[_CARD_SERIAL] = serial + offset
        connection = session.connection()
        connection.exec_driver_sql(f"PRAGMA cache_size = -{_SQLITE_CACHE_KIB}")
        for table, rows in (
            ("member", batch.members),
            ("ledger_entry", batch.ledger),
            ("preference", batch.preferences),
        ):
            if rows:
                connection.exec_driver_sql(encoder.sql[table], [tuple(row) for row in rows])
        return
    for offset, member in enumerate(batch.members):
        member["version"] = version + offset
        member["card_serial"] = serial + offset
    for core_table, core_rows in ((_MEMBER, batch.members), (_LEDGER, batch.ledger), (_PREFERENCE, batch.preferences)):
        if core_rows:
            session.execute(insert(core_table), core_rows)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one run generates: the worker process gets it whole."""

    rules: PointsRules
    stream: str
    now: datetime
    members: int
    chunk_size: int
    encoder: _Encoder | None


def _produce(
    out: multiprocessing.queues.Queue[_Batch | str | None], plan: _Plan
) -> None:  # pragma: no cover - runs in the worker process (its batches are checked by the tests)
    """The worker process: generate every batch in order and hand it over; a failure is sent as its traceback."""
    gc.disable()  # see _paused_gc
    try:
        for batch in _batches(plan):
            out.put(batch)
        out.put(None)
    except BaseException:
        out.put(traceback.format_exc())


def _batches(plan: _Plan) -> Iterator[_Batch]:
    generator = _Generator(plan.rules, random.Random(plan.stream), plan.now)  # noqa: S311 - demo data
    stores = [code for code, _ in DEMO_STORES]
    done = 0
    while done < plan.members:
        count = min(plan.chunk_size, plan.members - done)
        batch = generator.batch(count, stores)
        yield batch if plan.encoder is None else plan.encoder.batch(batch)
        done += count


@contextmanager
def _paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while generating: the rows make no cycles, but the many young objects they are
    made of set off collections that walk every batch again (a third of the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _batch_source(plan: _Plan, parallel: bool) -> Iterator[Iterator[_Batch]]:
    """The batches of one run, generated here or, when `parallel`, in a worker process while this one writes (the
    two cores then share the work). Either way the batches are the same."""
    if not parallel:
        yield _batches(plan)
        return
    # fork: the worker needs no import of the caller's main module, and it never touches the parent's database
    # connections (it only computes rows and sends them back through the queue).
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.queues.Queue[_Batch | str | None] = context.Queue(maxsize=_QUEUED_BATCHES)
    worker = context.Process(
        target=_produce,
        args=(queue, plan),
        name="memberdesk-demo-generator",
        daemon=True,
    )
    worker.start()

    def received() -> Iterator[_Batch]:
        while True:
            try:
                item = queue.get(timeout=5)
            except Empty:
                if not worker.is_alive():
                    raise RuntimeError(f"the demo generator process died (exit code {worker.exitcode})") from None
                continue
            if item is None:
                return
            if isinstance(item, str):
                raise RuntimeError(f"the demo generator process failed:\n{item}")
            yield item

    try:
        yield received()
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join(timeout=10)
        queue.close()


def generate_demo(
    db: ServerDatabase,
    members: int,
    seed: int = 7,
    *,
    now: datetime | None = None,
    chunk_size: int = CHUNK,
    parallel: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoReport:
    """Add the demo stores and staff (when missing) and `members` generated members; see the module docstring.

    `parallel` generates in a worker process (default: when there is more than one chunk and more than one CPU);
    the data are the same either way. `progress(done, total)` is called after each committed chunk.
    """
    if members < 0:
        raise ValueError("the number of demo members must not be negative")
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    now = (now or db.clock()).astimezone(UTC)
    stores_created, staff_created = _ensure_stores_and_staff(db)
    with db.read() as session:
        rules = chain.rules(session)
        existing = int(session.scalar(select(func.count()).select_from(Member)) or 0)
    # The seed and the members already there pick the stream: a second run draws other people.
    stream = f"memberdesk-demo:{seed}:{existing}"
    spare = MobileStream(random.Random(f"{stream}:spare"))  # noqa: S311 - demo data
    if parallel is None:
        parallel = members > chunk_size and (os.cpu_count() or 1) > 1
    parallel = parallel and "fork" in multiprocessing.get_all_start_methods()
    encoder = _Encoder(db.engine.dialect) if db.engine.dialect.name == "sqlite" else None
    plan = _Plan(rules, stream, now, members, chunk_size, encoder)
    done = entries = prefs = 0
    first_version: int | None = None
    last_version: int | None = None
    with _paused_gc(), _batch_source(plan, parallel) as batches:
        for batch in batches:
            count = len(batch.members)
            with db.write() as session:
                _replace_taken(session, spare, batch)
                version = db.reserve_versions(session, count)
                serial = db.reserve_card_serials(session, count)
                _write(session, batch, encoder, version, serial)
            first_version = version if first_version is None else first_version
            last_version = version + count - 1
            done += count
            entries += len(batch.ledger)
            prefs += len(batch.preferences)
            logger.info("demo: %d of %d members written", done, members)
            if progress is not None:
                progress(done, members)
    if done:
        db.refresh_statistics()
    return DemoReport(
        members=done,
        ledger_entries=entries,
        preferences=prefs,
        stores_created=stores_created,
        staff_created=staff_created,
        first_version=first_version,
        last_version=last_version,
    )
