"""Coupons at the till, as the server sees them (issue 18), on both databases: an issued coupon travels with its
member in the changes feed (with its terms and days) and leaves it once used; a use is applied exactly once however
often it is pushed; a second use of a spent coupon (another till, offline) is recorded and flagged; and the server
checks every term again, so a rogue till cannot use a coupon the member does not hold, out of its days, under its
minimum spend, for more than it gives, or beside a coupon it does not stack with."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from uuid6 import uuid7

from loyalty.coupons import BenefitRules, CouponTemplate
from server.coupons import issue_campaign, put_template, set_benefit_rules
from server.db import ServerDatabase
from server.models import Coupon, CouponUseRow, Member
from tests.server.conftest import PHONE_A, PHONE_B, STORE, ServerClock, Till, register

TEN_OFF: dict[str, Any] = {
    "code": "ten", "name": {"zh_CN": "满 100 减 10", "en": "10 yuan off 100"}, "kind": "amount_off",
    "amount_off_cents": 1_000, "min_spend_cents": 10_000, "valid_days": 30,
}  # fmt: skip


def issue_to(db: ServerDatabase, document: dict[str, Any], *member_ids: str) -> dict[str, str]:
    """A coupon of the template to each member (by a campaign, with their consent); member id -> coupon id."""
    with db.write() as session:
        for member_id in member_ids:
            member = session.get(Member, member_id)
            assert member is not None
            member.consent_marketing = True
    put_template(db, CouponTemplate.from_dict(document))
    assert issue_campaign(db, document["code"], "test").issued == len(member_ids)
    with db.read() as session:
        rows = session.scalars(select(Coupon).where(Coupon.template_code == document["code"]))
        return {coupon.member_id: coupon.id for coupon in rows}


def use(
    till: Till, member_id: str, coupon_id: str, *, bill: int = 15_000, off: int = 1_000, receipt: str = "R1",
    at: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    body = {
        "id": str(uuid7()), "coupon_id": coupon_id, "member_id": member_id, "receipt_no": receipt,
        "bill_cents": bill, "discount_cents": off, "store_code": STORE, "device_id": till.device_id,
        "staff_code": "C001", "created_at": (at or till.clock.now).isoformat(), "offline": True,
    }  # fmt: skip
    return till.item("coupon_use", body)


def _member_change(till: Till, member_id: str, since: int) -> dict[str, Any]:
    page = till.get("/v1/changes", since=since, limit=5000).json()
    [change] = [change for change in page["changes"] if change["id"] == member_id]
    return change  # type: ignore[no-any-return]


def test_a_coupon_travels_with_its_member_and_is_spent_once(
    db: ServerDatabase, till: Till, client: TestClient, server_clock: ServerClock
) -> None:
    member = till.enrolled(PHONE_A)
    cursor = till.get("/v1/changes", since=0).json()["next_cursor"]
    coupon = issue_to(db, TEN_OFF, member)[member]

    pulled = _member_change(till, member, cursor)  # the issue gave the member a new version
    [held] = pulled["coupons"]
    assert held["id"] == coupon and held["template"]["amount_off_cents"] == 1_000
    assert held["first_day"] <= held["last_day"]

    item = use(till, member, coupon)
    [first] = till.push_ok(item)
    assert first["status"] == "applied" and first["member"] == member
    [again] = till.push_ok(item)  # the answer was lost: the till pushes the same item again
    assert again["status"] == "duplicate" and again["first_status"] == "applied"
    assert _member_change(till, member, pulled["version"])["coupons"] == []  # tills drop it

    device_id, token = register(client, db, name="till-2")  # the other till used it offline before it heard
    other = Till(client, device_id, token, server_clock)
    [second] = other.push_ok(use(other, member, coupon, receipt="R9"))
    assert (second["status"], second["reason"]) == ("flagged", "coupon_reused")
    with db.read() as session:
        uses = session.scalars(select(CouponUseRow).order_by(CouponUseRow.received_at, CouponUseRow.id)).all()
        assert sorted((u.status, u.reason, u.discount_cents) for u in uses) == [
            ("applied", None, 1_000), ("flagged", "coupon_reused", 1_000)]  # fmt: skip
        spent = session.get(Coupon, coupon)
        assert spent is not None and spent.use_id == item["id"] and spent.used_store == STORE


def test_the_server_checks_every_term_again(db: ServerDatabase, till: Till, server_clock: ServerClock) -> None:
    member, stranger = till.enrolled(PHONE_A), till.enrolled(PHONE_B)
    coupons = issue_to(db, TEN_OFF, member, stranger)
    coupon = coupons[member]

    refused = till.push_ok(
        use(till, stranger, coupon),  # the member's coupon, on another member's bill
        use(till, member, str(uuid7())),  # no such coupon
        use(till, member, coupon, bill=9_999),  # under its minimum spend
        use(till, member, coupon, off=1_001),  # more than it gives
        use(till, member, coupon, at=server_clock.now + timedelta(hours=1)),  # a clock ahead: used when it came
    )
    assert [(r["status"], r["reason"]) for r in refused] == [("rejected", "coupon_not_held")] * 2 + [
        ("rejected", "coupon_refused")] * 2 + [("flagged", "clock_skew")]  # fmt: skip
    server_clock.advance(days=31)
    [late] = till.push_ok(use(till, stranger, coupons[stranger]))  # after its last day
    assert (late["status"], late["reason"]) == ("rejected", "coupon_refused")
    with db.read() as session:
        assert session.scalars(select(CouponUseRow.coupon_id)).all() == [coupon]  # the clock-skewed one only
        unused = session.get(Coupon, coupons[stranger])
        assert unused is not None and unused.use_id is None  # still the stranger's, unused


def test_a_coupon_is_good_at_its_minimum_spend_and_goes_alone_unless_it_stacks(db: ServerDatabase, till: Till) -> None:
    member = till.enrolled(PHONE_A)
    first = issue_to(db, TEN_OFF, member)[member]
    second = issue_to(db, TEN_OFF | {"code": "ten2"}, member)[member]
    answers = till.push_ok(
        use(till, member, first, receipt="R5", bill=10_000), use(till, member, second, receipt="R5", bill=10_000)
    )
    assert [(a["status"], a["reason"]) for a in answers] == [("applied", None), ("rejected", "coupon_refused")]
    [elsewhere] = till.push_ok(use(till, member, second, receipt="R6"))  # on a bill of its own it goes
    assert elsewhere["status"] == "applied"


def _manager_coupon(till: Till, member_id: str, code: str = "ten", staff: str = "M001") -> dict[str, Any]:
    body = {"id": str(uuid7()), "member_id": member_id, "template_code": code, "store_code": STORE,
            "device_id": till.device_id, "staff_code": staff, "created_at": till.clock.now.isoformat()}  # fmt: skip
    return till.item("coupon_issue", body)


def test_a_manager_gives_a_coupon_at_the_till_within_the_stores_daily_limit(db: ServerDatabase, till: Till) -> None:
    """Created once under the till's id (a replay creates nothing more), for the templates the chain lets managers
    give; beyond the store's daily limit it is given all the same and flagged; a cashier cannot give one, nor a
    manager a template the chain keeps for itself."""
    put_template(db, CouponTemplate.from_dict(TEN_OFF))
    put_template(db, CouponTemplate.from_dict(TEN_OFF | {"code": "vip"}))
    set_benefit_rules(db, BenefitRules.from_dict({"manager_templates": ["ten"], "manager_daily_limit": 1}))
    member = till.enrolled(PHONE_A)
    config = till.get("/v1/config").json()
    assert [t["code"] for t in config["manager_coupons"]] == ["ten"] and config["manager_daily_limit"] == 1

    first = _manager_coupon(till, member)
    answers = till.push_ok(first, first)
    assert [(a["status"], a["reason"]) for a in answers] == [("applied", None), ("duplicate", None)]
    refused = till.push_ok(
        _manager_coupon(till, member, "vip"), _manager_coupon(till, member, staff="C001"), _manager_coupon(till, member)
    )
    assert [(a["status"], a["reason"]) for a in refused] == [
        ("rejected", "coupon_refused"), ("rejected", "staff_not_allowed"), ("flagged", "over_issue_limit")]  # fmt: skip
    with db.read() as session:
        given = session.scalars(select(Coupon).where(Coupon.source == "manager")).all()
        assert len(given) == 2 and first["id"] in {c.id for c in given}
        assert {(c.staff_code, c.campaign) for c in given} == {("M001", STORE)}
    page = till.get("/v1/changes", since=0).json()
    [change] = [c for c in page["changes"] if c["id"] == member]
    assert len(change["coupons"]) == 2  # both are the member's now
