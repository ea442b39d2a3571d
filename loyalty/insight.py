"""The chain's insight rules, as data: segment thresholds, the tier downgrade grace, the member tags in three layers
(basic attributes, behaviour, prediction), each declared as a condition on a member's figures, and the suggested
action for each segment and tag; their JSON form, its validation, and evaluating the tags on one member's figures.

The chain edits the document (`server admin set-insight-rules FILE`, versioned like the points rules); the server's
nightly refresh evaluates it for every member and the tills get it with their config, to show each tag's name in
the screen's language and the action a guide should take. Pure: no I/O, no clock.

A tag's condition is a list of clauses that must all hold; a clause compares one figure of `MemberFigures` with a
value (`>=`, `>`, `<=`, `<`, `==`, `!=`; text figures only `==` / `!=`). A figure the member does not have (no
birthday, never visited, no purchase lines) makes its clause false, so a tag is never given on a guess.
Validation refuses unknown figures, operators and fields, a category share without its category, duplicate tag
codes, and any text missing in one of the UI's languages (`LANGUAGES`): the English screen never shows a Chinese
tag name.
"""

from __future__ import annotations

import operator
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from loyalty.segments import Segment, SegmentThresholds

__all__ = [
    "DEFAULT_INSIGHT_RULES",
    "LANGUAGES",
    "Condition",
    "InsightRules",
    "InvalidInsightRules",
    "Layer",
    "MemberFigures",
    "TagRule",
    "Words",
    "quintile_cuts",
    "quintile_score",
    "share_pct",
]

#: The UI's languages: every name and action is given in each.
LANGUAGES: Final = ("zh_CN", "en")
_MAX_TAGS: Final = 100
_MAX_CODE: Final = 32
_MAX_TEXT: Final = 200


class Layer(StrEnum):
    BASIC = "basic"  # 基础属性: who the member is
    BEHAVIOUR = "behaviour"  # 行为: how they shop
    PREDICTION = "prediction"  # 预测: what is likely next


class InvalidInsightRules(ValueError):
    """The document is not valid; `field` names where (`tags[2].when[0].figure`)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.field = where


@dataclass(frozen=True, slots=True)
class Words:
    """A text the chain wrote, in each UI language."""

    zh: str  # "zh_CN" in the JSON form
    en: str

    def in_language(self, language: str) -> str:
        """The text in `language` ("zh_CN", "en", or a locale name such as "en_GB"); Chinese otherwise."""
        return self.en if language.startswith("en") else self.zh

    def to_dict(self) -> dict[str, str]:
        return {"zh_CN": self.zh, "en": self.en}


@dataclass(frozen=True, slots=True)
class MemberFigures:
    """What the refresh knows of one member today; None where the member has no such figure."""

    spend_12m_cents: int = 0
    visits_90d: int = 0
    recency_days: int | None = None  # days since the last visit; None: never visited
    days_since_enrol: int = 0
    age_years: int | None = None
    birthday_in_days: int | None = None  # days until the next birthday (0 = today)
    gender: str | None = None  # "F" / "M"
    segment: str | None = None
    tier: str | None = None
    night_visit_share_pct: int | None = None  # of the 90 days' visits, the share after 20:00 store time
    redeem_visit_share_pct: int | None = None  # Sens: of the 12 months' visits, the share that redeemed points
    r_score: int | None = None  # 1..5, quintiles over the chain (5: came most recently)
    f_score: int | None = None  # 1..5 (5: most visits in 90 days)
    m_score: int | None = None  # 1..5 (5: largest 12-month spend)
    category_share_pct: Mapping[str, int] = field(default_factory=dict)  # of the 12-month spend on purchase lines


_TEXT_FIGURES: Final = frozenset({"gender", "segment", "tier"})
_NUMBER_FIGURES: Final = frozenset(
    f.name for f in fields(MemberFigures) if f.name not in _TEXT_FIGURES and f.name != "category_share_pct"
) | {"category_share_pct"}
_OPERATORS: Final[Mapping[str, Callable[[Any, Any], bool]]] = MappingProxyType(
    {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq, "!=": operator.ne}
)


@dataclass(frozen=True, slots=True)
class Condition:
    """One clause: `figure op value` (for `category_share_pct`, the share of `category`)."""

    figure: str
    op: str
    value: int | str
    category: str | None = None

    def holds(self, figures: MemberFigures) -> bool:
        return self.check()(figures)

    def check(self) -> Callable[[MemberFigures], bool]:
        """The clause as one function of the figures (the refresh evaluates every tag of every member: a closure
        that has looked up its figure and operator once takes a third of the time of `holds`' lookups)."""
        compare, value = _OPERATORS[self.op], self.value
        if self.figure == "category_share_pct":
            category = self.category or ""

            def share_check(figures: MemberFigures) -> bool:
                have = figures.category_share_pct.get(category)
                return have is not None and compare(have, value)

            return share_check
        get = operator.attrgetter(self.figure)

        def figure_check(figures: MemberFigures) -> bool:
            have = get(figures)
            return have is not None and compare(have, value)

        return figure_check

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"figure": self.figure, "op": self.op, "value": self.value}
        if self.category is not None:
            out["category"] = self.category
        return out


@dataclass(frozen=True, slots=True)
class TagRule:
    code: str
    name: Words
    layer: Layer
    when: tuple[Condition, ...]
    action: Words | None = None  # what a guide should do for a member with this tag
    warn: bool = False  # a member who gains this tag goes on their store's churn-warning list (需关注会员)

    def holds(self, figures: MemberFigures) -> bool:
        return all(clause.holds(figures) for clause in self.when)


@dataclass(frozen=True, slots=True)
class InsightRules:
    version: int
    thresholds: SegmentThresholds
    tier_grace_days: int  # a member whose spend fell below their tier keeps it this long before moving down
    segment_actions: Mapping[Segment, Words]
    tags: tuple[TagRule, ...]
    _checks: tuple[tuple[str, tuple[Callable[[MemberFigures], bool], ...]], ...] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        checks = tuple((tag.code, tuple(clause.check() for clause in tag.when)) for tag in self.tags)
        object.__setattr__(self, "_checks", checks)

    def tags_for(self, figures: MemberFigures) -> list[str]:
        """The codes of the tags whose conditions hold, in the document's order."""
        found: list[str] = []
        for code, checks in self._checks:
            for check in checks:
                if not check(figures):
                    break
            else:
                found.append(code)
        return found

    def tag(self, code: str) -> TagRule | None:
        return next((tag for tag in self.tags if tag.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "segments": {f.name: getattr(self.thresholds, f.name) for f in fields(SegmentThresholds)},
            "tier_grace_days": self.tier_grace_days,
            "segment_actions": {segment.value: words.to_dict() for segment, words in self.segment_actions.items()},
            "tags": [
                {
                    "code": tag.code,
                    "name": tag.name.to_dict(),
                    "layer": tag.layer.value,
                    "when": [clause.to_dict() for clause in tag.when],
                    **({"action": tag.action.to_dict()} if tag.action is not None else {}),
                    **({"warn": True} if tag.warn else {}),
                }
                for tag in self.tags
            ],
        }

    @classmethod
    def from_dict(cls, data: object) -> InsightRules:
        """The rules in `data` (the JSON form of `to_dict`); raises `InvalidInsightRules` naming the first problem."""
        document = _object(data, "", {"version", "segments", "tier_grace_days", "segment_actions", "tags"})
        version = _int(document["version"], "version", 1, 2**31 - 1)
        segments = _object(document["segments"], "segments", {f.name for f in fields(SegmentThresholds)})
        thresholds = SegmentThresholds(
            **{name: _int(value, f"segments.{name}", 0, 10**12) for name, value in segments.items()}
        )
        grace = _int(document["tier_grace_days"], "tier_grace_days", 0, 366)
        actions_in = _object(document["segment_actions"], "segment_actions", {s.value for s in Segment}, all_=False)
        actions = {Segment(name): _words(value, f"segment_actions.{name}") for name, value in actions_in.items()}
        tags_in = document["tags"]
        if not isinstance(tags_in, list) or len(tags_in) > _MAX_TAGS:
            raise InvalidInsightRules("tags", f"must be a list of at most {_MAX_TAGS} tags")
        tags = tuple(_tag(value, f"tags[{n}]") for n, value in enumerate(tags_in))
        codes = [tag.code for tag in tags]
        if len(set(codes)) != len(codes):
            duplicate = next(code for code in codes if codes.count(code) > 1)
            raise InvalidInsightRules("tags", f"the code {duplicate!r} is used twice")
        return cls(version, thresholds, grace, MappingProxyType(actions), tags)


# -- reading the JSON form ---------------------------------------------------------------------------------------


def _object(
    value: object, where: str, keys: set[str], *, all_: bool = True, optional: frozenset[str] = frozenset()
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInsightRules(where or "document", "must be a JSON object")
    for key in value:
        if key not in keys and key not in optional:
            raise InvalidInsightRules(_join(where, str(key)), "is not a field of the insight rules")
    if all_:
        for key in sorted(keys):
            if key not in value:
                raise InvalidInsightRules(_join(where, key), "is missing")
    return value


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _int(value: object, where: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInsightRules(where, f"must be an integer, got {type(value).__name__}")
    if not low <= value <= high:
        raise InvalidInsightRules(where, f"must be between {low} and {high}, got {value}")
    return value


def _text(value: object, where: str, limit: int = _MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip() or value != value.strip() or len(value) > limit:
        raise InvalidInsightRules(where, f"must be a text of 1 to {limit} characters, without spaces around it")
    return value


def _words(value: object, where: str) -> Words:
    texts = _object(value, where, set(LANGUAGES))
    return Words(_text(texts["zh_CN"], f"{where}.zh_CN"), _text(texts["en"], f"{where}.en"))


def _tag(value: object, where: str) -> TagRule:
    tag = _object(value, where, {"code", "name", "layer", "when"}, optional=frozenset({"action", "warn"}))
    code = _text(tag["code"], f"{where}.code", _MAX_CODE)
    layer = tag["layer"]
    if layer not in {layer.value for layer in Layer}:
        raise InvalidInsightRules(f"{where}.layer", f"must be one of {', '.join(layer.value for layer in Layer)}")
    clauses = tag["when"]
    if not isinstance(clauses, list) or not clauses:
        raise InvalidInsightRules(f"{where}.when", "must be a non-empty list of conditions")
    action = _words(tag["action"], f"{where}.action") if "action" in tag else None
    when = tuple(_condition(clause, f"{where}.when[{n}]") for n, clause in enumerate(clauses))
    warn = tag.get("warn", False)
    if not isinstance(warn, bool):
        raise InvalidInsightRules(f"{where}.warn", "must be true or false")
    return TagRule(code, _words(tag["name"], f"{where}.name"), Layer(layer), when, action, warn)


def _condition(value: object, where: str) -> Condition:
    clause = _object(value, where, {"figure", "op", "value"}, optional=frozenset({"category"}))
    figure, op = clause["figure"], clause["op"]
    if figure not in _NUMBER_FIGURES and figure not in _TEXT_FIGURES:
        known = ", ".join(sorted(_NUMBER_FIGURES | _TEXT_FIGURES))
        raise InvalidInsightRules(f"{where}.figure", f"must be one of {known}")
    if op not in _OPERATORS or (figure in _TEXT_FIGURES and op not in ("==", "!=")):
        allowed = "==, !=" if figure in _TEXT_FIGURES else ", ".join(_OPERATORS)
        raise InvalidInsightRules(f"{where}.op", f"must be one of {allowed} for {figure}")
    if figure in _TEXT_FIGURES:
        compared: int | str = _text(clause["value"], f"{where}.value", _MAX_CODE)
    else:
        compared = _int(clause["value"], f"{where}.value", -(10**12), 10**12)
    category = None
    if figure == "category_share_pct":
        if "category" not in clause:
            raise InvalidInsightRules(f"{where}.category", "is missing (the category whose share is compared)")
        category = _text(clause["category"], f"{where}.category", 64)
    elif "category" in clause:
        raise InvalidInsightRules(f"{where}.category", "is only for category_share_pct")
    return Condition(figure, op, compared, category)


# -- RFM scores and shares --------------------------------------------------------------------------------------


def share_pct(part: int, whole: int) -> int | None:
    """`part` of `whole` in integer percent, rounded down; None when there is nothing to divide by (never 0)."""
    return None if whole <= 0 else part * 100 // whole


def quintile_cuts(values: Sequence[int]) -> tuple[int, ...]:
    """The four values that split `values` (sorted or not) into fifths: the 20th, 40th, 60th and 80th percentile
    (nearest rank). Empty for no values."""
    ordered = sorted(values)
    if not ordered:
        return ()
    return tuple(ordered[min(len(ordered) - 1, (len(ordered) * k) // 5)] for k in range(1, 5))


def quintile_score(value: int, cuts: Sequence[int], *, lower_is_better: bool = False) -> int:
    """1..5: which fifth of the chain `value` falls in (5 = the best fifth). Equal values share a score: a value
    equal to a cut counts in the worse fifth when higher is better, in the better one when lower is (recency)."""
    if not cuts:
        return 3
    below = bisect_left(cuts, value)  # cuts under the value
    return 5 - below if lower_is_better else 1 + below


from loyalty.insight_defaults import DEFAULT_DOCUMENT  # noqa: E402 - the defaults are built with the classes above

#: The rules a chain starts with (`loyalty.insight_defaults`), until it sets its own.
DEFAULT_INSIGHT_RULES: Final = InsightRules.from_dict(DEFAULT_DOCUMENT)
