"""The member write helpers shared by push, import and demo data: create, touch, merge, delete, resolve."""

from __future__ import annotations

import pytest

from loyalty.phone import InvalidPhone
from server import members
from server.db import ServerDatabase
from server.models import Member
from tests.server.conftest import PHONE_A, PHONE_B, Till


def test_create_validates_and_numbers(db: ServerDatabase) -> None:
    with db.write() as session:
        first = members.create_member(session, db, phone="138 0013 8000", name="  王  五 ")
        second = members.create_member(session, db, phone=PHONE_B, name="赵六")
        assert (first.phone, first.name, first.tier) == (PHONE_A, "王 五", "normal")
        assert second.version > first.version and second.card_serial != first.card_serial
        with pytest.raises(members.DuplicatePhone) as refused:
            members.create_member(session, db, phone=PHONE_A, name="重复")
        assert refused.value.member_id == first.id
        with pytest.raises(InvalidPhone):
            members.create_member(session, db, phone="12345", name="坏号")


def test_merge_moves_balance_and_ledger_and_leaves_a_tombstone(db: ServerDatabase, till: Till) -> None:
    keep = till.enrolled(PHONE_A)
    lose = till.enrolled(PHONE_B)
    till.push_ok(till.entry(keep, 10), till.entry(lose, 2000, amount_cents=200_000))
    with db.write() as session:
        survivor = members.merge(session, db, lose, keep)
        assert survivor.id == keep
    with db.read() as session:
        kept, gone = session.get(Member, keep), session.get(Member, lose)
        assert kept is not None and gone is not None
        assert (kept.balance, kept.spend_12m_cents, kept.tier) == (2010, 201_000, "silver")
        assert (gone.phone, gone.merged_into, gone.balance) == (None, keep, 0)
        assert gone.version < kept.version
        resolved = members.resolve(session, lose)
        assert resolved is not None and resolved.id == keep
    [later] = till.push_ok(till.entry(lose, -10, "redeem"))
    assert later["member"] == keep


def test_delete_erases_personal_data(db: ServerDatabase, till: Till) -> None:
    member_id = till.enrolled(PHONE_A)
    with db.write() as session:
        members.delete(session, db, member_id)
    with db.read() as session:
        gone = session.get(Member, member_id)
        assert gone is not None and (gone.deleted, gone.phone, gone.name) == (True, None, "")
        assert members.resolve(session, member_id) is None
    [result] = till.push_ok(till.entry(member_id, 5))
    assert (result["status"], result["reason"]) == ("rejected", "member_erased")  # in words at the till, not "unknown"
    assert till.enrolled(PHONE_A) != member_id  # the phone is free again
