"""The server database: migrations create exactly the models' schema, versions are handed out only under the write
lock and in order, a failed write leaves nothing, and reopening keeps the chain's settings."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from server import chain
from server.db import ServerDatabase
from server.models import Base, ChangeCounter, Store


def test_migrated_schema_matches_the_models(db: ServerDatabase) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_versions_are_consecutive_and_survive_only_a_committed_write(db: ServerDatabase) -> None:
    with db.write() as session:
        first = db.next_version(session)
        assert db.reserve_versions(session, 10) == first + 1
        assert db.next_version(session) == first + 11
    with pytest.raises(RuntimeError), db.write() as session:
        db.reserve_versions(session, 5)
        raise RuntimeError("boom")
    with db.write() as session:
        assert db.next_version(session) == first + 12  # the failed write handed out nothing
    with db.read() as session:
        assert session.scalar(select(ChangeCounter.value)) == first + 12


def test_versions_only_inside_a_write(db: ServerDatabase) -> None:
    with db.read() as session, pytest.raises(RuntimeError):
        db.next_version(session)


def test_a_failed_write_rolls_everything_back(db: ServerDatabase) -> None:
    with pytest.raises(ValueError, match="late"), db.write() as session:
        session.add(Store(code="S999", name="x", timezone="Asia/Shanghai", created_at=db.clock()))
        session.flush()
        raise ValueError("late")
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Store).where(Store.code == "S999")) == 0


def test_card_serials_are_unique_and_consecutive(db: ServerDatabase) -> None:
    with db.write() as session:
        first = db.reserve_card_serials(session, 3)
        assert db.reserve_card_serials(session, 1) == first + 3


def test_reopening_keeps_the_settings(db: ServerDatabase, db_url: str) -> None:
    with db.read() as session:
        key = chain.public_key_text(session)
        version = chain.config_version(session)
    again = ServerDatabase.open(db_url)
    try:
        with again.read() as session:
            assert chain.public_key_text(session) == key
            assert chain.config_version(session) == version
            assert chain.rules(session).version == 1
            assert chain.min_cursor(session) == 0
            assert session.scalar(select(func.count()).select_from(ChangeCounter)) == 1
    finally:
        again.close()


def test_memory_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="file"):
        ServerDatabase.open("sqlite://")


def test_autovacuum_off_is_reported(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """PostgreSQL: the server warns at start when autovacuum is off (pushes would slow down as dead member rows pile
    up); SQLite has nothing to vacuum and says nothing."""
    with caplog.at_level("WARNING", logger="server.db"):
        db = ServerDatabase.open(db_url)
    try:
        if db.is_sqlite:
            expected = False
        else:
            with db.engine.connect() as connection:
                expected = connection.exec_driver_sql("SHOW autovacuum").scalar() != "on"
    finally:
        db.close()
    assert any("autovacuum is off" in record.getMessage() for record in caplog.records) == expected
