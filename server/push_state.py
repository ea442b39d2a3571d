"""What a push batch knows and changes: the members it touches (and their survivors), the entries it reverses, the
reservations it consumes, the members' live preferences and 12-month figures — each fetched in one query before
the first item is applied — and the members' new state, written back in one statement at the end.

The members' purchases in their 12-month and 90-day windows (`server.purchase_window`) come from the member rows'
own figures while those are exact (`member.figures_valid_until`), so a sale is added to them; only members whose
figures expired are read from the ledger (and stamped again when the batch writes them).

Thread: the API's worker threads; a `Batch` lives inside one `ServerDatabase.write()`.
"""

from __future__ import annotations

import contextlib
import operator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import Table, insert, update
from sqlalchemy.orm import Session

from loyalty.clock import day_bounds, store_day, store_zone
from loyalty.gifts import Gift
from loyalty.phone import InvalidPhone, parse_mobile
from loyalty.rules import PointsRules
from loyalty.segments import SegmentThresholds
from loyalty.tiers import tier_after_change, tier_rank, twelve_months_before
from protocol.vocabulary import EntryKind
from protocol.wire import (
    CouponIssueBody,
    CouponUseBody,
    EnrolBody,
    ItemBody,
    MemberEditBody,
    MemberUpdateBody,
    PointEntryBody,
    PreferenceBody,
)
from server import chain
from server.auth import AuthenticatedDevice
from server.bulk import Bulk, read_date
from server.db import ServerDatabase
from server.gifts import catalogue
from server.members import derived
from server.models import Member
from server.purchase_window import VISIT_WINDOW, Activity, Window, figures_valid, read_windows

_MAX_MERGE_DEPTH = 32
_MEMBER_TABLE: Table = Member.__table__  # type: ignore[assignment]
_STATE_COLUMNS = (
    "id, phone, deleted, merged_into, created_at, last_visit_at, balance, spend_12m_cents, visits_90d, tier, segment, "
    "consent_marketing, consent_profile, version, birthday, figures_valid_until, tier_below_since, expiring_points"
)  # not updated_at: a member the batch changes gets the batch's time, the others are not written
#: The member columns a batch changes, written back with one UPDATE.
_CHANGING = (
    "balance", "spend_12m_cents", "visits_90d", "tier", "segment", "last_visit_at", "consent_marketing",
    "consent_profile", "updated_at", "version", "figures_valid_until", "tier_below_since", "tier_kept_until",
    "expiring_points",
)  # fmt: skip
_changing_and_id = operator.attrgetter(*_CHANGING, "id")  # a member's UPDATE row, read at C speed


@dataclass(slots=True)
class EntryFacts:
    """What a reversal needs to know about the entry it reverses (and the stand-in cap, about a redemption)."""

    member_id: str
    kind: str
    points: int
    amount_cents: int | None
    created_at: datetime
    offline: bool = False
    device_id: str = ""
    bill_cents: int | None = None  # a redemption's bill: what its refunds count against
    refunded_cents: int = 0  # money given back on it so far (refunds and reconciled returns)


@dataclass(frozen=True, slots=True)
class StaffFacts:
    """A staff code as the server knows it: role, store (None: chain-wide, which only a manager is: staff_scope),
    whether it still works."""

    role: str
    store_id: int | None
    active: bool


@dataclass(slots=True)
class MemberState:
    """A member as the batch sees it: read with one query, changed in memory, written back in one statement."""

    id: str
    phone: str | None
    deleted: bool
    merged_into: str | None
    created_at: datetime
    last_visit_at: datetime | None
    balance: int
    spend_12m_cents: int
    visits_90d: int
    tier: str
    segment: str | None
    consent_marketing: bool
    consent_profile: bool
    version: int
    birthday: date | None = None
    figures_valid_until: datetime | None = None  # until when spend_12m_cents and visits_90d stay exact (None: unknown)
    tier_below_since: datetime | None = None  # in the downgrade grace since (`loyalty.tiers.tier_after_change`)
    tier_kept_until: date | None = None  # never read: a member the batch changes has it worked out by the refresh
    expiring_points: int = 0  # the soonest-expiring points: what takes the oldest points first takes these first
    updated_at: datetime | None = None  # set when the batch changes the member
    new_row: dict[str, Any] | None = None  # the whole row of a member created by this batch
    dirty: bool = False


def _state(bulk: Bulk, row: tuple[Any, ...]) -> MemberState:
    (member_id, phone, deleted, merged_into, created_at, last_visit_at, balance, spend, visits, tier, segment,
     marketing, profile, version, birthday, valid_until, below_since, expiring) = row  # fmt: skip
    read_time = bulk.read_time
    return MemberState(member_id, phone, bool(deleted), merged_into, read_time(created_at), read_time(last_visit_at),
                       balance, spend, visits, tier, segment, bool(marketing), bool(profile), version,
                       read_date(birthday), read_time(valid_until), read_time(below_since),
                       expiring_points=expiring or 0)  # fmt: skip


@dataclass
class Batch:
    """Everything fetched up front for a batch, and everything to write at its end."""

    session: Session
    bulk: Bulk
    db: ServerDatabase
    device: AuthenticatedDevice
    now: datetime
    rules: PointsRules
    thresholds: SegmentThresholds  # the chain's segment thresholds (its insight rules)
    members: dict[str, MemberState]
    by_phone: dict[str, MemberState]
    entries: dict[str, EntryFacts]
    reversed_ids: set[str]
    reservations: set[str]  # ids of unconsumed reservations of the batch's redemptions
    purchases: dict[str, Window]  # live member -> its unreversed earns in the windows, with their totals
    card_serials: list[int]
    live_preferences: dict[tuple[str, str, str], list[int]]  # (member, kind, value) -> ids of live rows
    rules_by_version: dict[int, PointsRules]  # the rule sets the batch's entries name that the chain ever had
    staff: dict[str, StaffFacts]  # the staff codes the batch's entries name, as the server knows them
    zone: tzinfo  # the device's store's: store days (the stand-in cap) and the birthday month count by it
    offline_redeemed: dict[tuple[str, date], int]  # (member, store day) -> points this till redeemed offline
    ledger_rows: list[tuple[Any, ...]] = field(default_factory=list)
    preference_rows: list[dict[str, Any]] = field(default_factory=list)
    removed_preferences: list[tuple[datetime, int]] = field(default_factory=list)
    consumed: list[str] = field(default_factory=list)
    touched: dict[str, MemberState] = field(default_factory=dict)
    consent_events: list[dict[str, Any]] = field(default_factory=list)  # `consent_event` rows to insert
    #: (store, receipt) -> (earn entry id, member id): the sales the batch's offline returns name
    receipts: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    #: receipt -> (adjustment id, money, member id) of offline returns of this store's receipts still unreconciled
    pending_returns: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)
    reconciled: list[tuple[str, str]] = field(default_factory=list)  # (earlier return's id, the earn it names)
    line_rows: list[tuple[Any, ...]] = field(default_factory=list)  # `entry_lines` rows to insert
    sale_rows: list[tuple[Any, ...]] = field(default_factory=list)  # `sale` rows to insert
    withdrawn: set[str] = field(default_factory=set)  # members whose profile consent a till withdrew
    edits: dict[str, dict[str, Any]] = field(default_factory=dict)  # member -> columns a manager's edit changed
    #: (member, event) for the benefit rules' coupons: "welcome" (enrolled), "tier_upgrade" (reached a higher tier)
    events: list[tuple[str, str]] = field(default_factory=list)
    gifts: dict[str, Gift] = field(default_factory=dict)  # the catalogue's items the batch's gift entries name
    gift_stock: dict[str, int] = field(default_factory=dict)  # their stock at the device's store, as the batch goes
    gifts_taken: dict[str, int] = field(default_factory=dict)  # sku -> how many the batch handed out
    year_start: datetime = field(init=False)
    visit_start: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.year_start = twelve_months_before(self.now)
        self.visit_start = self.now - VISIT_WINDOW

    def add_member(self, row: dict[str, Any]) -> MemberState:
        """A member (or merge tombstone) this batch creates, from its whole new row (`server.members`' builders):
        inserted when the batch is written, with the columns the batch changed since."""
        member = MemberState(
            row["id"], row["phone"], row["deleted"], row["merged_into"], row["created_at"], row["last_visit_at"],
            row["balance"], row["spend_12m_cents"], row["visits_90d"], row["tier"], row["segment"],
            row["consent_marketing"], row["consent_profile"], row["version"], row["birthday"],
            row["figures_valid_until"], row["tier_below_since"], updated_at=row["updated_at"], new_row=row,
        )  # fmt: skip
        self.members[member.id] = member
        return member

    def resolve(self, member_id: str) -> MemberState | None:
        """The live member an id stands for, following merges; None when unknown or deleted."""
        return _live(self.members, member_id)

    def touch(self, member: MemberState) -> int:
        """The member changed: a new version for the item (its answer), the member's row written once at the end
        of the batch with the last one, so every item's version is at or before a state that includes it."""
        member.version = self.db.next_version(self.session)
        member.dirty = True
        self.touched.setdefault(member.id, member)
        return member.version

    def finish(self) -> None:
        """Each changed member once: tier, visits and segment from the batch's running ledger activity (a member in
        their downgrade grace keeps their tier: `loyalty.tiers.tier_after_change`)."""
        for member in self.touched.values():
            facts = self.activity_of(member.id)
            member.spend_12m_cents, member.visits_90d = facts.spend_12m_cents, facts.visits_90d
            member.figures_valid_until = facts.valid_until
            reached, member.segment = derived(
                self.rules, self.now, member.created_at, member.last_visit_at, facts, thresholds=self.thresholds
            )
            before = member.tier
            member.tier, member.tier_below_since = tier_after_change(
                self.rules, member.tier, member.tier_below_since, reached
            )
            if member.new_row is None and tier_rank(self.rules, member.tier) > tier_rank(self.rules, before):
                self.events.append((member.id, "tier_upgrade"))
            member.updated_at = self.now

    def window(self, member_id: str) -> Window:
        """The member's purchase window (an empty one for a member new to the batch)."""
        window = self.purchases.get(member_id)
        if window is None:
            window = self.purchases[member_id] = Window({}, 0, 0, None, None)
        return window

    def activity_of(self, member_id: str) -> Activity:
        return self.window(member_id).activity()

    def count_purchase(self, member_id: str, entry_id: str, amount_cents: int, created_at: datetime) -> None:
        self.window(member_id).add(entry_id, created_at, amount_cents, self.year_start, self.visit_start)

    def uncount_purchase(self, member_id: str, entry_id: str) -> None:
        self.window(member_id).remove(entry_id, self.visit_start)

    def materialize(self, member: MemberState) -> None:
        """Insert a member this batch created now rather than at its end: a row of another table that refers to it
        (a coupon, a coupon use) is about to be written through the session. From now on it is written back as any
        changed member is."""
        if member.new_row is None:
            return
        self.bulk.flush()
        self.session.execute(
            insert(Member), [{**member.new_row, **{name: getattr(member, name) for name in _CHANGING}}]
        )
        member.new_row = None
        member.dirty = True

    def write_members(self) -> None:
        """New members (and tombstones) inserted, changed ones updated, each in one statement (the update queued on
        PostgreSQL: `Bulk.flush`)."""
        new_rows: list[dict[str, Any]] = []
        updates: list[tuple[Any, ...]] = []
        for member in self.members.values():
            if member.new_row is not None:
                new_rows.append({**member.new_row, **{name: getattr(member, name) for name in _CHANGING}})
            elif member.dirty:
                updates.append(_changing_and_id(member))
        # A manager's corrections (rare: one statement each): a member's before the new rows, which may take the
        # phone it gave up; a new member's after its row exists.
        created = {member.id for member in self.members.values() if member.new_row is not None}
        edits = list(self.edits.items())
        self.bulk.flush()  # statements of the session's own follow: the bulk writes before them go first
        for member_id, columns in (edit for edit in edits if edit[0] not in created):
            self.session.execute(update(Member).where(Member.id == member_id).values(**columns))
        if new_rows:
            self.session.execute(insert(Member), new_rows)
        self.bulk.update(_MEMBER_TABLE, _CHANGING, "id", updates)
        if any(edit[0] in created for edit in edits):
            self.bulk.flush()
        for member_id, columns in (edit for edit in edits if edit[0] in created):
            self.session.execute(update(Member).where(Member.id == member_id).values(**columns))


def _load_members(bulk: Bulk, ids: set[str]) -> dict[str, MemberState]:
    """The members of `ids` and, link by link, the survivors they were merged into."""
    members: dict[str, MemberState] = {}
    wanted = set(ids)
    for _ in range(_MAX_MERGE_DEPTH):
        if not wanted:
            break
        where, keys = bulk.in_keys("id", wanted)
        sql = f"SELECT {_STATE_COLUMNS} FROM member WHERE {where}"  # noqa: S608 - our own names
        found = [_state(bulk, row) for row in bulk.rows(sql, keys)]
        members.update((member.id, member) for member in found)
        wanted = {m.merged_into for m in found if m.merged_into is not None and m.merged_into not in members}
    return members


def _purchases(
    live_ids: set[str],
    members: dict[str, MemberState],
    entries: dict[str, EntryFacts],
    reversed_ids: set[str],
    bulk: Bulk,
    now: datetime,
) -> dict[str, Window]:
    """Each live member's window: from their stored figures while those are exact (with the earns among `entries`,
    the batch's reversal and refund targets, that it may take back), else read from the ledger."""
    year_start, visit_start = twelve_months_before(now), now - VISIT_WINDOW
    known: dict[str, dict[str, tuple[datetime, int]]] = {}
    for entry_id, facts in entries.items():
        if facts.kind == EntryKind.EARN.value and entry_id not in reversed_ids:
            net = (facts.amount_cents or 0) - facts.refunded_cents
            known.setdefault(facts.member_id, {})[entry_id] = (facts.created_at, net)
    found: dict[str, Window] = {}
    stale: list[str] = []
    for member_id in live_ids:
        member = members[member_id]
        if figures_valid(member.figures_valid_until, now):
            figures = Activity(member.spend_12m_cents, member.visits_90d, member.figures_valid_until)
            found[member_id] = Window.from_figures(figures, known.get(member_id, {}), year_start, visit_start)
        else:
            stale.append(member_id)
    found.update(read_windows(bulk, stale, now))
    return found


def prepare(
    session: Session, db: ServerDatabase, device: AuthenticatedDevice, bodies: list[ItemBody | None], now: datetime
) -> Batch:
    """Read everything the batch's items need, each kind in one query."""
    bulk = Bulk(session.connection())
    member_ids = {
        body.member_id
        for body in bodies
        if isinstance(
            body,
            EnrolBody
            | PointEntryBody
            | PreferenceBody
            | MemberUpdateBody
            | MemberEditBody
            | CouponUseBody
            | CouponIssueBody,
        )
    }
    phones: set[str] = set()
    enrols = 0
    for body in bodies:
        if isinstance(body, EnrolBody):
            enrols += 1
            with contextlib.suppress(InvalidPhone):
                phones.add(parse_mobile(body.phone))
        elif isinstance(body, MemberEditBody) and body.phone is not None:
            with contextlib.suppress(InvalidPhone):
                phones.add(parse_mobile(body.phone))
    members = _load_members(bulk, member_ids)
    by_phone = {m.phone: m for m in members.values() if m.phone is not None}
    missing_phones = phones - set(by_phone)
    if missing_phones:
        where, keys = bulk.in_keys("phone", missing_phones)
        sql = f"SELECT {_STATE_COLUMNS} FROM member WHERE {where}"  # noqa: S608 - our own names
        for row in bulk.rows(sql, keys):
            member = _state(bulk, row)
            members[member.id] = member
            by_phone[member.phone or ""] = member
    entry_bodies = [body for body in bodies if isinstance(body, PointEntryBody)]
    receipts = _returned_sales(bulk, entry_bodies)
    targets = {body.reverses for body in entry_bodies if body.reverses is not None}
    targets |= {body.refund_of for body in entry_bodies if body.refund_of is not None}
    targets |= {entry_id for entry_id, _member_id in receipts.values()}  # reconciled with a return: money back
    entries: dict[str, EntryFacts] = {}
    reversed_ids: set[str] = set()
    if targets:
        where, keys = bulk.in_keys("id", targets)
        sql = (
            "SELECT id, member_id, kind, points, amount_cents, created_at, offline, device_id, bill_cents "  # noqa: S608
            f"FROM ledger_entry WHERE {where}"
        )
        for entry_id, member_id, kind, points, amount_cents, created_at, offline, device_id, bill in bulk.rows(
            sql, keys
        ):
            entries[entry_id] = EntryFacts(
                member_id, kind, points, amount_cents, bulk.read_time(created_at), bool(offline), device_id, bill
            )
        where, keys = bulk.in_keys("reverses", targets)
        sql = f"SELECT reverses FROM ledger_entry WHERE {where}"  # noqa: S608 - our own names
        reversed_ids = {row[0] for row in bulk.rows(sql, keys)}
        _count_refunds(bulk, entries, targets)  # a reversal's target too: its window counts it net of them
        missing_members = {facts.member_id for facts in entries.values()} - set(members)
        members.update(_load_members(bulk, missing_members))
    members.update(_load_members(bulk, {member_id for _entry, member_id in receipts.values()} - set(members)))
    pending_returns = _pending_returns(bulk, device.store_code, entry_bodies)
    redeem_ids = {body.id for body in entry_bodies if body.kind is EntryKind.REDEEM}
    reservations: set[str] = set()
    if redeem_ids:
        where, keys = bulk.in_keys("id", redeem_ids)
        sql = f"SELECT id FROM reservation WHERE {where} AND consumed_at IS NULL"  # noqa: S608 - our own names
        reservations = {row[0] for row in bulk.rows(sql, keys)}
    live_ids = {m.id for m in members.values() if m.merged_into is None and not m.deleted}
    live_preferences: dict[tuple[str, str, str], list[int]] = {}
    if live_ids and any(isinstance(body, PreferenceBody) for body in bodies):
        where, keys = bulk.in_keys("member_id", live_ids)
        sql = f"SELECT id, member_id, kind, value FROM preference WHERE {where} AND removed_at IS NULL ORDER BY id"  # noqa: S608
        for pref_id, member_id, kind, value in bulk.rows(sql, keys):
            live_preferences.setdefault((member_id, kind, value), []).append(pref_id)
    rules_by_version = chain.rules_of(session, {body.rule_version for body in entry_bodies})
    zone = store_zone(
        bulk.rows("SELECT timezone FROM store WHERE id = " + bulk.mark, (device.store_id,))[0][0]  # noqa: S608
    )
    card_serials: list[int] = []
    if enrols:
        first = db.reserve_card_serials(session, enrols)
        card_serials = list(range(first + enrols - 1, first - 1, -1))  # popped from the end: ascending
    return Batch(
        session=session,
        bulk=bulk,
        db=db,
        device=device,
        now=now,
        rules=chain.rules(session),
        thresholds=chain.insight_rules(session).thresholds,
        members=members,
        by_phone=by_phone,
        entries=entries,
        reversed_ids=reversed_ids,
        reservations=reservations,
        purchases=_purchases(live_ids, members, entries, reversed_ids, bulk, now),
        card_serials=card_serials,
        live_preferences=live_preferences,
        rules_by_version=rules_by_version,
        staff=_staff(bulk, [body for body in bodies if body is not None]),
        zone=zone,
        offline_redeemed=_offline_redeemed(bulk, device.id, entry_bodies, members, zone, now),
        receipts=receipts,
        pending_returns=pending_returns,
        **_gifts(session, bulk, device.store_code, entry_bodies),
    )


def _count_refunds(bulk: Bulk, entries: dict[str, EntryFacts], refunded: set[str]) -> None:
    """The money already given back on the entries the batch refunds: refunds naming them and offline returns
    reconciled with them."""
    if not refunded:
        return
    for column in ("refund_of", "reconciled_with"):
        where, keys = bulk.in_keys(column, refunded)
        sql = f"SELECT {column}, SUM(amount_cents) FROM ledger_entry WHERE {where} GROUP BY {column}"  # noqa: S608
        for entry_id, cents in bulk.rows(sql, keys):
            if entry_id in entries:
                entries[entry_id].refunded_cents += int(cents or 0)


def _returned_sales(bulk: Bulk, bodies: list[PointEntryBody]) -> dict[tuple[str, str], tuple[str, str]]:
    """The earns the batch's offline returns name by store and receipt, where the server holds them."""
    refs = {(b.ref_store_code, b.ref_receipt_no) for b in bodies if b.ref_store_code and b.ref_receipt_no}
    if not refs:
        return {}
    stores, store_keys = bulk.in_keys("store_code", {store for store, _receipt in refs})
    receipts, receipt_keys = bulk.in_keys("receipt_no", {receipt for _store, receipt in refs})
    sql = (
        f"SELECT store_code, receipt_no, id, member_id FROM ledger_entry WHERE {stores} AND {receipts} "  # noqa: S608
        f"AND kind = '{EntryKind.EARN.value}'"
    )
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for store, receipt, entry_id, member_id in bulk.rows(sql, (*store_keys, *receipt_keys)):
        if (store, receipt) in refs:
            found[(store, receipt)] = (entry_id, member_id)
    return found


def _pending_returns(
    bulk: Bulk, store_code: str, bodies: list[PointEntryBody]
) -> dict[str, list[tuple[str, int, str]]]:
    """Offline returns at other stores of the receipts this batch's earns carry, not yet reconciled (the return was
    entered before the sale reached the server)."""
    receipts = {b.receipt_no for b in bodies if b.kind is EntryKind.EARN and b.receipt_no}
    if not receipts:
        return {}
    where, keys = bulk.in_keys("ref_receipt_no", receipts)
    sql = (
        "SELECT ref_receipt_no, id, amount_cents, member_id FROM ledger_entry "  # noqa: S608 - our own names
        f"WHERE ref_store_code = {bulk.mark} AND {where} AND reconciled_with IS NULL"
    )
    pending: dict[str, list[tuple[str, int, str]]] = {}
    for receipt, entry_id, cents, member_id in bulk.rows(sql, (store_code, *keys)):
        pending.setdefault(receipt, []).append((entry_id, int(cents or 0), member_id))
    return pending


def _staff(bulk: Bulk, bodies: list[ItemBody]) -> dict[str, StaffFacts]:
    """The staff and approvers the items name, as the server knows them (absent: no such code)."""
    codes = {body.staff_code for body in bodies}
    codes |= {body.approved_by for body in bodies if isinstance(body, PointEntryBody) and body.approved_by}
    if not codes:
        return {}
    where, keys = bulk.in_keys("code", codes)
    sql = f"SELECT code, role, store_id, active FROM staff WHERE {where}"  # noqa: S608 - our own names
    return {code: StaffFacts(role, store_id, bool(active)) for code, role, store_id, active in bulk.rows(sql, keys)}


def _gifts(session: Session, bulk: Bulk, store_code: str, bodies: list[PointEntryBody]) -> dict[str, Any]:
    """The catalogue's items the batch's gift entries name, and their stock at the device's store."""
    skus = {body.gift_sku for body in bodies if body.gift_sku is not None}
    if not skus:
        return {}
    where, keys = bulk.in_keys("sku", skus)
    sql = f"SELECT sku, stock FROM gift_stock WHERE store_code = {bulk.mark} AND {where}"  # noqa: S608
    stock = {sku: int(count) for sku, count in bulk.rows(sql, (store_code, *keys))}
    return {"gifts": catalogue(session, skus), "gift_stock": stock}


def _offline_redeemed(
    bulk: Bulk,
    device_id: str,
    bodies: list[PointEntryBody],
    members: dict[str, MemberState],
    zone: tzinfo,
    now: datetime,
) -> dict[tuple[str, date], int]:
    """What this till already redeemed offline (points and gifts alike), per member and store day, on the days the
    batch's redemptions fall on (unreversed entries the server holds; the batch adds its own as it goes)."""
    redeems = [body for body in bodies if body.kind in (EntryKind.REDEEM, EntryKind.GIFT)]
    if not redeems:
        return {}
    ids = {member.id for body in redeems if (member := _live(members, body.member_id)) is not None}
    if not ids:
        return {}
    earliest = min(min(body.created_at, now) for body in redeems)
    since = day_bounds(store_day(earliest, zone), zone)[0]
    where, keys = bulk.in_keys("e.member_id", ids)
    sql = (
        "SELECT e.member_id, e.created_at, e.points FROM ledger_entry e "  # noqa: S608 - our own names
        "LEFT OUTER JOIN ledger_entry r ON r.reverses = e.id "
        f"WHERE {where} AND e.device_id = {bulk.mark} AND e.kind IN ('{EntryKind.REDEEM.value}', "
        f"'{EntryKind.GIFT.value}') "
        f"AND e.offline = {bulk.mark} AND e.created_at >= {bulk.mark} AND r.id IS NULL"
    )
    used: dict[tuple[str, date], int] = {}
    for member_id, created_at, points in bulk.rows(sql, (*keys, device_id, True, bulk.stored_time(since))):
        key = (member_id, store_day(bulk.read_time(created_at), zone))
        used[key] = used.get(key, 0) - points
    return used


def _live(members: dict[str, MemberState], member_id: str) -> MemberState | None:
    """The live member `member_id` stands for among `members`, link by link through merges."""
    member = members.get(member_id)
    for _ in range(_MAX_MERGE_DEPTH):
        if member is None or member.deleted:
            return None
        if member.merged_into is None:
            return member
        member = members.get(member.merged_into)
    return None
