"""Writing members on the server, shared by push, import and demo data: the one builder of a new member's row
(`new_member_row`, and `merge_tombstone_row` for an id merged on arrival), create one (validated phone, card
serial, version), `touch` one (new version; tier, visits and segment recomputed from the ledger), tombstones (merge,
delete) and following `merged_into` to the surviving member. Call these inside `ServerDatabase.write()`; the row
builders touch no database (the demo data's generator process calls `new_member_row`).

Derived figures, all from the ledger:
- spend_12m_cents: the amounts of *unreversed* earn entries created in the last 12 months (loyalty.tiers' window);
- visits_90d: the number of unreversed earn entries (purchases) created in the last 90 days;
- tier from the spend (loyalty.tiers), segment from recency / visits / spend (loyalty.segments).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import bindparam, select, update
from sqlalchemy import delete as sa_delete
from sqlalchemy.orm import Session
from uuid6 import uuid7

from loyalty.phone import parse_mobile
from loyalty.rules import PointsRules
from loyalty.segments import DEFAULT_THRESHOLDS, SegmentThresholds, segment_for
from loyalty.tiers import tier_after_change, tier_for_spend, twelve_months_before
from server import chain
from server.bulk import Bulk
from server.db import ServerDatabase
from server.models import ChurnWarning, Coupon, LedgerEntry, Member, Preference
from server.purchase_window import NO_ACTIVITY, Activity, read_figures
from server.top_categories import favourites, spend_by_category

_MAX_MERGE_DEPTH: Final = 32
_PHONE_QUERY: Final = 2_000  # phones per IN (...) query


class DuplicatePhone(ValueError):
    """The phone already belongs to a live member (`member_id`)."""

    def __init__(self, member_id: str) -> None:
        super().__init__("the phone already belongs to a member")
        self.member_id = member_id


#: A row's columns that say nothing about anyone: a merge tombstone's, before its id, times and survivor.
_EMPTY_MEMBER: Final[dict[str, Any]] = {
    "phone": None, "name": "", "gender": None, "birthday": None, "tier": "", "spend_12m_cents": 0, "balance": 0,
    "segment": None, "consent_marketing": False, "consent_profile": False, "card_serial": None, "home_store": None,
    "last_visit_at": None, "visits_90d": 0, "deleted": False, "top_categories": [], "figures_valid_until": None,
    "tier_below_since": None, "tier_kept_until": None, "expiring_points": 0, "expiring_on": None,
    "next_expiry_on": None, "referred_by": None,
}  # fmt: skip


def find_by_phone(session: Session, e164: str) -> Member | None:
    return session.scalar(select(Member).where(Member.phone == e164))


def taken_phones(session: Session, phones: Sequence[str]) -> set[str]:
    """Which of these E.164 phones already belong to a member (bulk loaders check a chunk at a time)."""
    query = select(Member.phone).where(Member.phone.in_(bindparam("phones", expanding=True)))
    taken: set[str] = set()
    for start in range(0, len(phones), _PHONE_QUERY):
        part = list(phones[start : start + _PHONE_QUERY])
        taken.update(phone for phone in session.scalars(query, {"phones": part}) if phone is not None)
    return taken


def create_member(
    session: Session,
    db: ServerDatabase,
    *,
    phone: str,
    name: str,
    member_id: str | None = None,
    gender: str | None = None,
    birthday: date | None = None,
    consent_marketing: bool = False,
    consent_profile: bool = False,
    home_store: str | None = None,
    created_at: datetime | None = None,
    rules: PointsRules | None = None,
    check_phone: bool = True,
    card_serial: int | None = None,
) -> Member:
    """A new live member with a card serial and a version. Raises `loyalty.phone.InvalidPhone`, `DuplicatePhone`
    (unless `check_phone` is False and the caller has checked), `ValueError` for a bad name or gender. A bulk
    loader passes `card_serial` from `db.reserve_card_serials(session, n)`; otherwise one is reserved here."""
    e164 = parse_mobile(phone)
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > 64:
        raise ValueError("a member's name is 1 to 64 characters")
    if gender not in (None, "F", "M"):
        raise ValueError("gender is F, M or unknown")
    if check_phone:
        existing = session.scalar(select(Member.id).where(Member.phone == e164))
        if existing is not None:
            raise DuplicatePhone(existing)
    member = Member(
        **new_member_row(
            rules or chain.rules(session),
            db.clock(),
            member_id=member_id or str(uuid7()),
            phone=e164,
            name=cleaned,
            card_serial=card_serial if card_serial is not None else db.reserve_card_serials(session, 1),
            version=db.next_version(session),
            gender=gender,
            birthday=birthday,
            consent_marketing=consent_marketing,
            consent_profile=consent_profile,
            home_store=home_store,
            created_at=created_at,
        )
    )
    session.add(member)
    return member


def new_member_row(
    rules: PointsRules,
    now: datetime,
    *,
    member_id: str,
    phone: str,
    name: str,
    card_serial: int | None,
    version: int | None,
    gender: str | None = None,
    birthday: date | None = None,
    consent_marketing: bool = False,
    consent_profile: bool = False,
    home_store: str | None = None,
    created_at: datetime | None = None,
    tags: list[str] | None = None,
    balance: int = 0,
    activity: Activity = NO_ACTIVITY,
    last_visit_at: datetime | None = None,
    updated_at: datetime | None = None,
    top_categories: list[str] | None = None,
) -> dict[str, Any]:
    """Every column of a new live member's row (for `insert(Member)` or `Member(**row)`), the one builder for all
    the ways a member is made: `create_member`, a pushed enrolment, a CSV import, demo data. The caller has checked
    the phone and the name.

    `created_at` (default `now`) is never after `now`: a till whose clock runs ahead makes no member from the
    future. Tier and segment are what `touch` computes (`derived`) from `activity`, the member's spend and visits so
    far, with `last_visit_at` and `balance`: none for an enrolment or an import (the rules' first tier, whose
    minimum spend is 0), the generated history for demo data. `card_serial` and `version` may be None only for rows
    made ahead of the write that numbers them (demo data)."""
    created = now if created_at is None else min(created_at, now)
    tier, segment = derived(rules, now, created, last_visit_at, activity)
    return {
        "id": member_id,
        "phone": phone,
        "name": name,
        "gender": gender,
        "birthday": birthday,
        "tier": tier,
        "spend_12m_cents": activity.spend_12m_cents,
        "balance": balance,
        "segment": segment,
        "tags": [] if tags is None else tags,
        "consent_marketing": consent_marketing,
        "consent_profile": consent_profile,
        "card_serial": card_serial,
        "home_store": home_store,
        "last_visit_at": last_visit_at,
        "visits_90d": activity.visits_90d,
        "figures_valid_until": activity.valid_until,
        "tier_below_since": None,
        "tier_kept_until": None,
        "expiring_points": 0,
        "expiring_on": None,
        "next_expiry_on": None,
        "referred_by": None,
        "created_at": created,
        "updated_at": now if updated_at is None else updated_at,
        "version": version,
        "deleted": False,
        "merged_into": None,
        "top_categories": [] if top_categories is None else top_categories,
    }


def merge_tombstone_row(member_id: str, survivor_id: str, now: datetime, version: int) -> dict[str, Any]:
    """Every column of a tombstone for an id that never became a member here (an offline enrolment of a phone that
    already has a member), pointing at the survivor: no phone, name, tier or card."""
    return dict(_EMPTY_MEMBER, id=member_id, tags=[], top_categories=[], created_at=now, updated_at=now,
                version=version, merged_into=survivor_id)  # fmt: skip


def activity(session: Session, member_ids: Collection[str], now: datetime) -> dict[str, Activity]:
    """Spend and visits of many members from the ledger, in one query (`server.purchase_window.read_figures`)."""
    return read_figures(Bulk(session.connection()), member_ids, now)


def derived(
    rules: PointsRules,
    now: datetime,
    created_at: datetime,
    last_visit_at: datetime | None,
    facts: Activity,
    *,
    thresholds: SegmentThresholds = DEFAULT_THRESHOLDS,
) -> tuple[str, str]:
    """The tier the member's 12-month spend reaches and their segment now (the chain's `thresholds`). Whether they
    hold a higher tier for a while (the downgrade grace) is `loyalty.tiers.tier_after_change` / `tier_with_grace`."""
    reached = tier_for_spend(rules, facts.spend_12m_cents).code
    segment = segment_for(
        now=now,
        created_at=created_at,
        last_visit_at=last_visit_at,
        visits_90d=facts.visits_90d,
        spend_12m_cents=facts.spend_12m_cents,
        thresholds=thresholds,
    ).value
    return reached, segment


def touch(
    session: Session,
    db: ServerDatabase,
    member: Member,
    *,
    rules: PointsRules | None = None,
    activity_now: datetime | None = None,
    activity: Activity | None = None,
) -> int:
    """Give a live member a new version and recompute tier, visits and segment. `activity` (spend and visits) is
    read from the ledger unless given. Returns the new version."""
    now = activity_now or db.clock()
    if activity is None:
        session.flush()
        activity = _activity_of(session, member.id, now)
    rules = rules or chain.rules(session)
    member.spend_12m_cents = activity.spend_12m_cents
    member.visits_90d = activity.visits_90d
    member.figures_valid_until = activity.valid_until
    thresholds = chain.insight_rules(session).thresholds
    reached, member.segment = derived(
        rules, now, member.created_at, member.last_visit_at, activity, thresholds=thresholds
    )
    member.tier, member.tier_below_since = tier_after_change(rules, member.tier, member.tier_below_since, reached)
    member.tier_kept_until = None  # worked out again by the next refresh
    member.updated_at = now
    member.version = db.next_version(session)
    return member.version


def _activity_of(session: Session, member_id: str, now: datetime) -> Activity:
    return activity(session, [member_id], now)[member_id]


def resolve(session: Session, member_id: str) -> Member | None:
    """The live member this id stands for, following `merged_into`; None when unknown or deleted."""
    member = session.get(Member, member_id)
    for _ in range(_MAX_MERGE_DEPTH):
        if member is None or member.deleted:
            return None
        if member.merged_into is None:
            return member
        member = session.get(Member, member.merged_into)
    return None


def add_merge_tombstone(session: Session, db: ServerDatabase, member_id: str, survivor_id: str) -> Member:
    """A tombstone for an id that never became a member here (an offline enrolment of a known phone), pointing at
    the survivor so entries naming the id land there. Tills learn of it from `changes`."""
    tombstone = Member(**merge_tombstone_row(member_id, survivor_id, db.clock(), db.next_version(session)))
    session.add(tombstone)
    return tombstone


def merge(session: Session, db: ServerDatabase, loser_id: str, survivor_id: str) -> Member:
    """Merge two live members (a duplicate found later): the loser's ledger, preferences and balance move to the
    survivor, the loser becomes a tombstone. Returns the survivor."""
    loser, survivor = resolve(session, loser_id), resolve(session, survivor_id)
    if loser is None or survivor is None or loser.id == survivor.id:
        raise ValueError("merge needs two different live members")
    session.flush()
    session.execute(update(LedgerEntry).where(LedgerEntry.member_id == loser.id).values(member_id=survivor.id))
    # The loser's purchase lines follow its ledger (they are the entries' own): the survivor's history and top
    # categories include them.
    bulk = Bulk(session.connection())
    spend = spend_by_category(bulk, [survivor.id], twelve_months_before(db.clock()))
    survivor.top_categories = favourites(bulk, spend)[survivor.id] if survivor.consent_profile else []
    kept = select(Preference.kind, Preference.value).where(
        Preference.member_id == survivor.id, Preference.removed_at.is_(None)
    )
    for kind, value in session.execute(kept).all():  # a preference both had is kept once (tills hold it once)
        session.execute(
            sa_delete(Preference).where(
                Preference.member_id == loser.id, Preference.kind == kind, Preference.value == value,
                Preference.removed_at.is_(None),
            )
        )  # fmt: skip
    session.execute(update(Preference).where(Preference.member_id == loser.id).values(member_id=survivor.id))
    session.execute(update(Coupon).where(Coupon.member_id == loser.id).values(member_id=survivor.id))  # theirs too
    survivor.balance += loser.balance
    survivor.next_expiry_on = None  # the loser's points, with their own days, join the survivor's
    if loser.last_visit_at is not None and (
        survivor.last_visit_at is None or loser.last_visit_at > survivor.last_visit_at
    ):
        survivor.last_visit_at = loser.last_visit_at
    survivor.consent_marketing = survivor.consent_marketing or loser.consent_marketing
    _make_tombstone(loser, db, session)
    loser.merged_into = survivor.id
    loser.version = db.next_version(session)
    touch(session, db, survivor)
    return survivor


def delete(session: Session, db: ServerDatabase, member_id: str) -> None:
    """Erase a member's personal data (the member asked): a `deleted` tombstone; every preference row (removed ones
    too: they hold what was said about the person) and churn warning deleted; the ledger keeps its figures under the
    id."""
    member = session.get(Member, member_id)
    if member is None or member.deleted or member.merged_into is not None:
        raise ValueError("no live member with this id")
    session.execute(sa_delete(Preference).where(Preference.member_id == member_id))
    session.execute(sa_delete(ChurnWarning).where(ChurnWarning.member_id == member_id))  # who was to call them
    _make_tombstone(member, db, session)
    member.deleted = True
    member.version = db.next_version(session)


def _make_tombstone(member: Member, db: ServerDatabase, session: Session) -> None:
    member.phone = None
    member.name = ""
    member.gender = None
    member.birthday = None
    member.tags = []
    member.top_categories = []
    member.segment = None
    member.balance = 0
    member.consent_marketing = member.consent_profile = False
    member.card_serial = None
    member.updated_at = db.clock()
