"""Who this till is and the rules it applies offline: store code, device id, the points rules, the insight rules
(tag names and suggested actions), the member-code
public key (all from the server's config once registered), kept in the one `sync_state` row and cached here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session
from uuid6 import uuid7

from localdb.database import Database
from localdb.models import SyncState
from loyalty.clock import DEFAULT_STORE_TIMEZONE, store_day, store_zone
from loyalty.coupons import CouponTemplate, InvalidCouponTemplate
from loyalty.gifts import Gift, InvalidGift
from loyalty.insight import DEFAULT_INSIGHT_RULES, InsightRules
from loyalty.member_code import public_key_from_text
from loyalty.rules import DEFAULT_RULES, PointsRules

UNREGISTERED_STORE = "LOCAL"


@dataclass(frozen=True, slots=True)
class TillConfig:
    device_id: str
    store_code: str
    rules: PointsRules
    insight: InsightRules  # the chain's segments, tags and suggested actions (names in both languages)
    zone: tzinfo
    member_code_key: Ed25519PublicKey | None
    revoked_cards: frozenset[int]
    #: The gift catalogue with this store's stock, as the server last said (`localdb.gifts`; issue 18).
    gifts: tuple[tuple[Gift, int], ...] = ()
    #: The coupon templates a store manager may give at the till, and how many a day (issue 18).
    manager_coupons: tuple[CouponTemplate, ...] = ()
    manager_daily_limit: int = 0

    def gift(self, sku: str) -> Gift | None:
        return next((gift for gift, _stock in self.gifts if gift.sku == sku), None)

    def today(self, now: datetime) -> date:
        """The store's calendar day at `now` (the one way the till works out "today")."""
        return store_day(now, self.zone)


def ensure_sync_state(session: Session) -> SyncState:
    """The single `sync_state` row, created on first open with a fresh device id until registration sets one."""
    state = session.get(SyncState, 1)
    if state is None:
        state = SyncState(
            id=1,
            device_id=str(uuid7()),
            store_code=UNREGISTERED_STORE,
            cursor=0,
            config_version=0,
            revoked_cards=[],
            timezone=DEFAULT_STORE_TIMEZONE,
        )
        session.add(state)
        session.flush()
    return state


def _from_row(state: SyncState) -> TillConfig:
    return TillConfig(
        device_id=state.device_id,
        store_code=state.store_code,
        rules=PointsRules.from_dict(state.rules) if state.rules else DEFAULT_RULES,
        insight=InsightRules.from_dict(state.insight_rules) if state.insight_rules else DEFAULT_INSIGHT_RULES,
        zone=store_zone(state.timezone),
        member_code_key=public_key_from_text(state.member_code_public_key) if state.member_code_public_key else None,
        revoked_cards=frozenset(state.revoked_cards),
        gifts=_gifts(state.gifts),
        manager_coupons=_templates(state.manager_coupons),
        manager_daily_limit=state.manager_daily_limit or 0,
    )


def _templates(stored: list[dict[str, Any]] | None) -> tuple[CouponTemplate, ...]:
    """The stored templates; one this till cannot read is left out."""
    found: list[CouponTemplate] = []
    for document in stored or ():
        try:
            found.append(CouponTemplate.from_dict(document))
        except (InvalidCouponTemplate, TypeError, ValueError):
            continue
    return tuple(found)


def _gifts(stored: list[dict[str, Any]] | None) -> tuple[tuple[Gift, int], ...]:
    """The stored catalogue; an item this till cannot read (a newer server's field) is left out, not guessed at."""
    found: list[tuple[Gift, int]] = []
    for document in stored or ():
        try:
            found.append((Gift.from_dict({k: v for k, v in document.items() if k != "stock"}), int(document["stock"])))
        except (InvalidGift, KeyError, TypeError, ValueError, AttributeError):
            continue
    return tuple(found)


class TillSettings:
    """Reads the till's config once and again only after it changes through this object."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._cached: TillConfig | None = None

    def current(self) -> TillConfig:
        if self._cached is None:
            with self._db.write() as session:
                self._cached = _from_row(ensure_sync_state(session))
        return self._cached

    def update(
        self,
        *,
        store_code: str | None = None,
        device_id: str | None = None,
        rules: PointsRules | None = None,
        insight: InsightRules | None = None,
        member_code_public_key: str | None = None,
        revoked_cards: frozenset[int] | None = None,
        timezone: str | None = None,
        gifts: list[dict[str, Any]] | None = None,
        manager_coupons: tuple[list[dict[str, Any]], int] | None = None,
    ) -> TillConfig:
        """Change what the server said (registration, config pull). Validates before writing."""
        if member_code_public_key is not None:
            public_key_from_text(member_code_public_key)
        if timezone is not None:
            store_zone(timezone)
        with self._db.write() as session:
            state = ensure_sync_state(session)
            if store_code is not None:
                state.store_code = store_code
            if device_id is not None:
                state.device_id = device_id
            if rules is not None:
                state.rules = rules.to_dict()
            if insight is not None:
                state.insight_rules = insight.to_dict()
            if member_code_public_key is not None:
                state.member_code_public_key = member_code_public_key
            if revoked_cards is not None:
                state.revoked_cards = sorted(revoked_cards)
            if timezone is not None:
                state.timezone = timezone
            if gifts is not None:
                state.gifts = gifts
            if manager_coupons is not None:
                state.manager_coupons, state.manager_daily_limit = manager_coupons
            session.flush()
            self._cached = _from_row(state)
        return self._cached
