"""The till database itself: owner-only files, durable pragmas, BEGIN IMMEDIATE writes, migrations that match
the models, and a unit of work that leaves nothing behind when it fails."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from localdb import cipher
from localdb.database import SCHEMA_HEAD, Database, connect_raw, create_sqlite_engine, head_revision, migrate
from localdb.models import AuditRecord, Base, Member, OutboxItem, PointEntry, SyncRun, sqlite_datetime
from localdb.till import Till
from tests.conftest import Staffing


def test_file_and_folder_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new" / "till.sqlite3"
    till = Till.open(path)
    try:
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        for file in path.parent.iterdir():  # the database, its WAL and shared-memory files
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
    finally:
        till.close()


def test_loose_permissions_are_tightened(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    Database(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_pragmas_for_durability(till: Till) -> None:
    conn = till.db.lookup_connection()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_write_transactions_begin_immediate(till: Till) -> None:
    """A write unit of work holds the write lock from its first statement, so two writers never deadlock
    upgrading a read lock; a plain reader is not blocked."""
    with till.db.write() as session:
        session.execute(select(func.count()).select_from(Member))  # a read only: a DEFERRED begin takes no lock
        other = connect_raw(till.db.path, timeout=0, isolation_level=None)
        try:
            with pytest.raises(cipher.driver.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            assert other.execute("SELECT count(*) FROM member").fetchone() == (0,)
        finally:
            other.close()


def test_read_transactions_do_not_block_writers(till: Till) -> None:
    with till.db.read() as session:
        session.execute(select(func.count()).select_from(Member))
        other = connect_raw(till.db.path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()


def test_stored_time_text_is_what_the_orm_writes(till: Till) -> None:
    """`sqlite_datetime` (writes and comparisons that bypass the ORM) gives, byte for byte, the text the ORM's
    `UtcDateTime` stores for the same time."""
    times = (
        datetime(2026, 3, 18, 2, 0, tzinfo=UTC),  # whole seconds: still six digits of microseconds
        datetime(2026, 3, 18, 2, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 3, 18, 10, 0, 0, 5, tzinfo=ZoneInfo("Asia/Shanghai")),  # the store's zone: stored as UTC
        datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),  # the next year in UTC
        datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),  # a three-digit year, padded
    )
    with till.db.write() as session:
        session.add_all(SyncRun(id=n, started_at=at) for n, at in enumerate(times, start=1))
    written = dict(till.db.lookup_connection().execute("SELECT id, started_at FROM sync_run").fetchall())
    assert [sqlite_datetime(at) for at in times] == [written[n] for n in range(1, len(times) + 1)]
    assert written[1] == "2026-03-18 02:00:00.000000" and written[3] == "2026-03-18 02:00:00.000005"
    assert sqlite_datetime(None) is None


# The birthday index is on an expression (substr of the date), which Alembic cannot reflect to compare: its presence
# and use are checked by tests/test_members.py (EXPLAIN QUERY PLAN).
_EXPRESSION_INDEX = (
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index ix_member_birthday_md"),
    pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index"),
)


@_EXPRESSION_INDEX[0]
@_EXPRESSION_INDEX[1]
def test_migrations_match_the_models(till: Till) -> None:
    with till.db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_schema_head_is_the_newest_migration() -> None:
    """Opening a store skips Alembic when the store is at SCHEMA_HEAD: a new migration must move it."""
    assert head_revision() == SCHEMA_HEAD


@_EXPRESSION_INDEX[0]
@_EXPRESSION_INDEX[1]
def test_a_store_behind_the_newest_migration_is_migrated_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    engine = create_sqlite_engine(path)
    migrate(engine, to="0001")
    engine.dispose()
    till = Till.open(path)
    try:
        assert till.status().schema_revision == SCHEMA_HEAD
        with till.db.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        till.close()


def test_reopening_keeps_data_and_schema(tmp_path: Path, staff: Staffing) -> None:
    path = tmp_path / "till.sqlite3"
    first = Till.open(path)
    device = first.status().device_id
    first.close()
    again = Till.open(path)
    try:
        assert again.status().device_id == device and again.status().schema_revision == SCHEMA_HEAD
    finally:
        again.close()


def test_an_exception_inside_a_unit_of_work_leaves_no_partial_rows(
    till: Till, staff: Staffing, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = till.members.enrol(staff.cashier, phone="13800138000", name="张三").member

    def counts() -> tuple[int, int, int]:
        with till.db.read() as session:
            return (
                session.scalar(select(func.count()).select_from(PointEntry)) or 0,
                session.scalar(select(func.count()).select_from(OutboxItem)) or 0,
                session.scalar(select(func.count()).select_from(AuditRecord)) or 0,
            )

    before = counts()
    original = till.ledger._write_entry

    def crash_after_writing(*args: object, **kwargs: object) -> object:
        original(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("power cut")  # after ledger, outbox and audit rows were flushed

    with monkeypatch.context() as patch:
        patch.setattr(till.ledger, "_write_entry", crash_after_writing)
        with pytest.raises(RuntimeError):
            till.ledger.award(staff.cashier, member.id, 10_000)

    assert counts() == before
    assert till.members.get(staff.cashier, member.id).available_points == 0
    assert till.verify_audit().ok
    assert till.ledger.award(staff.cashier, member.id, 10_000).member.available_points == 100


def test_a_till_from_before_the_shared_vocabulary_keeps_its_ledger_and_takes_any_kind(tmp_path: Path) -> None:
    """Migration 0003 rebuilds the ledger without its CHECK on kinds: every row and the reversal link survive, the
    receipt index stays partial (one earn per receipt; a redemption may name the same receipt), and a kind the
    vocabulary adds later is no longer refused by the table."""
    engine = create_sqlite_engine(tmp_path / "till.sqlite3")
    migrate(engine, to="0002")
    entry = (
        "INSERT INTO point_entry (id, member_id, kind, points, amount_cents, receipt_no, rule_version, staff_code,"
        " store_code, device_id, created_at, reverses, offline, sync_state) VALUES"
        " (?, 'm1', ?, ?, 100, ?, 1, 'C001', 'S001', 'd1', '2026-01-01 00:00:00', ?, 0, 'pending')"
    )
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO member (id, phone, phone_tail, name, tier, spend_12m_cents, balance_synced, tags,"
            " consent_marketing, consent_profile, version, created_at, updated_at) VALUES ('m1', '+8613800138000',"
            " '8000', 'A', 'normal', 0, 0, '[]', 0, 0, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
        connection.exec_driver_sql(entry, ("e1", "earn", 10, "R1", None))
        connection.exec_driver_sql(entry, ("e2", "reverse", -10, "R1", "e1"))
        with pytest.raises(Exception, match="CHECK constraint failed"):
            connection.exec_driver_sql(entry, ("e3", "coupon", 0, None, None))
    migrate(engine)
    try:
        with engine.begin() as connection:
            rows = connection.exec_driver_sql("SELECT id, kind, reverses FROM point_entry ORDER BY id").fetchall()
            assert [tuple(row) for row in rows] == [("e1", "earn", None), ("e2", "reverse", "e1")]
            connection.exec_driver_sql(entry, ("e3", "coupon", 0, None, None))
            connection.exec_driver_sql(entry, ("e4", "redeem", -5, "R1", None))
            with pytest.raises(Exception, match="UNIQUE constraint failed"):
                connection.exec_driver_sql(entry, ("e5", "earn", 5, "R1", None))
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        engine.dispose()


def test_a_till_from_before_name_keys_finds_its_members_by_pinyin_after_the_upgrade(tmp_path: Path) -> None:
    """Migration 0008 adds the pinyin and initials of every name the till already holds, so "zs" finds 张三 on the
    first start after the update, without waiting for a pull."""
    path = tmp_path / "till.sqlite3"
    engine = create_sqlite_engine(path)
    migrate(engine, to="0007")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO member (id, phone, phone_tail, name, tier, spend_12m_cents, balance_synced, tags,"
            " consent_marketing, consent_profile, version, created_at, updated_at) VALUES ('m1', '+8613800138000',"
            " '8000', '张三', 'normal', 0, 0, '[]', 0, 0, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    migrate(engine)
    try:
        with engine.begin() as connection:
            keys = connection.exec_driver_sql("SELECT name_pinyin, name_initials FROM member").fetchall()
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM member WHERE name_initials >= 'zs' AND name_initials < 'zs~'"
            ).fetchall()
    finally:
        engine.dispose()
    assert [tuple(row) for row in keys] == [("zhangsan", "zs")]
    assert "ix_member_name_initials" in " ".join(str(row) for row in plan)  # a range on the index, not a scan


def test_a_till_from_before_the_outbox_body_table_keeps_every_queued_body(tmp_path: Path) -> None:
    """Migration 0015 moves each outbox item's body to `outbox_body` (the row itself is updated as items are sent,
    the body never): answered and unsent items keep their bodies byte for byte, and the unsent ones still push."""
    engine = create_sqlite_engine(tmp_path / "till.sqlite3")
    migrate(engine, to="0014")
    queued = [
        (1, "i1", "enrol", '{"member_id":"m1","name":"张三"}', "applied"),
        (2, "i2", "point_entry", '{"id":"i2","lines":[{"line_no":1,"sku":"6901","category":"母婴"}]}', None),
    ]
    with engine.begin() as connection:
        for seq, item_id, item_type, body, status in queued:
            connection.exec_driver_sql(
                "INSERT INTO outbox (seq, item_id, type, body, created_at, attempts, status) "
                "VALUES (?, ?, ?, ?, '2026-01-01 00:00:00', 1, ?)",
                (seq, item_id, item_type, body, status),
            )
    migrate(engine)
    try:
        with engine.begin() as connection:
            moved = connection.exec_driver_sql(
                "SELECT o.seq, o.item_id, o.type, b.body, o.status FROM outbox o JOIN outbox_body b USING (seq) "
                "ORDER BY o.seq"
            ).fetchall()
            columns = [row[1] for row in connection.exec_driver_sql("PRAGMA table_info(outbox)").fetchall()]
    finally:
        engine.dispose()
    assert [tuple(row) for row in moved] == queued
    assert "body" not in columns
