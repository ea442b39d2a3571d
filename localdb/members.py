"""Members at the till: enrol (one transaction with its outbox and audit rows), look up by phone, phone tail,
member code, card serial or name (a member the server merged away is found as the member kept), record consent
(withdrawing profile consent forgets the member's preferences and tags here at once), let a manager correct a
member's name, birthday or phone (`edit`: the old full number must be typed to change it), and reveal a full phone
to a manager (audited)."""

from __future__ import annotations

import calendar
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from uuid6 import uuid7

from localdb.audit import append_audit
from localdb.changes import Changes
from localdb.database import Database
from localdb.errors import Problem, StoreError
from localdb.member_view import MemberQueries, MemberView
from localdb.models import Member, Preference, sqlite_datetime
from localdb.outbox import enqueue
from localdb.staff import StaffSession, require
from localdb.till_config import TillSettings
from loyalty.clock import Clock
from loyalty.member_code import CodeProblem, InvalidMemberCode, looks_like_member_code, verify_member_code
from loyalty.name_keys import name_keys, search_key
from loyalty.names import InvalidName, clean_member_name
from loyalty.phone import InvalidPhone, is_tail_query, parse_mobile, phone_tail
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
    total: int | None = None  # how many matched, when more than the members listed (a common name or tail)

    @property
    def matched(self) -> int:
        """How many members the input matched: those listed, or more ("the first 20 of 146")."""
        return len(self.members) if self.total is None else self.total


@dataclass(frozen=True, slots=True)
class MemberResult:
    """A member as a write (enrol, consent) left them."""

    member: MemberView

    @property
    def changes(self) -> Changes:
        return Changes.of_member(self.member.id)


#: The lookup page's lists: how many members each shows, and how recent a visit counts for a birthday greeting.
HOME_LIMIT = 5
RECENT_VISIT = timedelta(days=180)
#: This till's newest entries' members, on the created_at index (a member with many entries is read once).
_RECENT_ENTRY_MEMBERS = "SELECT member_id FROM point_entry ORDER BY created_at DESC LIMIT ?"


def _name_columns(name: str) -> dict[str, str]:
    pinyin, initials = name_keys(name)
    return {"name_pinyin": pinyin, "name_initials": initials}


def clean_name(name: str) -> str:
    """A member's name as stored; INVALID_NAME for one the shared rule refuses (`loyalty.names`: a letter needed)."""
    try:
        return clean_member_name(name, max_length=MAX_NAME_LENGTH)
    except InvalidName:
        raise StoreError(Problem.INVALID_NAME) from None


class MemberService:
    def __init__(self, db: Database, settings: TillSettings, queries: MemberQueries, clock: Clock) -> None:
        self._db = db
        self._settings = settings
        self._queries = queries
        self._clock = clock

    # -- lookups -------------------------------------------------------------------------------------------------

    def get(self, actor: StaffSession, member_id: str) -> MemberView:
        require(actor, Permission.LOOKUP)
        conn = self._db.lookup_connection()
        member = self._queries.by_id(conn, member_id)
        if member is None and (kept := self._queries.alias_target(conn, alias_id=member_id)) is not None:
            member = self._queries.by_id(conn, kept)
        if member is None or not member.name:  # no name: erased, the row kept only for this till's ledger
            member = None
        if member is None:
            raise StoreError(Problem.MEMBER_NOT_FOUND, member_id=member_id)
        return member

    def find_by_phone(self, actor: StaffSession, text: str) -> MemberView | None:
        """A full phone as typed or pasted; raises `InvalidPhone` when it is not a Chinese mobile."""
        require(actor, Permission.LOOKUP)
        e164 = parse_mobile(text)
        conn = self._db.lookup_connection()
        found = self._queries.by_phone(conn, e164)
        if found is None and (kept := self._queries.alias_target(conn, phone=e164)) is not None:
            found = self._queries.by_id(conn, kept)  # the server merged that member into this one
        return found

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
        conn = self._db.lookup_connection()
        member = self._queries.by_id(conn, str(code.member_id))
        if member is None and (kept := self._queries.alias_target(conn, alias_id=str(code.member_id))) is not None:
            return self._queries.by_id(conn, kept)  # a card of a member the server merged into this one
        if member is not None and member.card_serial not in (None, code.card_serial):
            # A signed code for a card the member no longer holds (replaced): treat like a revoked card.
            raise InvalidMemberCode(CodeProblem.REVOKED)
        return member

    def find_by_card_serial(self, actor: StaffSession, serial: int) -> MemberView | None:
        require(actor, Permission.LOOKUP)
        return self._queries.by_card_serial(self._db.lookup_connection(), serial)

    def birthdays_today(
        self, actor: StaffSession, today: date, *, visited_within: timedelta = RECENT_VISIT, limit: int = HOME_LIMIT
    ) -> list[MemberView]:
        """Members whose birthday is `today` (the store's day) and who came within `visited_within`, the most recent
        first: the lookup page greets them. Born on 29 February: on 28 February in a year without one."""
        require(actor, Permission.LOOKUP)
        days = [f"{today:%m-%d}"]
        if (today.month, today.day) == (2, 28) and not calendar.isleap(today.year):
            days.append("02-29")
        since = sqlite_datetime(self._clock() - visited_within) or ""
        return self._queries.birthdays(self._db.lookup_connection(), days, since, limit)

    def recently_served(self, actor: StaffSession, *, limit: int = HOME_LIMIT) -> list[MemberView]:
        """The last members this till awarded, redeemed or reversed for, the most recent first (to reopen one)."""
        require(actor, Permission.LOOKUP)
        conn = self._db.lookup_connection()
        rows = conn.execute(_RECENT_ENTRY_MEMBERS, (limit * 20,)).fetchall()
        served: list[MemberView] = []
        for member_id in dict.fromkeys(row[0] for row in rows):  # in order, each once
            member = self._queries.by_id(conn, member_id)
            if member is not None and member.phone_masked:  # not a member erased since (kept for the ledger only)
                served.append(member)
            if len(served) == limit:
                break
        return served

    def find_by_name(self, actor: StaffSession, prefix: str, limit: int = CANDIDATE_LIMIT) -> list[MemberView]:
        """Members whose name starts with `prefix`, the most recent visitors first like a tail's (uses the (name,
        last visit) index: a range, not LIKE); for letters, also those whose name's pinyin or initials start with
        them (`loyalty.name_keys`: "zhang" or "zs" finds 张三)."""
        require(actor, Permission.LOOKUP)
        start = " ".join(unicodedata.normalize("NFKC", prefix).split())
        if not start:
            return []
        conn = self._db.lookup_connection()
        found = self._queries.by_name_prefix(conn, start, limit)
        key = search_key(start)
        if key is not None and len(found) < limit:  # letters: a Latin name, or a Chinese name by pinyin / initials
            seen = {member.id for member in found}
            found += [m for m in self._queries.by_name_keys(conn, key, limit) if m.id not in seen][: limit - len(found)]
        return found

    def lookup(self, actor: StaffSession, text: str) -> LookupResult:
        """The one box at the counter: a scanned code, a full phone, its last 4 digits, or a name.

        Raises `InvalidMemberCode` / `InvalidPhone` when the input clearly meant one of those and is wrong."""
        stripped = text.strip()
        if looks_like_member_code(stripped):
            found = self.find_by_code(actor, stripped)
            return LookupResult(LookupKind.MEMBER_CODE, (found,) if found else ())
        conn = self._db.lookup_connection()
        if is_tail_query(stripped):
            members = tuple(self.find_by_tail(actor, stripped))
            tail = unicodedata.normalize("NFKC", stripped)
            more = len(members) >= CANDIDATE_LIMIT  # only then is there more to count
            return LookupResult(LookupKind.TAIL, members, self._queries.count_by_tail(conn, tail) if more else None)
        if _mostly_digits(stripped):
            found = self.find_by_phone(actor, stripped)
            return LookupResult(LookupKind.PHONE, (found,) if found else ())
        members = tuple(self.find_by_name(actor, stripped))
        start = " ".join(unicodedata.normalize("NFKC", stripped).split())
        counted = self._queries.count_by_name_prefix(conn, start) if len(members) >= CANDIDATE_LIMIT else 0
        # Only names counted: a list filled by pinyin matches says no more than it shows.
        return LookupResult(LookupKind.NAME, members, counted if counted > len(members) else None)

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
        referrer_phone: str | None = None,
    ) -> MemberResult:
        """A new member, made at the till (offline too). A phone already known is refused, naming the member.
        `referrer_phone`: the member who brought them in (邀请好友), who must be a member this till knows
        (`REFERRER_NOT_FOUND` otherwise); both get the chain's referral coupon after the first purchase."""
        require(actor, Permission.ENROL)
        e164 = parse_mobile(phone)
        referrer_id: str | None = None
        if referrer_phone is not None and referrer_phone.strip():
            try:
                referrer = self.find_by_phone(actor, referrer_phone)
            except InvalidPhone:
                referrer = None
            if referrer is None or parse_mobile(referrer_phone) == e164:
                raise StoreError(Problem.REFERRER_NOT_FOUND)
            referrer_id = referrer.id
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
                        **_name_columns(cleaned),
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
                    referrer_id=referrer_id,
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
                if not profile:  # withdrawn: what was recorded about them goes (the server does the same)
                    session.execute(delete(Preference).where(Preference.member_id == member_id))
                    member.tags = []
                    member.top_categories = []
            member.updated_at = now
            from protocol.wire import MemberUpdateBody  # with the first write, not at start (localdb.outbox)

            body = MemberUpdateBody(member_id=member_id, changes=changes, staff_code=actor.code, at=now)
            enqueue(session, body, at=now)
            append_audit(session, at=now, staff_code=actor.code, action="consent", subject=member_id, detail=changes)
            view = self._queries.by_id(self._db.session_connection(session), member_id)
        assert view is not None
        return MemberResult(view)

    def edit(
        self,
        actor: StaffSession,
        member_id: str,
        *,
        name: str | None = None,
        birthday: date | None = None,
        clear_birthday: bool = False,
        phone: str | None = None,
        old_phone: str | None = None,
    ) -> MemberResult:
        """A manager corrects a member's name, birthday or phone (offline too: applied here, pushed later, checked
        again by the server). A new phone needs the member's old full number typed (`old_phone`), must be a valid
        mobile and must not belong to another member here. Refusals: PERMISSION_DENIED, INVALID_NAME,
        INVALID_BIRTHDAY, `InvalidPhone`, PHONE_NOT_VERIFIED, DUPLICATE_PHONE, NOTHING_TO_EDIT."""
        require(actor, Permission.EDIT_MEMBER)
        now = self._clock()
        cleaned = clean_name(name) if name is not None else None
        if birthday is not None and not (date(1900, 1, 1) <= birthday <= self._settings.current().today(now)):
            raise StoreError(Problem.INVALID_BIRTHDAY)
        new_phone = parse_mobile(phone) if phone is not None and phone.strip() else None
        try:
            with self._db.write() as session:
                member = session.get(Member, member_id)
                if member is None or not member.phone.startswith("+"):
                    raise StoreError(Problem.MEMBER_NOT_FOUND, member_id=member_id)
                fields: dict[str, object] = {}
                if cleaned is not None and cleaned != member.name:
                    member.name = fields["name"] = cleaned
                    member.name_pinyin, member.name_initials = name_keys(cleaned)
                if clear_birthday and member.birthday is not None:
                    member.birthday = None
                    fields["clear_birthday"] = True
                elif birthday is not None and birthday != member.birthday:
                    member.birthday = fields["birthday"] = birthday
                if new_phone is not None and new_phone != member.phone:
                    if not _same_phone(old_phone, member.phone):
                        raise StoreError(Problem.PHONE_NOT_VERIFIED, member_id=member_id)
                    holder = session.scalar(select(Member.id).where(Member.phone == new_phone))
                    if holder is not None:
                        raise StoreError(Problem.DUPLICATE_PHONE, member_id=holder)
                    member.phone = fields["phone"] = new_phone
                    member.phone_tail = phone_tail(new_phone)
                if not fields:
                    raise StoreError(Problem.NOTHING_TO_EDIT, member_id=member_id)
                member.updated_at = now
                from protocol.wire import MemberEditBody  # with the first write, not at start (localdb.outbox)

                body = MemberEditBody.model_validate(
                    {"member_id": member_id, "staff_code": actor.code, "at": now, **fields}
                )
                enqueue(session, body, at=now)
                append_audit(session, at=now, staff_code=actor.code, action="member_edit", subject=member_id,
                             detail={"fields": sorted(fields)})  # fmt: skip
                view = self._queries.by_id(self._db.session_connection(session), member_id)
        except IntegrityError as exc:  # another writer took the phone between our check and the update
            raise StoreError(Problem.DUPLICATE_PHONE) from exc
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


def _same_phone(typed: str | None, e164: str) -> bool:
    """Whether the number typed is this E.164 phone (any way a mobile may be written)."""
    if typed is None:
        return False
    try:
        return parse_mobile(typed) == e164
    except InvalidPhone:
        return False


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
