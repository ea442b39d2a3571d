"""Opening the till's SQLite file: where it lives, owner-only permissions, the pragmas that make a power cut lose
nothing (WAL, synchronous=FULL, foreign keys), `BEGIN IMMEDIATE` for writes, and running the migrations.

Bulk writes (the pulled pages of a sync) have a connection of their own, with a 64 MiB page cache: a page of 5,000
members dirties pages all over the member and preference indexes, which the default 2 MiB cache spilled to the WAL
before the commit and read back. One connection only, so the till holds one such cache at most: when the pragma was
set on whichever pooled connection wrote a page, each connection of the pool grew its own (at 1,000,000 members the
pull after a push took a second one: the till's peak RSS 229 → 293 MB).

Failures of the storage itself are translated here, in one place, into the layer's own `StoreError`: a full disk
is `STORAGE_FULL`, any other I/O error or a damaged file `STORAGE_FAILED` (`read()`, `write()` and `bulk_write()`
raise these instead of the driver's `OperationalError`, whose text may quote the row being written), and a file
that cannot be opened at all — a folder, garbage bytes, another program's database, a path under a file, a place
this account may not write — is a `StoreUnavailable` naming why, raised before anything in it was changed.

Encrypted at rest (SQLCipher 4, localdb.cipher): every connection — the pool's, the bulk writer's, the lookups'
raw ones — is keyed first with the database's raw 256-bit key (localdb.keystore), before the pragmas below. A clear
file (every till before this) is encrypted on open, crash-safe, and `PRAGMA cipher_integrity_check` runs at every
open: a wrong key or a damaged file is a `StoreUnavailable` (WRONG_KEY, DAMAGED), never the driver's traceback. The
counter window opens with the check in a background thread instead, two seconds after the open (it reads every
page: 0.8 s at 1,000,000 members); once it has found damage, every `read()` / `write()` is refused as STORAGE_FAILED.

Owner-only (POSIX): a folder this module creates is 0700 at every level it creates, the database file 0600; the
till's own data folder (platformdirs' user data folder, where the demo keeps its files too) is tightened to 0700
whoever made it first. On Windows the user profile's ACLs do that job and the modes are not touched.

Thread: any; the `Store` hands out a session per unit of work and may be shared by a reader and one writer thread.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from localdb import cipher
from localdb.errors import OpenProblem, Problem, StoreError, StoreUnavailable
from localdb.keystore import KeyStore, TillKeys

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).with_name("migrations")

#: The newest migration's revision. A store already there is told by one SELECT of its `alembic_version`, and
#: Alembic is imported only to migrate: its import (Mako, Pygments, the DDL of every SQL dialect it knows) was
#: a tenth of a second or more of every start. tests/test_database.py checks this is Alembic's own head.
SCHEMA_HEAD = "0020"

_BEGIN_OPTION = "memberdesk_begin"


def default_store_path() -> Path:
    """Where the till keeps its database unless told otherwise (per-user data folder)."""
    return Path(platformdirs.user_data_dir("MemberDesk", "MemberDesk")) / "till.sqlite3"


_POSIX: Final = os.name == "posix"


def _private_folder(folder: Path) -> None:
    """Make `folder` and every missing folder above it, each 0700 (`mkdir(parents=True)` would give the parents
    the default mode, and the demo's `MemberDesk/demo` would leave the till's own folder readable by all)."""
    missing: list[Path] = []
    level = folder
    while not level.exists() and level != level.parent:
        missing.append(level)
        level = level.parent
    for made in reversed(missing):
        made.mkdir(mode=0o700)
        if _POSIX:
            made.chmod(0o700)  # whatever the umask said


def _tighten_own_folders(path: Path) -> None:
    """The till's own data folder, and the folders below it on the way to `path`, are 0700 however they were made
    (an older demo made them 0755). Folders elsewhere, given with `--db`, are the user's and are left alone."""
    if not _POSIX:
        return
    own = default_store_path().parent.resolve()
    folder = path.parent.resolve()
    if folder != own and own not in folder.parents:
        return
    while True:
        if stat.S_IMODE(folder.stat().st_mode) & 0o077:
            folder.chmod(0o700)
            logger.warning("tightened the permissions of the till's data folder to owner-only")
        if folder == own:
            return
        folder = folder.parent


def _open_problem(error: OSError) -> OpenProblem:
    """What an operating system error while preparing the file means for the person who gave the path."""
    if isinstance(error, IsADirectoryError):
        return OpenProblem.IS_A_FOLDER
    if isinstance(error, NotADirectoryError | FileExistsError):
        return OpenProblem.FOLDER_IS_A_FILE
    if isinstance(error, PermissionError) or error.errno == errno.EROFS:
        return OpenProblem.NOT_PERMITTED
    if isinstance(error, FileNotFoundError):
        return OpenProblem.NO_SUCH_PLACE
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return OpenProblem.STORAGE_FULL
    return OpenProblem.FAILED


def _prepare_owner_only(path: Path) -> None:
    """Create the folder (0700) and the file (0600) before SQLite does, so no other account can read members.

    A path that is a folder is refused before anything is changed (its permissions included; an existing file is
    tightened once it is known to be a till's; one that is neither clear SQLite nor encrypted with this till's key
    is refused by `_unlock`). Raises `StoreUnavailable`."""
    try:
        if path.is_dir():
            raise StoreUnavailable(OpenProblem.IS_A_FOLDER, path)
        _private_folder(path.parent)
        if not path.parent.is_dir():
            raise StoreUnavailable(OpenProblem.FOLDER_IS_A_FILE, path)
        _tighten_own_folders(path)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
            os.close(fd)
    except OSError as error:
        raise StoreUnavailable(_open_problem(error), path) from None


def _tighten_owner_only(path: Path) -> None:
    """A till database (and its WAL and shared-memory files) readable by others is made owner-only (POSIX)."""
    if not _POSIX:
        return
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            loose = stat.S_IMODE(file.stat().st_mode) & 0o077
        except FileNotFoundError:
            continue
        if loose:
            file.chmod(0o600)
            logger.warning("tightened the permissions of the till database to owner-only")


# SQLite's primary result codes (https://sqlite.org/rescode.html) for a file that cannot be used, and the words the
# driver uses for them when an error carries no code (one raised by hand, in a test).
_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT = 3, 8, 10, 11
_SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 13, 14, 26
_SQLITE_WORDS: Final = {
    "database or disk is full": _SQLITE_FULL,
    "disk i/o error": _SQLITE_IOERR,
    "database disk image is malformed": _SQLITE_CORRUPT,
    "file is not a database": _SQLITE_NOTADB,
    "unable to open database file": _SQLITE_CANTOPEN,
    "attempt to write a readonly database": _SQLITE_READONLY,
}
_STORAGE_CODES: Final = frozenset(_SQLITE_WORDS.values()) | {_SQLITE_PERM}


def sqlite_storage_code(error: BaseException) -> int | None:
    """SQLite's primary result code when `error` (the driver's, or SQLAlchemy's around it) says the file itself
    failed — full, unreadable, damaged, not a database, read-only — else None (a constraint, a busy lock, a bug)."""
    driver = error.orig if isinstance(error, DBAPIError) else error
    if not isinstance(driver, sqlite3.Error | cipher.Error):
        return None
    code = getattr(driver, "sqlite_errorcode", None)
    if isinstance(code, int):
        primary = code & 0xFF
        return primary if primary in _STORAGE_CODES else None
    return _SQLITE_WORDS.get(str(driver).strip().lower())


@contextmanager
def _storage_errors(doing: str) -> Iterator[None]:
    """The driver's disk-full and I/O errors as the layer's StoreError (STORAGE_FULL / STORAGE_FAILED). The
    driver's own exception is not chained: its text may quote the row that was being written (a phone, a name)."""
    try:
        yield
    except (sqlite3.Error, cipher.Error, DBAPIError) as error:
        code = sqlite_storage_code(error)
        if code is None:
            raise
        problem = Problem.STORAGE_FULL if code == _SQLITE_FULL else Problem.STORAGE_FAILED
        logger.error("the till database could not be %s: %s (SQLite code %d)", doing, problem.value, code)
        raise StoreError(problem) from None


def _unavailable_reason(code: int, path: Path) -> OpenProblem:
    if code == _SQLITE_FULL:
        return OpenProblem.STORAGE_FULL
    if code in (_SQLITE_NOTADB, _SQLITE_CORRUPT):
        return OpenProblem.NOT_A_DATABASE
    if code in (_SQLITE_READONLY, _SQLITE_PERM) or (code == _SQLITE_CANTOPEN and not os.access(path, os.W_OK)):
        return OpenProblem.NOT_PERMITTED
    return OpenProblem.FAILED


#: The bulk-write connection's page cache (64 MiB) and automatic checkpoint (every 10,000 pages, 40 MiB, instead of
#: 1,000: with the smaller threshold nearly every page's commit also ran a checkpoint). The cache's memory is taken
#: only as pages are read.
_BULK_WRITE_PRAGMAS = ("PRAGMA cache_size = -65536", "PRAGMA wal_autocheckpoint = 10000")


def create_sqlite_engine(path: Path, key: bytes | None = None, *, pragmas: Sequence[str] = (), **pool: Any) -> Engine:
    """An engine on SQLCipher whose connections are keyed with `key` first (None: a clear file, for tests and
    benchmarks) and whose transactions we begin ourselves: DEFERRED for reads, IMMEDIATE for writes; `pragmas` run
    on each new connection after ours, `pool` goes to `create_engine` (its pool's size)."""

    def _connect() -> Any:
        # The pool hands connections between threads (a reader, one writer); each is used by one at a time.
        return cipher.connect(path, key, timeout=10, check_same_thread=False)

    engine = create_engine(f"sqlite:///{path}", module=cipher.driver, creator=_connect, **pool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not open transactions behind our back; we emit BEGIN ourselves (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        # SQLite's own default page cache (2 MiB): SQLCipher's build defaults to 8 MiB, per pooled connection.
        cursor.execute("PRAGMA cache_size=-2000")
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


#: Tables every till database has had since its first migration: a file without them is not a till's.
_TILL_TABLES: Final = frozenset({"point_entry", "outbox"})


def _is_another_programs(path: Path, key: bytes | None) -> bool:
    """A SQLite file with tables but no till migration history, without the till's tables, or at a revision no till
    migration has (the server's database, another program's): migrating it would write the till's tables into
    someone else's file. Read on a plain connection, before our pragmas (WAL is written into the file's header)."""
    connection = cipher.connect(path, key, isolation_level=None)
    try:
        listed = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        tables = frozenset(row[0] for row in connection.execute(listed))
        if "alembic_version" not in tables:
            return bool(tables)
        revisions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
    finally:
        connection.close()
    if not tables >= _TILL_TABLES:
        return True
    if revisions == [SCHEMA_HEAD]:
        return False
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    scripts = ScriptDirectory.from_config(_alembic_config(None))
    try:
        return any(scripts.get_revision(revision) is None for revision in revisions)
    except CommandError:  # "Can't locate revision identified by ..."
        return True


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


def _unlock(path: Path, keys: KeyStore) -> bytes:
    """The key of the prepared file at `path`, the file encrypted with it if it was clear (crash-safe, see
    localdb.cipher). A clear file that is another program's is refused before a key is made for it; a file that is
    neither clear SQLite, nor empty, nor has a key here is not a database this till can open. Raises
    `StoreUnavailable`."""
    try:
        clear = cipher.is_clear(path)
        if clear and _is_another_programs(path, None):
            raise StoreUnavailable(OpenProblem.NOT_A_TILL, path)
        key = keys.find(path)
        if key is None:
            if not clear and path.stat().st_size > 0:
                raise StoreUnavailable(OpenProblem.NOT_A_DATABASE, path)
            key = keys.create(path)
        if clear:
            logger.info("encrypting the till database (a clear file from before encryption)")
            cipher.encrypt_in_place(path, key)
        else:
            cipher.remove_leftovers(path)  # a copy an interrupted encryption left behind
    except cipher.InUse:
        raise StoreUnavailable(OpenProblem.IN_USE, path) from None
    except OSError as error:
        raise StoreUnavailable(_open_problem(error), path) from None
    except (sqlite3.Error, cipher.Error) as error:
        code = sqlite_storage_code(error)
        raise StoreUnavailable(_unavailable_reason(code, path) if code else OpenProblem.FAILED, path) from None
    return key


def _check_integrity(engine: Engine, path: Path) -> None:
    """Every page's HMAC (`PRAGMA cipher_integrity_check`): a damaged file is refused before anything is written."""
    with engine.connect() as connection:
        failures = [str(row[0]) for row in connection.exec_driver_sql("PRAGMA cipher_integrity_check")]
    if failures:
        logger.error("the till database failed its integrity check (%d problems)", len(failures))
        raise StoreUnavailable(OpenProblem.DAMAGED, path)


#: How long the window's background integrity check waits before it reads the file: the window's start first.
BACKGROUND_CHECK_DELAY_S: Final = 2.0


class _BackgroundCheck:
    """`PRAGMA cipher_integrity_check` on a connection of its own in a daemon thread, `delay` seconds after the
    open (so it does not compete with the window's start for the CPU); `damaged` once it failed."""

    def __init__(self, path: Path, key: bytes, delay: float) -> None:
        self.done = threading.Event()
        self.damaged = False
        self._cancel = threading.Event()
        self._path, self._key, self._delay = path, key, delay
        self._thread = threading.Thread(target=self._run, name="till-integrity-check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        if self._cancel.wait(self._delay):
            self.done.set()
            return
        try:
            connection = cipher.connect(self._path, self._key)
            try:
                failures = cipher.integrity_failures(connection)
            finally:
                connection.close()
            if failures:
                logger.error("the till database failed its integrity check (%d problems)", len(failures))
                self.damaged = True
        except (sqlite3.Error, cipher.Error):
            logger.error("the till database's integrity check could not read it")
            self.damaged = True
        finally:
            self.done.set()

    def stop(self) -> None:
        """Called on close: a check not begun yet is not begun; one running is waited for."""
        self._cancel.set()
        self._thread.join()


def _open_migrated(path: Path, key: bytes, *, check: bool = True) -> Engine:
    """The engine on an unlocked file, checked and its schema brought up to date; `StoreUnavailable` when the key
    does not open it, it is damaged or another program's database, or SQLite cannot use it (then nothing in it was
    changed by the till's migrations)."""
    engine: Engine | None = None
    try:
        if _is_another_programs(path, key):
            raise StoreUnavailable(OpenProblem.NOT_A_TILL, path)
        engine = create_sqlite_engine(path, key)
        if check:
            _check_integrity(engine, path)
        migrate(engine)
    except Exception as error:
        if engine is not None:
            engine.dispose()
        code = sqlite_storage_code(error)
        if code is None:
            raise
        if code == _SQLITE_NOTADB:  # an encrypted file this key does not open: the wrong key, or page 1 damaged
            raise StoreUnavailable(OpenProblem.WRONG_KEY, path) from None
        raise StoreUnavailable(_unavailable_reason(code, path), path) from None
    _tighten_owner_only(path)
    return engine


def _write_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions on `engine` whose transactions begin IMMEDIATE (the write lock taken before anything is read)."""
    return sessionmaker(engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}), expire_on_commit=False)


class Database:
    """The opened till database: a session per unit of work, reads deferred and writes `BEGIN IMMEDIATE`."""

    def __init__(
        self,
        path: Path,
        *,
        keys: KeyStore | None = None,
        check_in_background: bool = False,
        check_delay: float = BACKGROUND_CHECK_DELAY_S,
    ) -> None:
        """Open (creating, encrypting and migrating as needed) the till database at `path`, its key found or kept
        by `keys` (default: the keyring when usable, else a key file); raises `StoreUnavailable`. The integrity
        check runs before this returns, or with `check_in_background` in a thread (see the module's docstring)."""
        self.path = path
        _prepare_owner_only(path)
        key = _unlock(path, keys or TillKeys())
        self.engine = _open_migrated(path, key, check=not check_in_background)
        self.background_check = _BackgroundCheck(path, key, check_delay) if check_in_background else None
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = _write_sessions(self.engine)
        # One connection, opened on first use; a second bulk writer waits for it (one sync runs at a time).
        self._bulk_engine = create_sqlite_engine(path, key, pragmas=_BULK_WRITE_PRAGMAS, pool_size=1, max_overflow=0)
        self._bulk_writer = _write_sessions(self._bulk_engine)
        self._local = threading.local()
        self._lookup_connections: list[Any] = []
        self._lock = threading.Lock()

    def lookup_connection(self) -> sqlite3.Connection:
        """This thread's own connection for single-statement lookups (autocommit: each SELECT is one snapshot).

        Kept open for the life of the database so a lookup pays for neither a pool checkout nor a BEGIN."""
        self._refuse_if_damaged()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            pooled = self.engine.raw_connection()
            with self._lock:
                self._lookup_connections.append(pooled)
            # SQLCipher's connection: the standard library's API (localdb.member_view types it as that).
            conn = self._local.conn = cast(sqlite3.Connection, pooled.driver_connection)
        assert conn is not None
        return conn

    @staticmethod
    def session_connection(session: Session) -> sqlite3.Connection:
        """The sqlite3 connection under a session's transaction, to run compiled lookups inside it."""
        driver = session.connection().connection.driver_connection
        assert isinstance(driver, cipher.driver.Connection)
        return cast(sqlite3.Connection, driver)

    def _refuse_if_damaged(self) -> None:
        if self.background_check is not None and self.background_check.damaged:
            raise StoreError(Problem.STORAGE_FAILED)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work; sees one consistent snapshot. A file that cannot be read: STORAGE_FAILED."""
        self._refuse_if_damaged()
        with _storage_errors("read"), self._reader() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: everything inside commits together, or (on any exception) nothing does. A full
        disk is StoreError(STORAGE_FULL), another I/O error StoreError(STORAGE_FAILED); nothing was written."""
        self._refuse_if_damaged()
        with _storage_errors("written"), self._writer() as session, session.begin():
            yield session

    @contextmanager
    def bulk_write(self) -> Iterator[Session]:
        """A write transaction for bulk work (a pulled page) on the till's one connection with a large page cache;
        fails as `write()` does, leaving nothing of the page behind."""
        self._refuse_if_damaged()
        with _storage_errors("written"), self._bulk_writer() as session, session.begin():
            yield session

    def close(self) -> None:
        if self.background_check is not None:
            self.background_check.stop()
        with self._lock:
            for pooled in self._lookup_connections:
                pooled.close()
            self._lookup_connections.clear()
        self._bulk_engine.dispose()
        self.engine.dispose()


def connect_raw(path: Path, *, keys: KeyStore | None = None, **options: Any) -> sqlite3.Connection:
    """A bare connection to the till database at `path`, keyed with its key (for tools, benchmarks and tests that
    look at the file beside the services); raises `StoreUnavailable` (WRONG_KEY) when there is no key for it."""
    if cipher.is_clear(path):
        key = None
    else:
        key = (keys or TillKeys()).find(path)
        if key is None:
            raise StoreUnavailable(OpenProblem.WRONG_KEY, path)
    return cast(sqlite3.Connection, cipher.connect(path, key, **options))
