"""Benefits between real tills and a real server on 127.0.0.1 (issue 18): a coupon the server issued reaches the
till with its member, goes on a sale (before the points, which earn on what was paid), is usable once per till
offline, syncs exactly once through a lost answer, and when a second till used it offline too, the server records
both uses and flags the second; both tills then drop it. Points about to expire reach the till with the member, and
expired points leave its balance."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from localdb.errors import Problem, StoreError
from localdb.expiring import Expiring
from localdb.models import OutboxItem
from loyalty.clock import store_zone
from loyalty.coupons import BenefitRules, CouponProblem, CouponRefused, CouponTemplate
from loyalty.expiry import ExpiryKind, ExpiryRule, last_day
from loyalty.gifts import Gift, GiftRefused
from loyalty.rules import DEFAULT_RULES
from protocol.wire import SaleLine
from server import admin, chain
from server.coupons import issue_campaign, put_template
from server.gifts import put_gift, set_stock
from server.models import Coupon, CouponUseRow, GiftStock, LedgerEntry, Member
from server.refresh import refresh
from tests.faultproxy import Fault, FaultProxy
from tests.integration.conftest import LiveServer, TillFactory

PHONE = "13900139011"
ONE_MONTH = ExpiryRule(ExpiryKind.ROLLING, months=1)
TEN_OFF: dict[str, Any] = {
    "code": "ten", "name": {"zh_CN": "满 100 减 10", "en": "10 yuan off 100"}, "kind": "amount_off",
    "amount_off_cents": 1_000, "min_spend_cents": 10_000, "valid_days": 30,
}  # fmt: skip


def lines(*amounts: int) -> list[SaleLine]:
    return [SaleLine(line_no=n, sku=f"69{n:011d}", name=f"商品{n}", category="生鲜", quantity_milli=1000,
                     amount_cents=cents) for n, cents in enumerate(amounts, start=1)]  # fmt: skip


def _issue(server: LiveServer, member_id: str) -> str:
    with server.db.write() as session:
        member = session.get(Member, member_id)
        assert member is not None
        member.consent_marketing = True
    put_template(server.db, CouponTemplate.from_dict(TEN_OFF))
    assert issue_campaign(server.db, "ten", "test").issued == 1
    with server.db.read() as session:
        return session.scalars(select(Coupon.id).where(Coupon.member_id == member_id)).one()


def test_a_coupon_goes_on_a_sale_once_per_till_and_a_second_use_elsewhere_is_flagged(
    make_till: TillFactory, server: LiveServer, proxy: FaultProxy
) -> None:
    a = make_till("a", url=proxy.url)
    cashier = a.login("C001")
    member = a.till.members.enrol(cashier, phone=PHONE, name="王芳").member.id
    assert a.sync().ok
    coupon = _issue(server, member)
    assert a.sync().ok
    b = make_till("b")  # pulls the member with the coupon, then works offline
    [offer] = a.till.coupons.offers(member, 15_000)
    assert (offer.coupon.id, offer.discount_cents, offer.problem) == (coupon, 1_000, None)
    [small] = a.till.coupons.offers(member, 9_000)
    assert small.problem is CouponProblem.BELOW_MIN_SPEND and small.discount_cents == 0

    record = a.till.ledger.sale(cashier, "R1", 15_000, lines(10_000, 5_000), member_id=member,
                                coupon_ids=[coupon], earn_lines=lines(9_333, 4_667))  # fmt: skip
    assert record.coupon_cents == 1_000 and record.earn is not None and record.earn.entry.amount_cents == 14_000
    assert a.till.coupons.offers(member, 15_000) == []  # used here: not offered again
    with pytest.raises(CouponRefused) as refused:
        a.till.ledger.sale(cashier, "R2", 15_000, lines(15_000), member_id=member, coupon_ids=[coupon],
                           earn_lines=lines(14_000))  # fmt: skip
    assert refused.value.problem is CouponProblem.NOT_HELD

    lost = proxy.add(Fault(b"POST /v1/push", nth=1))  # applied on the server; the answer never arrives
    report = a.sync()
    assert lost.fired == 1 and report.ok
    with server.db.read() as session:
        [use] = session.scalars(select(CouponUseRow)).all()
        assert (use.status, use.discount_cents, use.bill_cents, use.receipt_no) == ("applied", 1_000, 15_000, "R1")
        earn = session.scalars(select(LedgerEntry).where(LedgerEntry.receipt_no == "R1")).one()
        assert earn.amount_cents == 14_000  # the points earned on what was paid after the coupon

    b_cashier = b.login("C001")
    [b_offer] = b.till.coupons.offers(member, 20_000)  # b has not heard: it still offers the coupon
    b.till.ledger.sale(b_cashier, "R7", 20_000, lines(20_000), member_id=member, coupon_ids=[b_offer.coupon.id],
                       earn_lines=lines(19_000))  # fmt: skip
    assert b.sync().ok
    with server.db.read() as session:
        uses = session.scalars(select(CouponUseRow).order_by(CouponUseRow.receipt_no)).all()
        assert [(u.receipt_no, u.status, u.reason) for u in uses] == [
            ("R1", "applied", None), ("R7", "flagged", "coupon_reused")]  # fmt: skip
    with b.till.db.read() as session:
        flagged = session.scalars(select(OutboxItem).where(OutboxItem.type == "coupon_use")).one()
        assert (flagged.status, flagged.reason) == ("flagged", "coupon_reused")  # the manager sees it
    assert a.sync().ok
    assert a.till.coupons.offers(member, 20_000) == [] and b.till.coupons.offers(member, 20_000) == []


def test_points_expiring_soon_reach_the_till_and_expired_points_leave_its_balance(
    make_till: TillFactory, server: LiveServer
) -> None:
    admin.set_rules(server.db, dataclasses.replace(DEFAULT_RULES, version=2, expiry=ONE_MONTH))
    till = make_till("a")
    cashier = till.login("C001")
    member = till.till.members.enrol(cashier, phone=PHONE, name="王芳").member.id
    till.till.ledger.award(cashier, member, 100_000, receipt_no="R1")  # 1,000 points, earned now
    assert till.sync().ok
    earned_at = till.clock()
    last = last_day(ONE_MONTH, earned_at, store_zone())
    assert last is not None

    refresh(server.db, earned_at + timedelta(days=25))  # within 30 days of their last day
    assert till.sync().ok
    assert till.till.expiring.soon_for(member) == Expiring(1_000, last)
    refresh(server.db, earned_at + timedelta(days=40))  # past it: they expire at the server
    assert till.sync().ok
    assert till.till.members.get(cashier, member).available_points == 0
    assert till.till.expiring.soon_for(member) is None


def test_a_referral_made_at_the_till_gives_both_members_a_coupon_after_the_first_purchase(
    make_till: TillFactory, server: LiveServer
) -> None:
    with server.db.write() as session:
        chain.set_benefit_rules(session, BenefitRules(referral="ten"))
    put_template(server.db, CouponTemplate.from_dict(TEN_OFF))
    till = make_till("a")
    cashier = till.login("C001")
    referrer = till.till.members.enrol(cashier, phone=PHONE, name="王芳").member.id
    with pytest.raises(StoreError) as unknown:
        till.till.members.enrol(cashier, phone="13900139012", name="李雷", referrer_phone="13900139099")
    assert unknown.value.problem is Problem.REFERRER_NOT_FOUND
    with pytest.raises(StoreError):  # nobody refers themselves
        till.till.members.enrol(cashier, phone="13900139012", name="李雷", referrer_phone="13900139012")
    newcomer = till.till.members.enrol(cashier, phone="13900139012", name="李雷", referrer_phone=PHONE).member.id
    till.till.ledger.award(cashier, newcomer, 5_000, receipt_no="R1")
    assert till.sync().ok

    assert refresh(server.db).coupons.referral == 2
    assert till.sync().ok
    for member in (referrer, newcomer):
        assert [offer.coupon.template.code for offer in till.till.coupons.offers(member)] == ["ten"]


def test_a_gift_from_the_catalogue_reaches_the_till_is_handed_over_and_lowers_the_stores_stock(
    make_till: TillFactory, server: LiveServer
) -> None:
    bag = Gift.from_dict({"sku": "GIFT-BAG", "name": {"zh_CN": "环保购物袋", "en": "Tote bag"}, "points": 300})
    put_gift(server.db, bag)
    set_stock(server.db, "S001", "GIFT-BAG", 1)
    till = make_till("a")  # its first sync takes the catalogue with the store's stock
    cashier = till.login("C001")
    member = till.till.members.enrol(cashier, phone=PHONE, name="王芳").member.id
    till.till.ledger.award(cashier, member, 100_000, receipt_no="R1")  # 1,000 points
    [offer] = till.till.gifts.offers()
    assert (offer.gift, offer.left, offer.problem) == (bag, 1, None)

    gift = till.till.ledger.redeem_gift(cashier, member, "GIFT-BAG")
    assert gift.entry.points == -300 and till.till.gifts.offers()[0].left == 0  # by this till's count
    till.till.ledger.redeem_gift(cashier, member, "GIFT-BAG")  # one more from a box the count missed
    with pytest.raises(GiftRefused):
        till.till.ledger.redeem_gift(cashier, member, "GIFT-CUP")
    assert till.sync().ok
    with server.db.read() as session:
        stock = session.get(GiftStock, ("S001", "GIFT-BAG"))
        assert stock is not None and stock.stock == -1
        statuses = session.scalars(select(LedgerEntry.status).where(LedgerEntry.kind == "gift")).all()
    assert sorted(statuses) == ["applied", "flagged"]  # the second: out of stock, recorded all the same
    assert till.till.members.get(cashier, member).available_points == 1_000 - 600


def test_a_managers_coupon_is_usable_at_once_and_reaches_the_server_before_its_use(
    make_till: TillFactory, server: LiveServer
) -> None:
    put_template(server.db, CouponTemplate.from_dict(TEN_OFF))
    with server.db.write() as session:
        chain.set_benefit_rules(session, BenefitRules(manager_templates=("ten",), manager_daily_limit=1))
    till = make_till("a")  # its config: the templates managers may give
    manager, cashier = till.login("M001"), till.login("C001")
    member = till.till.members.enrol(cashier, phone=PHONE, name="王芳").member.id
    with pytest.raises(StoreError) as not_a_manager:
        till.till.coupons.give(cashier, member, "ten")
    assert not_a_manager.value.problem is Problem.PERMISSION_DENIED
    given = till.till.coupons.give(manager, member, "ten")
    with pytest.raises(StoreError) as over:
        till.till.coupons.give(manager, member, "ten")
    assert (over.value.problem, over.value.limit) == (Problem.OVER_ISSUE_LIMIT, 1)
    [offer] = till.till.coupons.offers(member, 15_000)  # usable here at once, offline
    assert offer.coupon.id == given.id and offer.discount_cents == 1_000
    till.till.ledger.sale(cashier, "R1", 15_000, lines(15_000), member_id=member, coupon_ids=[given.id],
                          earn_lines=lines(14_000))  # fmt: skip
    assert till.sync().ok
    with server.db.read() as session:
        coupon = session.get(Coupon, given.id)
        assert coupon is not None and coupon.source == "manager" and coupon.use_id is not None
        [use] = session.scalars(select(CouponUseRow)).all()
        assert (use.status, use.coupon_id) == ("applied", given.id)
    assert till.till.coupons.offers(member, 15_000) == []


def test_a_gift_and_a_managers_coupon_sync_exactly_once_through_a_lost_answer(
    make_till: TillFactory, server: LiveServer, proxy: FaultProxy
) -> None:
    put_gift(server.db, Gift.from_dict({"sku": "GIFT-BAG", "name": {"zh_CN": "袋", "en": "Bag"}, "points": 300}))
    set_stock(server.db, "S001", "GIFT-BAG", 5)
    put_template(server.db, CouponTemplate.from_dict(TEN_OFF))
    with server.db.write() as session:
        chain.set_benefit_rules(session, BenefitRules(manager_templates=("ten",), manager_daily_limit=5))
    till = make_till("a", url=proxy.url)
    manager, cashier = till.login("M001"), till.login("C001")
    member = till.till.members.enrol(cashier, phone=PHONE, name="王芳").member.id
    till.till.ledger.award(cashier, member, 100_000, receipt_no="R1")
    till.till.ledger.redeem_gift(cashier, member, "GIFT-BAG")
    given = till.till.coupons.give(manager, member, "ten")
    lost = proxy.add(Fault(b"POST /v1/push", nth=1))  # applied on the server; the answer never arrives
    assert till.sync().ok and lost.fired == 1
    assert till.sync().ok  # and once more for good measure
    with server.db.read() as session:
        gifts = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "gift")).all()
        coupons = session.scalars(select(Coupon).where(Coupon.source == "manager")).all()
        stock = session.get(GiftStock, ("S001", "GIFT-BAG"))
    assert len(gifts) == 1 and [c.id for c in coupons] == [given.id]
    assert stock is not None and stock.stock == 4


def test_a_coupon_on_a_purchase_typed_by_hand_without_a_receipt_syncs_with_its_award(
    make_till: TillFactory, server: LiveServer
) -> None:
    till = make_till("a")
    cashier = till.login("C001")
    member = till.till.members.enrol(cashier, phone=PHONE, name="王芳").member.id
    assert till.sync().ok
    coupon = _issue(server, member)
    assert till.sync().ok
    result = till.till.ledger.award(cashier, member, 15_000, coupon_ids=[coupon], online=True)
    assert (result.coupon_cents, result.entry.amount_cents, result.entry.points) == (1_000, 14_000, 140)
    assert till.sync().ok
    with server.db.read() as session:
        [use] = session.scalars(select(CouponUseRow)).all()
        assert (use.status, use.receipt_no, use.bill_cents, use.offline) == ("applied", result.entry.id, 15_000, False)
        earn = session.get(LedgerEntry, result.entry.id)
        assert earn is not None and earn.amount_cents == 14_000 and earn.status == "applied"
