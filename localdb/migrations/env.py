"""Alembic environment for the till database: runs on the engine `localdb.database` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from localdb.models import Base

engine: Engine = context.config.attributes["engine"]

with engine.connect() as connection:
    # SQLite's way to rebuild a table (batch mode drops the old one while rows still point into it): foreign keys
    # off around the migration's transaction, every key checked before it commits. The pragma is a no-op inside a
    # transaction, so it goes straight to the driver's connection, which is in autocommit mode (localdb.database).
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        # One transaction for all pending migrations (SQLite's DDL is transactional; our driver connection is in
        # autocommit mode and we BEGIN ourselves, so nothing commits behind alembic's back).
        context.configure(
            connection=connection, target_metadata=Base.metadata, render_as_batch=True, transactional_ddl=True
        )
        with context.begin_transaction():
            context.run_migrations()
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration left {len(broken)} broken foreign keys; nothing was changed")
    finally:
        driver.execute("PRAGMA foreign_keys=ON")
