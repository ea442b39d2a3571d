"""The rules of each pushed item type, applied to a batch's in-memory state (`server.push_state.Batch`): an
enrolment (or its merge onto the member who already has the phone), a ledger entry (re-checked by
`server.entry_checks`: applied at what the rules allow and flagged when it broke one), a preference (only with the
member's profile consent), a consent change (withdrawing profile consent forgets the member's preferences and tags
chain-wide) and a manager's member edit (re-checked: an active manager here, a free valid phone, a valid name and
birthday; a refused edit still gives the member a new version, so the till that made it pulls the server's state
back). An item for an erased member is rejected `member_erased`. An item that cannot be honoured at all is rejected
with a reason code; nothing here touches the database.

Thread: the API's worker threads, inside one push.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import ValidationError

from loyalty.clock import store_day
from loyalty.names import InvalidName, clean_member_name
from loyalty.phone import InvalidPhone, parse_mobile
from loyalty.roles import Permission
from protocol.limits import ALLOWED_CLOCK_SKEW
from protocol.vocabulary import KIND_RULES, TAKES_OLDEST, EntryKind, ErrorCode, ItemStatus, PreferenceOp
from protocol.wire import (
    BODY_SCHEMAS,
    SALE_LINES,
    CouponIssueBody,
    CouponUseBody,
    EnrolBody,
    ItemBody,
    MemberEditBody,
    MemberUpdateBody,
    PointEntryBody,
    PreferenceBody,
    PushItem,
    SaleBody,
    SaleLine,
    WarningOutcomeBody,
    item_key_of,
)
from server import churn_warnings
from server.coupon_uses import CouponRejected, apply_issue, apply_use
from server.entry_checks import Uncheckable, check_entry
from server.members import merge_tombstone_row, new_member_row, resolve
from server.push_state import Batch, EntryFacts, MemberState
from server.staff_checks import first_finding, staff_finding

CONSENT_FIELDS = frozenset({"consent_marketing", "consent_profile"})
#: Bounds the database columns can hold (BIGINT, INTEGER) where the wire schemas leave them open.
MAX_POINTS = 10**12
_MAX_RULE_VERSION = 2**31 - 1
_MAX_NAME = 64
_FIRST_BIRTHDAY = date(1900, 1, 1)


class _Refused(Exception):
    def __init__(self, reason: ErrorCode) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(slots=True)
class Outcome:
    status: ItemStatus
    reason: str | None = None
    member: str | None = None
    member_version: int | None = None
    state: MemberState | None = None  # the member whose version (final for the batch) is the answer's version


def parse(item: PushItem) -> ItemBody | None:
    """The item's body checked against its type's schema and the database's bounds; None when it does not fit."""
    try:
        body = BODY_SCHEMAS[item.type].model_validate(item.body)
    except ValidationError:
        return None
    # The item's id is the idempotency key of what it creates: an entry's id, an enrolment's member id.
    key = item_key_of(body)
    if key is not None and key != item.id:
        return None
    if isinstance(body, PointEntryBody) and not _fits(body):
        return None
    if isinstance(body, MemberUpdateBody) and not set(body.changes) <= CONSENT_FIELDS:
        return None
    return body


def _fits(body: PointEntryBody) -> bool:
    return (
        -MAX_POINTS <= body.points <= MAX_POINTS
        and (body.amount_cents is None or -MAX_POINTS <= body.amount_cents <= MAX_POINTS)
        and (body.bill_cents is None or -MAX_POINTS <= body.bill_cents <= MAX_POINTS)
        and 0 <= body.rule_version <= _MAX_RULE_VERSION
    )


def apply_one(batch: Batch, body: ItemBody | None) -> Outcome:
    """Apply one new item (its parsed body, None when it did not parse) and say what became of it."""
    try:
        if body is None:
            raise _Refused(ErrorCode.INVALID_BODY)
        if isinstance(body, PointEntryBody):
            return _point_entry(batch, body)
        if isinstance(body, EnrolBody):
            return _enrol(batch, body)
        if isinstance(body, PreferenceBody):
            return _preference(batch, body)
        if isinstance(body, MemberEditBody):
            return _member_edit(batch, body)
        if isinstance(body, SaleBody):
            return _sale(batch, body)
        if isinstance(body, WarningOutcomeBody):
            return _warning_outcome(batch, body)
        if isinstance(body, CouponUseBody):
            return _coupon_use(batch, body)
        if isinstance(body, CouponIssueBody):
            return _coupon_issue(batch, body)
        return _member_update(batch, body)
    except _Refused as refusal:
        return Outcome(ItemStatus.REJECTED, reason=refusal.reason.value)


def _enrol(batch: Batch, body: EnrolBody) -> Outcome:
    try:
        phone = parse_mobile(body.phone)
    except InvalidPhone:
        raise _Refused(ErrorCode.INVALID_PHONE) from None
    existing = batch.members.get(body.member_id)
    if existing is not None:  # the id is known already (imported, or merged by an earlier item)
        survivor = _live_or_refuse(batch, existing.id)
        status = ItemStatus.APPLIED if survivor.id == existing.id else ItemStatus.MERGED
        return Outcome(status, member=survivor.id, state=survivor)
    holder = batch.by_phone.get(phone)
    if holder is not None and holder.phone == phone and holder.merged_into is None and not holder.deleted:
        # The till's id becomes a tombstone pointing at the survivor, so its later entries land there.
        version = batch.db.next_version(batch.session)
        batch.add_member(merge_tombstone_row(body.member_id, holder.id, batch.now, version))
        return Outcome(ItemStatus.MERGED, member=holder.id, state=holder)
    findings = _enrol_findings(batch, body)
    member = batch.add_member(
        new_member_row(
            batch.rules,
            batch.now,
            member_id=body.member_id,
            phone=phone,
            name=" ".join(body.name.split())[:64],
            card_serial=batch.card_serials.pop(),
            version=0,  # numbered by `touch`, as every change the batch makes
            gender=body.gender,
            birthday=body.birthday,
            consent_marketing=body.consent_marketing,
            consent_profile=body.consent_profile,
            home_store=batch.device.store_code,  # the store it was made in is the device's, whatever it says
            created_at=min(body.created_at, batch.now),
        )
    )
    batch.by_phone[phone] = member
    consents = {"consent_marketing": body.consent_marketing, "consent_profile": body.consent_profile}
    _consent_history(batch, member.id, body.staff_code, consents)
    if body.referrer_id is not None:  # 邀请好友: both get the referral coupon after this member's first purchase
        known = batch.resolve(body.referrer_id)  # enrolled in this batch too, or read with it
        referrer_id = known.id if known is not None else getattr(resolve(batch.session, body.referrer_id), "id", None)
        if referrer_id is not None and referrer_id != member.id and member.new_row is not None:
            member.new_row["referred_by"] = referrer_id
    batch.events.append((member.id, "welcome"))
    return _outcome(findings, member=member.id, member_version=batch.touch(member))


def _enrol_findings(batch: Batch, body: EnrolBody) -> list[ErrorCode]:
    """An enrolment is applied whatever these find (the customer signed up at the counter and their points
    follow), and flagged with the first."""
    findings: list[ErrorCode] = []
    if body.store_code != batch.device.store_code:
        findings.append(ErrorCode.WRONG_STORE)
    staff = staff_finding(batch, body.staff_code, Permission.ENROL)
    if staff is not None:
        findings.append(staff)
    if body.created_at > batch.now + ALLOWED_CLOCK_SKEW:
        findings.append(ErrorCode.CLOCK_SKEW)
    try:
        clean_member_name(body.name, max_length=_MAX_NAME)
    except InvalidName:
        findings.append(ErrorCode.INVALID_NAME)  # kept as given (the points follow the customer): a manager fixes it
    return findings


def _outcome(findings: list[ErrorCode], *, member: str, member_version: int) -> Outcome:
    """Applied, or applied and flagged with the first of `findings`."""
    reason = first_finding(findings)
    status = ItemStatus.APPLIED if reason is None else ItemStatus.FLAGGED
    return Outcome(
        status, reason=None if reason is None else reason.value, member=member, member_version=member_version
    )


def _live_or_refuse(batch: Batch, member_id: str) -> MemberState:
    """The live member an item names, else refused: `member_erased` when the id (or its survivor) was erased at
    the member's request, `unknown_member` when the server never had it."""
    member = batch.resolve(member_id)
    if member is not None:
        return member
    seen = batch.members.get(member_id)
    for _ in range(32):
        if seen is None:
            break
        if seen.deleted:
            raise _Refused(ErrorCode.MEMBER_ERASED)
        seen = batch.members.get(seen.merged_into or "")
    raise _Refused(ErrorCode.UNKNOWN_MEMBER)


def _consent_history(batch: Batch, member_id: str, staff_code: str, changes: dict[str, bool]) -> None:
    for name, value in changes.items():
        batch.consent_events.append(
            {"member_id": member_id, "field": name, "value": value, "staff_code": staff_code,
             "device_id": batch.device.id, "at": batch.now}
        )  # fmt: skip


def _check_entry(batch: Batch, body: PointEntryBody, member: MemberState) -> EntryFacts | None:
    """Refuse an entry that breaks the ledger's rules; returns the entry a reversal undoes or a refund gives back."""
    if body.breaks_kind_rule():
        raise _Refused(ErrorCode.RULE_VIOLATION)
    if KIND_RULES[body.kind].refunds_entry:
        return _refunded_entry(batch, body, member)
    if not KIND_RULES[body.kind].reverses_entry:
        return None
    original = batch.entries.get(body.reverses or "")
    if original is None:
        raise _Refused(ErrorCode.UNKNOWN_ENTRY)
    owner = batch.resolve(original.member_id)
    if owner is None or owner.id != member.id:
        raise _Refused(ErrorCode.UNKNOWN_ENTRY)
    if body.reverses in batch.reversed_ids:
        raise _Refused(ErrorCode.ALREADY_REVERSED)
    if KIND_RULES[EntryKind(original.kind)].reverses_entry:  # a reversal is never reversed: enter a new entry
        raise _Refused(ErrorCode.RULE_VIOLATION)
    return original


def _refunded_entry(batch: Batch, body: PointEntryBody, member: MemberState) -> EntryFacts:
    """The earn or redemption a refund gives part of back: the same member's, not reversed."""
    original = batch.entries.get(body.refund_of or "")
    if original is None:
        raise _Refused(ErrorCode.UNKNOWN_ENTRY)
    owner = batch.resolve(original.member_id)
    if owner is None or owner.id != member.id:
        raise _Refused(ErrorCode.UNKNOWN_ENTRY)
    if original.kind not in (EntryKind.EARN.value, EntryKind.REDEEM.value):
        raise _Refused(ErrorCode.RULE_VIOLATION)
    if body.refund_of in batch.reversed_ids:
        raise _Refused(ErrorCode.ALREADY_REVERSED)
    return original


def _line_rows(batch: Batch, entry_id: str, lines: list[SaleLine]) -> None:
    """The sale's lines as one `entry_lines` row: the wire's lines as plain values (dumped in one call, in Rust)."""
    batch.line_rows.append((entry_id, SALE_LINES.dump_python(lines)))


def _reconcile(batch: Batch, body: PointEntryBody, member: MemberState, counted_at: datetime) -> str | None:
    """Offline returns and the sales they name, whichever reaches the server first: an offline return of a sale the
    server holds is reconciled with it now (the money counts as refunded on it, its spend leaves the member's
    window); an earn whose receipt an earlier offline return at another store named is reconciled with that return.
    Returns the earn an offline return is reconciled with."""
    if body.kind is EntryKind.EARN and body.receipt_no:
        for return_id, cents, return_member in batch.pending_returns.pop(body.receipt_no, []):
            owner = batch.resolve(return_member)
            if owner is not None and owner.id == member.id:
                batch.reconciled.append((return_id, body.id))
                batch.window(member.id).refund(body.id, cents)
        return None
    if body.ref_store_code is None or body.ref_receipt_no is None:
        return None
    found = batch.receipts.get((body.ref_store_code, body.ref_receipt_no))
    if found is None:
        return None
    earn_id, earn_member = found
    owner = batch.resolve(earn_member)
    if owner is None or owner.id != member.id:  # another member's sale: left for a manager to look at
        return None
    batch.window(member.id).refund(earn_id, body.amount_cents or 0)
    return earn_id


def _warning_outcome(batch: Batch, body: WarningOutcomeBody) -> Outcome:
    """What a guide or manager did about a churn warning on this store's list; the latest outcome stands. Recorded
    even when the staff may not (flagged: the call was made all the same)."""
    warning = churn_warnings.of_store(batch.session, body.warning_id, batch.device.store_code)
    if warning is None:
        raise _Refused(ErrorCode.UNKNOWN_WARNING)
    at = min(body.at, batch.now)
    if warning.handled_at is None or warning.handled_at <= at:
        churn_warnings.record_outcome(warning, body.outcome, body.staff_code, at)
    staff = staff_finding(batch, body.staff_code, Permission.EDIT_PREFERENCES)
    reason = None if staff is None else staff.value
    return Outcome(ItemStatus.APPLIED if reason is None else ItemStatus.FLAGGED, reason)


def _sale(batch: Batch, body: SaleBody) -> Outcome:
    """A sale without a member: counted under the device's store, its lines kept without a member."""
    if body.breaks_total():
        raise _Refused(ErrorCode.RULE_VIOLATION)
    at = min(body.created_at, batch.now)
    lines = body.lines or []
    batch.sale_rows.append(
        (body.id, batch.device.id, batch.device.store_code, body.receipt_no, body.staff_code, body.total_cents,
         len(lines), at, batch.now)
    )  # fmt: skip
    if lines:
        _line_rows(batch, body.id, lines)
    findings: list[ErrorCode] = []
    if body.store_code != batch.device.store_code:
        findings.append(ErrorCode.WRONG_STORE)
    staff = staff_finding(batch, body.staff_code, Permission.AWARD)
    if staff is not None:
        findings.append(staff)
    reason = first_finding(findings)
    return Outcome(
        ItemStatus.APPLIED if reason is None else ItemStatus.FLAGGED, None if reason is None else reason.value
    )


def _coupon_use(batch: Batch, body: CouponUseBody) -> Outcome:
    """A coupon applied to a bill (`server.coupon_uses`): the member gets a new version, so tills drop the coupon."""
    member = _live_or_refuse(batch, body.member_id)
    return _coupon_outcome(batch, member, lambda: apply_use(batch, body, member))


def _coupon_issue(batch: Batch, body: CouponIssueBody) -> Outcome:
    """A coupon a manager gave at the till (`server.coupon_uses.apply_issue`): the member gets a new version."""
    member = _live_or_refuse(batch, body.member_id)
    return _coupon_outcome(batch, member, lambda: apply_issue(batch, body, member))


def _coupon_outcome(
    batch: Batch, member: MemberState, apply: Callable[[], tuple[ItemStatus, ErrorCode | None]]
) -> Outcome:
    try:
        status, reason = apply()
    except CouponRejected as rejected:
        raise _Refused(rejected.reason) from None
    version = batch.touch(member)
    return Outcome(status, None if reason is None else reason.value, member=member.id, member_version=version)


def _point_entry(batch: Batch, body: PointEntryBody) -> Outcome:
    member = _live_or_refuse(batch, body.member_id)
    original = _check_entry(batch, body, member)
    try:
        checked = check_entry(batch, body, member, original)
    except Uncheckable as refusal:
        raise _Refused(refusal.reason) from None
    member.balance += checked.points
    if checked.points < 0 and body.kind in TAKES_OLDEST:  # the soonest to expire go first
        member.expiring_points = max(0, member.expiring_points + checked.points)
    if checked.points < 0 and member.balance < 0:  # the server is the authority: recorded, flagged, never dropped
        checked.findings.append(ErrorCode.OVERDRAWN)
    reason = checked.reason()
    status = ItemStatus.APPLIED if reason is None else ItemStatus.FLAGGED
    counted_at = min(checked.at, batch.now)  # a purchase or a visit never counts in the future
    if body.kind is EntryKind.EARN:
        batch.count_purchase(member.id, body.id, body.amount_cents or 0, counted_at)
    elif body.kind is EntryKind.REFUND and original is not None:
        if original.kind == EntryKind.EARN:
            batch.window(member.id).refund(body.refund_of or "", checked.refunded_cents)
        original.refunded_cents += checked.refunded_cents
    elif original is not None and original.kind == EntryKind.EARN:
        batch.uncount_purchase(member.id, body.reverses or "")
    reconciled_with = _reconcile(batch, body, member, counted_at)
    visit = KIND_RULES[body.kind].visit
    if visit and (member.last_visit_at is None or counted_at > member.last_visit_at):
        member.last_visit_at = counted_at
    if body.kind is EntryKind.REDEEM and not checked.offline:
        batch.reservations.discard(body.id)
        batch.consumed.append(body.id)
    if body.reverses is not None:
        batch.reversed_ids.add(body.reverses)
    batch.entries[body.id] = EntryFacts(member.id, body.kind.value, checked.points, body.amount_cents, checked.at,
                                        checked.offline, batch.device.id, body.bill_cents)  # fmt: skip
    batch.ledger_rows.append(
        (body.id, member.id, body.kind.value, checked.points, body.amount_cents, body.receipt_no, body.rule_version,
         body.staff_code, body.approved_by, checked.store_code, batch.device.id, checked.at, batch.now,
         body.reverses, checked.offline, status.value, None if reason is None else reason.value, body.bill_cents,
         body.refund_of, body.ref_store_code, body.ref_receipt_no, reconciled_with, body.gift_sku)
    )  # fmt: skip
    if body.lines:
        _line_rows(batch, body.id, body.lines)
    version = batch.touch(member)
    return Outcome(status, reason=None if reason is None else reason.value, member=member.id, member_version=version)


def _preference(batch: Batch, body: PreferenceBody) -> Outcome:
    member = _live_or_refuse(batch, body.member_id)
    if body.op is PreferenceOp.ADD and not member.consent_profile:
        # Withdrawn consent wins over a till that recorded a preference before it heard of the withdrawal. The
        # member is touched so the till's next pull puts its copy right.
        return Outcome(ItemStatus.REJECTED, reason=ErrorCode.CONSENT_REQUIRED.value, member=member.id,
                       member_version=batch.touch(member))  # fmt: skip
    staff = staff_finding(batch, body.staff_code, Permission.EDIT_PREFERENCES)
    pending = [
        row
        for row in batch.preference_rows
        if row["member_id"] == member.id
        and row["kind"] == body.kind
        and row["value"] == body.value
        and row["removed_at"] is None
    ]
    live = batch.live_preferences.get((member.id, body.kind, body.value))
    if body.op is PreferenceOp.ADD:
        if not pending and not live:
            batch.preference_rows.append(
                {
                    "member_id": member.id,
                    "kind": body.kind.value,
                    "value": body.value,
                    "source": "staff",
                    "staff_code": body.staff_code,
                    "created_at": min(body.at, batch.now),  # a till's clock ahead of the server's: at receipt
                    "removed_at": None,
                }
            )
    elif pending:
        pending[0]["removed_at"] = min(body.at, batch.now)
    elif live:
        batch.removed_preferences.append((min(body.at, batch.now), live.pop(0)))
    return _outcome([] if staff is None else [staff], member=member.id, member_version=batch.touch(member))


def _member_update(batch: Batch, body: MemberUpdateBody) -> Outcome:
    """A consent change. A withdrawal is always applied (flagged when its staff code does not hold); a consent
    given counts only from staff of this store who may record it: otherwise it is not applied, and the member is
    touched so the till's next pull puts its copy right."""
    member = _live_or_refuse(batch, body.member_id)
    staff = staff_finding(batch, body.staff_code, Permission.ENROL)
    given = [field for field, value in body.changes.items() if value]
    if staff is not None and given:
        return Outcome(ItemStatus.REJECTED, reason=staff.value, member=member.id, member_version=batch.touch(member))
    if "consent_marketing" in body.changes:
        member.consent_marketing = body.changes["consent_marketing"]
    if "consent_profile" in body.changes:
        member.consent_profile = body.changes["consent_profile"]
        if not member.consent_profile:
            _forget_profile(batch, member.id)
    _consent_history(batch, member.id, body.staff_code, dict(body.changes))
    return _outcome([] if staff is None else [staff], member=member.id, member_version=batch.touch(member))


def _forget_profile(batch: Batch, member_id: str) -> None:
    """Profile consent withdrawn: the member's preferences (this batch's too) and tags are forgotten when the
    batch is written (`server.push._write`), and every till drops them with the member's next change."""
    batch.withdrawn.add(member_id)
    batch.preference_rows[:] = [row for row in batch.preference_rows if row["member_id"] != member_id]
    for key in [key for key in batch.live_preferences if key[0] == member_id]:
        del batch.live_preferences[key]


def _member_edit(batch: Batch, body: MemberEditBody) -> Outcome:
    member = _live_or_refuse(batch, body.member_id)
    try:
        columns = _checked_edit(batch, body, member)
    except _Refused as refusal:  # a new version all the same: the till that edited pulls the server's state back
        return Outcome(ItemStatus.REJECTED, reason=refusal.reason.value, member=member.id,
                       member_version=batch.touch(member))  # fmt: skip
    phone = columns.get("phone")
    if isinstance(phone, str):
        if member.phone is not None and batch.by_phone.get(member.phone) is member:
            del batch.by_phone[member.phone]
        member.phone = phone
        batch.by_phone[phone] = member
    if "birthday" in columns:
        birthday = columns["birthday"]
        member.birthday = birthday if isinstance(birthday, date) else None
    batch.edits.setdefault(member.id, {}).update(columns)
    return Outcome(ItemStatus.APPLIED, member=member.id, member_version=batch.touch(member))


def _checked_edit(batch: Batch, body: MemberEditBody, member: MemberState) -> dict[str, object]:
    """The columns a manager's edit changes, each checked as the till checked it; raises `_Refused`."""
    staff = staff_finding(batch, body.staff_code, Permission.EDIT_MEMBER)
    if staff is not None:
        raise _Refused(staff)
    columns: dict[str, object] = {}
    if body.name is not None:
        try:
            columns["name"] = clean_member_name(body.name, max_length=_MAX_NAME)  # the till's rule, checked again
        except InvalidName:
            raise _Refused(ErrorCode.INVALID_NAME) from None
    if body.clear_birthday:
        columns["birthday"] = None
    elif body.birthday is not None:
        if not _FIRST_BIRTHDAY <= body.birthday <= store_day(batch.now, batch.zone):
            raise _Refused(ErrorCode.INVALID_BIRTHDAY)
        columns["birthday"] = body.birthday
    if body.phone is not None:
        try:
            phone = parse_mobile(body.phone)
        except InvalidPhone:
            raise _Refused(ErrorCode.INVALID_PHONE) from None
        holder = batch.by_phone.get(phone)
        if holder is not None and holder.id != member.id and holder.phone == phone and not holder.deleted:
            raise _Refused(ErrorCode.DUPLICATE_PHONE)
        columns["phone"] = phone
    return columns
