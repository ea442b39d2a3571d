"""A rogue till: a registered device pushes forged entries straight over HTTP (its own real token, real httpx, a real
server on 127.0.0.1). The server checks every entry again: what breaks a rule is applied at what the rules allow
and flagged with its reason, what cannot be checked is rejected, and balances follow the rules, not the till.
A genuine till's entries, made through its services, all come back plainly applied."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from uuid6 import uuid7

from loyalty.clock import store_zone
from server import admin
from server.models import LedgerEntry, Member
from tests.integration.conftest import OTHER_STORE, STORE, LiveServer, TillFactory, TillHandle

PHONE = "13800138000"


class Rogue:
    """Pushes hand-made items as the device `handle` is registered, with a gap-free till_seq of its own."""

    def __init__(self, server: LiveServer, handle: TillHandle) -> None:
        registration = handle.till.sync.registration()
        assert registration is not None
        self.server, self.device_id = server, registration.device_id
        self.client = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {registration.token}"})
        self.seq = itertools.count(1)

    def entry(self, member_id: str, points: int, kind: str = "earn", **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": str(uuid7()), "member_id": member_id, "kind": kind, "points": points, "amount_cents": None,
            "rule_version": 1, "staff_code": "C001", "store_code": STORE, "device_id": self.device_id,
            "created_at": datetime.now(UTC).isoformat(), **fields,
        }  # fmt: skip
        return body

    def push(self, *bodies: dict[str, Any]) -> list[tuple[str, str | None]]:
        return self.push_items(*(("point_entry", body["id"], body) for body in bodies))

    def push_items(self, *items: tuple[str, str, dict[str, Any]]) -> list[tuple[str, str | None]]:
        """Push (type, item id, body) items as they are given."""
        now = datetime.now(UTC).isoformat()
        payload = [
            {"id": item_id, "till_seq": next(self.seq), "type": item_type, "created_at": now, "body": body}
            for item_type, item_id, body in items
        ]
        answer = self.client.post("/v1/push", json={"items": payload})
        assert answer.status_code == 200, answer.text
        return [(result["status"], result.get("reason")) for result in answer.json()["results"]]

    def applied(self, entry_id: str) -> LedgerEntry:
        assert self.server.db is not None
        with self.server.db.read() as session:
            row = session.get(LedgerEntry, entry_id)
            assert row is not None
            return row

    def balance(self, member_id: str) -> int:
        with self.server.db.read() as session:
            member = session.get(Member, member_id)
            assert member is not None
            return member.balance


@pytest.fixture
def member(make_till: TillFactory) -> str:
    """A member the chain knows, enrolled at a genuine till, born in a month that is not this one."""
    till = make_till("genuine")
    this_month = datetime.now(store_zone()).month
    born = date(1990, this_month % 12 + 1, 15)
    enrolled = till.till.members.enrol(till.login("C001"), phone=PHONE, name="张三", birthday=born).member
    assert till.sync().ok
    return enrolled.id


@pytest.fixture
def rogue(server: LiveServer, make_till: TillFactory) -> Rogue:
    return Rogue(server, make_till("rogue"))


def test_the_issues_forgery_is_flagged_and_earns_nothing(rogue: Rogue, member: str) -> None:
    """1,000,000,000 points for ¥0.01, another store's code, a staff code that does not exist, a made-up approval."""
    forged = rogue.entry(member, 1_000_000_000, amount_cents=1, store_code=OTHER_STORE, staff_code="NOBODY",
                         approved_by="BOSS")  # fmt: skip
    assert rogue.push(forged) == [("flagged", "wrong_store")]
    row = rogue.applied(forged["id"])
    assert (row.points, row.store_code, row.status) == (0, STORE, "flagged")
    assert rogue.balance(member) == 0


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"store_code": OTHER_STORE}, "wrong_store"),
        ({"staff_code": "NOBODY"}, "unknown_staff"),
        ({"staff_code": "G001"}, "staff_not_allowed"),  # a store guide does not award points
        ({"birthday_month": True, "points": 200}, "points_over_rule"),  # not the member's birthday month
        ({"bonuses": ["free_lunch"], "points": 110}, "points_over_rule"),  # a bonus the rules do not have
        ({"tier": "platinum", "points": 200}, "points_over_rule"),  # a tier the member never held
    ],
)
def test_each_rule_an_earn_breaks_is_named(rogue: Rogue, member: str, fields: dict[str, Any], reason: str) -> None:
    claimed = {"points": 100, "amount_cents": 100_00, **fields}  # ¥100 earns 100 points at the base tier
    entry = rogue.entry(member, claimed.pop("points"), **claimed)
    assert rogue.push(entry) == [("flagged", reason)]
    assert rogue.applied(entry["id"]).points == 100 and rogue.balance(member) == 100


def test_an_honest_earn_is_applied(rogue: Rogue, member: str) -> None:
    entry = rogue.entry(member, 110, amount_cents=100_00, bonuses=["own_bag"], tier="normal")
    assert rogue.push(entry) == [("applied", None)]
    assert rogue.balance(member) == 110


def test_an_unknown_rules_version_cannot_be_checked_and_is_rejected(rogue: Rogue, member: str) -> None:
    entry = rogue.entry(member, 100, amount_cents=100_00, rule_version=99)
    assert rogue.push(entry) == [("rejected", "unknown_rules_version")]
    assert rogue.balance(member) == 0


def test_the_stand_in_cap_and_approvals_are_counted_again(rogue: Rogue, member: str) -> None:
    """2,000 points a member a day at one till offline (the default rules); beyond, a manager — a real one."""
    rogue.push(rogue.entry(member, 10_000, amount_cents=10_000_00))

    def redeem(points: int, **fields: Any) -> dict[str, Any]:
        return rogue.entry(member, -points, "redeem", **{"amount_cents": points, "bill_cents": points * 2,
                                                         "offline": True, **fields})  # fmt: skip

    assert rogue.push(redeem(1_500), redeem(500)) == [("applied", None), ("applied", None)]
    assert rogue.push(redeem(100)) == [("flagged", "over_offline_cap")]
    assert rogue.push(redeem(100, approved_by="C001")) == [("flagged", "approver_not_manager")]
    assert rogue.push(redeem(100, approved_by="M001")) == [("applied", None)]
    # Claiming online authorization the server never gave does not escape the cap.
    assert rogue.push(redeem(100, offline=False)) == [("flagged", "over_offline_cap")]
    assert rogue.balance(member) == 10_000 - 2_400


def test_a_large_reversal_needs_a_real_manager(rogue: Rogue, member: str) -> None:
    award = rogue.entry(member, 1_000, amount_cents=1_000_00)
    rogue.push(award)
    reversal = rogue.entry(member, -1_000, "reverse", reverses=award["id"], amount_cents=1_000_00)
    assert rogue.push(reversal) == [("flagged", "approval_required")]
    assert rogue.balance(member) == 0  # applied all the same: it was done at the counter


def test_a_clock_ahead_or_far_behind_is_flagged_and_nothing_counts_in_the_future(rogue: Rogue, member: str) -> None:
    now = datetime.now(UTC)
    ahead = rogue.entry(member, 100, amount_cents=100_00, created_at=(now + timedelta(days=3)).isoformat())
    behind = rogue.entry(member, 100, amount_cents=100_00, created_at=(now - timedelta(days=40)).isoformat())
    assert rogue.push(ahead, behind) == [("flagged", "clock_skew"), ("flagged", "beyond_offline_window")]
    stored = rogue.applied(ahead["id"]).created_at
    assert now - timedelta(minutes=1) < stored < now + timedelta(minutes=1)  # taken at its arrival
    with rogue.server.db.read() as session:
        last_visit = session.scalar(select(Member.last_visit_at).where(Member.id == member))
    assert last_visit is not None and last_visit <= datetime.now(UTC)


def test_a_staff_member_who_left_or_works_elsewhere_is_unknown_here(rogue: Rogue, member: str) -> None:
    admin.add_staff(rogue.server.db, "X001", "别店", "cashier", "1111", store_code=OTHER_STORE)
    admin.add_staff(rogue.server.db, "L001", "离职", "cashier", "1111", store_code=STORE)
    admin.deactivate_staff(rogue.server.db, "L001")
    results = rogue.push(
        rogue.entry(member, 100, amount_cents=100_00, staff_code="X001"),
        rogue.entry(member, 100, amount_cents=100_00, staff_code="L001"),
    )
    assert results == [("flagged", "unknown_staff"), ("flagged", "unknown_staff")]


def test_enrolments_preferences_and_consents_are_held_to_the_same_checks(rogue: Rogue, member: str) -> None:
    """Not only ledger entries: a forged enrolment is kept for the device's own store and flagged, a consent no
    staff member of this store gave is refused, and no preference is kept without the member's consent."""
    now = datetime.now(UTC).isoformat()
    new_id = str(uuid7())
    enrol = {"member_id": new_id, "phone": "13912345678", "name": "李四", "store_code": OTHER_STORE,
             "staff_code": "NOBODY", "created_at": now}  # fmt: skip
    consent = {"member_id": member, "changes": {"consent_profile": True}, "staff_code": "NOBODY", "at": now}
    preference = {"member_id": member, "op": "add", "kind": "size", "value": "M", "staff_code": "G001", "at": now}
    results = rogue.push_items(
        ("enrol", new_id, enrol), ("member_update", str(uuid7()), consent), ("preference", str(uuid7()), preference)
    )
    assert results == [("flagged", "wrong_store"), ("rejected", "unknown_staff"), ("rejected", "consent_required")]
    with rogue.server.db.read() as session:
        enrolled = session.get(Member, new_id)
        assert enrolled is not None and enrolled.home_store == STORE
        assert session.scalar(select(Member.consent_profile).where(Member.id == member)) is False


def test_a_genuine_tills_entries_come_back_applied(make_till: TillFactory, member: str) -> None:
    """What the till's services write passes the server's checks: the same rules, the same code."""
    till = make_till("counter")
    cashier, manager = till.login("C001"), till.login("M001")
    till.till.ledger.award(cashier, member, 3_000_00, receipt_no="R-1", bonuses=("own_bag",))  # 3,300 points
    first = till.till.ledger.redeem(cashier, member, 2_000, bill_cents=10_000_00)
    till.till.ledger.redeem(cashier, member, 300, bill_cents=10_000_00, approver=manager)  # over the cap
    till.till.ledger.reverse(cashier, first.entry.id, approver=manager)  # more than a cashier reverses alone
    report = till.sync()
    assert report.ok, report
    assert (report.tally.flagged, report.tally.rejected) == (0, 0)
    seen = till.till.sync.server_time_seen()  # the sync told the till the server's time: its limits count by it
    assert seen is not None and abs(seen.server_time - datetime.now(UTC)) < timedelta(minutes=1)
