"""The server checks each entry against the rules its till applied: the rule set of the version the entry names
(kept for ever), the tier the server gave the member, their birthday month on the store's calendar; a reversal
undoes exactly what was applied; times from a till's clock that runs ahead are taken at arrival."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from sqlalchemy import select, update

from loyalty.clock import store_zone
from loyalty.rules import DEFAULT_RULES
from server import admin
from server.db import ServerDatabase
from server.models import LedgerEntry, Member, Preference
from tests.server.conftest import ServerClock, Till


def _balance(db: ServerDatabase, member_id: str) -> int:
    with db.read() as session:
        return int(session.scalar(select(Member.balance).where(Member.id == member_id)) or 0)


def _statuses(results: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(r["status"], r.get("reason")) for r in results]


def test_each_entry_is_checked_against_the_rules_of_its_version(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()
    admin.set_rules(db, dataclasses.replace(DEFAULT_RULES, version=2, earn_points_per_yuan=2))
    made_offline_under_v1 = till.entry(member_id, 100, amount_cents=100_00)  # 1 point a yuan
    under_v2 = till.entry(member_id, 200, amount_cents=100_00)
    under_v2["body"]["rule_version"] = 2
    v1_claiming_v2 = till.entry(member_id, 200, amount_cents=100_00)  # 2 a yuan, named as version 1
    results = till.push_ok(made_offline_under_v1, under_v2, v1_claiming_v2)
    assert _statuses(results) == [("applied", None), ("applied", None), ("flagged", "points_over_rule")]
    assert _balance(db, member_id) == 100 + 200 + 100


def test_the_tier_the_server_gave_the_member_earns_its_multiplier(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()
    with db.write() as session:  # the tier the till pulled: gold (×150 %), whatever the spend the batch sees
        session.execute(update(Member).where(Member.id == member_id).values(tier="gold"))
    results = till.push_ok(
        till.entry(member_id, 150, amount_cents=100_00), till.entry(member_id, 200, amount_cents=100_00)
    )
    assert _statuses(results) == [("applied", None), ("flagged", "points_over_rule")]  # platinum is not theirs
    assert _balance(db, member_id) == 150 + 150


def test_the_birthday_month_is_the_members_on_the_stores_calendar(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    this_month = server_clock.now.astimezone(store_zone()).month
    member_id = till.enrolled()
    with db.write() as session:
        session.execute(update(Member).where(Member.id == member_id).values(birthday=date(1990, this_month, 1)))
    doubled = till.entry(member_id, 200, amount_cents=100_00)
    doubled["body"]["birthday_month"] = True
    assert _statuses(till.push_ok(doubled)) == [("applied", None)]
    with db.write() as session:
        other = this_month % 12 + 1
        session.execute(update(Member).where(Member.id == member_id).values(birthday=date(1990, other, 1)))
    claimed = till.entry(member_id, 200, amount_cents=100_00)
    claimed["body"]["birthday_month"] = True
    assert _statuses(till.push_ok(claimed)) == [("flagged", "points_over_rule")]
    assert _balance(db, member_id) == 200 + 100


def test_a_reversal_undoes_what_was_applied_not_what_the_till_gave(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()
    inflated = till.entry(member_id, 500, amount_cents=100_00)  # the rules give 100
    assert _statuses(till.push_ok(inflated)) == [("flagged", "points_over_rule")]
    reversal = till.entry(member_id, -500, "reverse", reverses=inflated["id"], amount_cents=100_00)
    assert _statuses(till.push_ok(reversal)) == [("flagged", "points_over_rule")]
    assert _balance(db, member_id) == 0
    with db.read() as session:
        assert session.scalar(select(LedgerEntry.points).where(LedgerEntry.id == reversal["id"])) == -100


def test_times_from_a_till_clock_ahead_never_count_in_the_future(
    db: ServerDatabase, till: Till, server_clock: ServerClock
) -> None:
    member_id = till.enrolled()
    ahead = server_clock.now + timedelta(hours=6)
    entry = till.entry(member_id, 100, amount_cents=100_00, created_at=ahead)
    slightly = till.entry(member_id, 100, amount_cents=100_00, created_at=server_clock.now + timedelta(minutes=4))
    assert _statuses(till.push_ok(entry, slightly)) == [("flagged", "clock_skew"), ("applied", None)]
    consent = till.item("member_update", {"member_id": member_id, "changes": {"consent_profile": True},
                                          "staff_code": "G001", "at": server_clock.now.isoformat()})  # fmt: skip
    preference = till.preference(member_id, "add", "size", "M")
    preference["body"]["at"] = ahead.isoformat()
    till.push_ok(consent, preference)
    with db.read() as session:
        stored = session.scalar(select(LedgerEntry.created_at).where(LedgerEntry.id == entry["id"]))
        member = session.get(Member, member_id)
        recorded = session.scalar(select(Preference.created_at).where(Preference.member_id == member_id))
    assert stored == server_clock.now  # taken at its arrival
    assert member is not None and member.last_visit_at is not None and member.last_visit_at <= server_clock.now
    assert recorded == server_clock.now
