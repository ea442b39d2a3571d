"""Clean failures of the till's store (issue 14): a database path that is a folder, garbage, another program's
database, under a file or somewhere this account cannot write is refused in words (`StoreUnavailable`) and left as
it was; a full disk or an I/O error during a write is a `StoreError` (STORAGE_FULL / STORAGE_FAILED) with nothing
half-written and nothing personal in the message or the logs; a phone tail that is not 4 digits and points that
are not a whole number are typed refusals; the till's own data folder is owner-only whoever made it first."""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from localdb.database import Database, default_store_path
from localdb.errors import StoreError
from localdb.models import AuditRecord, Member, OutboxItem, PointEntry
from localdb.till import Till
from loyalty.points import RedeemRefused
from tests.conftest import Staffing

POSIX = pytest.mark.skipif(os.name != "posix", reason="owner-only modes are POSIX; Windows relies on profile ACLs")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _refusal(path: Path) -> Any:
    """The StoreUnavailable that opening `path` raises (its `reason` and `path`)."""
    with pytest.raises(StoreError) as refused:
        Database(path).close()
    assert refused.value.problem.value == "store_unavailable"
    return refused.value


# -- a mistyped --db ----------------------------------------------------------------------------------------------


@POSIX
def test_a_folder_given_as_the_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "tills"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    refused = _refusal(folder)
    assert refused.reason.value == "is_a_folder" and refused.path == folder
    assert _mode(folder) == 0o755 and list(folder.iterdir()) == []  # not made owner-only, nothing created in it


def test_garbage_bytes_are_refused_and_the_file_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    garbage = bytes(range(256)) * 20
    path.write_bytes(garbage)
    path.chmod(0o644)
    refused = _refusal(path)
    assert refused.reason.value == "not_a_database"
    assert path.read_bytes() == garbage and _mode(path) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["till.sqlite3"]  # no -wal, no -shm


def test_another_programs_sqlite_database_is_refused_and_not_migrated_into(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE note (text TEXT)")
    refused = _refusal(path)
    assert refused.reason.value == "not_a_till"
    with sqlite3.connect(path) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
    assert tables == ["note"] and journal == "delete"  # no till tables, not switched to WAL


def test_the_servers_database_is_not_a_till(tmp_path: Path) -> None:
    from server.db import ServerDatabase

    path = tmp_path / "server.sqlite3"
    ServerDatabase.open(f"sqlite:///{path}").close()
    assert _refusal(path).reason.value == "not_a_till"


def test_a_path_under_a_file_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "passwd"
    file.write_text("root:x:0:0\n", "utf-8")
    assert _refusal(file / "till.sqlite3").reason.value == "folder_is_a_file"
    assert _refusal(file / "deeper" / "till.sqlite3").reason.value == "folder_is_a_file"
    assert file.read_text("utf-8") == "root:x:0:0\n"


def test_a_place_that_cannot_be_written_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # /proc takes no new folders, whoever asks (root included)
    assert _refusal(Path("/proc/memberdesk-test/till.sqlite3")).reason.value in ("no_such_place", "not_permitted")

    def denied(*_args: Any, **_kwargs: Any) -> int:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("localdb.database.os.open", denied)
    assert _refusal(tmp_path / "till.sqlite3").reason.value == "not_permitted"


# -- the disk fills up --------------------------------------------------------------------------------------------


def _counts(till: Till) -> tuple[int, int, int]:
    with till.db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(PointEntry)) or 0,
            session.scalar(select(func.count()).select_from(OutboxItem)) or 0,
            session.scalar(select(func.count()).select_from(AuditRecord)) or 0,
        )


def test_a_full_disk_during_awards_writes_each_award_whole_or_not_at_all(till: Till, staff: Staffing) -> None:
    """The real SQLite error: the file may not grow (`max_page_count`), awards go on until one does not fit."""
    member = till.members.enrol(staff.cashier, phone="13800138000", name="张三").member
    before = _counts(till)
    with till.db.read() as session:
        pages = session.connection().exec_driver_sql("PRAGMA page_count").scalar()

    @event.listens_for(till.db.engine, "connect")
    def _limit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    till.db.engine.dispose()  # the pool's next connections get the limit
    awarded = 0
    with pytest.raises(StoreError) as refused:
        for receipt in range(10_000):
            till.ledger.award(staff.cashier, member.id, 5_000, receipt_no=f"R{receipt:060d}")
            awarded += 1
    assert refused.value.problem.value == "storage_full"
    assert _counts(till) == (before[0] + awarded, before[1] + awarded, before[2] + awarded)
    assert till.verify_audit().ok
    assert till.members.get(staff.cashier, member.id).available_points == 50 * awarded


def _fail_statements(till: Till, monkeypatch: pytest.MonkeyPatch, starting: str, error: Exception) -> None:
    """The driver raises `error` for statements starting with `starting` (as SQLite does when the disk is full)."""
    dialect = till.db.engine.dialect
    original: Callable[..., None] = dialect.do_execute

    def do_execute(cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        if statement.lstrip().upper().startswith(starting):
            raise error
        original(cursor, statement, parameters, context)

    monkeypatch.setattr(dialect, "do_execute", do_execute)


def test_a_full_disk_at_the_last_row_of_an_enrolment_leaves_nothing_and_says_nothing_personal(
    till: Till, staff: Staffing, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    before = _counts(till)
    _fail_statements(till, monkeypatch, "INSERT INTO AUDIT", sqlite3.OperationalError("database or disk is full"))
    with pytest.raises(StoreError) as refused:
        till.members.enrol(staff.cashier, phone="13912345678", name="王小明")
    assert refused.value.problem.value == "storage_full"
    said = f"{refused.value} {refused.value!r} {caplog.text}"
    assert "13912345678" not in said and "王小明" not in said and "INSERT" not in said
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    monkeypatch.undo()
    assert _counts(till) == before
    with till.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Member)) == 0


def test_other_io_errors_are_storage_failed_and_constraints_are_not_touched(
    till: Till, staff: Staffing, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = till.members.enrol(staff.cashier, phone="13800138000", name="张三").member
    till.ledger.award(staff.cashier, member.id, 5_000, receipt_no="R1")
    with pytest.raises(StoreError) as duplicate:  # an IntegrityError-backed refusal still reaches the service
        till.ledger.award(staff.cashier, member.id, 5_000, receipt_no="R1")
    assert duplicate.value.problem.value == "duplicate_receipt"
    _fail_statements(till, monkeypatch, "SELECT", sqlite3.OperationalError("disk I/O error"))
    with pytest.raises(StoreError) as failed:
        till.ledger.recent_entries(staff.cashier, member.id)
    assert failed.value.problem.value == "storage_failed"


# -- typed refusals at the service layer --------------------------------------------------------------------------


def test_a_tail_that_is_not_four_digits_is_a_typed_refusal(till: Till, staff: Staffing) -> None:
    till.members.enrol(staff.cashier, phone="13800131234", name="张三")
    for text in ("12a4", "123", "12345", ""):
        with pytest.raises(StoreError) as refused:
            till.members.find_by_tail(staff.cashier, text)
        assert refused.value.problem.value == "invalid_tail"
    assert [m.phone_masked for m in till.members.find_by_tail(staff.cashier, "１２３４")] == ["138****1234"]
    result = till.members.lookup(staff.cashier, "12a4")  # the counter's one box reads it as a name, as before
    assert result.kind.value == "name" and result.members == ()


@pytest.mark.parametrize(("points", "bill"), [(100.5, 100_000), ("100", 100_000), (True, 100_000), (100, 1000.5)])
def test_redeeming_points_that_are_not_a_whole_number_is_refused(
    till: Till, staff: Staffing, points: object, bill: object
) -> None:
    member = till.members.enrol(staff.cashier, phone="13800138000", name="张三").member
    till.ledger.award(staff.cashier, member.id, 500_000)
    before = _counts(till)
    with pytest.raises(RedeemRefused) as refused:
        till.ledger.redeem(staff.cashier, member.id, points, bill_cents=bill)  # type: ignore[arg-type]
    assert refused.value.problem.value == "not_integer"
    assert _counts(till) == before


# -- owner-only folders ---------------------------------------------------------------------------------------------


@pytest.fixture
def data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """platformdirs' user data folder for MemberDesk, in tmp_path (its parents already exist, as in a home)."""
    folder = tmp_path / "home" / ".local" / "share" / "MemberDesk"
    folder.parent.mkdir(parents=True)
    monkeypatch.setattr("platformdirs.user_data_dir", lambda *_args, **_kwargs: str(folder))
    assert default_store_path().parent == folder
    return folder


@POSIX
def test_the_real_tills_folder_is_owner_only_even_when_the_demo_made_it_first(data_folder: Path) -> None:
    # An earlier demo made MemberDesk/demo with the default modes (mkdir -p), the till's own folder 0755 with it.
    (data_folder / "demo").mkdir(parents=True)
    data_folder.chmod(0o755)
    till = Till.open()  # the real till, at the default path
    try:
        assert _mode(data_folder) == 0o700
        assert _mode(default_store_path()) == 0o600
    finally:
        till.close()


@POSIX
def test_every_folder_the_till_makes_is_owner_only_and_a_chosen_folder_is_left_alone(
    data_folder: Path, tmp_path: Path
) -> None:
    Till.open(data_folder / "demo" / "till.sqlite3").close()  # the demo's till first, nothing made before it
    assert _mode(data_folder) == 0o700 and _mode(data_folder / "demo") == 0o700
    elsewhere = tmp_path / "shared"
    elsewhere.mkdir(mode=0o755)
    elsewhere.chmod(0o755)
    Till.open(elsewhere / "a" / "b" / "till.sqlite3").close()
    assert _mode(elsewhere) == 0o755  # the user's own folder, given with --db: not ours to change
    assert _mode(elsewhere / "a") == 0o700 and _mode(elsewhere / "a" / "b") == 0o700
