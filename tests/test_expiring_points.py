"""The points a member loses soonest, as the till shows them (`localdb.expiring`): the server's figure, less what
this till's redemptions took from the oldest points since (pending, or applied at a version not pulled yet), never
more than the member has, and nothing once the day has passed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from localdb.expiring import Expiring
from localdb.member_view import MemberView
from localdb.models import Member
from localdb.sync_store import ItemOutcome
from localdb.till import Till
from tests.conftest import FakeClock, Staffing


def _pulled(till: Till, member_id: str, **values: object) -> None:
    """The member's row as a pull would leave it."""
    with till.db.write() as session:
        session.execute(update(Member).where(Member.id == member_id).values(**values))


def test_what_this_till_redeemed_since_is_taken_from_the_expiring_points(
    till: Till, staff: Staffing, clock: FakeClock
) -> None:
    member = till.members.enrol(staff.cashier, phone="13800138000", name="张三").member
    day = till.today() + timedelta(days=10)
    _pulled(till, member.id, balance_synced=1_200, expiring_points=700, expiring_on=day, version=5)
    assert till.expiring.soon_for(member.id) == Expiring(700, day)

    redeemed = till.ledger.redeem(staff.cashier, member.id, 200, bill_cents=10_000)  # the oldest points go first
    assert till.expiring.soon_for(member.id) == Expiring(500, day)
    till.sync.record_results([ItemOutcome(redeemed.entry.id, "applied", member=member.id, member_version=6)])
    assert till.expiring.soon_for(member.id) == Expiring(500, day)  # applied, but not in the pulled figure yet
    _pulled(till, member.id, balance_synced=1_000, expiring_points=500, version=6)  # the pull brings the server's
    assert till.expiring.soon_for(member.id) == Expiring(500, day)  # counted once, not twice

    _pulled(till, member.id, balance_synced=300)
    assert till.expiring.soon_for(member.id) == Expiring(300, day)  # never more than the member has
    clock.advance(days=11)
    assert till.expiring.soon_for(member.id) is None  # the day has passed: the server's refresh expired them


def test_nothing_is_said_without_expiring_points(till: Till, staff: Staffing) -> None:
    member: MemberView = till.members.enrol(staff.cashier, phone="13800138001", name="李四").member
    assert till.expiring.soon(member) is None


def test_a_gift_takes_the_oldest_points_too(till: Till, staff: Staffing) -> None:
    """As on the server's push (`protocol.vocabulary.TAKES_OLDEST`): a gift handed over here takes from the points
    about to expire."""
    member = till.members.enrol(staff.cashier, phone="13800138002", name="王五").member
    day = till.today() + timedelta(days=10)
    _pulled(till, member.id, balance_synced=1_200, expiring_points=700, expiring_on=day, version=5)
    till.settings.update(gifts=[{"sku": "GIFT-BAG", "name": {"zh_CN": "袋", "en": "Bag"}, "points": 300, "stock": 1}])
    till.ledger.redeem_gift(staff.cashier, member.id, "GIFT-BAG")
    assert till.expiring.soon_for(member.id) == Expiring(400, day)
