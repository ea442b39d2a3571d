"""What the server checks again of a ledger entry a till made, before it applies it (DESIGN.md §7: the server is
the authority; a till is a device that can be stolen, cloned or run with a wrong clock):

- the rules: the entry is checked against the rule set its till names (an unknown version cannot be checked and is
  rejected); an earn against the points the rules allow for its amount, bonuses, birthday month and the tiers the
  member may be taken to hold; a redemption against the rules' minimum, steps and share of the bill; a reversal
  against the entry it undoes; the stand-in cap on offline redemptions per member, till and store day, counting
  what the server already holds; the approval thresholds;
- who: the store is the device's, the staff code an active member of staff of that store (or chain-wide) whose role
  may make the entry, the approver an active manager;
- when: a time later than the server's receive time plus the allowed skew is taken as the receive time.

What breaks a rule is applied all the same, at what the rules allow, and flagged with the reason (the points were
given at the counter: recorded, never silently trusted, never silently dropped). The till runs the same rules from
`loyalty.points` and `loyalty.roles` before it writes, so its counter never promises what this refuses.

Thread: the API's worker threads, inside one push (`server.push_items`); nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from loyalty.clock import store_day
from loyalty.points import (
    EarnRefused,
    RedeemRefused,
    best_earn_points,
    over_offline_cap,
    quote_redemption,
    refund_left_cents,
    refund_points,
    reversal_needs_approval,
)
from loyalty.roles import ENTRY_PERMISSIONS
from loyalty.rules import PointsRules
from loyalty.tiers import is_birthday_month, tier_for_spend
from protocol.limits import ALLOWED_CLOCK_SKEW, MAX_POINTS, OFFLINE_WINDOW
from protocol.vocabulary import EntryKind, ErrorCode
from protocol.wire import PointEntryBody
from server.push_state import Batch, EntryFacts, MemberState
from server.staff_checks import first_finding, is_manager_here, staff_finding


class Uncheckable(Exception):
    """The entry cannot be checked at all (its rules version is unknown): it is rejected, not applied."""

    def __init__(self, reason: ErrorCode) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(slots=True)
class Checked:
    """The entry as the server applies it, and what it found."""

    points: int  # what the member's balance moves by
    at: datetime  # when it happened, as the server takes it (stored; windows count it at no later than now)
    store_code: str  # the device's store
    offline: bool  # redeemed without the server holding the points for it
    findings: list[ErrorCode] = field(default_factory=list)
    refunded_cents: int = 0  # a refund: the money it gives back, as far as its sale had any left

    def reason(self) -> ErrorCode | None:
        """The one finding its answer names (`protocol.vocabulary.FINDING_ORDER`), or None."""
        return first_finding(self.findings)


def check_entry(batch: Batch, body: PointEntryBody, member: MemberState, original: EntryFacts | None) -> Checked:
    """Check `body` (its kind's shape and its reversal already checked by the caller) and say how to apply it."""
    rules = batch.rules_by_version.get(body.rule_version)
    if rules is None:
        raise Uncheckable(ErrorCode.UNKNOWN_RULES_VERSION)
    checked = Checked(body.points, body.created_at, batch.device.store_code, body.offline)
    _check_time(batch, checked)
    if body.store_code != batch.device.store_code:
        checked.findings.append(ErrorCode.WRONG_STORE)
    _check_staff(batch, body, checked)
    approved = is_manager_here(batch, body.approved_by)
    if body.approved_by is not None and not approved:
        checked.findings.append(ErrorCode.APPROVER_NOT_MANAGER)
    if body.kind is EntryKind.EARN:
        _check_earn(batch, body, member, rules, checked)
    elif body.kind is EntryKind.REDEEM:
        _check_redeem(batch, body, member, rules, checked, approved=approved)
    elif body.kind is EntryKind.GIFT:
        _check_gift(batch, body, member, rules, checked, approved=approved)
    elif body.kind is EntryKind.REVERSE and original is not None:
        _check_reversal(batch, body, member, original, rules, checked, approved=approved)
    elif body.kind is EntryKind.REFUND and original is not None:
        _check_refund(body, original, rules, checked, approved=approved)
    return checked


def _check_refund(
    body: PointEntryBody, original: EntryFacts, rules: PointsRules, checked: Checked, *, approved: bool
) -> None:
    """A refund moves the points of the part of the sale it gives back (`loyalty.points.refund_points`, counted on
    the money the server knows was given back before), never more money than the sale has left, and above the
    reversal threshold only with a manager's approval."""
    base = (original.amount_cents if original.kind == EntryKind.EARN else original.bill_cents) or 0
    left = refund_left_cents(base, original.refunded_cents)
    cents = body.amount_cents or 0
    if cents > left:
        checked.findings.append(ErrorCode.OVER_REFUND)
        cents = left
    checked.refunded_cents = cents
    allowed = refund_points(original.points, base, original.refunded_cents, cents)
    if body.points != allowed:
        checked.points = allowed
        checked.findings.append(ErrorCode.POINTS_OVER_RULE)
    if reversal_needs_approval(rules, allowed) and not approved:
        checked.findings.append(ErrorCode.APPROVAL_REQUIRED)


def time_finding(batch: Batch, at: datetime) -> tuple[datetime, ErrorCode | None]:
    """When an item the till stamped `at` happened, as the server counts it, and what is wrong with the till's clock:
    ahead beyond the skew allowed (it happened when it arrived, at the latest), or older than the offline window."""
    if at > batch.now + ALLOWED_CLOCK_SKEW:
        return batch.now, ErrorCode.CLOCK_SKEW
    if at < batch.now - OFFLINE_WINDOW:
        return at, ErrorCode.BEYOND_OFFLINE_WINDOW
    return at, None


def _check_time(batch: Batch, checked: Checked) -> None:
    checked.at, finding = time_finding(batch, checked.at)
    if finding is not None:
        checked.findings.append(finding)


def _check_staff(batch: Batch, body: PointEntryBody, checked: Checked) -> None:
    finding = staff_finding(batch, body.staff_code, ENTRY_PERMISSIONS[body.kind.value])
    if finding is not None:
        checked.findings.append(finding)


def _check_earn(batch: Batch, body: PointEntryBody, member: MemberState, rules: PointsRules, checked: Checked) -> None:
    """No more than the rules allow: at the tier the server last gave the member or the tier of the spend it holds
    for them now (whichever earns more: a till works from its last pull), with the member's birthday month on the
    store's calendar and only the bonuses the rules know."""
    tiers = {member.tier, tier_for_spend(rules, batch.window(member.id).spend_cents).code, rules.tiers[0].code}
    birthday = is_birthday_month(member.birthday, store_day(checked.at, batch.zone))
    try:
        allowed = best_earn_points(
            rules, body.amount_cents or 0, tiers, birthday_month=birthday, bonuses=body.bonuses
        ).points
    except EarnRefused:  # no amount the rules know how to reward (above the receipt limit): it earns nothing
        allowed = 0
    if body.points > allowed:
        checked.points = allowed
        checked.findings.append(ErrorCode.POINTS_OVER_RULE)


def _check_redeem(
    batch: Batch, body: PointEntryBody, member: MemberState, rules: PointsRules, checked: Checked, *, approved: bool
) -> None:
    points = -body.points
    try:  # the balance is the server's own check (an overdraft is flagged when applied)
        quote = quote_redemption(rules, points, body.bill_cents or 0, MAX_POINTS)
    except RedeemRefused:
        checked.findings.append(ErrorCode.POINTS_OVER_RULE)
    else:
        if (body.amount_cents or 0) > quote.value_cents:  # a discount larger than the points pay for
            checked.findings.append(ErrorCode.POINTS_OVER_RULE)
    checked.offline = body.id not in batch.reservations  # held online, or a redemption on the till's own word
    if not checked.offline:
        return
    day = (member.id, store_day(checked.at, batch.zone))
    redeemed = batch.offline_redeemed.get(day, 0)
    if over_offline_cap(rules, redeemed, points) and not approved:
        checked.findings.append(ErrorCode.OVER_OFFLINE_CAP)
    batch.offline_redeemed[day] = redeemed + points


def _check_gift(
    batch: Batch, body: PointEntryBody, member: MemberState, rules: PointsRules, checked: Checked, *, approved: bool
) -> None:
    """A gift of the catalogue, offered on the day it was handed over, for its price in points (applied at the price
    and flagged when the till took another number); it counts against the day's stand-in cap as a redemption does,
    and lowers the store's stock, flagged `out_of_stock` when there was none left (handed over all the same)."""
    gift = batch.gifts.get(body.gift_sku or "")
    if gift is None or gift.refusal(store_day(checked.at, batch.zone)) is not None:
        raise Uncheckable(ErrorCode.UNKNOWN_GIFT)
    if body.points != -gift.points:
        checked.points = -gift.points
        checked.findings.append(ErrorCode.POINTS_OVER_RULE)
    day = (member.id, store_day(checked.at, batch.zone))
    redeemed = batch.offline_redeemed.get(day, 0)
    if over_offline_cap(rules, redeemed, gift.points) and not approved:
        checked.findings.append(ErrorCode.OVER_OFFLINE_CAP)
    batch.offline_redeemed[day] = redeemed + gift.points
    checked.offline = True  # on the till's word: no online hold for gifts
    left = batch.gift_stock.get(gift.sku, 0) - 1
    batch.gift_stock[gift.sku] = left
    batch.gifts_taken[gift.sku] = batch.gifts_taken.get(gift.sku, 0) + 1
    if left < 0:
        checked.findings.append(ErrorCode.OUT_OF_STOCK)


def _check_reversal(
    batch: Batch,
    body: PointEntryBody,
    member: MemberState,
    original: EntryFacts,
    rules: PointsRules,
    checked: Checked,
    *,
    approved: bool,
) -> None:
    """A reversal moves exactly what the server applied for the entry it undoes (which may be less than the till
    gave, when that entry broke a rule), and above the rules' threshold only with a manager's approval."""
    applied = -original.points
    if body.points != applied:
        checked.points = applied
        checked.findings.append(ErrorCode.POINTS_OVER_RULE)
    if reversal_needs_approval(rules, original.points) and not approved:
        checked.findings.append(ErrorCode.APPROVAL_REQUIRED)
    if original.kind == EntryKind.REDEEM and original.offline and original.device_id == batch.device.id:
        day = (member.id, store_day(original.created_at, batch.zone))
        if day in batch.offline_redeemed:  # undone: it no longer counts against the day's stand-in cap
            batch.offline_redeemed[day] = max(batch.offline_redeemed[day] + original.points, 0)
