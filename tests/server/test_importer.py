"""CSV member import: good rows imported with an opening ledger entry equal to their balance, every kind of bad row
rejected with its line and reason, and no phone or name in the report or the logs (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import logging
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from loyalty.rules import DEFAULT_RULES
from server import admin
from server.db import ServerDatabase
from server.importer import ImportFileError, Reason, import_members, write_rejects
from server.models import AdminLog, LedgerEntry, Member
from tests.server.conftest import STORE

# (line text, expected reason or None for imported) — line numbers follow from the order (header is line 1).
GOOD_PHONE_1 = "13800138000"
GOOD_PHONE_2 = "+86 139-1234-5678"  # typed with country code and dashes
GOOD_PHONE_3 = "１５０ １２３４ ５６７８"  # full-width digits and an ideographic space
EXISTING = "+8618612345678"


def _future() -> str:
    return (date.today() + timedelta(days=3)).isoformat()


ROWS: list[tuple[str, Reason | None]] = [
    (f"{GOOD_PHONE_1},王小明,1990-05-17,M,1200", None),
    (f'"{GOOD_PHONE_2}",李  娜,,女,', None),  # no birthday, no balance; the name's inner spaces are folded
    (f"{GOOD_PHONE_3},欧阳修文,1985-12-01,,0", None),
    ("13700137000,赵敏,2001-02-03,f,35", None),
    ("12345,钱多多,,,", Reason.INVALID_PHONE),
    ("1380013800a,钱多多,,,", Reason.INVALID_PHONE),
    ("02087654321,孙悟空,,,", Reason.INVALID_PHONE),  # a landline
    (",无号码,,,", Reason.INVALID_PHONE),
    ("13600136000,   ,,,", Reason.MISSING_NAME),
    ("13600136001," + "长" * 65 + ",,,", Reason.NAME_TOO_LONG),
    ("13600136002,周\x07杰,,,", Reason.INVALID_NAME),
    ("13600136003,吴用,1990-02-30,,", Reason.INVALID_BIRTHDAY),
    ("13600136004,吴用,1990/02/03,,", Reason.INVALID_BIRTHDAY),
    ("13600136005,吴用,1899-12-31,,", Reason.INVALID_BIRTHDAY),
    (f"13600136006,吴用,{_future()},,", Reason.FUTURE_BIRTHDAY),
    ("13600136007,郑和,,X,", Reason.INVALID_GENDER),
    ("13600136008,郑和,,,-5", Reason.INVALID_BALANCE),
    ("13600136009,郑和,,,12.5", Reason.INVALID_BALANCE),
    ("13600136010,郑和,,,lots", Reason.INVALID_BALANCE),
    ("13600136011,郑和", Reason.WRONG_FIELD_COUNT),
    ("138-0013-8000,王小明二号,,,", Reason.DUPLICATE_IN_FILE),  # the same number as line 2, typed otherwise
    (f"{EXISTING},已在服务器,,,", Reason.ALREADY_ON_SERVER),
]
GOOD = {2: ("+8613800138000", "王小明", 1200), 3: ("+8613912345678", "李 娜", 0),
        4: ("+8615012345678", "欧阳修文", 0), 5: ("+8613700137000", "赵敏", 35)}  # fmt: skip


def _write_csv(path: Path, lines: list[str], *, bom: bool = True, header: str = "phone,name,birthday,gender,balance"):
    text = "\n".join([header, *lines]) + "\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def _seed_existing(db: ServerDatabase) -> None:
    from server.members import create_member

    with db.write() as session:
        create_member(session, db, phone=EXISTING, name="老会员")


def _personal_values() -> list[str]:
    """Every phone (in the forms written and stored) and every name of the test file."""
    values = []
    for line, _ in ROWS:
        phone, name, *_ = next(csv.reader([line]))
        for value in (phone.strip(), name.strip()):
            if len(value) >= 4:
                values.append(value)
    values += [phone for phone, _, _ in GOOD.values()]
    values += [phone[3:] for phone, _, _ in GOOD.values()]
    values += [EXISTING, EXISTING[3:], "王小明", "欧阳修文", "赵敏", "钱多多", "孙悟空", "吴用", "郑和"]
    return values


def test_import_mixed_file(db: ServerDatabase, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _seed_existing(db)
    path = _write_csv(tmp_path / "members.csv", [line for line, _ in ROWS])
    caplog.set_level(logging.DEBUG)

    report = import_members(db, path, STORE)

    assert report.rows == len(ROWS)
    assert report.imported == len(GOOD)
    assert report.opening_points == 1235
    expected = {index + 2: reason for index, (_, reason) in enumerate(ROWS) if reason is not None}
    assert {reject.line_no: reject.reason for reject in report.rejects} == expected
    assert [reject.line_no for reject in report.rejects] == sorted(expected)
    duplicate = next(r for r in report.rejects if r.reason is Reason.DUPLICATE_IN_FILE)
    assert "line 2" in duplicate.message

    # Nothing personal in the report, the printed lines, the rejects file or the logs.
    rejects_file = tmp_path / "rejects.csv"
    write_rejects(report, rejects_file)
    published = "\n".join([*report.lines(), rejects_file.read_text(encoding="utf-8"), caplog.text])
    leaked = [value for value in _personal_values() if value in published]
    assert leaked == []
    assert rejects_file.stat().st_mode & 0o077 == 0
    assert len(rejects_file.read_text(encoding="utf-8").splitlines()) == 1 + len(expected)

    with db.read() as session:
        members = {m.phone: m for m in session.scalars(select(Member).where(Member.home_store == STORE))}
        for phone, name, balance in GOOD.values():
            member = members[phone]
            assert member.name == name
            assert member.balance == balance
            ledger_sum = session.scalar(
                select(func.coalesce(func.sum(LedgerEntry.points), 0)).where(LedgerEntry.member_id == member.id)
            )
            assert ledger_sum == balance
            assert member.tier == DEFAULT_RULES.tiers[0].code
            assert member.card_serial is not None
        assert members["+8613800138000"].birthday == date(1990, 5, 17)
        assert members["+8613800138000"].gender == "M"
        assert members["+8613912345678"].gender == "F"
        assert members["+8613700137000"].gender == "F"
        assert members["+8615012345678"].gender is None
        entries = session.scalars(select(LedgerEntry).where(LedgerEntry.staff_code == "import")).all()
        assert sorted(e.points for e in entries) == [35, 1200]  # no entry for a zero balance
        assert {(e.kind, e.device_id, e.store_code, e.status) for e in entries} == {
            ("adjust", "import", STORE, "applied")
        }
        # every imported member has its own version, after the members that were there before
        versions = [m.version for m in members.values()]
        assert len(set(versions)) == len(versions)
        log = session.scalars(select(AdminLog).where(AdminLog.action == "import_members")).one()
        assert "imported=4" in log.detail


def test_import_twice_reports_already_on_server(db: ServerDatabase, tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "m.csv", [f"{GOOD_PHONE_1},王小明,,,10", "13700137000,赵敏,,,"], bom=False)
    assert import_members(db, path, STORE).imported == 2
    again = import_members(db, path, STORE)
    assert again.imported == 0
    assert [(r.line_no, r.reason) for r in again.rejects] == [
        (2, Reason.ALREADY_ON_SERVER),
        (3, Reason.ALREADY_ON_SERVER),
    ]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Member)) == 2


def test_dry_run_writes_nothing(db: ServerDatabase, tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "m.csv", [f"{GOOD_PHONE_1},王小明,,,10", "12,坏号码,,,"])
    report = import_members(db, path, STORE, dry_run=True)
    assert (report.imported, len(report.rejects), report.dry_run) == (1, 1, True)
    assert "would import 1 of 2" in report.summary()
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Member)) == 0


def test_small_chunks_give_the_same_result(db: ServerDatabase, tmp_path: Path) -> None:
    lines = [f"1380013{n:04d},会员{n},,,{n}" for n in range(25)] + ["13800130003,重复,,,"]
    path = _write_csv(tmp_path / "m.csv", lines)
    report = import_members(db, path, STORE, chunk_size=4)
    assert report.imported == 25
    assert [(r.line_no, r.reason) for r in report.rejects] == [(27, Reason.DUPLICATE_IN_FILE)]
    with db.read() as session:
        total = session.scalar(select(func.sum(Member.balance)))
        ledger = session.scalar(select(func.sum(LedgerEntry.points)))
        serials = session.scalars(select(Member.card_serial)).all()
    assert total == ledger == sum(range(25))
    assert len(set(serials)) == 25


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b"phone,name,email\n13800138000,a,b\n", "unknown column"),
        (b"phone,birthday\n13800138000,1990-01-01\n", r"lacks the column\(s\) name"),
        (b"phone,name,name\n", "named twice"),
        ("phone,name\n13800138000,王小明\n".encode("gbk"), "not UTF-8"),
    ],
)
def test_whole_file_refusals(db: ServerDatabase, tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=problem):
        import_members(db, path, STORE)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Member)) == 0


def test_unknown_store_is_refused(db: ServerDatabase, tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "m.csv", [f"{GOOD_PHONE_1},王小明,,,"])
    with pytest.raises(admin.AdminError, match="no store"):
        import_members(db, path, "NOPE")


def test_header_in_another_order_and_case(db: ServerDatabase, tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "m.csv", ["王小明,13800138000"], header="Name , PHONE")
    report = import_members(db, path, STORE)
    assert (report.imported, report.rejects) == (1, [])


@pytest.mark.slow
def test_many_rows_import_across_chunks_with_balances_on_the_ledger(db: ServerDatabase, tmp_path: Path) -> None:
    """25,000 rows: several 10,000-row chunks; speed itself is for the benchmarks, not for a test."""
    import random

    from loyalty.phone import InvalidPhone, parse_mobile

    rng = random.Random(3)
    phones: set[str] = set()
    while len(phones) < 25_000:
        candidate = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        try:
            parse_mobile(candidate)
        except InvalidPhone:
            continue
        phones.add(candidate)
    lines = [f"{phone},会员{i},1980-01-01,F,{i % 500}" for i, phone in enumerate(sorted(phones))]
    path = _write_csv(tmp_path / "big.csv", lines)
    report = import_members(db, path, STORE)
    assert (report.imported, report.rejects) == (25_000, [])
    with db.read() as session:
        members = session.scalar(select(func.count()).select_from(Member).where(Member.phone.is_not(None)))
        balances = session.scalar(select(func.coalesce(func.sum(Member.balance), 0)))
        ledger = session.scalar(select(func.coalesce(func.sum(LedgerEntry.points), 0)))
    assert members == 25_000
    assert balances == ledger == sum(i % 500 for i in range(25_000))


def test_planner_statistics_are_fresh_after_import(db: ServerDatabase, tmp_path: Path) -> None:
    """PostgreSQL: an import is followed by ANALYZE (see test_demo), so the next push is planned on the real sizes."""
    if db.is_sqlite:
        pytest.skip("SQLite's plans here do not use statistics")
    path = _write_csv(tmp_path / "m.csv", [f"{GOOD_PHONE_1},王小明,,,10", "13700137000,赵敏,,,"], bom=False)
    assert import_members(db, path, STORE).imported == 2
    with db.engine.connect() as connection:
        estimates = connection.exec_driver_sql(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN ('member', 'ledger_entry')"
        ).all()
    assert dict(estimates) == {"member": 2.0, "ledger_entry": 1.0}
