"""The versioned points rules: tiers, earn and redeem rates, limits; their validation and their JSON form.

This module owns the *shape and validity* of a rule set. The central server sets the rules and sends them to the tills
as JSON (``PointsRules.to_dict`` / ``PointsRules.from_dict``); a till applies them offline. Every value is an integer:
money in cents, points in whole points, multipliers and shares in integer percent. The arithmetic that uses the rules
lives in ``loyalty.points`` (earning, redeeming) and ``loyalty.tiers`` (tier from spend).

Validation rules (checked both when a ``PointsRules`` is built and when one is read from JSON):

- ``version`` >= 1; ``earn_points_per_yuan`` in 1..1000.
- ``tiers``: at least one; unique, non-empty codes and names; ``min_spend_cents`` strictly ascending and the first is
  0; ``earn_multiplier_pct`` in 100..1000 (a tier never earns less than the base rate).
- ``birthday_multiplier_pct`` in 100..1000 (100 = no birthday privilege).
- ``bonus_pct``: non-empty names without surrounding spaces, each percentage in 1..1000.
- Whole-cent rule: ``redeem_points_per_yuan`` (1..10000) must either divide 100 (every point is worth a whole number
  of cents: 1, 2, 4, 5, 10, 20, 25, 50, 100) or be a multiple of 100 (every cent costs a whole number of points:
  100, 200, 300, ...). So either every point can be spent or every cent can be paid, and a redemption is always an
  exact number of cents. Redemptions move in steps of ``redeem_step_points`` points, each worth
  ``redeem_step_cents`` cents (for the default 100 points = 1 yuan: steps of 1 point = 1 cent).
- ``redeem_min_points`` >= 1 and a whole number of steps; ``redeem_max_bill_pct`` in 1..100.
- ``offline_redeem_cap_points`` >= 0 (0 = no redemption while offline); ``reversal_approval_points`` >= 0
  (0 = every reversal needs a manager).
- ``expiry`` (optional, issue 18): when earned points expire (``loyalty.expiry.ExpiryRule``: none, rolling N
  months, year-end clearing). Absent means none, and a rule set without expiry is written without the field, so a
  till from before it still reads the rules of a chain that does not use it (and refuses, as it must, those of one
  that does).

``from_dict`` also refuses missing fields, unknown fields (a till must not half-apply rules from a newer format it does
not understand) and values of the wrong JSON type (a float or a bool where an integer is due).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from loyalty.expiry import NO_EXPIRY, ExpiryRule, InvalidExpiryRule

__all__ = [
    "DEFAULT_RULES",
    "InvalidRules",
    "PointsRules",
    "Tier",
    "UnknownTier",
]

_MAX_MULTIPLIER_PCT: Final = 1000
_MAX_EARN_POINTS_PER_YUAN: Final = 1000
_MAX_REDEEM_POINTS_PER_YUAN: Final = 10_000
_CENTS_PER_YUAN: Final = 100


class InvalidRules(ValueError):
    """A rule set (or one of its tiers) is not valid; ``field`` names the offending field, e.g. ``tiers[1].code``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message

    def within(self, prefix: str) -> InvalidRules:
        """The same problem, with its field named inside ``prefix`` (``tiers[1]`` + ``code`` -> ``tiers[1].code``)."""
        return InvalidRules(f"{prefix}.{self.field}", self.reason)


class UnknownTier(ValueError):
    """The rules have no tier with this code."""

    def __init__(self, code: str) -> None:
        super().__init__(f"unknown tier code {code!r}")
        self.code = code


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_int(name: str, value: object, low: int, high: int | None = None) -> None:
    if not _is_int(value):
        raise InvalidRules(name, f"must be an integer, got {type(value).__name__}")
    assert isinstance(value, int)
    if value < low:
        raise InvalidRules(name, f"must be at least {low}, got {value}")
    if high is not None and value > high:
        raise InvalidRules(name, f"must be at most {high}, got {value}")


def _check_text(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise InvalidRules(name, f"must be a string, got {type(value).__name__}")
    if not value or value != value.strip():
        raise InvalidRules(name, "must be non-empty, without surrounding spaces")


@dataclass(frozen=True, slots=True)
class Tier:
    """One membership tier: reached with ``min_spend_cents`` of rolling 12-month spend, earns at a multiplier."""

    code: str  # "normal" | "silver" | "gold" | "platinum"
    name: str  # Chinese display name: 普通 / 银卡 / 金卡 / 白金
    min_spend_cents: int  # rolling 12-month spend needed
    earn_multiplier_pct: int  # 100, 120, 150, 200 ...

    def __post_init__(self) -> None:
        _check_text("code", self.code)
        _check_text("name", self.name)
        _check_int("min_spend_cents", self.min_spend_cents, 0)
        _check_int("earn_multiplier_pct", self.earn_multiplier_pct, 100, _MAX_MULTIPLIER_PCT)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "min_spend_cents": self.min_spend_cents,
            "earn_multiplier_pct": self.earn_multiplier_pct,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tier:
        """Read a tier; errors name the field relative to the tier (``code``, ``min_spend_cents``...)."""
        values = _take_fields(data, _TIER_FIELDS)
        return cls(**values)


@dataclass(frozen=True, slots=True)
class PointsRules:
    """A complete, validated, immutable rule set. ``bonus_pct`` is stored as a read-only mapping."""

    version: int
    earn_points_per_yuan: int  # base: 1 point per yuan
    tiers: tuple[Tier, ...]  # ascending by min_spend_cents; first has min 0
    birthday_multiplier_pct: int  # 200 = x2 during the member's birthday month
    bonus_pct: Mapping[str, int] = field(hash=False)  # {"own_bag": 10} = +10 % of the earned points
    redeem_points_per_yuan: int  # 100 points = 1 yuan
    redeem_min_points: int  # smallest redemption, e.g. 100
    redeem_max_bill_pct: int  # at most this share of the bill may be paid with points
    offline_redeem_cap_points: int  # points one member may redeem per day at one till while offline
    reversal_approval_points: int  # a cashier may reverse up to this many points; above needs a manager
    expiry: ExpiryRule = NO_EXPIRY  # when earned points expire (issue 18)

    def __post_init__(self) -> None:
        _check_int("version", self.version, 1)
        _check_int("earn_points_per_yuan", self.earn_points_per_yuan, 1, _MAX_EARN_POINTS_PER_YUAN)
        self._check_tiers()
        _check_int("birthday_multiplier_pct", self.birthday_multiplier_pct, 100, _MAX_MULTIPLIER_PCT)
        self._check_bonuses()
        _check_int("redeem_points_per_yuan", self.redeem_points_per_yuan, 1, _MAX_REDEEM_POINTS_PER_YUAN)
        per_yuan = self.redeem_points_per_yuan
        if _CENTS_PER_YUAN % per_yuan != 0 and per_yuan % _CENTS_PER_YUAN != 0:
            raise InvalidRules(
                "redeem_points_per_yuan",
                f"must divide 100 or be a multiple of 100 so points map to whole cents, got {per_yuan}",
            )
        _check_int("redeem_min_points", self.redeem_min_points, 1)
        if self.redeem_min_points % self.redeem_step_points != 0:
            raise InvalidRules(
                "redeem_min_points",
                f"must be a multiple of the redemption step of {self.redeem_step_points} points, "
                f"got {self.redeem_min_points}",
            )
        _check_int("redeem_max_bill_pct", self.redeem_max_bill_pct, 1, 100)
        _check_int("offline_redeem_cap_points", self.offline_redeem_cap_points, 0)
        _check_int("reversal_approval_points", self.reversal_approval_points, 0)
        if not isinstance(self.expiry, ExpiryRule):
            raise InvalidRules("expiry", f"must be an expiry rule, got {type(self.expiry).__name__}")

    def _check_tiers(self) -> None:
        if not isinstance(self.tiers, tuple | list):
            raise InvalidRules("tiers", f"must be a sequence of tiers, got {type(self.tiers).__name__}")
        tiers = tuple(self.tiers)
        object.__setattr__(self, "tiers", tiers)
        if not tiers:
            raise InvalidRules("tiers", "must hold at least one tier")
        seen: set[str] = set()
        for index, tier in enumerate(tiers):
            name = f"tiers[{index}]"
            if not isinstance(tier, Tier):
                raise InvalidRules(name, f"must be a Tier, got {type(tier).__name__}")
            if tier.code in seen:
                raise InvalidRules(f"{name}.code", f"duplicate tier code {tier.code!r}")
            seen.add(tier.code)
            if index == 0 and tier.min_spend_cents != 0:
                raise InvalidRules(
                    f"{name}.min_spend_cents", f"the first tier must start at 0, got {tier.min_spend_cents}"
                )
            if index > 0 and tier.min_spend_cents <= tiers[index - 1].min_spend_cents:
                raise InvalidRules(
                    f"{name}.min_spend_cents",
                    f"tiers must be strictly ascending by min_spend_cents, got {tier.min_spend_cents} "
                    f"after {tiers[index - 1].min_spend_cents}",
                )

    def _check_bonuses(self) -> None:
        if not isinstance(self.bonus_pct, Mapping):
            raise InvalidRules(
                "bonus_pct", f"must be a mapping of name to percent, got {type(self.bonus_pct).__name__}"
            )
        bonuses = dict(self.bonus_pct)
        for name, pct in bonuses.items():
            if not isinstance(name, str) or not name or name != name.strip():
                raise InvalidRules("bonus_pct", f"bonus names must be non-empty, without surrounding spaces: {name!r}")
            _check_int(f"bonus_pct.{name}", pct, 1, _MAX_MULTIPLIER_PCT)
        object.__setattr__(self, "bonus_pct", MappingProxyType(bonuses))

    @property
    def redeem_step_points(self) -> int:
        """The smallest number of points worth a whole number of cents; redemptions are multiples of it."""
        return self.redeem_points_per_yuan // math.gcd(self.redeem_points_per_yuan, _CENTS_PER_YUAN)

    @property
    def redeem_step_cents(self) -> int:
        """The value in cents of one redemption step (``redeem_step_points`` points)."""
        return _CENTS_PER_YUAN // math.gcd(self.redeem_points_per_yuan, _CENTS_PER_YUAN)

    def tier(self, code: str) -> Tier:
        """The tier with this code; raises ``UnknownTier``."""
        for tier in self.tiers:
            if tier.code == code:
                return tier
        raise UnknownTier(code)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (only str, int, list and dict) that ``from_dict`` reads back to an equal rule set."""
        return {
            "version": self.version,
            "earn_points_per_yuan": self.earn_points_per_yuan,
            "tiers": [tier.to_dict() for tier in self.tiers],
            "birthday_multiplier_pct": self.birthday_multiplier_pct,
            "bonus_pct": dict(sorted(self.bonus_pct.items())),
            "redeem_points_per_yuan": self.redeem_points_per_yuan,
            "redeem_min_points": self.redeem_min_points,
            "redeem_max_bill_pct": self.redeem_max_bill_pct,
            "offline_redeem_cap_points": self.offline_redeem_cap_points,
            "reversal_approval_points": self.reversal_approval_points,
        } | ({} if self.expiry == NO_EXPIRY else {"expiry": self.expiry.to_dict()})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PointsRules:
        """Read and validate a rule set (e.g. parsed JSON from the server); raises ``InvalidRules`` naming the field."""
        values = _take_fields(data, _RULES_FIELDS, optional=("expiry",))
        if "expiry" in values:
            try:
                values["expiry"] = ExpiryRule.from_dict(values["expiry"])
            except InvalidExpiryRule as error:
                raise InvalidRules("expiry", str(error)) from None
        raw_tiers = values["tiers"]
        if not isinstance(raw_tiers, list | tuple):
            raise InvalidRules("tiers", f"must be a list, got {type(raw_tiers).__name__}")
        tiers: list[Tier] = []
        for index, raw in enumerate(raw_tiers):
            if not isinstance(raw, Mapping):
                raise InvalidRules(f"tiers[{index}]", f"must be an object, got {type(raw).__name__}")
            try:
                tiers.append(Tier.from_dict(raw))
            except InvalidRules as error:
                raise error.within(f"tiers[{index}]") from None
        values["tiers"] = tuple(tiers)
        if not isinstance(values["bonus_pct"], Mapping):
            raise InvalidRules("bonus_pct", f"must be an object, got {type(values['bonus_pct']).__name__}")
        return cls(**values)


_TIER_FIELDS: Final = ("code", "name", "min_spend_cents", "earn_multiplier_pct")
_RULES_FIELDS: Final = (
    "version",
    "earn_points_per_yuan",
    "tiers",
    "birthday_multiplier_pct",
    "bonus_pct",
    "redeem_points_per_yuan",
    "redeem_min_points",
    "redeem_max_bill_pct",
    "offline_redeem_cap_points",
    "reversal_approval_points",
)


def _take_fields(data: Mapping[str, Any], names: tuple[str, ...], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """Exactly the named fields of ``data`` (and those of ``optional`` it has): refuses a non-mapping, a missing
    field or an unknown one."""
    if not isinstance(data, Mapping):
        raise InvalidRules("(root)", f"must be an object, got {type(data).__name__}")
    for name in names:
        if name not in data:
            raise InvalidRules(name, "missing field")
    unknown = sorted(str(key) for key in data if key not in names and key not in optional)
    if unknown:
        raise InvalidRules(unknown[0], f"unknown field(s): {', '.join(unknown)}")
    return {name: data[name] for name in (*names, *optional) if name in data}


DEFAULT_RULES: Final[PointsRules] = PointsRules(
    version=1,
    earn_points_per_yuan=1,
    tiers=(
        Tier(code="normal", name="普通", min_spend_cents=0, earn_multiplier_pct=100),
        Tier(code="silver", name="银卡", min_spend_cents=2_000_00, earn_multiplier_pct=120),
        Tier(code="gold", name="金卡", min_spend_cents=8_000_00, earn_multiplier_pct=150),
        Tier(code="platinum", name="白金", min_spend_cents=20_000_00, earn_multiplier_pct=200),
    ),
    birthday_multiplier_pct=200,
    bonus_pct={"own_bag": 10},
    redeem_points_per_yuan=100,
    redeem_min_points=100,
    redeem_max_bill_pct=50,
    offline_redeem_cap_points=2000,
    reversal_approval_points=500,
)
"""Version 1, for a Chinese supermarket: 1 point a yuan; 普通/银卡/金卡/白金 at 0/2,000/8,000/20,000 yuan
×100/120/150/200 %; birthday month ×2; own bag +10 %; 100 points = 1 yuan, at least 100, at most half the bill;
2,000 points a day offline; a cashier reverses up to 500 points alone."""
