"""Awarding, redeeming and reversing points at the till: the rules, the limits and who may do what."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select

from localdb.errors import Problem, StoreError
from localdb.member_view import MemberView
from localdb.models import AuditRecord, EntrySync, OutboxItem, PointEntry
from localdb.till import Till
from loyalty.points import EarnProblem, EarnRefused, RedeemProblem, RedeemRefused
from protocol.vocabulary import EntryKind, ItemType, PreferenceKind
from protocol.wire import BODY_SCHEMAS, PointEntryBody
from tests.conftest import PINS, FakeClock, Staffing


@pytest.fixture
def member(till: Till, staff: Staffing) -> MemberView:
    return till.members.enrol(staff.cashier, phone="13800138000", name="张三", birthday=date(1990, 7, 9)).member


def _rows(till: Till, model: type) -> int:
    with till.db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _give_balance(till: Till, member_id: str, points: int) -> None:
    """As if the last pull from the server had brought this balance."""
    with till.db.write() as session:
        session.connection().exec_driver_sql("UPDATE member SET balance_synced = ? WHERE id = ?", (points, member_id))


def test_award_writes_ledger_outbox_and_audit(till: Till, staff: Staffing, member: MemberView) -> None:
    result = till.ledger.award(staff.cashier, member.id, 12_345, receipt_no=" R-100 ")
    assert result.entry.points == 123 and result.entry.receipt_no == "R-100"
    assert result.member.available_points == 123 and result.member.pending_points == 123
    with till.db.read() as session:
        item = session.scalars(select(OutboxItem).where(OutboxItem.item_id == result.entry.id)).one()
        assert item.type == "point_entry" and item.body["points"] == 123 and item.body["amount_cents"] == 12_345
        audit = session.scalars(select(AuditRecord).where(AuditRecord.subject == result.entry.id)).one()
        assert audit.action == "earn" and audit.staff_code == "C001"


def test_award_uses_tier_and_birthday_month(till: Till, staff: Staffing, member: MemberView, clock: FakeClock) -> None:
    with till.db.write() as session:
        session.connection().exec_driver_sql("UPDATE member SET tier = 'gold' WHERE id = ?", (member.id,))
    assert till.ledger.award(staff.cashier, member.id, 10_000).entry.points == 150
    clock.now = clock.now.replace(month=7)  # the member's birthday month: gold x1.5, birthday x2
    assert till.ledger.award(staff.cashier, member.id, 10_000).entry.points == 300


def test_outbox_bodies_are_the_wire_schemas_the_server_checks(till: Till, staff: Staffing, member: MemberView) -> None:
    """The till queues what the server's own schema accepts, field for field: nothing is first found wrong at the
    server. (Kinds, ids and the entry kind's rule come from protocol/, the same code the server runs.)"""
    award = till.ledger.award(staff.cashier, member.id, 12_345, receipt_no="R-1", bonuses=("own_bag",))
    _give_balance(till, member.id, 1_000)
    redeem = till.ledger.redeem(staff.cashier, member.id, 200, bill_cents=10_000)
    reverse = till.ledger.reverse(staff.cashier, award.entry.id)
    till.members.set_consent(staff.cashier, member.id, profile=True)
    till.preferences.add(staff.guide, member.id, PreferenceKind.SIZE, "L")
    with till.db.read() as session:
        items = [
            (item.item_id, item.type, item.body)
            for item in session.scalars(select(OutboxItem).order_by(OutboxItem.seq))
        ]
    parsed = [BODY_SCHEMAS[ItemType(item_type)].model_validate(body) for _id, item_type, body in items]
    assert [type(body).__name__ for body in parsed] == [
        "EnrolBody", "PointEntryBody", "PointEntryBody", "PointEntryBody", "MemberUpdateBody", "PreferenceBody",
    ]  # fmt: skip
    entries = [body for body in parsed if isinstance(body, PointEntryBody)]
    assert [(body.id, body.kind, body.breaks_kind_rule()) for body in entries] == [
        (award.entry.id, EntryKind.EARN, False),
        (redeem.entry.id, EntryKind.REDEEM, False),
        (reverse.entry.id, EntryKind.REVERSE, False),
    ]
    assert (
        entries[0].bonuses == ["own_bag"] and entries[1].bill_cents == 10_000 and entries[2].reverses == award.entry.id
    )
    assert [item_id for item_id, _type, _body in items[:4]] == [
        member.id,
        award.entry.id,
        redeem.entry.id,
        reverse.entry.id,
    ]


def test_a_receipt_number_longer_than_the_wire_allows_is_refused_at_the_till(
    till: Till, staff: Staffing, member: MemberView
) -> None:
    with pytest.raises(StoreError) as refused:
        till.ledger.award(staff.cashier, member.id, 5_000, receipt_no="R" * 65)
    assert refused.value.problem is Problem.INVALID_RECEIPT and refused.value.limit == 64
    assert _rows(till, PointEntry) == 0 and _rows(till, OutboxItem) == 1  # the enrolment only
    assert till.ledger.award(staff.cashier, member.id, 5_000, receipt_no="R" * 64).entry.receipt_no == "R" * 64


def test_award_same_receipt_twice_is_refused(till: Till, staff: Staffing, member: MemberView) -> None:
    first = till.ledger.award(staff.cashier, member.id, 5_000, receipt_no="R-7")
    with pytest.raises(StoreError) as refused:
        till.ledger.award(staff.cashier, member.id, 5_000, receipt_no="R-7")
    assert refused.value.problem is Problem.DUPLICATE_RECEIPT and refused.value.entry_id == first.entry.id
    assert till.members.get(staff.cashier, member.id).available_points == 50
    assert _rows(till, PointEntry) == 1 and _rows(till, OutboxItem) == 2  # the enrolment and one award


@pytest.mark.parametrize(
    ("amount", "problem"),
    [(0, EarnProblem.NOT_POSITIVE), (-500, EarnProblem.NOT_POSITIVE), (10_000_001, EarnProblem.TOO_LARGE)],
)
def test_award_bad_amount_writes_nothing(
    till: Till, staff: Staffing, member: MemberView, amount: int, problem: EarnProblem
) -> None:
    with pytest.raises(EarnRefused) as refused:
        till.ledger.award(staff.cashier, member.id, amount)
    assert refused.value.problem is problem
    assert _rows(till, PointEntry) == 0


def test_award_below_one_yuan_earns_nothing_and_says_so(till: Till, staff: Staffing, member: MemberView) -> None:
    with pytest.raises(StoreError) as refused:
        till.ledger.award(staff.cashier, member.id, 99)
    assert refused.value.problem is Problem.NOTHING_TO_AWARD
    assert _rows(till, PointEntry) == 0


def test_award_unknown_member(till: Till, staff: Staffing) -> None:
    with pytest.raises(StoreError) as refused:
        till.ledger.award(staff.cashier, "no-such-member", 1000)
    assert refused.value.problem is Problem.MEMBER_NOT_FOUND


def test_guide_cannot_award_or_redeem(till: Till, staff: Staffing, member: MemberView) -> None:
    attempts: list[Callable[[], object]] = [
        lambda: till.ledger.award(staff.guide, member.id, 1000),
        lambda: till.ledger.redeem(staff.guide, member.id, 100, bill_cents=1000),
    ]
    for attempt in attempts:
        with pytest.raises(StoreError) as refused:
            attempt()
        assert refused.value.problem is Problem.PERMISSION_DENIED
    assert _rows(till, PointEntry) == 0


def test_redeem_exact_balance_and_one_point_over(till: Till, staff: Staffing, member: MemberView) -> None:
    _give_balance(till, member.id, 300)
    with pytest.raises(RedeemRefused) as refused:
        till.ledger.redeem(staff.cashier, member.id, 301, bill_cents=10_000)
    assert refused.value.problem is RedeemProblem.INSUFFICIENT_POINTS and refused.value.limit == 300
    result = till.ledger.redeem(staff.cashier, member.id, 300, bill_cents=10_000)
    assert result.entry.points == -300 and result.entry.amount_cents == 300
    assert result.member.available_points == 0
    with pytest.raises(RedeemRefused):
        till.ledger.redeem(staff.cashier, member.id, 100, bill_cents=10_000)


def test_redeem_limits_from_the_rules(till: Till, staff: Staffing, member: MemberView) -> None:
    _give_balance(till, member.id, 5_000)
    with pytest.raises(RedeemRefused) as below:
        till.ledger.redeem(staff.cashier, member.id, 99, bill_cents=10_000)
    assert below.value.problem is RedeemProblem.BELOW_MINIMUM
    with pytest.raises(RedeemRefused) as share:
        till.ledger.redeem(staff.cashier, member.id, 1_001, bill_cents=2_000)  # 50 % of 20 yuan = 1,000 points
    assert share.value.problem is RedeemProblem.OVER_BILL_SHARE and share.value.limit == 1_000
    assert _rows(till, PointEntry) == 0


def test_pending_award_counts_toward_the_balance(till: Till, staff: Staffing, member: MemberView) -> None:
    _give_balance(till, member.id, 100)
    till.ledger.award(staff.cashier, member.id, 20_000)
    assert till.members.get(staff.cashier, member.id).available_points == 300
    till.ledger.redeem(staff.cashier, member.id, 300, bill_cents=1_000)
    assert till.members.get(staff.cashier, member.id).available_points == 0


def test_applied_entries_no_longer_count_as_pending(till: Till, staff: Staffing, member: MemberView) -> None:
    result = till.ledger.award(staff.cashier, member.id, 20_000)
    with till.db.write() as session:  # as a pull would do: the server has it, and its balance includes it
        entry = session.get(PointEntry, result.entry.id)
        assert entry is not None
        entry.sync_state = EntrySync.APPLIED.value
        session.connection().exec_driver_sql("UPDATE member SET balance_synced = 200 WHERE id = ?", (member.id,))
    view = till.members.get(staff.cashier, member.id)
    assert (view.balance_synced, view.pending_points, view.available_points) == (200, 0, 200)


def test_offline_stand_in_cap_per_member_per_day(
    till: Till, staff: Staffing, member: MemberView, clock: FakeClock
) -> None:
    _give_balance(till, member.id, 10_000)
    till.ledger.redeem(staff.cashier, member.id, 1_500, bill_cents=10_000)
    with pytest.raises(StoreError) as refused:
        till.ledger.redeem(staff.cashier, member.id, 600, bill_cents=10_000)
    assert refused.value.problem is Problem.OVER_OFFLINE_CAP and refused.value.limit == 500
    till.ledger.redeem(staff.cashier, member.id, 500, bill_cents=10_000)  # exactly up to the cap

    # Online authorization is not bound by the stand-in cap.
    till.ledger.redeem(staff.cashier, member.id, 600, bill_cents=10_000, online_authorized=True)

    # A manager approves going over the cap; the entry names them.
    manager = till.staff.approver("M001", PINS["M001"])
    approved = till.ledger.redeem(staff.cashier, member.id, 100, bill_cents=10_000, approver=manager)
    assert approved.entry.approved_by == "M001"

    # A cashier cannot approve for another cashier.
    with pytest.raises(StoreError) as not_manager:
        till.staff.approver("C001", PINS["C001"])
    assert not_manager.value.problem is Problem.PERMISSION_DENIED

    # The cap is per local day: after midnight in Shanghai (16:00 UTC) the member may redeem again.
    clock.now = clock.now.replace(hour=16, minute=0)
    till.ledger.redeem(staff.cashier, member.id, 1_000, bill_cents=10_000)


def test_reversed_offline_redemption_frees_the_cap(till: Till, staff: Staffing, member: MemberView) -> None:
    _give_balance(till, member.id, 10_000)
    first = till.ledger.redeem(staff.cashier, member.id, 400, bill_cents=10_000)
    till.ledger.reverse(staff.cashier, first.entry.id)
    till.ledger.redeem(staff.cashier, member.id, 2_000, bill_cents=10_000)


def test_reverse_creates_a_linked_entry_once(till: Till, staff: Staffing, member: MemberView) -> None:
    award = till.ledger.award(staff.cashier, member.id, 30_000)
    undone = till.ledger.reverse(staff.cashier, award.entry.id)
    assert undone.entry.points == -300 and undone.entry.reverses == award.entry.id
    assert undone.member.available_points == 0
    with pytest.raises(StoreError) as again:
        till.ledger.reverse(staff.cashier, award.entry.id)
    assert again.value.problem is Problem.ALREADY_REVERSED
    with pytest.raises(StoreError) as of_reversal:
        till.ledger.reverse(staff.cashier, undone.entry.id)
    assert of_reversal.value.problem is Problem.NOT_REVERSIBLE
    assert _rows(till, PointEntry) == 2


def test_cashier_needs_a_manager_to_reverse_above_the_limit(till: Till, staff: Staffing, member: MemberView) -> None:
    big = till.ledger.award(staff.cashier, member.id, 60_000)  # 600 points > the 500 a cashier may reverse
    with pytest.raises(StoreError) as refused:
        till.ledger.reverse(staff.cashier, big.entry.id)
    assert refused.value.problem is Problem.APPROVAL_REQUIRED and refused.value.limit == 500
    manager = till.staff.approver("M001", PINS["M001"])
    undone = till.ledger.reverse(staff.cashier, big.entry.id, approver=manager)
    assert undone.entry.approved_by == "M001"

    small = till.ledger.award(staff.cashier, member.id, 50_000)  # exactly 500: the cashier may
    assert till.ledger.reverse(staff.cashier, small.entry.id).entry.approved_by is None


def test_manager_reverses_above_the_limit_alone(till: Till, staff: Staffing, member: MemberView) -> None:
    big = till.ledger.award(staff.cashier, member.id, 60_000)
    assert till.ledger.reverse(staff.manager, big.entry.id).entry.approved_by == "M001"


def test_reverse_that_would_go_negative_is_refused(till: Till, staff: Staffing, member: MemberView) -> None:
    award = till.ledger.award(staff.cashier, member.id, 30_000)
    till.ledger.redeem(staff.cashier, member.id, 200, bill_cents=10_000)
    with pytest.raises(StoreError) as refused:
        till.ledger.reverse(staff.cashier, award.entry.id)
    assert refused.value.problem is Problem.INSUFFICIENT_POINTS and refused.value.limit == 100


def test_recent_entries_newest_first(till: Till, staff: Staffing, member: MemberView, clock: FakeClock) -> None:
    first = till.ledger.award(staff.cashier, member.id, 1_000)
    clock.advance(minutes=1)
    second = till.ledger.award(staff.cashier, member.id, 2_000)
    assert [e.id for e in till.ledger.recent_entries(staff.cashier, member.id)] == [second.entry.id, first.entry.id]
