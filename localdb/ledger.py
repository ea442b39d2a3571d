"""The points ledger at the till: award, redeem and reverse. Each call is one `BEGIN IMMEDIATE` transaction that
writes the ledger row, its outbox row and its audit row together, or nothing.

Rules come from the till's config (the server's, once registered). While the till cannot get a redemption
authorized online, a member may redeem at most the rules' stand-in cap per local day at this till; beyond it a
manager approves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from uuid6 import uuid7

from localdb.audit import append_audit
from localdb.changes import Changes
from localdb.database import Database
from localdb.errors import Problem, StoreError
from localdb.member_view import MemberQueries, MemberView
from localdb.models import EntrySync, Member, PointEntry
from localdb.outbox import enqueue
from localdb.staff import StaffSession, require
from localdb.till_config import TillConfig, TillSettings
from loyalty.clock import Clock, day_bounds
from loyalty.points import (
    earn_points,
    offline_cap_left,
    over_offline_cap,
    quote_redemption,
    reversal_needs_approval,
    whole_redemption,
)
from loyalty.roles import Permission, can
from loyalty.tiers import is_birthday_month
from protocol.limits import MAX_RECEIPT_LENGTH
from protocol.vocabulary import EntryKind


@cache
def _row_fields() -> set[str]:
    """The ledger columns an entry's outbox body also carries (the rest are the till's own: sync state, answers)."""
    from protocol.wire import PointEntryBody

    return set(PointEntry.__table__.columns.keys()) & set(PointEntryBody.model_fields)


@dataclass(frozen=True, slots=True)
class EntryView:
    id: str
    member_id: str
    kind: EntryKind
    points: int
    amount_cents: int | None  # earn: the purchase; redeem: the money the points paid
    receipt_no: str | None
    staff_code: str
    approved_by: str | None
    created_at: datetime
    reverses: str | None
    offline: bool
    sync_state: EntrySync


@dataclass(frozen=True, slots=True)
class LedgerResult:
    """The entry just written and the member as the till now sees them."""

    entry: EntryView
    member: MemberView

    @property
    def changes(self) -> Changes:
        return Changes.of_member(self.entry.member_id)


def _entry_view(entry: PointEntry) -> EntryView:
    return EntryView(
        id=entry.id,
        member_id=entry.member_id,
        kind=EntryKind(entry.kind),
        points=entry.points,
        amount_cents=entry.amount_cents,
        receipt_no=entry.receipt_no,
        staff_code=entry.staff_code,
        approved_by=entry.approved_by,
        created_at=entry.created_at,
        reverses=entry.reverses,
        offline=entry.offline,
        sync_state=EntrySync(entry.sync_state),
    )


def _clean_receipt(receipt_no: str | None) -> str | None:
    if receipt_no is None:
        return None
    cleaned = receipt_no.strip()
    if len(cleaned) > MAX_RECEIPT_LENGTH:
        raise StoreError(Problem.INVALID_RECEIPT, limit=MAX_RECEIPT_LENGTH)
    return cleaned or None


class LedgerService:
    def __init__(
        self,
        db: Database,
        settings: TillSettings,
        queries: MemberQueries,
        clock: Clock,
        *,
        trusted: Clock | None = None,
    ) -> None:
        self._db = db
        self._settings = settings
        self._queries = queries
        self._clock = clock
        self._trusted = trusted or clock  # the stand-in cap's day counts by it (localdb.trusted_clock)

    # -- helpers inside one transaction ---------------------------------------------------------------------------

    def _member(self, session: Session, member_id: str) -> MemberView:
        member = self._queries.by_id(self._db.session_connection(session), member_id)
        if member is None:
            raise StoreError(Problem.MEMBER_NOT_FOUND, member_id=member_id)
        return member

    def _write_entry(
        self,
        session: Session,
        actor: StaffSession,
        config: TillConfig,
        now: datetime,
        *,
        member_id: str,
        kind: EntryKind,
        points: int,
        amount_cents: int | None,
        receipt_no: str | None = None,
        approved_by: str | None = None,
        reverses: str | None = None,
        offline: bool = False,
        bill_cents: int | None = None,
        bonuses: tuple[str, ...] = (),
        birthday_month: bool = False,
        tier: str | None = None,
        entry_id: str | None = None,
    ) -> LedgerResult:
        from protocol.wire import PointEntryBody  # with the first entry, not at start (localdb.outbox says why)

        body = PointEntryBody(
            id=entry_id or str(uuid7()),
            member_id=member_id,
            kind=kind,
            points=points,
            amount_cents=amount_cents,
            bill_cents=bill_cents,
            receipt_no=receipt_no,
            rule_version=config.rules.version,
            staff_code=actor.code,
            approved_by=approved_by,
            store_code=config.store_code,
            device_id=config.device_id,
            created_at=now,
            reverses=reverses,
            offline=offline,
            bonuses=list(bonuses),
            birthday_month=birthday_month,
            tier=tier,
        )
        if body.breaks_kind_rule():  # a bug in this service: refuse before the server would
            raise ValueError(f"a {kind.value} entry without what its kind needs")
        # The ledger row is the body's own fields: what is queued for the server is what is kept here.
        row = body.model_dump(include=_row_fields()) | {"kind": kind.value}
        entry = PointEntry(**row, sync_state=EntrySync.PENDING.value)
        session.add(entry)
        member = session.get(Member, member_id)
        assert member is not None
        member.last_visit_at = now
        session.flush()
        enqueue(session, body, at=now)
        append_audit(
            session,
            at=now,
            staff_code=actor.code,
            action=kind.value,
            subject=entry.id,
            detail={"member_id": member_id, "points": points, "approved_by": approved_by},
        )
        return LedgerResult(_entry_view(entry), self._member(session, member_id))

    # -- services ----------------------------------------------------------------------------------------------

    def award(
        self,
        actor: StaffSession,
        member_id: str,
        amount_cents: int,
        *,
        receipt_no: str | None = None,
        bonuses: tuple[str, ...] = (),
    ) -> LedgerResult:
        """Points for a purchase. The same receipt at this store earns once: a second try is refused."""
        require(actor, Permission.AWARD)
        config = self._settings.current()
        receipt = _clean_receipt(receipt_no)
        now = self._clock()
        try:
            with self._db.write() as session:
                member = self._member(session, member_id)
                birthday_month = is_birthday_month(member.birthday, config.today(now))
                quote = earn_points(config.rules, amount_cents, member.tier, birthday_month=birthday_month,
                                    bonuses=bonuses)  # fmt: skip
                if quote.points <= 0:
                    raise StoreError(Problem.NOTHING_TO_AWARD)
                if receipt is not None:
                    earlier = session.scalar(
                        select(PointEntry.id).where(
                            PointEntry.store_code == config.store_code,
                            PointEntry.receipt_no == receipt,
                            PointEntry.kind == EntryKind.EARN.value,
                        )
                    )
                    if earlier is not None:
                        raise StoreError(Problem.DUPLICATE_RECEIPT, entry_id=earlier)
                return self._write_entry(
                    session,
                    actor,
                    config,
                    now,
                    member_id=member_id,
                    kind=EntryKind.EARN,
                    points=quote.points,
                    amount_cents=amount_cents,
                    receipt_no=receipt,
                    bonuses=bonuses,
                    birthday_month=birthday_month,
                    tier=member.tier,
                )
        except IntegrityError as exc:  # the partial unique index caught a concurrent double award
            raise StoreError(Problem.DUPLICATE_RECEIPT) from exc

    def offline_redeemed_today(self, session: Session, config: TillConfig, member_id: str, now: datetime) -> int:
        """Points this member redeemed at this till today without online authorization (reversed ones excluded)."""
        reversed_ids = select(PointEntry.reverses).where(PointEntry.reverses.is_not(None))
        total = session.scalar(
            select(func.coalesce(func.sum(-PointEntry.points), 0)).where(
                PointEntry.member_id == member_id,
                PointEntry.kind == EntryKind.REDEEM.value,
                PointEntry.offline.is_(True),
                PointEntry.created_at >= day_bounds(config.today(now), config.zone)[0],
                PointEntry.id.not_in(reversed_ids),
            )
        )
        return int(total or 0)

    def redeem(
        self,
        actor: StaffSession,
        member_id: str,
        points: int,
        *,
        bill_cents: int,
        receipt_no: str | None = None,
        approver: StaffSession | None = None,
        online_authorized: bool = False,
        entry_id: str | None = None,
    ) -> LedgerResult:
        """Points off a bill. Checks the rules and the available balance; without online authorization the
        stand-in cap applies and a manager (the actor or `approver`) may approve going over it. `entry_id` is the id
        the online authorization reserved the points under (the pushed entry consumes that hold); a fresh UUIDv7
        when None."""
        require(actor, Permission.REDEEM)
        points, bill_cents = whole_redemption(points, bill_cents)  # 100.5 or "100" from outside: RedeemRefused
        if approver is not None:
            require(approver, Permission.APPROVE)
        config = self._settings.current()
        now = self._clock()
        with self._db.write() as session:
            member = self._member(session, member_id)
            quote = quote_redemption(config.rules, points, bill_cents, member.available_points)
            approved_by: str | None = None
            if not online_authorized:
                used = self.offline_redeemed_today(session, config, member_id, self._trusted())
                if over_offline_cap(config.rules, used, quote.points):
                    if approver is not None:
                        approved_by = approver.code
                    elif can(actor.role, Permission.APPROVE):
                        approved_by = actor.code
                    else:
                        left = offline_cap_left(config.rules, used)
                        raise StoreError(Problem.OVER_OFFLINE_CAP, member_id=member_id, limit=left)
            return self._write_entry(
                session,
                actor,
                config,
                now,
                member_id=member_id,
                kind=EntryKind.REDEEM,
                points=-quote.points,
                amount_cents=quote.value_cents,
                receipt_no=_clean_receipt(receipt_no),
                approved_by=approved_by,
                offline=not online_authorized,
                bill_cents=bill_cents,
                entry_id=entry_id,
            )

    def reverse(self, actor: StaffSession, entry_id: str, *, approver: StaffSession | None = None) -> LedgerResult:
        """Undo an entry with a new one pointing at it. An entry is reversed at most once; above the rules' limit
        a manager approves; a reversal that would take the member below zero is refused."""
        require(actor, Permission.REVERSE)
        if approver is not None:
            require(approver, Permission.APPROVE)
        config = self._settings.current()
        now = self._clock()
        try:
            with self._db.write() as session:
                original = session.get(PointEntry, entry_id)
                if original is None:
                    raise StoreError(Problem.ENTRY_NOT_FOUND, entry_id=entry_id)
                if original.kind == EntryKind.REVERSE.value or original.sync_state == EntrySync.REJECTED.value:
                    raise StoreError(Problem.NOT_REVERSIBLE, entry_id=entry_id)
                done = session.scalar(select(PointEntry.id).where(PointEntry.reverses == entry_id))
                if done is not None:
                    raise StoreError(Problem.ALREADY_REVERSED, entry_id=done)
                approved_by: str | None = None
                if reversal_needs_approval(config.rules, original.points):
                    if approver is not None:
                        approved_by = approver.code
                    elif can(actor.role, Permission.APPROVE):
                        approved_by = actor.code
                    else:
                        raise StoreError(
                            Problem.APPROVAL_REQUIRED, entry_id=entry_id, limit=config.rules.reversal_approval_points
                        )
                member = self._member(session, original.member_id)
                if member.available_points - original.points < 0:
                    raise StoreError(Problem.INSUFFICIENT_POINTS, member_id=member.id, limit=member.available_points)
                return self._write_entry(
                    session,
                    actor,
                    config,
                    now,
                    member_id=original.member_id,
                    kind=EntryKind.REVERSE,
                    points=-original.points,
                    amount_cents=original.amount_cents,
                    receipt_no=original.receipt_no,
                    approved_by=approved_by,
                    reverses=entry_id,
                )
        except IntegrityError as exc:  # the unique `reverses` caught a concurrent second reversal
            raise StoreError(Problem.ALREADY_REVERSED, entry_id=entry_id) from exc

    def offline_cap_left(self, actor: StaffSession, member_id: str) -> int:
        """How many points this member may still redeem at this till today without online authorization and without
        a manager (the stand-in cap less what was redeemed offline today): what the redeem screen offers offline."""
        require(actor, Permission.LOOKUP)
        config = self._settings.current()
        with self._db.read() as session:
            used = self.offline_redeemed_today(session, config, member_id, self._trusted())
        return offline_cap_left(config.rules, used)

    def recent_entries(self, actor: StaffSession, member_id: str, limit: int = 20) -> list[EntryView]:
        """This till's entries for a member, newest first (for the reverse screen and recent visits)."""
        require(actor, Permission.LOOKUP)
        with self._db.read() as session:
            rows = session.scalars(
                select(PointEntry)
                .where(PointEntry.member_id == member_id)
                .order_by(PointEntry.created_at.desc(), PointEntry.id.desc())
                .limit(limit)
            )
            return [_entry_view(row) for row in rows]
