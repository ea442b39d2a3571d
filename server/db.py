"""Opening the central server's database (SQLite file or PostgreSQL), running its migrations, seeding the chain's
settings, and the one way to write: `ServerDatabase.write()`, which takes the change-counter lock first.

Why the lock: every change to a member is numbered from the single `change_counter` row, and a till pulls
`changes` with `version > cursor`. If two transactions could take numbers in one order and commit in the other, a
till could pull up to version 11 (committed) while version 10 is still uncommitted, store cursor 11, and never see
version 10. Locking the counter row first (PostgreSQL `SELECT … FOR UPDATE`; SQLite `BEGIN IMMEDIATE`, which takes
the database's write lock) serializes writers, so versions are handed out in commit order: once a reader sees
version N, every version below N is already committed.

SQLite durability: a write returns only once its commit is on disk, but the fsync that puts it there is made after
the write lock is released (`_WalSync`), so it overlaps the next writer's work instead of lengthening every
writer's turn. The connections run `synchronous=NORMAL` (in WAL mode: commits append to the WAL without syncing;
the WAL is synced before each checkpoint and the database file after it; a power cut leaves the database consistent,
at a commit boundary), and `write()` then fsyncs the WAL itself — what `synchronous=FULL` does inside the commit.
One fsync serves every commit written before it began (group commit). Until then the commit is visible to other
connections but not yet durable, so whatever leaves the server reflecting committed state waits for an fsync
first: a write's caller (a push's answer, an authorization, an admin command) because `write()` has synced before
it returns, and a page of changes because `changes_page` calls `make_durable()` before it answers (a till must never
store a cursor the server could lose in a power cut: versions would be handed out again below it). A power cut loses
at most commits nobody was told about; the tills push them again and the server applies them once.

SQLite's write-ahead log is copied back into the database file (checkpointed) by a thread of our own
(`_Checkpointer`), not by whichever request happens to commit past SQLite's threshold: the copy and the database
file's fsync overlap the next request. The connections keep their own automatic checkpoint as a safety net, at a
larger threshold.

Writers of several processes (`serve --workers`, admin commands) queue on a file lock beside the database
(`_WriterLock`, POSIX) before SQLite's. Within one process, writers also queue on a lock of our own before they
begin: the next writer starts the moment the one before commits (SQLite's busy handler would poll with sleeps of up
to 100 ms), and a writer waiting for another's commit (`wait_for_commit`, a push waiting for the batch before it) is
woken by it. Hooks registered with `after_commit` run after the commit and before the next writer begins.

Thread: any. Sessions are per unit of work; the engine's pool is shared by the API's worker threads.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from functools import partial
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from loyalty.clock import Clock, utc_now
from server import chain
from server.models import ChangeCounter

logger = logging.getLogger(__name__)

_MIGRATIONS: Final = Path(__file__).with_name("migrations")
_BEGIN_OPTION: Final = "memberdesk_begin"
_COUNTER_KEY: Final = "md_counter"  # session.info: [value read under the lock, value handed out so far]
_AFTER_COMMIT_KEY: Final = "md_after_commit"  # session.info: callbacks to run once the write committed


#: Per SQLite connection: a 32 MiB page cache (the default is 2 MiB: a push batch's member and ledger index pages
#: were read back from the file on every batch) and the automatic checkpoint only past 10,000 WAL pages (40 MiB),
#: as a safety net behind `_Checkpointer`.
_SQLITE_CACHE_KIB: Final = 32 * 1024
_SQLITE_AUTOCHECKPOINT_PAGES: Final = 10_000
#: The tables bulk loads fill (`refresh_statistics`).
_BULK_LOADED: Final = ("member", "ledger_entry", "preference")
#: How often at most the checkpointer runs while writes keep coming (several commits share one checkpoint).
_CHECKPOINT_INTERVAL_SECONDS: Final = 0.25


def _sqlite_engine(url: str) -> Engine:
    """SQLite file: WAL, foreign keys, a busy timeout, and transactions we begin ourselves (SQLAlchemy's pysqlite
    recipe): DEFERRED for reads, IMMEDIATE for writes so the write lock is taken before anything is read. The pool
    hands out the most recently used connection first (LIFO), whose page cache is warm: another connection's cache
    is emptied by every commit made elsewhere."""
    parsed = make_url(url)
    if not parsed.database or parsed.database == ":memory:":
        raise ValueError("the server needs a SQLite *file* URL, e.g. sqlite:////var/lib/memberdesk/server.sqlite3")
    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30}, pool_use_lifo=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver must not BEGIN behind our back
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # the commit's fsync comes after the write lock (`_WalSync`)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={_SQLITE_AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _postgres_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_size=10, max_overflow=10, pool_pre_ping=True)


def create_server_engine(url: str) -> Engine:
    """The engine for a database URL: `sqlite:///<file>` or `postgresql+psycopg://…`."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        return _postgres_engine(url)
    raise ValueError(f"unsupported database backend {backend!r}: use sqlite or postgresql")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (nothing to do when already there)."""
    config = alembic_config(engine)
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head:
        logger.info("migrating the server database from %s to %s", current, head)
        command.upgrade(config, "head")


def _nothing() -> None:
    """No file lock to take or give (`_WriterLock` where there is no `flock`)."""


class _WriterLock:
    """An exclusive lock on a file beside a SQLite database, taken by every writer of every process before it begins
    (POSIX `flock`). Several server processes (`serve --workers`) and admin commands then queue on it, and the next
    one starts the moment the one before releases it: SQLite's own busy handler would have them poll with sleeps
    of up to 100 ms. Where there is no `flock` (Windows) or the file cannot be opened, writers rely on SQLite's
    busy handler alone, which is as correct, only slower to hand over (docs/operations.md)."""

    def __init__(self, database: str) -> None:
        self._fd: int | None = None
        self._take: Callable[[], None] = _nothing
        self._give: Callable[[], None] = _nothing
        try:
            from fcntl import LOCK_EX, LOCK_UN, flock  # POSIX only

            fd = self._fd = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT, 0o600)
        except (ImportError, OSError) as error:
            logger.info("writers of %s queue on SQLite's busy handler alone: %s", database, error)
            return
        self._take, self._give = partial(flock, fd, LOCK_EX), partial(flock, fd, LOCK_UN)

    def __enter__(self) -> None:
        self._take()

    def __exit__(self, *_exc: object) -> None:
        self._give()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self._take = self._give = _nothing


class _Checkpointer:
    """Checkpoints a SQLite database's WAL on its own thread and connection (PASSIVE: it never blocks a reader or
    the writer), woken after commits and at most every `_CHECKPOINT_INTERVAL_SECONDS`. Durability does not depend
    on it: a commit is on disk once the WAL is synced; the checkpoint syncs the database file before the WAL is
    reused."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """A write committed: checkpoint soon."""
        self._wake.set()

    def _run(self) -> None:
        connection = sqlite3.connect(self._path, timeout=30, isolation_level=None, check_same_thread=True)
        try:
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA busy_timeout=30000")
            while True:
                self._wake.wait()
                if self._stopping.is_set():
                    return
                self._wake.clear()
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:  # e.g. busy: the next commit wakes us again; the safety net stays
                    logger.warning("background WAL checkpoint failed", exc_info=True)
                self._stopping.wait(_CHECKPOINT_INTERVAL_SECONDS)  # a few more commits share the next checkpoint
        finally:
            connection.close()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=30)


def _fsync_path(path: str) -> None:
    """fsync a file by its path, opened for the call (a file SQLite deleted and made again is a new file). SQLite
    holds no POSIX lock on its WAL file, so opening and closing it here releases none of SQLite's locks."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:  # no WAL: every commit was checkpointed into the database file, which was synced
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _WalSync:
    """Makes a SQLite database's commits durable after the write lock is released: an fsync of its WAL file, one at
    a time, each covering every commit written before it began (a writer arriving while one is under way waits for
    it, then needs another only if its commit came after that one began)."""

    def __init__(self, wal_path: str, committed: Callable[[], int]) -> None:
        self._wal_path = wal_path
        self._committed = committed  # how many commits this process has made so far (it only grows)
        self._syncing = threading.Lock()
        self._durable = 0  # commits of this process known to be on disk

    def sync(self, written: int | None) -> None:
        """Return once the first `written` commits of this process are on disk (None: whatever is in the WAL now,
        other processes' commits included)."""
        with self._syncing:
            if written is not None and self._durable >= written:
                return  # an fsync that began after that commit has finished
            target = self._committed()
            _fsync_path(self._wal_path)
            self._durable = target


class ServerDatabase:
    """The opened server database. `read()` for a consistent read, `write()` for a numbered, serialized change."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._reader = sessionmaker(engine, expire_on_commit=False)
        writer_engine = engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}) if self.is_sqlite else engine
        self._writer = sessionmaker(writer_engine, expire_on_commit=False)
        database = engine.url.database if self.is_sqlite else None
        self._checkpointer = _Checkpointer(database) if database else None
        self._writer_lock = _WriterLock(database) if database else None
        self._wal_sync = _WalSync(f"{database}-wal", lambda: self._generation) if database else None
        self._committed = threading.Condition(threading.RLock())  # held by the process's writer, notified at commit
        self._generation = 0  # commits made by this process's writers

    @classmethod
    def open(cls, url: str, *, clock: Clock = utc_now) -> ServerDatabase:
        """Open (creating if need be) the database at `url`, migrate it to head and seed the chain's settings."""
        engine = create_server_engine(url)
        try:
            migrate(engine)
            db = cls(engine, clock=clock)
            db._seed()
            db._check_autovacuum()
        except Exception:
            engine.dispose()
            raise
        return db

    def _check_autovacuum(self) -> None:
        """PostgreSQL: warn when autovacuum is off. Every push rewrites the rows of the members it touches (a new row
        version in each of the member table's indexes); without vacuuming, the dead versions pile up and each
        lookup of a busy member walks past them (a push at 1,000,000 members went from 73 to 115 ms a batch after
        some 200,000 updates)."""
        if self.is_sqlite:
            return
        with self.engine.connect() as connection:
            setting = connection.exec_driver_sql("SHOW autovacuum").scalar()
        if setting != "on":
            logger.warning(
                "PostgreSQL autovacuum is %s: run VACUUM ANALYZE regularly (e.g. nightly), or pushes slow down as "
                "updated members leave dead rows behind",
                setting,
            )

    def _seed(self) -> None:
        """The counter row and the default settings, when missing (two processes starting together: one wins)."""
        for attempt in range(2):
            try:
                with self._reader() as session, session.begin():
                    if session.get(ChangeCounter, 1) is None:
                        session.execute(insert(ChangeCounter).values(id=1, value=0))
                break
            except IntegrityError:
                if attempt:
                    raise
        with self.write() as session:
            chain.ensure_defaults(session, self.clock())

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (one snapshot on SQLite; READ COMMITTED statements on PostgreSQL). Closing
        the session ends its transaction and detaches what it loaded, which stays readable afterwards."""
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction, serialized with every other by the change-counter lock taken first: everything
        inside commits together at the end, or (on any exception) nothing does. Returns once the commit is on disk
        (SQLite: synced after the lock is released, see the module's docstring)."""
        with self._committed, self._writer_lock or nullcontext():
            with self._writer() as session, session.begin():
                query = select(ChangeCounter.value).where(ChangeCounter.id == 1)
                if not self.is_sqlite:
                    query = query.with_for_update()  # SQLite: BEGIN IMMEDIATE already holds the write lock
                value = session.execute(query).scalar_one()
                session.info[_COUNTER_KEY] = [value, value]
                yield session
                start, handed_out = session.info.pop(_COUNTER_KEY)
                if handed_out != start:
                    session.execute(update(ChangeCounter).where(ChangeCounter.id == 1).values(value=handed_out))
                hooks: list[Callable[[], None]] = session.info.pop(_AFTER_COMMIT_KEY, [])
            for hook in hooks:
                hook()
            self._generation += 1
            written = self._generation
            self._committed.notify_all()
        if self._checkpointer is not None:
            self._checkpointer.poke()
        if self._wal_sync is not None:
            self._wal_sync.sync(written)

    def make_durable(self) -> None:
        """Return once everything committed so far, by any process, is on disk: before an answer that shows
        committed state which must not be lost (a page of changes). Costs one fsync of the WAL (microseconds when
        it holds nothing unsynced); nothing to do on PostgreSQL, whose commits are durable before they are seen."""
        if self._wal_sync is not None:
            self._wal_sync.sync(None)

    @staticmethod
    def after_commit(session: Session, hook: Callable[[], None]) -> None:
        """Run `hook` once this `write()` has committed, before the next writer of this process begins."""
        session.info.setdefault(_AFTER_COMMIT_KEY, []).append(hook)

    @property
    def generation(self) -> int:
        """How many writes this process has committed (to wait for the next one with `wait_for_commit`)."""
        return self._generation

    def wait_for_commit(self, seen: int, timeout: float) -> None:
        """Wait until this process commits a write after generation `seen`, or `timeout` seconds (writes of other
        processes wake nobody: callers check again after the timeout)."""
        with self._committed:
            self._committed.wait_for(lambda: self._generation != seen, timeout)

    @staticmethod
    def _counter(session: Session) -> list[int]:
        counter: list[int] | None = session.info.get(_COUNTER_KEY)
        if counter is None:
            raise RuntimeError("versions are handed out only inside ServerDatabase.write()")
        return counter

    def next_version(self, session: Session) -> int:
        """The next change sequence number (for one member change), inside `write()`."""
        return self.reserve_versions(session, 1)

    def reserve_versions(self, session: Session, n: int) -> int:
        """The first of `n` consecutive change sequence numbers (bulk loaders), inside `write()`."""
        if n < 1:
            raise ValueError("reserve at least one version")
        counter = self._counter(session)
        first = counter[1] + 1
        counter[1] += n
        return first

    def current_version(self, session: Session) -> int:
        """The last change sequence number handed out (committed, or handed out in this write)."""
        counter = session.info.get(_COUNTER_KEY)
        if counter is not None:
            return int(counter[1])
        return int(session.execute(select(ChangeCounter.value).where(ChangeCounter.id == 1)).scalar_one())

    def reserve_card_serials(self, session: Session, n: int) -> int:
        """The first of `n` consecutive new card serials (for member codes), inside `write()`."""
        self._counter(session)  # only under the lock: two writers must not get the same serials
        return chain.take_card_serials(session, n)

    def refresh_statistics(self) -> None:
        """After a bulk load (demo data, a CSV import): PostgreSQL's planner statistics brought up to date, without
        waiting for autovacuum (which may be off, or minutes away). Without them a freshly loaded ledger looked empty
        to the planner, and a push's read of its members' purchases scanned all of it (0.6 s a batch at 1,000,000
        members) instead of probing `ix_ledger_member_created`. SQLite: nothing to do (every query here is keyed by an
        index, and its planner keeps to them without `sqlite_stat1`)."""
        if self.is_sqlite:
            return
        with self.engine.connect() as connection:
            connection.exec_driver_sql(f"ANALYZE {', '.join(_BULK_LOADED)}")
            connection.commit()

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        if self._writer_lock is not None:
            self._writer_lock.close()
        self.engine.dispose()
