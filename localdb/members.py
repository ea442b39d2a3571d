"""Members at the till: enrol (one transaction with its outbox and audit rows), look up by phone, phone tail,
member code, card serial or name, record consent, and reveal a full phone to a manager (audited)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from uuid6 import uuid7

from localdb.audit import append_audit
from localdb.changes import Changes
from localdb.database import Database
from localdb.errors import Problem, StoreError
from localdb.member_view import MemberQueries, MemberView
from localdb.models import Member
from localdb.outbox import enqueue
from localdb.staff import StaffSession, require
from localdb.till_config import TillSettings
from loyalty.clock import Clock
from loyalty.member_code import CodeProblem, InvalidMemberCode, looks_like_member_code, verify_member_code
from loyalty.phone import is_tail_query, parse_mobile, phone_tail
from loyalty.roles import Permission
from protocol.vocabulary import Gender

MAX_NAME_LENGTH = 32
CANDIDATE_LIMIT = 20


class LookupKind(StrEnum):
    PHONE = "phone"
    TAIL = "tail"
    MEMBER_CODE = "member_code"
    NAME = "name"


@dataclass(frozen=True, slots=True)
class LookupResult:
    """What one input found: the way it was read and the members it matched (one, several, or none)."""

    kind: LookupKind
    members: tuple[MemberView, ...]


@dataclass(frozen=True, slots=True)
class MemberResult:
    """A member as a write (enrol, consent) left them."""

    member: MemberView

    @property
    def changes(self) -> Changes:
        return Changes.of_member(self.member.id)


def clean_name(name: str) -> str:
    cleaned = " ".join(unicodedata.normalize("NFKC", name).split())
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH or any(unicodedata.category(c)[0] == "C" for c in cleaned):
        raise StoreError(Problem.INVALID_NAME)
    if cleaned.isdigit():
        raise StoreError(Problem.INVALID_NAME)
    return cleaned


class MemberService:
    def __init__(self, db: Database, settings: TillSettings, queries: MemberQueries, clock: Clock) -> None:
        self._db = db
        self._settings = settings
        self._queries = queries
        self._clock = clock

    # -- lookups -------------------------------------------------------------------------------------------------

    def get(self, actor: StaffSession, member_id: str) -> MemberView:
        require(actor, Permission.LOOKUP)
        member = self._queries.by_id(self._db.lookup_connection(), member_id)
        if member is None:
            raise StoreError(Problem.MEMBER_NOT_FOUND, member_id=member_id)
        return member

    def find_by_phone(self, actor: StaffSession, text: str) -> MemberView | None:
        """A full phone as typed or pasted; raises `InvalidPhone` when it is not a Chinese mobile."""
        require(actor, Permission.LOOKUP)
        return self._queries.by_phone(self._db.lookup_connection(), parse_mobile(text))

    def find_by_tail(self, actor: StaffSession, tail: str, limit: int = CANDIDATE_LIMIT) -> list[MemberView]:
        """Members whose phone ends in these 4 digits (ASCII or full-width), most recent visitors first. Anything
        else is refused with INVALID_TAIL rather than answered with no one: "no member ends in 12a4" would read as
        a real answer (and offer an enrolment) to a question that was asked wrongly."""
        require(actor, Permission.LOOKUP)
        if not is_tail_query(tail):
            raise StoreError(Problem.INVALID_TAIL)
        digits = unicodedata.normalize("NFKC", tail).strip()
        return self._queries.by_tail(self._db.lookup_connection(), digits, limit)

    def find_by_code(self, actor: StaffSession, text: str) -> MemberView | None:
        """A scanned member code: verified with the server's key and the revocation list before the lookup."""
        require(actor, Permission.LOOKUP)
        config = self._settings.current()
        if config.member_code_key is None:
            raise StoreError(Problem.NO_MEMBER_CODE_KEY)
        code = verify_member_code(text, config.member_code_key, config.revoked_cards)
        member = self._queries.by_id(self._db.lookup_connection(), str(code.member_id))
        if member is not None and member.card_serial not in (None, code.card_serial):
            # A signed code for a card the member no longer holds (replaced): treat like a revoked card.
            raise InvalidMemberCode(CodeProblem.REVOKED)
        return member

    def find_by_card_serial(self, actor: StaffSession, serial: int) -> MemberView | None:
        require(actor, Permission.LOOKUP)
        return self._queries.by_card_serial(self._db.lookup_connection(), serial)

    def find_by_name(self, actor: StaffSession, prefix: str, limit: int = CANDIDATE_LIMIT) -> list[MemberView]:
        """Members whose name starts with `prefix` (uses the name index: a range, not LIKE)."""
        require(actor, Permission.LOOKUP)
        start = " ".join(unicodedata.normalize("NFKC", prefix).split())
        if not start:
            return []
        return self._queries.by_name_prefix(self._db.lookup_connection(), start, limit)

    def lookup(self, actor: StaffSession, text: str) -> LookupResult:
        """The one box at the counter: a scanned code, a full phone, its last 4 digits, or a name.

        Raises `InvalidMemberCode` / `InvalidPhone` when the input clearly meant one of those and is wrong."""
        stripped = text.strip()
        if looks_like_member_code(stripped):
            found = self.find_by_code(actor, stripped)
            return LookupResult(LookupKind.MEMBER_CODE, (found,) if found else ())
        if is_tail_query(stripped):
            return LookupResult(LookupKind.TAIL, tuple(self.find_by_tail(actor, stripped)))
        if _mostly_digits(stripped):
            found = self.find_by_phone(actor, stripped)
            return LookupResult(LookupKind.PHONE, (found,) if found else ())
        return LookupResult(LookupKind.NAME, tuple(self.find_by_name(actor, stripped)))

    # -- changes -------------------------------------------------------------------------------------------------

    def enrol(
        self,
        actor: StaffSession,
        *,
        phone: str,
        name: str,
        birthday: date | None = None,
        gender: str | None = None,
        consent_marketing: bool = False,
        consent_profile: bool = False,
    ) -> MemberResult:
        """A new member, made at the till (offline too). A phone already known is refused, naming the member."""
        require(actor, Permission.ENROL)
        e164 = parse_mobile(phone)
        cleaned = clean_name(name)
        now = self._clock()
        if birthday is not None and not (date(1900, 1, 1) <= birthday <= self._settings.current().today(now)):
            raise StoreError(Problem.INVALID_BIRTHDAY)
        checked_gender = _gender(gender)
        config = self._settings.current()
        member_id = str(uuid7())
        try:
            with self._db.write() as session:
                existing = session.scalar(select(Member.id).where(Member.phone == e164))
                if existing is not None:
                    raise StoreError(Problem.DUPLICATE_PHONE, member_id=existing)
                session.add(
                    Member(
                        id=member_id,
                        phone=e164,
                        phone_tail=phone_tail(e164),
                        name=cleaned,
                        gender=checked_gender,
                        birthday=birthday,
                        tier=config.rules.tiers[0].code,
                        spend_12m_cents=0,
                        balance_synced=0,
                        tags=[],
                        consent_marketing=consent_marketing,
                        consent_profile=consent_profile,
                        version=0,
                        home_store=config.store_code,
                        created_at=now,
                        updated_at=now,
                    )
                )
                from protocol.wire import EnrolBody  # with the first write, not at start (localdb.outbox)

                body = EnrolBody(
                    member_id=member_id,
                    phone=e164,
                    name=cleaned,
                    birthday=birthday,
                    gender=checked_gender,
                    consent_marketing=consent_marketing,
                    consent_profile=consent_profile,
                    store_code=config.store_code,
                    staff_code=actor.code,
                    created_at=now,
                )
                enqueue(session, body, at=now)
                append_audit(session, at=now, staff_code=actor.code, action="enrol", subject=member_id)
                view = self._queries.by_id(self._db.session_connection(session), member_id)
        except IntegrityError as exc:  # a second writer enrolled the same phone between our check and insert
            raise StoreError(Problem.DUPLICATE_PHONE) from exc
        assert view is not None
        return MemberResult(view)

    def set_consent(
        self, actor: StaffSession, member_id: str, *, marketing: bool | None = None, profile: bool | None = None
    ) -> MemberResult:
        """Record what the member agreed to (marketing messages; keeping preferences about them)."""
        require(actor, Permission.ENROL)
        now = self._clock()
        with self._db.write() as session:
            member = session.get(Member, member_id)
            if member is None:
                raise StoreError(Problem.MEMBER_NOT_FOUND, member_id=member_id)
            changes: dict[str, bool] = {}
            if marketing is not None:
                member.consent_marketing = changes["consent_marketing"] = marketing
            if profile is not None:
                member.consent_profile = changes["consent_profile"] = profile
            member.updated_at = now
            from protocol.wire import MemberUpdateBody  # with the first write, not at start (localdb.outbox)

            body = MemberUpdateBody(member_id=member_id, changes=changes, staff_code=actor.code, at=now)
            enqueue(session, body, at=now)
            append_audit(session, at=now, staff_code=actor.code, action="consent", subject=member_id, detail=changes)
            view = self._queries.by_id(self._db.session_connection(session), member_id)
        assert view is not None
        return MemberResult(view)

    def reveal_phone(self, actor: StaffSession, member_id: str) -> str:
        """The full phone, for a manager only, and never without an audit row saying who looked."""
        require(actor, Permission.REVEAL_PHONE)
        with self._db.write() as session:
            phone = session.scalar(select(Member.phone).where(Member.id == member_id))
            if phone is None:
                raise StoreError(Problem.MEMBER_NOT_FOUND, member_id=member_id)
            append_audit(session, at=self._clock(), staff_code=actor.code, action="reveal_phone", subject=member_id)
        return phone


def _gender(value: str | None) -> Gender | None:
    """F, M or not given; anything else is refused."""
    if value is None:
        return None
    if value == "F":
        return "F"
    if value == "M":
        return "M"
    raise StoreError(Problem.INVALID_GENDER)


def _mostly_digits(text: str) -> bool:
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 5 and digits * 2 > len(text.replace(" ", ""))
