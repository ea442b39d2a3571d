"""A manager corrects a member at the till (offline: written here with its outbox and audit rows, pushed later):
who may, what a phone change needs, and what is refused before anything is written."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from localdb.errors import Problem, StoreError
from localdb.models import AuditRecord, OutboxItem, Preference
from localdb.till import Till
from loyalty.phone import InvalidPhone
from protocol.vocabulary import PreferenceKind
from tests.conftest import Staffing

PHONE, NEW, TAKEN = "13800138000", "15000001111", "18611112222"


def _queued(till: Till) -> int:
    with till.db.read() as session:
        return session.scalar(select(func.count()).where(OutboxItem.type == "member_edit")) or 0


def test_a_manager_edits_name_birthday_and_phone_with_the_old_number(till: Till, staff: Staffing) -> None:
    member = till.members.enrol(staff.cashier, phone=PHONE, name="张三").member
    edited = till.members.edit(staff.manager, member.id, name=" 张 三丰 ", birthday=date(1990, 5, 1), phone=NEW,
                               old_phone="+86 138 0013 8000").member  # fmt: skip
    assert (edited.name, edited.birthday, edited.phone_masked) == ("张 三丰", date(1990, 5, 1), "150****1111")
    assert till.members.find_by_phone(staff.cashier, PHONE) is None
    assert [m.id for m in till.members.find_by_tail(staff.cashier, "1111")] == [member.id]
    with till.db.read() as session:
        item = session.scalars(select(OutboxItem).where(OutboxItem.type == "member_edit")).one()
        assert item.body["phone"] == "+86" + NEW and item.body["staff_code"] == "M001"
        audit = session.scalars(select(AuditRecord).where(AuditRecord.action == "member_edit")).one()
        assert NEW not in str(audit.detail) and "张" not in str(audit.detail)  # names the fields, not the values


def test_the_birthday_can_be_cleared(till: Till, staff: Staffing) -> None:
    member = till.members.enrol(staff.cashier, phone=PHONE, name="张三", birthday=date(1990, 5, 1)).member
    assert till.members.edit(staff.manager, member.id, clear_birthday=True).member.birthday is None


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"phone": NEW}, Problem.PHONE_NOT_VERIFIED),
        ({"phone": NEW, "old_phone": "13900000000"}, Problem.PHONE_NOT_VERIFIED),
        ({"phone": NEW, "old_phone": "not a phone"}, Problem.PHONE_NOT_VERIFIED),
        ({"phone": TAKEN, "old_phone": PHONE}, Problem.DUPLICATE_PHONE),
        ({"name": "12345"}, Problem.INVALID_NAME),
        ({"birthday": date(2030, 1, 1)}, Problem.INVALID_BIRTHDAY),
        ({"name": "张三"}, Problem.NOTHING_TO_EDIT),
    ],
)
def test_refusals_write_nothing(till: Till, staff: Staffing, kwargs: dict[str, object], problem: Problem) -> None:
    member = till.members.enrol(staff.cashier, phone=PHONE, name="张三").member
    till.members.enrol(staff.cashier, phone=TAKEN, name="李四")
    with pytest.raises(StoreError) as refused:
        till.members.edit(staff.manager, member.id, **kwargs)  # type: ignore[arg-type]
    assert refused.value.problem is problem
    assert _queued(till) == 0 and till.members.get(staff.cashier, member.id).name == "张三"


def test_an_invalid_new_phone_is_refused_as_a_phone(till: Till, staff: Staffing) -> None:
    member = till.members.enrol(staff.cashier, phone=PHONE, name="张三").member
    with pytest.raises(InvalidPhone):
        till.members.edit(staff.manager, member.id, phone="12345", old_phone=PHONE)
    assert _queued(till) == 0


@pytest.mark.parametrize("who", ["cashier", "guide"])
def test_only_a_manager_may_edit(till: Till, staff: Staffing, who: str) -> None:
    member = till.members.enrol(staff.cashier, phone=PHONE, name="张三").member
    with pytest.raises(StoreError) as refused:
        till.members.edit(getattr(staff, who), member.id, name="李四")
    assert refused.value.problem is Problem.PERMISSION_DENIED and _queued(till) == 0


def test_withdrawing_profile_consent_forgets_preferences_and_tags_at_once(till: Till, staff: Staffing) -> None:
    member = till.members.enrol(staff.cashier, phone=PHONE, name="张三", consent_profile=True).member
    till.preferences.add(staff.guide, member.id, PreferenceKind.SIZE, "M")
    till.preferences.add(staff.guide, member.id, PreferenceKind.NOTE, "不要塑料袋")
    till.members.set_consent(staff.manager, member.id, profile=False)
    assert till.preferences.list(staff.guide, member.id) == []
    with till.db.read() as session:
        assert session.scalar(select(func.count()).where(Preference.member_id == member.id)) == 0
