"""`POST /v1/member-codes`: the server signs the codes a till shows as QR (the till cannot), for live members, the
survivor for a merged id, none for an unknown one; device token required; at most 100 ids a call."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from uuid6 import uuid7

from loyalty.member_code import public_key_from_text, verify_member_code
from protocol.limits import MAX_MEMBER_CODES
from server import admin
from server.db import ServerDatabase
from server.members import delete
from server.models import Member
from tests.server.conftest import PHONE_A, PHONE_B, Till


def _codes(till: Till, member_ids: list[str]) -> list[dict[str, Any]]:
    answer = till.client.post("/v1/member-codes", json={"member_ids": member_ids}, headers=till.headers)
    assert answer.status_code == 200, answer.text
    codes: list[dict[str, Any]] = answer.json()["codes"]
    return codes


def _serial(db: ServerDatabase, member_id: str) -> int | None:
    with db.read() as session:
        return session.scalar(select(Member.card_serial).where(Member.id == member_id))


def test_codes_are_signed_for_each_member_in_the_order_asked(db: ServerDatabase, till: Till) -> None:
    first, second = till.enrolled(PHONE_A), till.enrolled(PHONE_B)
    nobody = str(uuid7())
    public_key = public_key_from_text(till.get("/v1/config").json()["member_code_public_key"])

    answers = _codes(till, [second, nobody, first])

    assert [a["id"] for a in answers] == [second, nobody, first]
    for answer, member_id in ((answers[0], second), (answers[2], first)):
        assert answer["member_id"] == member_id and answer["reason"] is None
        assert answer["card_serial"] == _serial(db, member_id) is not None
        verified = verify_member_code(answer["code"], public_key)  # with the key every till gets from config
        assert verified.member_id == uuid.UUID(member_id) and verified.card_serial == answer["card_serial"]
    assert answers[1] == {"id": nobody, "member_id": None, "card_serial": None, "code": None,
                          "reason": "unknown_member"}  # fmt: skip
    assert _codes(till, [first])[0]["code"] == answers[2]["code"]  # asking again: the same card, the same code


def test_a_merged_enrolment_gets_the_survivors_code(till: Till) -> None:
    survivor = till.enrolled(PHONE_A)
    offline_id = str(uuid7())
    [result] = till.push_ok(till.enrol(PHONE_A, member_id=offline_id))  # enrolled offline at another till
    assert result["status"] == "merged" and result["member"] == survivor
    public_key = public_key_from_text(till.get("/v1/config").json()["member_code_public_key"])

    [answer] = _codes(till, [offline_id])

    assert answer["id"] == offline_id and answer["member_id"] == survivor
    assert verify_member_code(answer["code"], public_key).member_id == uuid.UUID(survivor)


def test_no_code_for_a_deleted_member_or_a_revoked_card(db: ServerDatabase, till: Till) -> None:
    gone, lost_card = till.enrolled(PHONE_A), till.enrolled(PHONE_B)
    with db.write() as session:
        delete(session, db, gone)
    serial = _serial(db, lost_card)
    assert serial is not None
    admin.revoke_card(db, serial)

    answers = _codes(till, [gone, lost_card])

    assert answers[0]["code"] is None and answers[0]["reason"] == "unknown_member"
    assert answers[1]["code"] is None and answers[1]["reason"] == "no_valid_card"
    assert answers[1]["member_id"] == lost_card


def test_without_a_device_token_the_answer_is_401(till: Till) -> None:
    member_id = till.enrolled(PHONE_A)
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        answer = till.client.post("/v1/member-codes", json={"member_ids": [member_id]}, headers=headers)
        assert answer.status_code == 401
        assert answer.json()["detail"]["code"] == "unauthorized"
        assert "MD1" not in answer.text


def test_at_most_100_ids_a_call_and_only_member_ids(till: Till) -> None:
    member_id = till.enrolled(PHONE_A)
    many = [member_id] + [str(uuid7()) for _ in range(MAX_MEMBER_CODES - 1)]
    assert len(_codes(till, many)) == MAX_MEMBER_CODES

    too_many = till.client.post("/v1/member-codes", json={"member_ids": [*many, str(uuid7())]}, headers=till.headers)
    assert too_many.status_code == 413
    assert too_many.json()["detail"]["code"] == "batch_too_large"

    not_an_id = till.client.post("/v1/member-codes", json={"member_ids": ["13800138000"]}, headers=till.headers)
    assert not_an_id.status_code == 400
    assert not_an_id.json()["detail"]["field"].startswith("body.member_ids")
    assert "13800138000" not in not_an_id.text  # the refusal never repeats what was sent
