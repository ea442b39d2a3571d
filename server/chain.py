"""The chain's settings, stored as JSON in the `setting` table: the points rules in force, the config version (bumped
by every change a till must fetch: rules, insight rules, staff, revoked cards), the chain's insight rules
(`loyalty.insight`: segment thresholds, tier grace, tags, actions), the member-code signing key, the revoked card
serials, the next card serial and the oldest cursor `changes` still serves (`min_cursor`); and every rule set ever in
force, by version (`rules_version`), which a push checks offline entries against.

Every function takes the caller's session; writers call them inside `ServerDatabase.write()`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from loyalty.coupons import BenefitRules
from loyalty.insight import DEFAULT_INSIGHT_RULES, InsightRules
from loyalty.member_code import new_signing_key, private_key_from_text, private_key_to_text, public_key_to_text
from loyalty.rules import DEFAULT_RULES, PointsRules
from server.models import RulesVersion, Setting

RULES: Final = "rules"
INSIGHT_RULES: Final = "insight_rules"
BENEFIT_RULES: Final = "benefit_rules"  # optional: absent until a chain sets them
CONFIG_VERSION: Final = "config_version"
SIGNING_KEY: Final = "signing_key"
NEXT_CARD_SERIAL: Final = "next_card_serial"
MIN_CURSOR: Final = "min_cursor"
REVOKED_CARDS: Final = "revoked_cards"

FIRST_CARD_SERIAL: Final = 1
CARD_SERIAL_LIMIT: Final = 2**32  # a member code carries the serial in 4 bytes


def _defaults() -> dict[str, Any]:
    return {
        RULES: DEFAULT_RULES.to_dict(),
        INSIGHT_RULES: DEFAULT_INSIGHT_RULES.to_dict(),
        CONFIG_VERSION: 1,
        SIGNING_KEY: private_key_to_text(new_signing_key()),
        NEXT_CARD_SERIAL: FIRST_CARD_SERIAL,
        MIN_CURSOR: 0,
        REVOKED_CARDS: [],
    }


def ensure_defaults(session: Session, now: datetime) -> None:
    """Create the settings that are missing (a fresh database), and the history row of the rules in force; never
    overwrites one."""
    present = set(session.scalars(select(Setting.key)))
    missing = [{"key": key, "value": value} for key, value in _defaults().items() if key not in present]
    if missing:
        session.execute(insert(Setting), missing)
    current = rules(session)
    if session.get(RulesVersion, current.version) is None:
        session.add(RulesVersion(version=current.version, rules=current.to_dict(), set_at=now))


def get(session: Session, key: str) -> Any:
    value = session.scalar(select(Setting.value).where(Setting.key == key))
    if value is None:
        raise LookupError(f"setting {key!r} is missing: open the database with ServerDatabase.open()")
    return value


def put(session: Session, key: str, value: Any) -> None:
    done = session.execute(update(Setting).where(Setting.key == key).values(value=value))
    if done.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(insert(Setting).values(key=key, value=value))


def rules(session: Session) -> PointsRules:
    return PointsRules.from_dict(get(session, RULES))


def set_rules(session: Session, new_rules: PointsRules, now: datetime) -> None:
    """Put `new_rules` in force and keep them in the history under their version (which must be new)."""
    put(session, RULES, new_rules.to_dict())
    session.add(RulesVersion(version=new_rules.version, rules=new_rules.to_dict(), set_at=now))
    bump_config_version(session)


def insight_rules(session: Session) -> InsightRules:
    return InsightRules.from_dict(get(session, INSIGHT_RULES))


def set_insight_rules(session: Session, new_rules: InsightRules) -> None:
    """Put new insight rules in force: the next refresh evaluates them, the tills fetch them with their config."""
    put(session, INSIGHT_RULES, new_rules.to_dict())
    bump_config_version(session)


def benefit_rules(session: Session) -> BenefitRules:
    """Which coupon template the refresh issues on each event (`loyalty.coupons.BenefitRules`; none until set)."""
    value = session.scalar(select(Setting.value).where(Setting.key == BENEFIT_RULES))
    return BenefitRules() if value is None else BenefitRules.from_dict(value)


def set_benefit_rules(session: Session, new_rules: BenefitRules) -> None:
    put(session, BENEFIT_RULES, new_rules.to_dict())


def rules_of(session: Session, versions: set[int]) -> dict[int, PointsRules]:
    """The rule sets of these versions that the chain ever had in force (an unknown version is absent)."""
    if not versions:
        return {}
    rows = session.execute(select(RulesVersion.version, RulesVersion.rules).where(RulesVersion.version.in_(versions)))
    return {int(version): PointsRules.from_dict(data) for version, data in rows}


def config_version(session: Session) -> int:
    return int(get(session, CONFIG_VERSION))


def bump_config_version(session: Session) -> int:
    """A change tills must fetch with `GET /v1/config`; returns the new version."""
    version = config_version(session) + 1
    put(session, CONFIG_VERSION, version)
    return version


def signing_key(session: Session) -> Ed25519PrivateKey:
    return private_key_from_text(get(session, SIGNING_KEY))


def public_key_text(session: Session) -> str:
    return public_key_to_text(signing_key(session).public_key())


def revoked_cards(session: Session) -> list[int]:
    return sorted(int(serial) for serial in get(session, REVOKED_CARDS))


def revoke_card(session: Session, serial: int) -> bool:
    """Add a card serial to the revocation list; False when it was already there."""
    revoked = revoked_cards(session)
    if serial in revoked:
        return False
    put(session, REVOKED_CARDS, sorted([*revoked, serial]))
    bump_config_version(session)
    return True


def next_card_serial(session: Session) -> int:
    return int(get(session, NEXT_CARD_SERIAL))


def take_card_serials(session: Session, n: int) -> int:
    """The first of `n` consecutive unused card serials; call under the write lock."""
    if n < 1:
        raise ValueError("take at least one card serial")
    first = next_card_serial(session)
    if first + n > CARD_SERIAL_LIMIT:
        raise ValueError("card serials are exhausted")
    put(session, NEXT_CARD_SERIAL, first + n)
    return first


def min_cursor(session: Session) -> int:
    return int(get(session, MIN_CURSOR))
