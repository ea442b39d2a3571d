"""What store guides learn about a member: favourite categories, sizes, colours, styles, tags and notes, with who
recorded each and when. Recorded only with the member's consent; removal keeps the row (who removed it, when)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from localdb.audit import append_audit
from localdb.changes import Changes
from localdb.database import Database
from localdb.errors import Problem, StoreError
from localdb.models import Member, Preference, Staff
from localdb.outbox import enqueue
from localdb.staff import StaffSession, require
from loyalty.clock import Clock
from loyalty.roles import Permission
from protocol.vocabulary import PreferenceKind, PreferenceOp

MAX_VALUE_LENGTH = 200


@dataclass(frozen=True, slots=True)
class PreferenceView:
    id: int
    member_id: str
    kind: PreferenceKind
    value: str
    source: str
    staff_code: str | None
    created_at: datetime
    staff_name: str | None = None  # who recorded it, by name (None: from purchases, or staff this till never saw)


@dataclass(frozen=True, slots=True)
class PreferenceResult:
    """A preference just recorded."""

    preference: PreferenceView

    @property
    def changes(self) -> Changes:
        return Changes.of_member(self.preference.member_id)


class PreferenceService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def list(self, actor: StaffSession, member_id: str) -> list[PreferenceView]:
        """The member's current preferences, grouped by kind, newest first within a kind."""
        require(actor, Permission.VIEW_PREFERENCES)
        with self._db.read() as session:
            rows = session.execute(
                select(Preference, Staff.name)
                .outerjoin(Staff, Staff.code == Preference.staff_code)
                .where(Preference.member_id == member_id, Preference.removed_at.is_(None))
                .order_by(Preference.kind, Preference.created_at.desc(), Preference.id.desc())
            )
            return [
                PreferenceView(
                    r.id,
                    r.member_id,
                    PreferenceKind(r.kind),
                    r.value,
                    r.source,
                    r.staff_code,
                    r.created_at,
                    staff_name=name,
                )
                for r, name in rows
            ]

    def add(self, actor: StaffSession, member_id: str, kind: PreferenceKind, value: str) -> PreferenceResult:
        require(actor, Permission.EDIT_PREFERENCES)
        cleaned = " ".join(unicodedata.normalize("NFKC", value).split())
        if not cleaned or len(cleaned) > MAX_VALUE_LENGTH:
            raise StoreError(Problem.INVALID_PREFERENCE)
        now = self._clock()
        try:
            with self._db.write() as session:
                member = session.get(Member, member_id)
                if member is None:
                    raise StoreError(Problem.MEMBER_NOT_FOUND, member_id=member_id)
                if not member.consent_profile:
                    raise StoreError(Problem.CONSENT_REQUIRED, member_id=member_id)
                pref = Preference(
                    member_id=member_id,
                    kind=kind.value,
                    value=cleaned,
                    source="staff",
                    staff_code=actor.code,
                    created_at=now,
                )
                session.add(pref)
                session.flush()
                self._enqueue(session, actor, now, member_id, PreferenceOp.ADD, kind, cleaned)
                append_audit(
                    session, at=now, staff_code=actor.code, action="preference_add", subject=member_id,
                    detail={"kind": kind.value, "preference_id": pref.id},
                )  # fmt: skip
        except IntegrityError as exc:
            raise StoreError(Problem.INVALID_PREFERENCE, member_id=member_id) from exc
        return PreferenceResult(
            PreferenceView(pref.id, member_id, kind, cleaned, "staff", actor.code, now, staff_name=actor.name)
        )

    def remove(self, actor: StaffSession, preference_id: int) -> Changes:
        require(actor, Permission.EDIT_PREFERENCES)
        now = self._clock()
        with self._db.write() as session:
            pref = session.get(Preference, preference_id)
            if pref is None or pref.removed_at is not None:
                raise StoreError(Problem.PREFERENCE_NOT_FOUND)
            pref.removed_at, pref.removed_by = now, actor.code
            self._enqueue(
                session, actor, now, pref.member_id, PreferenceOp.REMOVE, PreferenceKind(pref.kind), pref.value
            )
            append_audit(
                session, at=now, staff_code=actor.code, action="preference_remove", subject=pref.member_id,
                detail={"kind": pref.kind, "preference_id": pref.id},
            )  # fmt: skip
            return Changes.of_member(pref.member_id)

    @staticmethod
    def _enqueue(
        session: Session,
        actor: StaffSession,
        now: datetime,
        member_id: str,
        op: PreferenceOp,
        kind: PreferenceKind,
        value: str,
    ) -> None:
        from protocol.wire import PreferenceBody  # with the first write, not at start (localdb.outbox)

        body = PreferenceBody(member_id=member_id, op=op, kind=kind, value=value, staff_code=actor.code, at=now)
        enqueue(session, body, at=now)
