"""The manager's day report: figures per member of staff, the store's calendar day in China time, reversals, new
members, the sync state of the day's entries, and the flagged / rejected items told in full."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from localdb.errors import Problem, StoreError
from localdb.member_view import MemberView
from localdb.sync_store import ItemOutcome, PushTally
from localdb.till import Till
from protocol.vocabulary import EntryKind
from tests.conftest import FakeClock, Staffing
from tests.posapi.conftest import TEN_OFF, hold

MARCH_18 = date(2026, 3, 18)
MARCH_19 = date(2026, 3, 19)


@pytest.fixture
def member(till: Till, staff: Staffing) -> MemberView:
    return till.members.enrol(staff.cashier, phone="13800138000", name="张三").member


def _give_balance(till: Till, member_id: str, points: int) -> None:
    with till.db.write() as session:
        session.connection().exec_driver_sql("UPDATE member SET balance_synced = ? WHERE id = ?", (points, member_id))


def test_the_day_per_cashier_with_a_reversal_and_new_members(
    till: Till, staff: Staffing, member: MemberView, clock: FakeClock
) -> None:
    _give_balance(till, member.id, 1_000)
    first = till.ledger.award(staff.cashier, member.id, 12_850, receipt_no="R-1")  # 128 points
    till.ledger.award(staff.cashier, member.id, 5_000, receipt_no="R-2")  # 50 points
    till.ledger.reverse(staff.cashier, first.entry.id)  # the first receipt was a mistake
    till.ledger.award(staff.manager, member.id, 30_000, receipt_no="R-3")  # 300 points
    till.ledger.redeem(staff.manager, member.id, 200, bill_cents=10_000)
    till.members.enrol(staff.manager, phone="13900139000", name="李四")
    till.members.enrol(staff.manager, phone="13700137000", name="王五")

    report = till.reports.day(staff.manager)

    assert report.day == MARCH_18 and report.store_code == till.settings.current().store_code
    cashier, manager = report.staff
    assert (cashier.staff_code, cashier.staff_name) == ("C001", "李收银")
    assert (cashier.entries, cashier.points_awarded, cashier.points_redeemed) == (3, 178, 0)
    assert (cashier.reversals, cashier.points_reversed, cashier.net_points) == (1, -128, 50)
    assert cashier.purchase_cents == 5_000  # the reversed receipt's purchase is taken back out
    assert cashier.new_members == 1  # the fixture's member
    assert (manager.staff_code, manager.staff_name) == ("M001", "王店长")
    assert (manager.entries, manager.points_awarded, manager.points_redeemed, manager.reversals) == (2, 300, 200, 0)
    assert manager.purchase_cents == 30_000 and manager.new_members == 2 and manager.net_points == 100
    totals = report.totals
    assert (totals.entries, totals.points_awarded, totals.points_redeemed) == (5, 478, 200)
    assert totals.points_reversed == -128
    assert (totals.purchase_cents, totals.new_members, totals.net_points) == (35_000, 3, 150)
    assert report.entry_sync.pending == 5 and report.entry_sync.total == 5


def test_refunds_and_sales_without_a_member_in_the_day(till: Till, staff: Staffing, member: MemberView) -> None:
    """A refund takes its money out of the day's purchases (a redemption's refund gives points back and takes no
    purchase out), and sales the POS recorded without a member are counted for the members' share."""
    _give_balance(till, member.id, 1_000)
    paid = till.ledger.redeem(staff.cashier, member.id, 500, bill_cents=20_000, receipt_no="R-9")
    sale = till.ledger.award(staff.cashier, member.id, 15_000, receipt_no="R-9")  # 150 points
    till.ledger.refund(staff.cashier, [(paid.entry.id, 10_000, None), (sale.entry.id, 7_500, None)])
    till.ledger.record_sale(staff.cashier, "R-10", 2_500)
    till.ledger.record_sale(staff.manager, "R-11", 7_500)

    report = till.reports.day(staff.manager)

    cashier, manager = report.staff
    assert (cashier.refunds, cashier.points_refunded) == (2, 250 - 75)
    assert cashier.purchase_cents == 15_000 - 7_500
    assert (cashier.sales_without_member, cashier.sales_without_member_cents) == (1, 2_500)
    assert (manager.entries, manager.sales_without_member, manager.sales_without_member_cents) == (0, 1, 7_500)
    assert (report.totals.sales_without_member, report.totals.sales_without_member_cents) == (2, 10_000)


def test_the_day_is_the_store_day_in_china_time(
    till: Till, staff: Staffing, member: MemberView, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 3, 18, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Shanghai on the 18th
    till.ledger.award(staff.cashier, member.id, 10_000)
    clock.now = datetime(2026, 3, 18, 16, 0, tzinfo=UTC)  # midnight in Shanghai: the 19th begins
    till.ledger.award(staff.cashier, member.id, 20_000)
    till.members.enrol(staff.cashier, phone="13900139000", name="李四")

    on_18 = till.reports.day(staff.manager, MARCH_18)
    on_19 = till.reports.day(staff.manager, MARCH_19)

    assert [(d.staff_code, d.points_awarded, d.new_members) for d in on_18.staff] == [("C001", 100, 1)]
    assert [(d.staff_code, d.points_awarded, d.new_members) for d in on_19.staff] == [("C001", 200, 1)]
    assert on_19.starts_at == datetime(2026, 3, 18, 16, 0, tzinfo=UTC) == on_18.ends_at
    assert till.reports.day(staff.manager, date(2026, 3, 17)).staff == ()
    assert till.reports.day(staff.manager).day == MARCH_19  # "today" is the store's day, not UTC's 18th


def test_the_sync_state_of_the_days_entries_and_merged_enrolments(
    till: Till, staff: Staffing, member: MemberView
) -> None:
    entries = [till.ledger.award(staff.cashier, member.id, 1_000 * (i + 1)).entry.id for i in range(4)]
    twin = till.members.enrol(staff.cashier, phone="13900139000", name="李四").member
    till.sync.record_results(
        [
            ItemOutcome(entries[0], "applied"),
            ItemOutcome(entries[1], "flagged", "overdrawn"),
            ItemOutcome(entries[2], "rejected", "unknown_member"),
            ItemOutcome(member.id, "applied", member=member.id),
            ItemOutcome(twin.id, "merged", member=member.id),  # the phone was already a member elsewhere
        ]
    )

    report = till.reports.day(staff.manager)

    sync = report.entry_sync
    assert (sync.pending, sync.applied, sync.flagged, sync.rejected) == (1, 1, 1, 1)
    # 10 + 20 + 30 + 40 points awarded; the rejected third moved none and is left out of the figures
    assert (report.totals.entries, report.totals.points_awarded, report.totals.purchase_cents) == (3, 70, 7_000)
    assert report.totals.new_members == 1  # the merged enrolment made no new member


def test_only_a_manager_reads_the_day(till: Till, staff: Staffing) -> None:
    for someone in (staff.cashier, staff.guide):
        with pytest.raises(StoreError) as refused:
            till.reports.day(someone)
        assert refused.value.problem is Problem.PERMISSION_DENIED
        with pytest.raises(StoreError):
            till.reports.sync_exceptions(someone)


def test_flagged_and_rejected_items_are_told_in_full(till: Till, staff: Staffing, member: MemberView) -> None:
    _give_balance(till, member.id, 500)
    award = till.ledger.award(staff.cashier, member.id, 10_000, receipt_no="R-9")
    redeem = till.ledger.redeem(staff.cashier, member.id, 300, bill_cents=10_000)
    till.sync.record_results(
        [
            ItemOutcome(award.entry.id, "rejected", "unknown_member"),
            ItemOutcome(redeem.entry.id, "flagged", "overdrawn"),
            ItemOutcome(member.id, "applied", member=member.id),
        ]
    )

    listed = till.reports.sync_exceptions(staff.manager)

    assert [(x.item_id, x.status, x.reason) for x in listed] == [
        (award.entry.id, "rejected", "unknown_member"),
        (redeem.entry.id, "flagged", "overdrawn"),
    ]
    assert [(x.item_id, x.status, x.reason) for x in listed] == till.sync.exceptions()
    rejected, flagged = listed
    assert (rejected.item_type, rejected.entry_kind, rejected.points, rejected.receipt_no) == (
        "point_entry", EntryKind.EARN, 100, "R-9",
    )  # fmt: skip
    assert (flagged.entry_kind, flagged.points, flagged.staff_code) == (EntryKind.REDEEM, -300, "C001")
    assert till.reports.day(staff.manager).entry_sync.rejected == 1


def test_last_sync_is_the_last_run_that_finished_cleanly(till: Till, staff: Staffing, clock: FakeClock) -> None:
    assert till.reports.day(staff.manager).last_sync_at is None
    ok = till.sync.start_run()
    till.sync.finish_run(ok, pushed=0, tally=PushTally(), pulled=0, error=None)
    finished = clock.now
    clock.advance(hours=1)
    failed = till.sync.start_run()
    till.sync.finish_run(failed, pushed=0, tally=PushTally(), pulled=0, error="server_unreachable")

    assert till.reports.day(staff.manager).last_sync_at == finished


def test_the_days_coupons_and_a_flagged_second_use_with_its_receipt(
    till: Till, staff: Staffing, member: MemberView
) -> None:
    hold(till, member.id, ("c1", TEN_OFF), ("c2", TEN_OFF | {"code": "ten2"}), ("c3", TEN_OFF | {"code": "ten3"}))
    uses = [
        till.ledger.sale(staff.cashier, f"R-{n}", 20_000, None, member_id=member.id, coupon_ids=[coupon]).coupons[0]
        for n, coupon in enumerate(("c1", "c2", "c3"))
    ]
    till.sync.record_results(
        [
            ItemOutcome(uses[0].use_id, "applied"),
            ItemOutcome(uses[1].use_id, "flagged", "coupon_reused"),
            ItemOutcome(uses[2].use_id, "rejected", "coupon_not_held"),
        ]
    )

    report = till.reports.day(staff.manager)

    (cashier,) = report.staff
    assert (cashier.coupons_used, cashier.coupon_cents, cashier.coupons_flagged) == (2, 2_000, 1)  # rejected: out
    listed = till.reports.sync_exceptions(staff.manager)
    assert [(x.item_type, x.reason, x.receipt_no) for x in listed] == [
        ("coupon_use", "coupon_reused", "R-1"), ("coupon_use", "coupon_not_held", "R-2")]  # fmt: skip
