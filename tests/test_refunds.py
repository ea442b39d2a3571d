"""Sales with purchase lines, refunds in part or whole, returns of another store's sale while offline, and sales
without a member, at the till: what is written, what is refused, and that the till checks with the server's code."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from localdb.errors import Problem, StoreError
from localdb.ledger import RefundTarget
from localdb.member_view import MemberView
from localdb.models import OutboxItem, PointEntry, SaleLine
from localdb.till import Till
from loyalty.points import refund_points
from protocol.vocabulary import EntryKind, ItemType
from protocol.wire import BODY_SCHEMAS, PointEntryBody, SaleBody
from protocol.wire import SaleLine as Line
from tests.conftest import Staffing


def line(line_no: int, cents: int, category: str = "生鲜", quantity_milli: int = 1000) -> Line:
    return Line(line_no=line_no, sku=f"SKU{line_no}", name=f"商品{line_no}", category=category,
                quantity_milli=quantity_milli, amount_cents=cents)  # fmt: skip


@pytest.fixture
def member(till: Till, staff: Staffing) -> MemberView:
    return till.members.enrol(staff.cashier, phone="13800138000", name="张三", birthday=date(1990, 1, 9)).member


def _body(till: Till, item_id: str) -> PointEntryBody | SaleBody:
    with till.db.read() as session:
        item = session.scalars(select(OutboxItem).where(OutboxItem.item_id == item_id)).one()
        body = BODY_SCHEMAS[ItemType(item.type)].model_validate(item.body)
    assert isinstance(body, PointEntryBody | SaleBody)
    return body


def test_an_award_keeps_its_lines_here_and_in_what_it_sends(till: Till, staff: Staffing, member: MemberView) -> None:
    lines = [line(1, 3_000), line(2, 1_550, "冷冻", 350), line(3, 450, "日化")]
    result = till.ledger.award(staff.cashier, member.id, 5_000, receipt_no="R1", lines=lines)
    assert result.entry.points == 50
    assert till.ledger.lines_of(result.entry.id) == lines
    body = _body(till, result.entry.id)
    assert isinstance(body, PointEntryBody) and body.lines == lines and not body.breaks_kind_rule()


@pytest.mark.parametrize(
    "lines",
    [
        [line(1, 3_000), line(2, 1_000)],  # ¥40 of lines for a ¥50 purchase
        [line(1, 3_000), line(1, 2_000)],  # a line number twice
        [],
    ],
)
def test_lines_that_do_not_add_up_are_refused_and_nothing_is_written(
    till: Till, staff: Staffing, member: MemberView, lines: list[Line]
) -> None:
    with pytest.raises(StoreError) as refused:
        till.ledger.award(staff.cashier, member.id, 5_000, receipt_no="R1", lines=lines)
    assert refused.value.problem is Problem.INVALID_LINES
    with till.db.read() as session:
        assert session.scalars(select(PointEntry).where(PointEntry.kind == "earn")).first() is None


def test_refunds_in_parts_move_the_whole_sales_points_exactly_once(
    till: Till, staff: Staffing, member: MemberView
) -> None:
    """¥99.99 earned 99 points; returned in three parts the member loses 99 points in all, never one more."""
    sale = till.ledger.award(staff.cashier, member.id, 9_999, receipt_no="R7")
    moved = []
    for cents in (3_333, 3_333, 3_333):
        (result,) = till.ledger.refund(staff.cashier, [(sale.entry.id, cents, None)])
        assert result.entry.kind is EntryKind.REFUND and result.entry.refund_of == sale.entry.id
        moved.append(result.entry.points)
    assert moved == [-33, -33, -33] and sum(moved) == -sale.entry.points
    with pytest.raises(StoreError) as over:
        till.ledger.refund(staff.cashier, [(sale.entry.id, 1, None)])
    assert over.value.problem is Problem.OVER_REFUND and over.value.limit == 0
    assert till.members.get(staff.cashier, member.id).available_points == 0


def test_refund_lines_must_add_up_to_the_money_given_back(till: Till, staff: Staffing, member: MemberView) -> None:
    sale = till.ledger.award(staff.cashier, member.id, 5_000, lines=[line(1, 3_000), line(2, 2_000)])
    with pytest.raises(StoreError) as refused:
        till.ledger.refund(staff.cashier, [(sale.entry.id, 2_000, [line(1, 3_000)])])
    assert refused.value.problem is Problem.INVALID_LINES
    (done,) = till.ledger.refund(staff.cashier, [(sale.entry.id, 2_000, [line(2, 2_000)])])
    assert done.entry.points == -20 and till.ledger.lines_of(done.entry.id) == [line(2, 2_000)]


def test_a_refunded_sale_gives_redeemed_points_back_in_proportion(
    till: Till, staff: Staffing, member: MemberView
) -> None:
    with till.db.write() as session:
        session.connection().exec_driver_sql("UPDATE member SET balance_synced = 1000 WHERE id = ?", (member.id,))
    paid = till.ledger.redeem(staff.cashier, member.id, 500, bill_cents=20_000, receipt_no="R9")
    earned = till.ledger.award(staff.cashier, member.id, 15_000, receipt_no="R9")  # the same receipt: ¥150 earns 150
    assert [entry.kind for entry in till.ledger.earn_for_receipt("R9")] == [EntryKind.REDEEM, EntryKind.EARN]
    results = till.ledger.refund(staff.cashier, [(paid.entry.id, 10_000, None), (earned.entry.id, 7_500, None)])
    assert [result.entry.points for result in results] == [250, -75]
    assert results[-1].member.available_points == 1000 - 500 + 150 + 250 - 75


def test_a_large_refund_needs_a_manager(till: Till, staff: Staffing, member: MemberView) -> None:
    sale = till.ledger.award(staff.cashier, member.id, 10_000_000)  # ¥100,000: 100,000 points
    with pytest.raises(StoreError) as refused:
        till.ledger.refund(staff.cashier, [(sale.entry.id, 10_000_000, None)])
    assert refused.value.problem is Problem.APPROVAL_REQUIRED
    (done,) = till.ledger.refund(staff.cashier, [(sale.entry.id, 10_000_000, None)], approver=staff.manager)
    assert done.entry.approved_by == staff.manager.code


def test_a_refund_of_another_stores_sale_counts_what_the_server_said_was_refunded(
    till: Till, staff: Staffing, member: MemberView
) -> None:
    target = RefundTarget(entry_id="0190d5c8-0000-7000-8000-000000000001", member_id=member.id,
                          kind=EntryKind.EARN, points=100, base_cents=10_000, refunded_cents=6_000,
                          receipt_no="S2-55")  # fmt: skip
    with till.db.write() as session:
        session.connection().exec_driver_sql("UPDATE member SET balance_synced = 100 WHERE id = ?", (member.id,))
    with pytest.raises(StoreError) as over:
        till.ledger.refund(staff.cashier, [(target, 5_000, None)])
    assert over.value.limit == 4_000
    (done,) = till.ledger.refund(staff.cashier, [(target, 4_000, None)])
    assert done.entry.points == refund_points(100, 10_000, 6_000, 4_000) == -40
    body = _body(till, done.entry.id)
    assert isinstance(body, PointEntryBody) and body.refund_of == target.entry_id and body.receipt_no == "S2-55"


def test_an_offline_return_is_a_managers_adjustment_naming_the_original(
    till: Till, staff: Staffing, member: MemberView
) -> None:
    till.ledger.award(staff.cashier, member.id, 10_000)
    with pytest.raises(StoreError) as refused:
        till.ledger.return_offline(staff.cashier, member.id, 30, ref_store_code="S002", ref_receipt_no="X-1",
                                   refunded_cents=3_000)  # fmt: skip
    assert refused.value.problem is Problem.APPROVAL_REQUIRED
    done = till.ledger.return_offline(staff.cashier, member.id, 30, ref_store_code="S002", ref_receipt_no="X-1",
                                      refunded_cents=3_000, approver=staff.manager)  # fmt: skip
    assert (done.entry.kind, done.entry.points, done.entry.approved_by) == (EntryKind.ADJUST, -30, "M001")
    body = _body(till, done.entry.id)
    assert isinstance(body, PointEntryBody) and (body.ref_store_code, body.ref_receipt_no) == ("S002", "X-1")
    assert not body.breaks_kind_rule()


def test_a_sale_without_a_member_is_queued_and_awards_nothing(till: Till, staff: Staffing) -> None:
    sale_id = till.ledger.record_sale(staff.cashier, "R-42", 2_500, [line(1, 2_000), line(2, 500, "日化")])
    body = _body(till, sale_id)
    assert isinstance(body, SaleBody) and body.total_cents == 2_500 and len(body.lines or []) == 2
    with till.db.read() as session:
        assert session.scalars(select(PointEntry)).first() is None
        assert session.scalars(select(SaleLine)).first() is None
    with pytest.raises(StoreError) as refused:
        till.ledger.record_sale(staff.cashier, "R-43", 2_500, [line(1, 2_000)])
    assert refused.value.problem is Problem.INVALID_LINES


def test_a_refund_of_a_reversed_or_unrefundable_entry_is_refused(
    till: Till, staff: Staffing, member: MemberView
) -> None:
    sale = till.ledger.award(staff.cashier, member.id, 10_000)
    reversal = till.ledger.reverse(staff.cashier, sale.entry.id)
    with pytest.raises(StoreError) as reversed_:
        till.ledger.refund(staff.cashier, [(sale.entry.id, 1_000, None)])
    assert reversed_.value.problem is Problem.ALREADY_REVERSED
    with pytest.raises(StoreError) as wrong_kind:
        till.ledger.refund(staff.cashier, [(reversal.entry.id, 1_000, None)])
    assert wrong_kind.value.problem is Problem.NOT_REFUNDABLE
    with pytest.raises(StoreError) as guide:
        till.ledger.refund(staff.guide, [(sale.entry.id, 1_000, None)])
    assert guide.value.problem is Problem.PERMISSION_DENIED


@pytest.mark.parametrize(
    ("points", "base", "parts"),
    [(99, 9_999, [3_333] * 3), (7, 1_000, [1, 1, 998]), (-500, 20_000, [5_000, 15_000]), (1, 3, [1, 1, 1])],
)
def test_refund_points_add_up_to_the_original_whatever_the_parts(points: int, base: int, parts: list[int]) -> None:
    before, moved = 0, 0
    for cents in parts:
        step = refund_points(points, base, before, cents)
        assert step == 0 or (step > 0) != (points > 0)  # always towards zero
        moved += step
        before += cents
    assert moved == -points
