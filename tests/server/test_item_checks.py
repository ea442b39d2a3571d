"""The server checks again who made the items that are not ledger entries, as it does for entries: an enrolment
is kept (the customer signed up; their points follow it) but flagged when its store, staff or time does not hold;
a preference needs the member's profile consent as the server holds it (a withdrawal made at another till wins)
and staff who may record one; a consent given counts only from staff of this store, a withdrawal always."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from server.db import ServerDatabase
from server.models import Member, Preference
from tests.server.conftest import OTHER_STORE, PHONE_B, STORE, Till


def _member(db: ServerDatabase, member_id: str) -> Member:
    with db.read() as session:
        member = session.get(Member, member_id)
        assert member is not None
        session.expunge(member)
        return member


def _live_preferences(db: ServerDatabase, member_id: str) -> list[tuple[str, str]]:
    with db.read() as session:
        rows = session.execute(
            select(Preference.kind, Preference.value).where(
                Preference.member_id == member_id, Preference.removed_at.is_(None)
            )
        ).all()
    return [(row[0], row[1]) for row in rows]


def _consent(till: Till, member_id: str, staff_code: str, **changes: bool) -> dict[str, Any]:
    body = {"member_id": member_id, "changes": changes, "staff_code": staff_code, "at": till.clock.now.isoformat()}
    return till.item("member_update", body)


def _status(result: dict[str, Any]) -> tuple[object, object]:
    return result["status"], result.get("reason")


def test_an_enrolment_naming_another_store_is_kept_for_the_devices_store_and_flagged(
    db: ServerDatabase, till: Till
) -> None:
    [result] = till.push_ok(till.enrol(store_code=OTHER_STORE))
    assert _status(result) == ("flagged", "wrong_store")
    assert _member(db, result["member"]).home_store == STORE


def test_an_enrolment_by_staff_the_server_does_not_know_is_kept_and_flagged(db: ServerDatabase, till: Till) -> None:
    unknown, known = till.enrol(staff_code="X999"), till.enrol(PHONE_B, staff_code="C001")
    results = till.push_ok(unknown)
    assert _status(results[0]) == ("flagged", "unknown_staff")
    assert _member(db, results[0]["member"]).phone is not None  # the customer is a member all the same
    assert _status(till.push_ok(known)[0]) == ("applied", None)


def test_an_enrolment_from_a_clock_ahead_counts_from_its_arrival(db: ServerDatabase, till: Till) -> None:
    ahead = till.clock.now + timedelta(days=1)
    [result] = till.push_ok(till.enrol(created_at=ahead.isoformat()))
    assert _status(result) == ("flagged", "clock_skew")
    assert _member(db, result["member"]).created_at.replace(tzinfo=None) <= till.clock.now.replace(tzinfo=None)


def test_a_preference_for_a_member_without_profile_consent_is_refused(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled(consent_profile=False)
    version = _member(db, member_id).version
    [result] = till.push_ok(till.preference(member_id, "add", "size", "M"))
    assert _status(result) == ("rejected", "consent_required")
    assert _live_preferences(db, member_id) == []
    assert result["member_version"] > version  # the till's next pull brings the member as the server holds them


def test_a_withdrawal_made_at_another_till_wins_over_a_preference_recorded_offline(
    db: ServerDatabase, till: Till
) -> None:
    member_id = till.enrolled()
    [withdrawn] = till.push_ok(_consent(till, member_id, "C001", consent_profile=False))
    assert _status(withdrawn) == ("applied", None)
    [late] = till.push_ok(till.preference(member_id, "add", "colour", "红"))
    assert _status(late) == ("rejected", "consent_required")
    assert _live_preferences(db, member_id) == []


def test_a_preference_recorded_by_a_role_that_may_not_is_kept_and_flagged(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled()
    by_guide = till.preference(member_id, "add", "size", "M")
    by_cashier = till.preference(member_id, "add", "colour", "红")
    by_cashier["body"]["staff_code"] = "C001"  # cashiers see preferences; recording them is a guide's
    results = till.push_ok(by_guide, by_cashier)
    assert [_status(r) for r in results] == [("applied", None), ("flagged", "staff_not_allowed")]
    assert sorted(_live_preferences(db, member_id)) == [("colour", "红"), ("size", "M")]


def test_consent_given_by_unknown_staff_is_refused_and_a_withdrawal_always_counts(
    db: ServerDatabase, till: Till
) -> None:
    member_id = till.enrolled(consent_profile=False)
    [forged] = till.push_ok(_consent(till, member_id, "X999", consent_marketing=True, consent_profile=True))
    assert _status(forged) == ("rejected", "unknown_staff")
    member = _member(db, member_id)
    assert (member.consent_marketing, member.consent_profile) == (False, False)
    [given] = till.push_ok(_consent(till, member_id, "C001", consent_marketing=True))
    assert _status(given) == ("applied", None)
    [withdrawn] = till.push_ok(_consent(till, member_id, "X999", consent_marketing=False))
    assert _status(withdrawn) == ("flagged", "unknown_staff")
    assert _member(db, member_id).consent_marketing is False
