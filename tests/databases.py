"""Fresh server databases for tests: a SQLite file, or a new PostgreSQL database on the local server (dropped
afterwards). PostgreSQL tests are skipped, with the reason, only where no PostgreSQL answers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import psycopg
import pytest

POSTGRES_ADMIN_DSN = os.environ.get("MEMBERDESK_TEST_PG", "host=127.0.0.1 port=5432 user=postgres dbname=test")
BACKENDS = ("sqlite", pytest.param("postgres", marks=pytest.mark.postgres))


@cache
def postgres_problem() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when they can."""
    try:
        with psycopg.connect(POSTGRES_ADMIN_DSN, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"no PostgreSQL answers at {POSTGRES_ADMIN_DSN!r}: {type(exc).__name__}"
    return None


@contextmanager
def fresh_postgres_url() -> Iterator[str]:
    problem = postgres_problem()
    if problem:
        pytest.skip(problem)
    name = f"md_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    params = psycopg.conninfo.conninfo_to_dict(POSTGRES_ADMIN_DSN)
    try:
        yield f"postgresql+psycopg://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:" \
              f"{params.get('port', 5432)}/{name}"  # fmt: skip
    finally:
        with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_server_url(backend: str, folder: Path) -> Iterator[str]:
    if backend == "postgres":
        with fresh_postgres_url() as url:
            yield url
    else:
        yield f"sqlite:///{folder / f'server-{uuid.uuid4().hex[:8]}.sqlite3'}"
