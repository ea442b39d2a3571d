"""Opening the till's SQLite file: where it lives, owner-only permissions, the pragmas that make a power cut lose
nothing (WAL, synchronous=FULL, foreign keys), `BEGIN IMMEDIATE` for writes, and running the migrations.

Bulk writes (the pulled pages of a sync) have a connection of their own, with a 64 MiB page cache: a page of 5,000
members dirties pages all over the member and preference indexes, which the default 2 MiB cache spilled to the WAL
before the commit and read back. One connection only, so the till holds one such cache at most: when the pragma was
set on whichever pooled connection wrote a page, each connection of the pool grew its own (at 1,000,000 members the
pull after a push took a second one: the till's peak RSS 229 → 293 MB).

Thread: any; the `Store` hands out a session per unit of work and may be shared by a reader and one writer thread.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).with_name("migrations")

#: The newest migration's revision. A store already there is told by one SELECT of its `alembic_version`, and
#: Alembic is imported only to migrate: its import (Mako, Pygments, the DDL of every SQL dialect it knows) was
#: a tenth of a second or more of every start. tests/test_database.py checks this is Alembic's own head.
SCHEMA_HEAD = "0003"

_BEGIN_OPTION = "memberdesk_begin"


def default_store_path() -> Path:
    """Where the till keeps its database unless told otherwise (per-user data folder)."""
    return Path(platformdirs.user_data_dir("MemberDesk", "MemberDesk")) / "till.sqlite3"


def _prepare_owner_only(path: Path) -> None:
    """Create the folder (0700) and the file (0600) before SQLite does, so no other account can read members."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        os.close(fd)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        path.chmod(0o600)
        logger.warning("tightened the permissions of the till database to owner-only")


#: The bulk-write connection's page cache (64 MiB) and automatic checkpoint (every 10,000 pages, 40 MiB, instead of
#: 1,000: with the smaller threshold nearly every page's commit also ran a checkpoint). The cache's memory is taken
#: only as pages are read.
_BULK_WRITE_PRAGMAS = ("PRAGMA cache_size = -65536", "PRAGMA wal_autocheckpoint = 10000")


def create_sqlite_engine(path: Path, *, pragmas: Sequence[str] = (), **pool: Any) -> Engine:
    """An engine whose transactions we begin ourselves: DEFERRED for reads, IMMEDIATE for writes; `pragmas` run on
    each new connection after ours, `pool` goes to `create_engine` (its pool's size)."""
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 10}, **pool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not open transactions behind our back; we emit BEGIN ourselves (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _alembic_config(engine: Engine | None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def _stored_revisions(engine: Engine) -> list[str]:
    """The revisions the store's `alembic_version` table holds (one, or none on a new file), without Alembic."""
    with engine.connect() as connection:
        table = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        if connection.exec_driver_sql(table).first() is None:
            return []
        return [row[0] for row in connection.exec_driver_sql("SELECT version_num FROM alembic_version")]


def migrate(engine: Engine, *, to: str | None = None) -> None:
    """Bring the schema to the newest migration, or to revision `to` (does nothing when already there)."""
    target = to or SCHEMA_HEAD
    if _stored_revisions(engine) == [target]:
        return
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    config = _alembic_config(engine)
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != target:
        logger.info("migrating the till database from %s to %s", current, target)
        command.upgrade(config, target)


def head_revision() -> str | None:
    """The newest migration's revision, as Alembic reads it from the migration files (SCHEMA_HEAD must equal it)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()


def schema_revision(engine: Engine) -> str | None:
    revisions = _stored_revisions(engine)
    if len(revisions) > 1:  # not our linear history: let Alembic say what is wrong
        from alembic.runtime.migration import MigrationContext

        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    return revisions[0] if revisions else None


def _write_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions on `engine` whose transactions begin IMMEDIATE (the write lock taken before anything is read)."""
    return sessionmaker(engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}), expire_on_commit=False)


class Database:
    """The opened till database: a session per unit of work, reads deferred and writes `BEGIN IMMEDIATE`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        _prepare_owner_only(path)
        self.engine = create_sqlite_engine(path)
        migrate(self.engine)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = _write_sessions(self.engine)
        # One connection, opened on first use; a second bulk writer waits for it (one sync runs at a time).
        self._bulk_engine = create_sqlite_engine(path, pragmas=_BULK_WRITE_PRAGMAS, pool_size=1, max_overflow=0)
        self._bulk_writer = _write_sessions(self._bulk_engine)
        self._local = threading.local()
        self._lookup_connections: list[Any] = []
        self._lock = threading.Lock()

    def lookup_connection(self) -> sqlite3.Connection:
        """This thread's own connection for single-statement lookups (autocommit: each SELECT is one snapshot).

        Kept open for the life of the database so a lookup pays for neither a pool checkout nor a BEGIN."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            pooled = self.engine.raw_connection()
            with self._lock:
                self._lookup_connections.append(pooled)
            conn = self._local.conn = pooled.driver_connection
        assert conn is not None
        return conn

    @staticmethod
    def session_connection(session: Session) -> sqlite3.Connection:
        """The sqlite3 connection under a session's transaction, to run compiled lookups inside it."""
        driver = session.connection().connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        return driver

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work; sees one consistent snapshot."""
        with self._reader() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: everything inside commits together, or (on any exception) nothing does."""
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def bulk_write(self) -> Iterator[Session]:
        """A write transaction for bulk work (a pulled page) on the till's one connection with a large page cache."""
        with self._bulk_writer() as session, session.begin():
            yield session

    def close(self) -> None:
        with self._lock:
            for pooled in self._lookup_connections:
                pooled.close()
            self._lookup_connections.clear()
        self._bulk_engine.dispose()
        self.engine.dispose()
