"""The server checks a pushed member edit again (a till is not trusted): an active manager of the device's store or
of every store, a valid name and birthday, a free phone. A refused edit still gives the member a new version, so
the till that made it pulls the server's state back. Preferences need the member's profile consent here too."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from server.db import ServerDatabase
from server.models import Member, Staff, Store
from tests.server.conftest import PHONE_A, Till

PHONE_B = "+8613912345678"
NEW = "+8615000001111"


def edit(till: Till, member_id: str, staff_code: str = "M001", **fields: Any) -> dict[str, Any]:
    return till.item("member_edit", {"member_id": member_id, "staff_code": staff_code,
                                     "at": till.clock.now.isoformat(), **fields})  # fmt: skip


def member(db: ServerDatabase, member_id: str) -> Member:
    with db.read() as session:
        found = session.get(Member, member_id)
        assert found is not None
        return found


def test_a_managers_edit_is_applied(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()
    [result] = till.push_ok(edit(till, member_id, name=" 王  大明 ", phone="150 0000 1111", birthday="1990-05-01"))
    assert (result["status"], result["reason"]) == ("applied", None)
    stored = member(db, member_id)
    assert (stored.name, stored.phone, str(stored.birthday)) == ("王 大明", NEW, "1990-05-01")
    assert stored.version == result["member_version"]
    [cleared] = till.push_ok(edit(till, member_id, clear_birthday=True))
    assert cleared["status"] == "applied" and member(db, member_id).birthday is None


@pytest.mark.parametrize(
    ("staff_code", "fields", "reason"),
    [
        ("C001", {"name": "收银员改的"}, "staff_not_allowed"),
        ("G001", {"name": "导购改的"}, "staff_not_allowed"),
        ("X999", {"name": "谁改的"}, "unknown_staff"),
        ("M002", {"name": "别店店长改的"}, "unknown_staff"),  # a manager of another store
        ("M001", {"name": "12345"}, "invalid_name"),
        ("M001", {"name": "2030-01-01"}, "invalid_name"),  # the till's rule (loyalty.names), checked again
        ("M001", {"birthday": "2999-01-01"}, "invalid_birthday"),
        ("M001", {"phone": "12345"}, "invalid_phone"),
        ("M001", {"phone": PHONE_B}, "duplicate_phone"),
    ],
)
def test_an_edit_the_rules_refuse_changes_nothing_but_the_version(
    db: ServerDatabase, till: Till, staff_code: str, fields: dict[str, Any], reason: str
) -> None:
    with db.write() as session:
        other = Store(code="S009", name="别店", timezone="Asia/Shanghai", created_at=db.clock())
        session.add(other)
        session.flush()
        session.add(Staff(code="M002", name="M002", role="manager", pin_hash="-", store_id=other.id, active=True,
                          updated_at=db.clock()))  # fmt: skip
    member_id = till.enrolled()
    till.enrolled(PHONE_B)
    before = member(db, member_id)
    [result] = till.push_ok(edit(till, member_id, staff_code, **fields))
    assert (result["status"], result["reason"]) == ("rejected", reason)
    after = member(db, member_id)
    assert (after.name, after.phone, after.birthday) == (before.name, PHONE_A, before.birthday)
    assert after.version == result["member_version"] > before.version  # the till pulls the server's state back


def test_a_preference_without_profile_consent_is_refused(db: ServerDatabase, till: Till) -> None:
    [enrolment] = till.push_ok(till.enrol(PHONE_B, consent_profile=False))
    [result] = till.push_ok(till.preference(enrolment["member"], "add", "size", "M"))
    assert (result["status"], result["reason"]) == ("rejected", "consent_required")
    with db.read() as session:
        assert session.scalars(select(Member.tags).where(Member.id == enrolment["member"])).one() == []


def test_a_phone_given_up_by_an_edit_can_be_enrolled_in_the_same_batch(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()
    results = till.push_ok(edit(till, member_id, phone=NEW), till.enrol(PHONE_A))
    assert [r["status"] for r in results] == ["applied", "applied"] and results[1]["member"] != member_id
    assert member(db, member_id).phone == NEW and member(db, results[1]["member"]).phone == PHONE_A


def test_an_enrolment_whose_name_breaks_the_rule_is_kept_and_flagged(db: ServerDatabase, till: Till) -> None:
    """The customer signed up at the counter and their points follow: applied, flagged for a manager to fix."""
    [result] = till.push_ok(till.enrol(PHONE_B, name="2030-01-01"))
    assert (result["status"], result["reason"]) == ("flagged", "invalid_name")
    assert member(db, result["member"]).name == "2030-01-01"
