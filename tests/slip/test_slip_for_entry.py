"""A slip made from what the till has after an award, a redemption or a gift (`localdb.slips`): the ledger's entry, the
member after it, the till's config and names. A reversal prints none; the bytes of an award's slip carry its
figures."""

from __future__ import annotations

from datetime import date

import pytest

from localdb.member_view import MemberView
from localdb.slips import SlipFacts, has_slip, slip_for_entry
from localdb.till import Till
from slip.escpos_slip import slip_bytes
from slip.layout import Paper, TextRow, lay_out
from tests.conftest import Staffing


@pytest.fixture
def member(till: Till, staff: Staffing) -> MemberView:
    return till.members.enrol(staff.cashier, phone="13800138000", name="张三", birthday=date(1990, 7, 9)).member


def _facts(till: Till) -> SlipFacts:
    return SlipFacts.read(till.sync, till.settings.current())


def test_an_award_slip(till: Till, staff: Staffing, member: MemberView) -> None:
    result = till.ledger.award(staff.cashier, member.id, 12_850, receipt_no="R-0042")
    config = till.settings.current()
    slip = slip_for_entry(result.entry, result.member, facts=_facts(till), config=config, language="zh_CN",
                          tier_name="普通")  # fmt: skip
    assert slip.points_earned == result.entry.points > 0
    assert (slip.points_redeemed, slip.discount_cents) == (0, 0)
    assert slip.purchase_cents == 12_850 and slip.receipt_no == "R-0042" and slip.staff_code == "C001"
    assert slip.member_phone_masked == "138****8000" and slip.new_balance == result.member.available_points
    assert slip.local_time.strftime("%H:%M") == "10:00"  # the fake clock's 02:00 UTC, on the store's clock
    assert slip.store_code == config.store_code and slip.store_name  # unregistered: the code stands in for the name
    data = slip_bytes(slip)
    assert f"+{result.entry.points}".encode() in data and b"138****8000" in data
    assert b"13800138000" not in data


def test_a_redemption_slip(till: Till, staff: Staffing, member: MemberView) -> None:
    with till.db.write() as session:
        session.connection().exec_driver_sql("UPDATE member SET balance_synced = 800 WHERE id = ?", (member.id,))
    result = till.ledger.redeem(staff.cashier, member.id, 500, bill_cents=10_000)
    slip = slip_for_entry(result.entry, result.member, facts=_facts(till), config=till.settings.current(),
                          language="en")  # fmt: skip
    assert (slip.points_earned, slip.points_redeemed, slip.discount_cents) == (0, 500, 500)
    assert slip.purchase_cents is None and slip.new_balance == 300


def test_a_reversal_prints_no_slip(till: Till, staff: Staffing, member: MemberView) -> None:
    award = till.ledger.award(staff.cashier, member.id, 5_000)
    reversal = till.ledger.reverse(staff.manager, award.entry.id)
    assert has_slip(award.entry) and not has_slip(reversal.entry)
    with pytest.raises(ValueError):
        slip_for_entry(reversal.entry, reversal.member, facts=_facts(till), config=till.settings.current(),
                       language="zh_CN")  # fmt: skip


@pytest.mark.parametrize(("language", "words"), [("zh_CN", ("兑换礼品", "环保购物袋")), ("en", ("Gift", "Tote bag"))])
def test_a_gift_slip_names_the_gift_and_the_points_it_took(
    till: Till, staff: Staffing, member: MemberView, language: str, words: tuple[str, str]
) -> None:
    with till.db.write() as session:
        session.connection().exec_driver_sql("UPDATE member SET balance_synced = 800 WHERE id = ?", (member.id,))
    till.settings.update(gifts=[{"sku": "GIFT-BAG", "name": {"zh_CN": "环保购物袋", "en": "Tote bag"}, "points": 300,
                                 "stock": 3}])  # fmt: skip
    result = till.ledger.redeem_gift(staff.cashier, member.id, "GIFT-BAG")
    assert has_slip(result.entry) and result.entry.gift_sku == "GIFT-BAG"
    slip = slip_for_entry(result.entry, result.member, facts=_facts(till), config=till.settings.current(),
                          language=language)  # fmt: skip
    assert (slip.gift, slip.points_redeemed, slip.discount_cents, slip.new_balance) == (words[1], 300, 0, 500)
    rows = [row.text for row in lay_out(slip, Paper.MM58) if isinstance(row, TextRow)]
    assert any(row.startswith(words[0]) and row.endswith(words[1]) for row in rows), rows
