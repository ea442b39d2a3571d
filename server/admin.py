"""The chain administrator's actions, as plain service functions (the admin CLI and the tests call them): stores,
one-time enrolment codes, device registration and revocation, staff (and who is due a new PIN hash), points rules,
card revocation and re-issue. Each action is one write transaction and leaves an `AdminLog` row naming codes and
ids only, never a person's name or phone. Refusals raise `AdminError` (a `ValueError`) with a clear message and,
for the API, a wire `ErrorCode`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from uuid6 import uuid7

from loyalty.insight import InsightRules
from loyalty.pins import hash_pin, is_legacy_hash, needs_rehash
from loyalty.roles import Role
from loyalty.rules import PointsRules
from protocol.vocabulary import ErrorCode
from protocol.wire import StoreInfo
from server import chain
from server.auth import hash_token, new_token
from server.cards import CardRefused, ReissuedCard, reissue_in
from server.db import ServerDatabase
from server.member_code_audit import Requester
from server.models import AdminLog, Device, EnrolmentCode, Member, Staff, Store

#: Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper is not misread.
_CODE_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_LENGTH: Final = 10  # 50 random bits, for a code that works once and expires within a day
_CODE_READS: Final = str.maketrans({"O": "0", "I": "1", "L": "1"})


class AdminError(ValueError):
    """An administrative action refused; `code` is the wire error code when the API reports it."""

    def __init__(self, message: str, code: ErrorCode = ErrorCode.MALFORMED) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class DeviceSummary:
    id: str
    name: str
    store_code: str
    created_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None
    last_till_seq: int


def _log(session: Session, at: datetime, action: str, detail: str = "") -> None:
    session.add(AdminLog(at=at, action=action, detail=detail))


def _store(session: Session, store_code: str) -> Store:
    store = session.scalar(select(Store).where(Store.code == store_code))
    if store is None:
        raise AdminError(f"no store with code {store_code!r}", ErrorCode.UNKNOWN_STORE)
    return store


def store_info(store: Store) -> StoreInfo:
    return StoreInfo(code=store.code, name=store.name, timezone=store.timezone)


def _normal_code(text: str) -> str:
    """What the person typed, as issued: case, spaces and dashes ignored, O/I/L read as 0/1."""
    return "".join(ch for ch in text.upper() if ch not in " -\t").translate(_CODE_READS)


def _code_hash(code: str) -> str:
    return hashlib.sha256(_normal_code(code).encode("ascii", "replace")).hexdigest()


# -- stores and devices ---------------------------------------------------------------------------------------------


def create_store(db: ServerDatabase, code: str, name: str, timezone: str = "Asia/Shanghai") -> StoreInfo:
    """A new store; refuses a code already used or an unknown time zone."""
    if not code or len(code) > 32 or not all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in code):
        raise AdminError("a store code is 1 to 32 letters, digits, '_' or '-'")
    if not name.strip() or len(name) > 64:
        raise AdminError("a store name is 1 to 64 characters")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise AdminError(f"unknown time zone {timezone!r}") from None
    with db.write() as session:
        if session.scalar(select(Store.id).where(Store.code == code)) is not None:
            raise AdminError(f"a store with code {code!r} already exists")
        store = Store(code=code, name=name.strip(), timezone=timezone, created_at=db.clock())
        session.add(store)
        _log(session, store.created_at, "create_store", code)
        return store_info(store)


def make_enrolment_code(db: ServerDatabase, store_code: str, valid_for: timedelta = timedelta(hours=24)) -> str:
    """A one-time code to register one till at this store; only its hash is kept. Show it once to the manager."""
    if valid_for <= timedelta(0):
        raise AdminError("an enrolment code must be valid for some time")
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    now = db.clock()
    with db.write() as session:
        store = _store(session, store_code)
        session.add(
            EnrolmentCode(store_id=store.id, code_hash=_code_hash(code), created_at=now, expires_at=now + valid_for)
        )
        _log(session, now, "make_enrolment_code", f"store={store_code} valid_for={valid_for}")
    return code


def register_device(
    db: ServerDatabase, store_code: str, device_name: str, enrolment_code: str
) -> tuple[str, str, StoreInfo]:
    """Register a till with a one-time code: returns (device_id, token, store). The token is shown only here.

    The code is found by its hash (an index lookup, so the answer's time does not depend on how much of a guess was
    right); a wrong, expired, used or other-store code is refused alike."""
    name = device_name.strip()
    if not name or len(name) > 64:
        raise AdminError("a device name is 1 to 64 characters")
    now = db.clock()
    with db.write() as session:
        store = _store(session, store_code)
        found = session.scalar(select(EnrolmentCode).where(EnrolmentCode.code_hash == _code_hash(enrolment_code)))
        if found is None or found.store_id != store.id or found.used_at is not None or found.expires_at <= now:
            raise AdminError("the enrolment code is wrong, expired or already used", ErrorCode.ENROLMENT_CODE_INVALID)
        device_id = str(uuid7())
        token = new_token()
        session.add(
            Device(
                id=device_id,
                store_id=store.id,
                name=name,
                token_hash=hash_token(token),
                created_at=now,
                last_till_seq=0,
            )
        )
        session.flush()
        found.used_at, found.used_by_device = now, device_id
        _log(session, now, "register_device", f"store={store_code} device={device_id}")
        return device_id, token, store_info(store)


def revoke_device(db: ServerDatabase, device_id: str) -> None:
    """The device's token stops working for ever (401 `device_revoked`)."""
    now = db.clock()
    with db.write() as session:
        device = session.get(Device, device_id)
        if device is None:
            raise AdminError(f"no device with id {device_id!r}")
        if device.revoked_at is None:
            device.revoked_at = now
        _log(session, now, "revoke_device", f"device={device_id}")


def list_devices(db: ServerDatabase) -> list[DeviceSummary]:
    with db.read() as session:
        rows = session.execute(
            select(Device, Store.code).join(Store, Store.id == Device.store_id).order_by(Store.code, Device.created_at)
        ).all()
        return [
            DeviceSummary(
                id=device.id,
                name=device.name,
                store_code=code,
                created_at=device.created_at,
                revoked_at=device.revoked_at,
                last_seen_at=device.last_seen_at,
                last_till_seq=device.last_till_seq,
            )
            for device, code in rows
        ]


# -- staff, rules, cards ----------------------------------------------------------------------------------------------


def add_staff(db: ServerDatabase, code: str, name: str, role: str, pin: str, store_code: str | None = None) -> None:
    """Add a staff member (or update one: same code), for one store or, without `store_code`, every store."""
    if not code or len(code) > 32 or not all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in code):
        raise AdminError("a staff code is 1 to 32 letters, digits, '_' or '-'")
    if not name.strip() or len(name) > 64:
        raise AdminError("a staff name is 1 to 64 characters")
    try:
        role_value = Role(role).value
    except ValueError:
        raise AdminError(f"unknown role {role!r}: one of {', '.join(r.value for r in Role)}") from None
    try:
        pin_hash = hash_pin(pin)
    except ValueError as error:
        raise AdminError(str(error)) from None
    now = db.clock()
    with db.write() as session:
        store_id = _store(session, store_code).id if store_code is not None else None
        staff = session.get(Staff, code)
        if staff is None:
            session.add(
                Staff(
                    code=code,
                    name=name.strip(),
                    role=role_value,
                    pin_hash=pin_hash,
                    store_id=store_id,
                    active=True,
                    updated_at=now,
                )
            )
            action = "add_staff"
        else:
            staff.name, staff.role, staff.pin_hash, staff.store_id = name.strip(), role_value, pin_hash, store_id
            staff.active, staff.updated_at = True, now
            action = "update_staff"
        chain.bump_config_version(session)
        _log(session, now, action, f"staff={code} role={role_value} store={store_code or '*'}")


def deactivate_staff(db: ServerDatabase, code: str) -> None:
    """The staff member can no longer log in at any till (after the till's next config fetch)."""
    now = db.clock()
    with db.write() as session:
        done = session.execute(update(Staff).where(Staff.code == code).values(active=False, updated_at=now))
        if done.rowcount == 0:  # type: ignore[attr-defined]
            raise AdminError(f"no staff with code {code!r}")
        chain.bump_config_version(session)
        _log(session, now, "deactivate_staff", f"staff={code}")


def set_rules(db: ServerDatabase, rules: PointsRules) -> None:
    """Put a new rule set in force; its version must be higher than the current one's."""
    now = db.clock()
    with db.write() as session:
        current = chain.rules(session)
        if rules.version <= current.version:
            raise AdminError(f"the rules' version must increase: current {current.version}, given {rules.version}")
        chain.set_rules(session, rules, now)
        _forget_tier_kept_until(session)
        _log(session, now, "set_rules", f"version={rules.version}")


def set_insight_rules(db: ServerDatabase, rules: InsightRules) -> None:
    """Put new insight rules in force (segments, tier grace, tags, actions); the version must increase."""
    now = db.clock()
    with db.write() as session:
        current = chain.insight_rules(session)
        if rules.version <= current.version:
            raise AdminError(
                f"the insight rules' version must increase: current {current.version}, given {rules.version}"
            )
        chain.set_insight_rules(session, rules)
        _forget_tier_kept_until(session)
        _log(session, now, "set_insight_rules", f"version={rules.version}")


def _forget_tier_kept_until(session: Session) -> None:
    """New tier minimums or a new grace move every member's "kept until" day, and a new expiry rule every point's
    last day: the next refresh works each out again (and gives a new version to those whose day moved)."""
    session.execute(update(Member).where(Member.tier_kept_until.is_not(None)).values(tier_kept_until=None))
    session.execute(update(Member).where(Member.next_expiry_on.is_not(None)).values(next_expiry_on=None))


def revoke_card(db: ServerDatabase, serial: int) -> None:
    """A lost member card: its code is refused by every till after the next config fetch."""
    if not 0 <= serial < chain.CARD_SERIAL_LIMIT:
        raise AdminError("a card serial is in 0 <= serial < 2**32")
    now = db.clock()
    with db.write() as session:
        chain.revoke_card(session, serial)
        _log(session, now, "revoke_card", f"serial={serial}")


def reissue_card(db: ServerDatabase, member_id: str) -> ReissuedCard:
    """A new card for a member (lost card): a new serial, the old one revoked (`server.cards`), audited."""
    try:
        with db.write() as session:
            card = reissue_in(session, db, member_id, Requester())
            _log(session, db.clock(), "reissue_card",
                 f"member={card.member_id} old={card.old_serial} new={card.card_serial}")  # fmt: skip
    except CardRefused as refused:
        raise AdminError(f"{refused}: {member_id!r}", refused.code) from None
    return card


@dataclass(frozen=True, slots=True)
class PinHashAge:
    code: str
    role: str
    active: bool
    scheme: str  # "scrypt" (legacy) or "argon2id (weaker than the default)"


def staff_due_new_pins(db: ServerDatabase) -> list[PinHashAge]:
    """Staff whose PIN hash is legacy scrypt or cheaper than the default argon2id: set their PIN again
    (`add-staff`) to have it hashed anew. The server never holds a PIN to rehash it by itself."""
    with db.read() as session:
        rows = session.execute(select(Staff.code, Staff.role, Staff.active, Staff.pin_hash).order_by(Staff.code)).all()
    return [
        PinHashAge(code, role, bool(active), "scrypt" if is_legacy_hash(pin_hash) else "argon2id (weaker)")
        for code, role, active, pin_hash in rows
        if needs_rehash(pin_hash)
    ]
