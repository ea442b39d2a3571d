"""Coupon templates (issue 18): what a coupon gives, to whom, when, and whether it may be used on a bill.

A template is data the chain writes (a JSON document, `CouponTemplate.from_dict`, every field checked and named
when wrong); the server issues coupons from templates, the till and the server both ask `refusal` before a coupon
is applied, so the counter never promises what the server will refuse. Integers only: money in cents, shares in
integer percent; every division rounds down (in the member's disfavour by less than a cent).

- **What it gives** (`kind`): `amount_off` (a fixed sum, never more than the bill), `percent_off` (a share of the
  bill, at most `cap_cents` when set) or `gift` (an item handed over: `gift_sku`, no money off).
- **When**: from `valid_from` to `valid_to` (days on the chain's calendar, both included), or for `valid_days`
  days from the day it is issued (the day of issue counts as the first).
- **On what**: a bill of at least `min_spend_cents`.
- **To whom / where**: `tiers`, `segments`, `tags` (any one of them) and `stores`; an empty list admits everyone.
- **Together**: a coupon that is not `stackable` goes alone on a bill; stackable ones go with each other.
- **Budget**: at most `budget_count` coupons or `budget_cents` of face value issued from the template (the
  server's issuing counts against it; a gift counts by number only).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Final

from loyalty.insight import Words

__all__ = [
    "BenefitRules",
    "CouponKind",
    "CouponProblem",
    "CouponRefused",
    "CouponTemplate",
    "CouponUse",
    "HeldCoupon",
    "InvalidCouponTemplate",
    "discount_cents",
    "plan_bill",
    "refusal",
    "stacking_problem",
    "valid_window",
]

MAX_CENTS: Final = 100_000_000  # one million yuan: no coupon is worth more
MAX_VALID_DAYS: Final = 3_660
_CODE_LENGTH: Final = 32
_TEXT_LENGTH: Final = 60


class InvalidCouponTemplate(ValueError):
    """The template document is not valid; `field` names where."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.field = where


class CouponKind(StrEnum):
    AMOUNT_OFF = "amount_off"
    PERCENT_OFF = "percent_off"
    GIFT = "gift"


class CouponProblem(StrEnum):
    """Why a coupon cannot go on this bill (the till translates each)."""

    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    BELOW_MIN_SPEND = "below_min_spend"
    WRONG_STORE = "wrong_store"
    NOT_FOR_MEMBER = "not_for_member"  # the member's tier, segment or tags are not the template's audience
    NOT_STACKABLE = "not_stackable"
    NOT_HELD = "not_held"  # the member holds no such coupon (or it was used already)


@dataclass(frozen=True, slots=True)
class CouponTemplate:
    code: str
    name: Words
    kind: CouponKind
    amount_off_cents: int = 0  # amount_off
    percent_off: int = 0  # percent_off: 1-100
    cap_cents: int | None = None  # percent_off: at most this much off
    gift_sku: str | None = None  # gift
    min_spend_cents: int = 0
    valid_from: date | None = None
    valid_to: date | None = None
    valid_days: int | None = None  # instead of from/to: days from the day of issue
    tiers: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    stores: frozenset[str] = frozenset()
    stackable: bool = False
    budget_count: int | None = None
    budget_cents: int | None = None

    def __post_init__(self) -> None:
        _check_text(self.code, "code", _CODE_LENGTH)
        given = {"amount_off_cents": self.amount_off_cents != 0, "percent_off": self.percent_off != 0,
                 "cap_cents": self.cap_cents is not None, "gift_sku": self.gift_sku is not None}  # fmt: skip
        for name in sorted(name for name, present in given.items() if present and name not in _KIND_FIELDS[self.kind]):
            raise InvalidCouponTemplate(name, f"does not go with a {self.kind.value} coupon")
        if self.kind is CouponKind.AMOUNT_OFF:
            _check_int(self.amount_off_cents, "amount_off_cents", 1, MAX_CENTS)
        elif self.kind is CouponKind.PERCENT_OFF:
            _check_int(self.percent_off, "percent_off", 1, 100)
            if self.cap_cents is not None:
                _check_int(self.cap_cents, "cap_cents", 1, MAX_CENTS)
        elif self.gift_sku is None:
            raise InvalidCouponTemplate("gift_sku", "a gift coupon names the item it gives")
        else:
            _check_text(self.gift_sku, "gift_sku", _CODE_LENGTH)
        _check_int(self.min_spend_cents, "min_spend_cents", 0, MAX_CENTS)
        if self.valid_days is None:
            if self.valid_from is None or self.valid_to is None:
                raise InvalidCouponTemplate("valid_to", "give valid_from and valid_to, or valid_days")
            if self.valid_to < self.valid_from:
                raise InvalidCouponTemplate("valid_to", "must not be before valid_from")
        else:
            if self.valid_from is not None or self.valid_to is not None:
                raise InvalidCouponTemplate("valid_days", "give valid_days or valid_from and valid_to, not both")
            _check_int(self.valid_days, "valid_days", 1, MAX_VALID_DAYS)
        for name in ("budget_count", "budget_cents"):
            value = getattr(self, name)
            if value is not None:
                _check_int(value, name, 1, MAX_CENTS)

    @property
    def face_cents(self) -> int:
        """What one coupon is worth at most, for a money budget (a gift: 0, counted by number only)."""
        if self.kind is CouponKind.AMOUNT_OFF:
            return self.amount_off_cents
        if self.kind is CouponKind.PERCENT_OFF:
            return self.cap_cents or 0
        return 0

    def admits(self, *, tier: str, segment: str | None, tags: Collection[str], store: str) -> CouponProblem | None:
        """Whether the template's audience takes this member at this store (None: yes)."""
        if self.stores and store not in self.stores:
            return CouponProblem.WRONG_STORE
        return None if self.takes(tier=tier, segment=segment, tags=tags) else CouponProblem.NOT_FOR_MEMBER

    def takes(self, *, tier: str, segment: str | None, tags: Collection[str]) -> bool:
        """Whether the member is of the template's audience (its tiers, segments and tags; an empty list takes
        all), wherever they shop: who a campaign reaches."""
        return (
            (not self.tiers or tier in self.tiers)
            and (not self.segments or segment in self.segments)
            and (not self.tags or not self.tags.isdisjoint(tags))
        )

    @classmethod
    def from_dict(cls, document: Any) -> CouponTemplate:
        data = _object(document, _FIELDS, "a coupon template")
        for required in ("code", "name", "kind"):
            if required not in data:
                raise InvalidCouponTemplate(required, "missing field")
        name = data["name"]
        if not isinstance(name, Mapping) or set(name) != {"zh_CN", "en"}:
            raise InvalidCouponTemplate("name", 'must be {"zh_CN": …, "en": …}')
        try:
            kind = CouponKind(data["kind"])
        except ValueError:
            raise InvalidCouponTemplate("kind", "must be amount_off, percent_off or gift") from None
        values: dict[str, Any] = {
            "code": data["code"],
            "name": Words(_check_text(name["zh_CN"], "name.zh_CN", _TEXT_LENGTH),
                          _check_text(name["en"], "name.en", _TEXT_LENGTH)),
            "kind": kind,
        }  # fmt: skip
        for key in ("amount_off_cents", "percent_off", "min_spend_cents"):
            if key in data:
                values[key] = data[key]
        for key in ("cap_cents", "gift_sku", "valid_days", "budget_count", "budget_cents"):
            values[key] = data.get(key)
        for key in ("valid_from", "valid_to"):
            values[key] = _day(data[key], key) if data.get(key) is not None else None
        for key in ("tiers", "segments", "tags", "stores"):
            listed = data.get(key, [])
            if not isinstance(listed, list):
                raise InvalidCouponTemplate(key, "must be a list of codes")
            values[key] = frozenset(_check_text(item, f"{key}[{n}]", _CODE_LENGTH) for n, item in enumerate(listed))
        stackable = data.get("stackable", False)
        if not isinstance(stackable, bool):
            raise InvalidCouponTemplate("stackable", "must be true or false")
        values["stackable"] = stackable
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "name": self.name.to_dict(), "kind": self.kind.value}
        if self.kind is CouponKind.AMOUNT_OFF:
            out["amount_off_cents"] = self.amount_off_cents
        elif self.kind is CouponKind.PERCENT_OFF:
            out["percent_off"] = self.percent_off
            if self.cap_cents is not None:
                out["cap_cents"] = self.cap_cents
        else:
            out["gift_sku"] = self.gift_sku
        out["min_spend_cents"] = self.min_spend_cents
        if self.valid_days is not None:
            out["valid_days"] = self.valid_days
        else:
            assert self.valid_from is not None and self.valid_to is not None
            out["valid_from"], out["valid_to"] = self.valid_from.isoformat(), self.valid_to.isoformat()
        for key in ("tiers", "segments", "tags", "stores"):
            out[key] = sorted(getattr(self, key))
        out["stackable"] = self.stackable
        for key in ("budget_count", "budget_cents"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


_KIND_FIELDS: Final = {
    CouponKind.AMOUNT_OFF: frozenset({"amount_off_cents"}),
    CouponKind.PERCENT_OFF: frozenset({"percent_off", "cap_cents"}),
    CouponKind.GIFT: frozenset({"gift_sku"}),
}
_FIELDS: Final = frozenset(
    {"code", "name", "kind", "amount_off_cents", "percent_off", "cap_cents", "gift_sku", "min_spend_cents",
     "valid_from", "valid_to", "valid_days", "tiers", "segments", "tags", "stores", "stackable", "budget_count",
     "budget_cents"}
)  # fmt: skip


def valid_window(template: CouponTemplate, issued_on: date) -> tuple[date, date]:
    """The first and last day (both included) a coupon issued on `issued_on` may be used."""
    if template.valid_days is not None:
        return issued_on, issued_on + timedelta(days=template.valid_days - 1)
    assert template.valid_from is not None and template.valid_to is not None
    return template.valid_from, template.valid_to


def discount_cents(template: CouponTemplate, bill_cents: int) -> int:
    """The money the coupon takes off a bill of `bill_cents` (never more than the bill; a gift takes none)."""
    if bill_cents <= 0:
        return 0
    if template.kind is CouponKind.AMOUNT_OFF:
        return min(template.amount_off_cents, bill_cents)
    if template.kind is CouponKind.PERCENT_OFF:
        off = bill_cents * template.percent_off // 100
        return off if template.cap_cents is None else min(off, template.cap_cents)
    return 0


def refusal(template: CouponTemplate, *, issued_on: date, today: date, bill_cents: int) -> CouponProblem | None:
    """Why a coupon issued on `issued_on` cannot go on a bill of `bill_cents` today (None: it can). The audience
    was checked when it was issued (`CouponTemplate.admits`), except the store, which the caller asks there."""
    first, last = valid_window(template, issued_on)
    return _bill_problem(template, first, last, today, bill_cents)


def _bill_problem(template: CouponTemplate, first: date, last: date, today: date, bill: int) -> CouponProblem | None:
    if today < first:
        return CouponProblem.NOT_YET_VALID
    if today > last:
        return CouponProblem.EXPIRED
    if bill < template.min_spend_cents:
        return CouponProblem.BELOW_MIN_SPEND
    return None


@dataclass(frozen=True, slots=True)
class HeldCoupon:
    """A coupon a member holds: its id, its template's terms and the days it may be used (fixed when it was
    issued, so a template rewritten later does not move them)."""

    id: str
    template: CouponTemplate
    first_day: date
    last_day: date

    def refusal(self, *, today: date, bill_cents: int, store: str) -> CouponProblem | None:
        """Why it cannot go on a bill of `bill_cents` (before any coupon) at `store` today; None: it can."""
        if self.template.stores and store not in self.template.stores:
            return CouponProblem.WRONG_STORE
        return _bill_problem(self.template, self.first_day, self.last_day, today, bill_cents)


@dataclass(frozen=True, slots=True)
class CouponUse:
    coupon: HeldCoupon
    discount_cents: int


class CouponRefused(ValueError):
    """A coupon may not go on the bill: `problem` says why, `coupon_id` which."""

    def __init__(self, problem: CouponProblem, coupon_id: str) -> None:
        super().__init__(f"coupon {coupon_id}: {problem.value}")
        self.problem = problem
        self.coupon_id = coupon_id


def plan_bill(coupons: Sequence[HeldCoupon], *, today: date, bill_cents: int, store: str) -> list[CouponUse]:
    """The coupons on one bill, in the order given: each must be usable on the whole bill (its days, minimum spend
    and stores), they must stack, and each takes its discount off what the ones before left, so together they never
    take more than the bill. Raises `CouponRefused` naming the first that may not go (a coupon given twice: the
    second is `NOT_STACKABLE`). The till plans with it; the server checks each use against the same terms."""
    seen: set[str] = set()
    for coupon in coupons:
        problem = coupon.refusal(today=today, bill_cents=bill_cents, store=store)
        if problem is None and coupon.id in seen:
            problem = CouponProblem.NOT_STACKABLE
        if problem is not None:
            raise CouponRefused(problem, coupon.id)
        seen.add(coupon.id)
    if stacking_problem([coupon.template for coupon in coupons]) is not None:
        lone = next(coupon for coupon in coupons if not coupon.template.stackable)
        raise CouponRefused(CouponProblem.NOT_STACKABLE, lone.id)
    uses: list[CouponUse] = []
    left = bill_cents
    for coupon in coupons:
        off = discount_cents(coupon.template, left)
        uses.append(CouponUse(coupon, off))
        left -= off
    return uses


def stacking_problem(templates: Sequence[CouponTemplate]) -> CouponProblem | None:
    """Whether these coupons may go on one bill together: any number of stackable ones, or one that is not."""
    if len(templates) > 1 and not all(template.stackable for template in templates):
        return CouponProblem.NOT_STACKABLE
    return None


def _object(document: Any, known: Collection[str], what: str) -> Mapping[str, Any]:
    """`document` as an object holding only `known` keys; refused naming the first unknown one."""
    if not isinstance(document, Mapping):
        raise InvalidCouponTemplate("(root)", f"{what} must be an object")
    unknown = sorted(str(key) for key in document if key not in known)
    if unknown:
        raise InvalidCouponTemplate(unknown[0], f"not a field of {what}")
    return document


def _check_int(value: object, where: str, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise InvalidCouponTemplate(where, f"must be a whole number from {low} to {high}")
    return value


def _check_text(value: object, where: str, limit: int) -> str:
    if not isinstance(value, str) or not value or value != value.strip() or len(value) > limit:
        raise InvalidCouponTemplate(where, f"must be a text of 1 to {limit} characters, without spaces around it")
    return value


def _day(value: object, where: str) -> date:
    try:
        return date.fromisoformat(str(value)) if isinstance(value, str) else _fail(where)
    except ValueError:
        return _fail(where)


def _fail(where: str) -> date:
    raise InvalidCouponTemplate(where, "must be a day, YYYY-MM-DD")


@dataclass(frozen=True, slots=True)
class BenefitRules:
    """The programme's own benefits (the chain's `set-benefit-rules` document): which coupon template goes out on
    each event (None: none) — `win_back` to a member who has just become 沉睡唤醒型 and `birthday` once a year in the
    member's birthday month (both by the nightly refresh), `welcome` on enrolment, `tier_upgrade` when a member
    reaches a higher tier, `referral` to both members once the member a member brought in makes a first purchase
    (all three as the push applies them) — and `expiry_warning_points`: a member with at least this many points
    expiring within 30 days goes on their store's 需关注会员 list (None: nobody does); `manager_templates`, the
    templates a store manager may give a member at the till, at most `manager_daily_limit` a day per store."""

    win_back: str | None = None
    birthday: str | None = None
    welcome: str | None = None
    tier_upgrade: str | None = None
    referral: str | None = None
    expiry_warning_points: int | None = None
    manager_templates: tuple[str, ...] = ()
    manager_daily_limit: int = 0

    @classmethod
    def from_dict(cls, document: Any) -> BenefitRules:
        keys = (*_BENEFIT_EVENTS, *_SETTINGS)
        data = _object(document, keys, f"the benefit rules ({', '.join(keys)})")
        codes = {key: data.get(key) for key in _BENEFIT_EVENTS}
        for key, code in codes.items():
            if code is not None:
                _check_text(code, key, _CODE_LENGTH)
        threshold = data.get("expiry_warning_points")
        if threshold is not None:
            _check_int(threshold, "expiry_warning_points", 1, MAX_CENTS)
        listed = data.get("manager_templates", [])
        if not isinstance(listed, list):
            raise InvalidCouponTemplate("manager_templates", "must be a list of template codes")
        manager = tuple(_check_text(code, f"manager_templates[{n}]", _CODE_LENGTH) for n, code in enumerate(listed))
        limit = _check_int(data.get("manager_daily_limit", 0), "manager_daily_limit", 0, 10_000)
        if manager and not limit:
            raise InvalidCouponTemplate(
                "manager_daily_limit", "give how many coupons a store's managers may give a day"
            )
        return cls(**codes, expiry_warning_points=threshold, manager_templates=manager, manager_daily_limit=limit)

    def to_dict(self) -> dict[str, Any]:
        out = {key: getattr(self, key) for key in (*_BENEFIT_EVENTS, "expiry_warning_points")
               if getattr(self, key) is not None}  # fmt: skip
        if self.manager_templates:
            out["manager_templates"], out["manager_daily_limit"] = (
                list(self.manager_templates),
                self.manager_daily_limit,
            )
        return out

    def codes(self) -> list[str]:
        events = [code for code in (getattr(self, key) for key in _BENEFIT_EVENTS) if code is not None]
        return [*events, *self.manager_templates]


_BENEFIT_EVENTS: Final = ("win_back", "birthday", "welcome", "tier_upgrade", "referral")
_SETTINGS: Final = ("expiry_warning_points", "manager_templates", "manager_daily_limit")
