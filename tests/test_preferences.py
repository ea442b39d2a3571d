"""Store guides record and read a member's preferences, with consent, who and when."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from localdb.errors import Problem, StoreError
from localdb.member_view import MemberView
from localdb.models import OutboxBody, OutboxItem, Preference
from localdb.till import Till
from protocol.vocabulary import PreferenceKind
from tests.conftest import FakeClock, Staffing


@pytest.fixture
def member(till: Till, staff: Staffing) -> MemberView:
    return till.members.enrol(staff.guide, phone="13800138000", name="张三", consent_profile=True).member


def test_guide_records_and_reads_preferences(till: Till, staff: Staffing, member: MemberView, clock: FakeClock) -> None:
    till.preferences.add(staff.guide, member.id, PreferenceKind.CATEGORY, "乳制品")
    clock.advance(minutes=1)
    till.preferences.add(staff.guide, member.id, PreferenceKind.SIZE, " L ")
    till.preferences.add(staff.guide, member.id, PreferenceKind.COLOUR, "藏青")
    prefs = till.preferences.list(staff.cashier, member.id)
    assert [(p.kind, p.value) for p in prefs] == [
        (PreferenceKind.CATEGORY, "乳制品"),
        (PreferenceKind.COLOUR, "藏青"),
        (PreferenceKind.SIZE, "L"),
    ]
    assert all(p.staff_code == "G001" for p in prefs)
    with till.db.read() as session:
        queued = select(OutboxBody.body).join(OutboxItem, OutboxItem.seq == OutboxBody.seq)
        assert session.scalars(queued.where(OutboxItem.type == "preference")).all()[0]["op"] == "add"


def test_removing_keeps_who_and_when(till: Till, staff: Staffing, member: MemberView, clock: FakeClock) -> None:
    pref = till.preferences.add(staff.guide, member.id, PreferenceKind.STYLE, "简约").preference
    till.preferences.remove(staff.guide, pref.id)
    assert till.preferences.list(staff.guide, member.id) == []
    with till.db.read() as session:
        row = session.get(Preference, pref.id)
        assert row is not None and row.removed_by == "G001" and row.removed_at == clock.now
    with pytest.raises(StoreError) as again:
        till.preferences.remove(staff.guide, pref.id)
    assert again.value.problem is Problem.PREFERENCE_NOT_FOUND
    till.preferences.add(staff.guide, member.id, PreferenceKind.STYLE, "简约")  # may be recorded again


def test_duplicate_and_empty_values_refused(till: Till, staff: Staffing, member: MemberView) -> None:
    till.preferences.add(staff.guide, member.id, PreferenceKind.TAG, "宝妈")
    for value in ("宝妈", "  ", "x" * 201):
        with pytest.raises(StoreError) as refused:
            till.preferences.add(staff.guide, member.id, PreferenceKind.TAG, value)
        assert refused.value.problem is Problem.INVALID_PREFERENCE


def test_no_preferences_without_consent(till: Till, staff: Staffing) -> None:
    member = till.members.enrol(staff.guide, phone="13900139000", name="李四").member
    with pytest.raises(StoreError) as refused:
        till.preferences.add(staff.guide, member.id, PreferenceKind.NOTE, "喜欢有机蔬菜")
    assert refused.value.problem is Problem.CONSENT_REQUIRED


def test_cashier_cannot_edit_preferences(till: Till, staff: Staffing, member: MemberView) -> None:
    with pytest.raises(StoreError) as refused:
        till.preferences.add(staff.cashier, member.id, PreferenceKind.NOTE, "x")
    assert refused.value.problem is Problem.PERMISSION_DENIED
