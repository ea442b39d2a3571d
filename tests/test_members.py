"""Enrolling and finding members at the till, as a cashier or guide would."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from localdb.errors import Problem, StoreError
from localdb.members import LookupKind
from localdb.models import AuditRecord, Member, OutboxItem
from localdb.till import Till
from loyalty.member_code import CodeProblem, InvalidMemberCode, new_signing_key, public_key_to_text, sign_member_code
from loyalty.phone import InvalidPhone, PhoneProblem
from tests.conftest import Staffing


def _count(till: Till, model: type) -> int:
    with till.db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_enrol_writes_member_outbox_and_audit_together(till: Till, staff: Staffing) -> None:
    member = till.members.enrol(
        staff.cashier, phone="138-0013-8000", name=" 张  三 ", birthday=date(1990, 5, 1), gender="M"
    ).member
    assert member.name == "张 三"
    assert member.phone_masked == "138****8000"
    assert member.available_points == 0
    with till.db.read() as session:
        stored = session.get(Member, member.id)
        assert stored is not None and stored.phone == "+8613800138000" and stored.phone_tail == "8000"
        item = session.scalars(select(OutboxItem)).one()
        assert item.type == "enrol" and item.item_id == member.id and item.body["phone"] == "+8613800138000"
        audit = session.scalars(select(AuditRecord).where(AuditRecord.action == "enrol")).one()
        assert audit.subject == member.id and audit.staff_code == "C001"


def test_enrol_refuses_known_phone_naming_the_member(till: Till, staff: Staffing) -> None:
    first = till.members.enrol(staff.cashier, phone="13800138000", name="张三").member
    with pytest.raises(StoreError) as refused:
        till.members.enrol(staff.cashier, phone="+86 138 0013 8000", name="张三丰")
    assert refused.value.problem is Problem.DUPLICATE_PHONE
    assert refused.value.member_id == first.id
    assert _count(till, Member) == 1 and _count(till, OutboxItem) == 1


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"name": ""}, Problem.INVALID_NAME),
        ({"name": "   "}, Problem.INVALID_NAME),
        ({"name": "x" * 33}, Problem.INVALID_NAME),
        ({"name": "12345"}, Problem.INVALID_NAME),
        ({"name": "2030-01-01"}, Problem.INVALID_NAME),  # a birthday typed into the name field
        ({"name": "１２３-４５"}, Problem.INVALID_NAME),
        ({"name": "..."}, Problem.INVALID_NAME),
        ({"name": "张三", "birthday": date(2030, 1, 1)}, Problem.INVALID_BIRTHDAY),
        ({"name": "张三", "birthday": date(1850, 1, 1)}, Problem.INVALID_BIRTHDAY),
        ({"name": "张三", "gender": "X"}, Problem.INVALID_GENDER),
    ],
)
def test_enrol_refuses_bad_input_and_writes_nothing(
    till: Till, staff: Staffing, kwargs: dict[str, Any], problem: Problem
) -> None:
    audit_before = _count(till, AuditRecord)
    with pytest.raises(StoreError) as refused:
        till.members.enrol(staff.cashier, phone="13800138000", **kwargs)
    assert refused.value.problem is problem
    assert _count(till, Member) == 0 and _count(till, OutboxItem) == 0
    assert _count(till, AuditRecord) == audit_before


def test_enrol_refuses_an_invalid_phone_with_its_reason(till: Till, staff: Staffing) -> None:
    with pytest.raises(InvalidPhone) as refused:
        till.members.enrol(staff.cashier, phone="1380013800", name="张三")
    assert refused.value.problem is PhoneProblem.WRONG_LENGTH
    assert _count(till, Member) == 0


def test_lookup_by_full_phone_in_any_form(till: Till, staff: Staffing) -> None:
    member = till.members.enrol(staff.cashier, phone="13800138000", name="张三").member
    for typed in ("13800138000", "138 0013 8000", "+8613800138000", "１３８００１３８０００"):
        found = till.members.lookup(staff.cashier, typed)
        assert found.kind is LookupKind.PHONE
        assert [m.id for m in found.members] == [member.id]
    assert till.members.lookup(staff.cashier, "13900139000").members == ()
    with pytest.raises(InvalidPhone):
        till.members.lookup(staff.cashier, "12000000000")


def test_tail_lookup_lists_candidates_most_recent_visitor_first(till: Till, staff: Staffing, clock: object) -> None:
    older = till.members.enrol(staff.cashier, phone="13800008000", name="张三").member
    recent = till.members.enrol(staff.cashier, phone="13900008000", name="李四").member
    never = till.members.enrol(staff.cashier, phone="13700008000", name="王五").member
    till.members.enrol(staff.cashier, phone="13700001234", name="赵六")
    till.ledger.award(staff.cashier, older.id, 1000)
    clock.advance(minutes=5)  # type: ignore[attr-defined]
    till.ledger.award(staff.cashier, recent.id, 1000)
    result = till.members.lookup(staff.cashier, "8000")
    assert result.kind is LookupKind.TAIL
    assert [m.id for m in result.members] == [recent.id, older.id, never.id]


def test_name_prefix_lookup(till: Till, staff: Staffing) -> None:
    till.members.enrol(staff.cashier, phone="13800138000", name="欧阳娜")
    till.members.enrol(staff.cashier, phone="13800138001", name="欧阳修")
    till.members.enrol(staff.cashier, phone="13800138002", name="王欧")
    result = till.members.lookup(staff.cashier, "欧阳")
    assert result.kind is LookupKind.NAME
    assert [m.name for m in result.members] == sorted(["欧阳娜", "欧阳修"])  # in index order


def test_a_chinese_name_is_found_by_its_pinyin_or_initials(till: Till, staff: Staffing) -> None:
    """A cashier without a Chinese input method types "zhang" or "zs" for 张三; a surname is read as a surname."""
    zhang = till.members.enrol(staff.cashier, phone="13800138000", name="张三").member
    zeng = till.members.enrol(staff.cashier, phone="13800138001", name="曾小贤").member
    till.members.enrol(staff.cashier, phone="13800138002", name="王五")
    alice = till.members.enrol(staff.cashier, phone="13800138003", name="Alice Wang").member

    def found(text: str) -> list[str]:
        result = till.members.lookup(staff.cashier, text)
        assert result.kind is LookupKind.NAME
        return [member.id for member in result.members]

    assert found("zhang") == [zhang.id]
    assert found("ZhangSan") == found("zhang san") == found("zs") == found("ＺＳ") == [zhang.id]
    assert found("zeng") == found("zxx") == [zeng.id]  # 曾 as a family name, not "ceng"
    assert found("ceng") == []
    assert found("alice") == found("aw") == [alice.id]
    assert set(found("z")) == {zhang.id, zeng.id}
    assert found("zhangsi") == []


def test_an_edited_name_is_found_by_its_new_pinyin(till: Till, staff: Staffing) -> None:
    member = till.members.enrol(staff.cashier, phone="13800138000", name="张三").member
    till.members.edit(staff.manager, member.id, name="李四")
    assert [m.id for m in till.members.lookup(staff.cashier, "lisi").members] == [member.id]
    assert till.members.lookup(staff.cashier, "zhangsan").members == ()


def _give_card(till: Till, member_id: str, serial: int) -> None:
    with till.db.write() as session:
        member = session.get(Member, member_id)
        assert member is not None
        member.card_serial = serial


def test_member_code_lookup_verifies_signature_and_revocation(till: Till, staff: Staffing) -> None:
    key = new_signing_key()
    till.settings.update(member_code_public_key=public_key_to_text(key.public_key()))
    member = till.members.enrol(staff.cashier, phone="13800138000", name="张三").member
    _give_card(till, member.id, 41)
    code = sign_member_code(key, uuid.UUID(member.id), 41)

    found = till.members.lookup(staff.cashier, code + "\n")
    assert found.kind is LookupKind.MEMBER_CODE and found.members[0].id == member.id

    forged = sign_member_code(new_signing_key(), uuid.UUID(member.id), 41)
    with pytest.raises(InvalidMemberCode) as refused:
        till.members.lookup(staff.cashier, forged)
    assert refused.value.problem is CodeProblem.BAD_SIGNATURE

    old_card = sign_member_code(key, uuid.UUID(member.id), 40)  # a replaced card
    with pytest.raises(InvalidMemberCode) as refused:
        till.members.lookup(staff.cashier, old_card)
    assert refused.value.problem is CodeProblem.REVOKED

    till.settings.update(revoked_cards=frozenset({41}))
    with pytest.raises(InvalidMemberCode) as refused:
        till.members.lookup(staff.cashier, code)
    assert refused.value.problem is CodeProblem.REVOKED


def test_member_code_without_server_key_is_explained(till: Till, staff: Staffing) -> None:
    code = sign_member_code(new_signing_key(), uuid.uuid4(), 1)
    with pytest.raises(StoreError) as refused:
        till.members.lookup(staff.cashier, code)
    assert refused.value.problem is Problem.NO_MEMBER_CODE_KEY


def test_card_serial_lookup(till: Till, staff: Staffing) -> None:
    member = till.members.enrol(staff.cashier, phone="13800138000", name="张三").member
    _give_card(till, member.id, 7)
    found = till.members.find_by_card_serial(staff.cashier, 7)
    assert found is not None and found.id == member.id
    assert till.members.find_by_card_serial(staff.cashier, 8) is None


def test_reveal_phone_is_for_managers_and_audited(till: Till, staff: Staffing) -> None:
    member = till.members.enrol(staff.cashier, phone="13800138000", name="张三").member
    with pytest.raises(StoreError) as refused:
        till.members.reveal_phone(staff.cashier, member.id)
    assert refused.value.problem is Problem.PERMISSION_DENIED
    assert till.members.reveal_phone(staff.manager, member.id) == "+8613800138000"
    with till.db.read() as session:
        row = session.scalars(select(AuditRecord).where(AuditRecord.action == "reveal_phone")).one()
        assert row.staff_code == "M001" and row.subject == member.id


def test_consent_is_recorded_and_queued(till: Till, staff: Staffing) -> None:
    member = till.members.enrol(staff.cashier, phone="13800138000", name="张三").member
    updated = till.members.set_consent(staff.guide, member.id, profile=True).member
    assert updated.consent_profile and not updated.consent_marketing
    with till.db.read() as session:
        item = session.scalars(select(OutboxItem).where(OutboxItem.type == "member_update")).one()
        assert item.body["changes"] == {"consent_profile": True}


def test_no_phone_or_name_reaches_the_logs(till: Till, staff: Staffing, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    member = till.members.enrol(staff.cashier, phone="13800138000", name="欧阳娜娜").member
    till.members.lookup(staff.cashier, "13800138000")
    till.ledger.award(staff.cashier, member.id, 5000, receipt_no="R-1")
    for bad in ("13800138000", "1380013800"):
        try:
            till.members.enrol(staff.cashier, phone=bad, name="欧阳娜娜")
        except (StoreError, InvalidPhone) as exc:
            logging.getLogger("test").warning("refused: %s", exc)
    text = caplog.text
    assert "13800138000" not in text and "1380013800" not in text and "欧阳娜娜" not in text
    assert "refused" in text  # the refusals were logged, without the data


def test_times_are_stored_in_utc(till: Till, staff: Staffing) -> None:
    member = till.members.enrol(staff.cashier, phone="13800138000", name="张三").member
    till.ledger.award(staff.cashier, member.id, 1000)
    raw = till.db.lookup_connection().execute("SELECT last_visit_at FROM member").fetchone()[0]
    assert raw.startswith("2026-03-18 02:00:00")  # the FakeClock's UTC time, not 10:00 local
    view = till.members.get(staff.cashier, member.id)
    assert view.last_visit_at == datetime(2026, 3, 18, 2, 0, tzinfo=UTC)


def _visited(till: Till, member_id: str, *, birthday: date, days_ago: int) -> None:
    with till.db.write() as session:
        member = session.get(Member, member_id)
        assert member is not None
        member.birthday = birthday
        member.last_visit_at = till.clock() - timedelta(days=days_ago)


def test_birthdays_today_are_the_regulars_born_today_most_recent_first(till: Till, staff: Staffing) -> None:
    """The lookup page greets them: born today (the store's day), came within half a year; not a birthday tomorrow,
    not a customer last seen a year ago. On 28 February of a year without a 29th, those born on the 29th too."""
    enrolled = [till.members.enrol(staff.cashier, phone=f"1380013800{n}", name=f"会员{n}").member.id for n in range(5)]
    today = till.today()
    _visited(till, enrolled[0], birthday=today.replace(year=1990), days_ago=30)
    _visited(till, enrolled[1], birthday=today.replace(year=1985), days_ago=2)
    _visited(till, enrolled[2], birthday=today.replace(year=1990), days_ago=400)  # not a regular any more
    _visited(till, enrolled[3], birthday=(today + timedelta(days=1)).replace(year=1990), days_ago=1)
    assert [m.id for m in till.members.birthdays_today(staff.cashier, today)] == [enrolled[1], enrolled[0]]

    _visited(till, enrolled[4], birthday=date(1992, 2, 29), days_ago=5)
    assert enrolled[4] in [m.id for m in till.members.birthdays_today(staff.cashier, date(2027, 2, 28))]
    assert enrolled[4] not in [m.id for m in till.members.birthdays_today(staff.cashier, date(2028, 2, 28))]
    queries = till.members._queries  # the SQL the service runs, as it runs it
    params = queries._birthdays.params(key="03-18", since="", limit=5)
    plan = till.db.lookup_connection().execute("EXPLAIN QUERY PLAN " + queries._birthdays.sql, params).fetchall()
    assert "ix_member_birthday_md" in " ".join(str(row) for row in plan)


def test_the_members_served_lately_at_this_till_come_most_recent_first_each_once(
    till: Till, staff: Staffing, clock: Any
) -> None:
    first = till.members.enrol(staff.cashier, phone="13800138000", name="甲").member.id
    second = till.members.enrol(staff.cashier, phone="13800138001", name="乙").member.id
    assert till.members.recently_served(staff.cashier) == []
    for member_id in (first, second, first):
        till.ledger.award(staff.cashier, member_id, 100_00)
        clock.advance(minutes=1)
    assert [m.id for m in till.members.recently_served(staff.cashier)] == [first, second]
