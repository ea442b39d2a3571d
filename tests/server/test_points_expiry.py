"""Points expiry on the server (issue 18), on both databases: the nightly refresh writes one `expire` entry of the
points past their last day (the oldest first, after what redemptions took), keeps the points expiring within 30 days
on the member for the tills, never expires the same points twice, and gives the member a new version; a redemption
pushed since takes from the expiring points first; a till cannot push an expiry."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import select

from loyalty.clock import store_day, store_zone
from loyalty.coupons import BenefitRules
from loyalty.expiry import ExpiryKind, ExpiryRule, last_day
from loyalty.rules import DEFAULT_RULES
from server import admin, chain
from server.db import ServerDatabase
from server.models import ChurnWarning, LedgerEntry, Member
from server.refresh import refresh
from tests.server.conftest import PHONE_A, PHONE_B, ServerClock, Till

ONE_MONTH = ExpiryRule(ExpiryKind.ROLLING, months=1)


def _member(db: ServerDatabase, member_id: str) -> Member:
    with db.read() as session:
        member = session.get(Member, member_id)
        assert member is not None
        return member


def _expiries(db: ServerDatabase) -> list[int]:
    with db.read() as session:
        return list(session.scalars(select(LedgerEntry.points).where(LedgerEntry.kind == "expire")))


def test_the_refresh_expires_the_oldest_points_once_and_says_what_expires_soon(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    admin.set_rules(db, dataclasses.replace(DEFAULT_RULES, version=2, expiry=ONE_MONTH))
    member = till.enrolled()
    start = server_clock.now
    assert till.push_ok(till.entry(member, 1_000))[0]["status"] == "applied"  # lot 1: 1,000, earned at the start
    server_clock.advance(days=20)
    till.push_ok(till.entry(member, 500))  # lot 2: 500, twenty days later
    server_clock.advance(days=5)
    [redeemed] = till.push_ok(till.entry(member, -300, "redeem"))  # takes 300 of lot 1 (the oldest)
    assert redeemed["status"] == "applied"

    zone = store_zone()
    first_last = last_day(ONE_MONTH, start, zone)
    second_last = last_day(ONE_MONTH, start + timedelta(days=20), zone)
    assert first_last is not None and second_last is not None
    report = refresh(db, server_clock.now).expiry  # 25 days in: lot 1's 700 left expire within 30 days
    assert (report.expired_points, report.expiring_members) == (0, 1)
    before = _member(db, member)
    assert (before.expiring_points, before.expiring_on, before.balance) == (700, first_last, 1_200)

    [redeem_more] = till.push_ok(till.entry(member, -200, "redeem"))  # the oldest points go first
    assert redeem_more["status"] == "applied" and _member(db, member).expiring_points == 500

    after_last_day = server_clock.now + timedelta(days=(first_last - store_day(server_clock.now, zone)).days + 1)
    report = refresh(db, after_last_day).expiry
    assert (report.expired_points, report.expired_members) == (500, 1)
    expired = _member(db, member)
    assert expired.balance == 500 and _expiries(db) == [-500]
    assert (expired.expiring_points, expired.expiring_on) == (500, second_last)  # lot 2, within 30 days now
    assert expired.version > before.version  # the tills pull the new balance

    page = till.get("/v1/changes", since=before.version).json()
    [change] = [c for c in page["changes"] if c["id"] == member]
    assert (change["balance"], change["expiring_points"], change["expiring_on"]) == (
        500, 500, second_last.isoformat())  # fmt: skip

    refresh(db, after_last_day)  # the same night again: nothing expires twice
    assert _expiries(db) == [-500] and _member(db, member).balance == 500


def test_without_a_rule_nothing_expires_and_a_till_cannot_push_an_expiry(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    member = till.enrolled()
    till.push_ok(till.entry(member, 100))
    report = refresh(db, server_clock.now + timedelta(days=800)).expiry
    assert (report.expired_points, report.looked) == (0, 0)
    assert _member(db, member).balance == 100

    [forged] = till.push_ok(till.entry(member, -100, "expire"))
    assert (forged["status"], forged["reason"]) == ("rejected", "rule_violation")
    assert _member(db, member).balance == 100


def test_a_member_with_many_points_expiring_goes_on_their_stores_list_once(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    admin.set_rules(db, dataclasses.replace(DEFAULT_RULES, version=2, expiry=ONE_MONTH))
    with db.write() as session:
        chain.set_benefit_rules(session, BenefitRules(expiry_warning_points=800))
    many, few = till.enrolled(PHONE_A), till.enrolled(PHONE_B)
    till.push_ok(till.entry(many, 1_000), till.entry(few, 500))
    later = server_clock.now + timedelta(days=25)

    assert refresh(db, later).expiry.warned == 1
    assert refresh(db, later + timedelta(hours=1)).expiry.warned == 0  # one open warning per member
    with db.read() as session:
        [(member_id, reason)] = session.execute(select(ChurnWarning.member_id, ChurnWarning.reason)).all()
    assert (member_id, reason) == (many, "points_expiring")
