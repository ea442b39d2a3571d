"""Alembic environment for the till database: runs on the engine `localdb.database` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from localdb.models import Base

engine: Engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
