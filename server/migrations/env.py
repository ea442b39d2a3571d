"""Alembic environment for the central server's database: runs on the engine `server.db` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from server.models import Base

engine: Engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
