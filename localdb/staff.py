"""Staff at this till: PINs hashed with argon2id (`loyalty.pins`; legacy scrypt hashes still verify), login with
lockout after repeated failures, and the permission check every service runs before it changes anything (the UI
hiding a button is not enough).

A PIN check costs about a third of a second by design: it runs outside any write transaction (a sync writing
pulled members is not held up by a login), once per submit, on the UI's database worker."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from localdb.audit import append_audit
from localdb.database import Database
from localdb.errors import Problem, StoreError
from localdb.models import Staff
from loyalty import pins
from loyalty.clock import Clock
from loyalty.pins import dummy_pin_hash, is_pin_hash, pin_matches
from loyalty.roles import Permission, Role, can

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
_STAFF_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")


@dataclass(frozen=True, slots=True)
class StaffSession:
    """A logged-in member of staff. Only `StaffService.login` makes one for a real person."""

    code: str
    name: str
    role: Role


def require(actor: StaffSession, permission: Permission) -> None:
    if not can(actor.role, permission):
        raise StoreError(Problem.PERMISSION_DENIED)


def hash_pin(pin: str) -> str:
    """The stored form of a PIN; refuses one that is not 4 to 8 digits with `INVALID_PIN`."""
    try:
        return pins.hash_pin(pin)
    except pins.InvalidPin as exc:
        raise StoreError(Problem.INVALID_PIN) from exc


class StaffService:
    def __init__(self, db: Database, clock: Clock, *, trusted: Clock | None = None) -> None:
        self._db = db
        self._clock = clock
        self._trusted = trusted or clock  # lockouts count by it: a date set forward at the till unlocks nothing

    def upsert(self, code: str, name: str, role: Role, pin_hash: str, *, active: bool = True) -> None:
        """Record staff as the server's config lists them (or the first manager of a fresh till)."""
        if not _STAFF_CODE.fullmatch(code) or not name.strip() or not is_pin_hash(pin_hash):
            raise StoreError(Problem.INVALID_STAFF)
        with self._db.write() as session:
            staff = session.get(Staff, code)
            if staff is None:
                session.add(Staff(code=code, name=name.strip(), role=role.value, pin_hash=pin_hash, active=active))
            else:
                staff.name, staff.role, staff.pin_hash, staff.active = name.strip(), role.value, pin_hash, active
            append_audit(session, at=self._clock(), staff_code=None, action="staff_upsert", subject=code)

    def add(self, actor: StaffSession, code: str, name: str, role: Role, pin: str) -> None:
        require(actor, Permission.MANAGE_STAFF)
        self.upsert(code, name, role, hash_pin(pin))

    def code_letters(self) -> list[str]:
        """The characters other than digits in the active staff's codes ("C", "G", "M"), sorted: what an on-screen
        keypad needs besides its digits to type every staff code of this till."""
        with self._db.read() as session:
            codes = session.scalars(select(Staff.code).where(Staff.active.is_(True))).all()
        return sorted({ch for code in codes for ch in code.upper() if not ch.isdigit()})

    def count(self) -> int:
        with self._db.read() as session:
            return session.scalar(select(func.count()).select_from(Staff)) or 0

    def login(self, code: str, pin: str) -> StaffSession:
        """Check a code and PIN. Five wrong PINs in a row lock the code for 15 minutes.

        The slow hash check runs between a read and the write that records its outcome, so the database's write
        lock is never held for it; the write re-reads the staff row (a lockout set meanwhile still counts)."""
        code = code.strip()
        with self._db.read() as session:
            found = session.get(Staff, code)
            stored = found.pin_hash if found is not None and found.active else None
            locked = found is not None and found.locked_until is not None and found.locked_until > self._trusted()
        # A locked or unknown code costs the same time as a real check: the answer's time tells nothing.
        matched = pin_matches(pin, dummy_pin_hash() if stored is None or locked else stored)
        now, lock_now = self._clock(), self._trusted()
        with self._db.write() as session:
            staff = session.get(Staff, code)
            if staff is None or not staff.active or staff.pin_hash != stored:
                append_audit(session, at=now, staff_code=None, action="login_failed")
                refusal = StoreError(Problem.BAD_CREDENTIALS)
            elif staff.locked_until is not None and staff.locked_until > lock_now:
                append_audit(session, at=now, staff_code=staff.code, action="login_locked")
                refusal = StoreError(Problem.LOCKED_OUT, until=staff.locked_until)
            elif matched and not locked:
                staff.failed_attempts, staff.locked_until = 0, None
                append_audit(session, at=now, staff_code=staff.code, action="login")
                return StaffSession(code=staff.code, name=staff.name, role=Role(staff.role))
            else:
                staff.failed_attempts += 1
                if staff.failed_attempts >= MAX_FAILED_LOGINS:
                    staff.failed_attempts, staff.locked_until = 0, lock_now + LOCKOUT
                    append_audit(session, at=now, staff_code=staff.code, action="lockout")
                    refusal = StoreError(Problem.LOCKED_OUT, until=staff.locked_until)
                else:
                    append_audit(session, at=now, staff_code=staff.code, action="login_failed")
                    refusal = StoreError(
                        Problem.BAD_CREDENTIALS, remaining_attempts=MAX_FAILED_LOGINS - staff.failed_attempts
                    )
        # Raised after the commit: the failed attempt and its audit row must be kept.
        raise refusal

    def unlock(self, actor: StaffSession, code: str) -> None:
        require(actor, Permission.MANAGE_STAFF)
        with self._db.write() as session:
            staff = session.get(Staff, code)
            if staff is None:
                raise StoreError(Problem.INVALID_STAFF)
            staff.failed_attempts, staff.locked_until = 0, None
            append_audit(session, at=self._clock(), staff_code=actor.code, action="unlock", subject=code)

    def approver(self, code: str, pin: str) -> StaffSession:
        """A manager's code + PIN given at the till to approve one action; refused for any other role."""
        session = self.login(code, pin)
        require(session, Permission.APPROVE)
        return session
