"""The gift catalogue (积分兑换礼品, issue 18): items a member takes for points, each with its points price and the
days it is offered; the chain writes each as a JSON document (`Gift.from_dict`, every field checked and named when
wrong). Stock is per store and lives with the server (and, as of the last sync, with each till): it is not part of
the item.

The till and the server both ask `refusal` before a gift is handed over, so the counter never promises what the
server will refuse. Integers only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final

from loyalty.coupons import InvalidCouponTemplate, _check_int, _check_text, _day, _object
from loyalty.insight import Words

__all__ = ["MAX_GIFT_POINTS", "Gift", "GiftProblem", "InvalidGift"]

MAX_GIFT_POINTS: Final = 100_000_000
_FIELDS: Final = frozenset({"sku", "name", "points", "valid_from", "valid_to"})


class InvalidGift(InvalidCouponTemplate):
    """The gift document is not valid; `field` names where."""


class GiftProblem(StrEnum):
    """Why a gift cannot be handed over (the till translates each)."""

    UNKNOWN = "unknown"  # not in the catalogue (withdrawn since the till's last sync)
    NOT_OFFERED = "not_offered"  # outside the days it is offered


class GiftRefused(ValueError):
    """A gift cannot be handed over: `problem` says why."""

    def __init__(self, problem: GiftProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Gift:
    sku: str
    name: Words
    points: int  # its price, in points
    valid_from: date | None = None  # offered from this day (None: since ever)
    valid_to: date | None = None  # to this day, included (None: for ever)

    def __post_init__(self) -> None:
        _check_text(self.sku, "sku", 32)
        _check_int(self.points, "points", 1, MAX_GIFT_POINTS)
        if self.valid_from is not None and self.valid_to is not None and self.valid_to < self.valid_from:
            raise InvalidGift("valid_to", "must not be before valid_from")

    def refusal(self, today: date) -> GiftProblem | None:
        """Why it cannot be handed over today (None: it can)."""
        if (self.valid_from is not None and today < self.valid_from) or (
            self.valid_to is not None and today > self.valid_to
        ):
            return GiftProblem.NOT_OFFERED
        return None

    @classmethod
    def from_dict(cls, document: Any) -> Gift:
        try:
            data = _object(document, _FIELDS, "a gift")
            for required in ("sku", "name", "points"):
                if required not in data:
                    raise InvalidGift(required, "missing field")
            name = data["name"]
            if not isinstance(name, Mapping) or set(name) != {"zh_CN", "en"}:
                raise InvalidGift("name", 'must be {"zh_CN": …, "en": …}')
            words = Words(_check_text(name["zh_CN"], "name.zh_CN", 60), _check_text(name["en"], "name.en", 60))
            days = {key: _day(data[key], key) if data.get(key) is not None else None
                    for key in ("valid_from", "valid_to")}  # fmt: skip
            return cls(sku=data["sku"], name=words, points=data["points"], **days)
        except InvalidGift:
            raise
        except InvalidCouponTemplate as error:  # the shared checks speak of templates: said as a gift's
            raise InvalidGift(error.field, str(error).split(": ", 1)[-1]) from None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sku": self.sku, "name": self.name.to_dict(), "points": self.points}
        for key in ("valid_from", "valid_to"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key).isoformat()
        return out
