"""SQLCipher 4 under the till's database: opening a file with its raw 256-bit key (`PRAGMA key = "x'…'"`, first on
every connection, so no key derivation runs per open), telling a clear file from an encrypted one, checking an
encrypted file's page HMACs (`PRAGMA cipher_integrity_check`), and turning a clear till file into an encrypted
one, crash-safe.

The clear → encrypted step (`encrypt_in_place`): the clear file's WAL is checkpointed into it and the file put in
rollback-journal mode (so no clear WAL is left beside the new file), `sqlcipher_export` copies everything into
`<file>.encrypting`, that file is checked and fsynced, then renamed over the clear one and the folder fsynced.
Killed at any point, the path holds either the old clear file (the next open starts again; a stale temporary
file is removed) or the new encrypted one; both open. The key must be kept (localdb.keystore) before this runs.

Thread: any; each function opens and closes its own connections.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from sqlcipher3 import dbapi2

#: The DB-API module: its exceptions are what the till's connections raise (not the standard library's sqlite3's).
driver: Final = dbapi2
Error: Final = dbapi2.Error

SQLITE_HEADER: Final = b"SQLite format 3\x00"
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_POSIX: Final = os.name == "posix"


def key_pragma(key: bytes) -> str:
    """The statement that keys a connection with a raw key (hex digits only: nothing of it is user input)."""
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect(path: Path | str, key: bytes | None, *, timeout: float = 10, **options: Any) -> Any:
    """A connection to `path`, keyed first with `key` (None: a clear file). Nothing is read yet: a wrong key shows
    at the first statement that reads the file (SQLite's NOTADB, "file is not a database")."""
    connection = dbapi2.connect(str(path), timeout=timeout, **options)
    connection.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is worded by the caller, not logged to stderr
    if key is not None:
        connection.execute(key_pragma(key))
    return connection


def is_clear(path: Path) -> bool:
    """The file starts with SQLite's clear header (an encrypted file's first bytes are its random salt)."""
    try:
        with path.open("rb") as file:
            return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except FileNotFoundError:
        return False


def integrity_failures(connection: Any) -> list[str]:
    """What `PRAGMA cipher_integrity_check` found wrong (each page's HMAC checked): empty when all is well."""
    return [str(row[0]) for row in connection.execute("PRAGMA cipher_integrity_check")]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY if _POSIX else os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def temporary_for(path: Path) -> Path:
    return path.with_name(path.name + ".encrypting")


def remove_leftovers(path: Path) -> None:
    """A temporary file (and its journal) an interrupted `encrypt_in_place` left behind."""
    temporary = temporary_for(path)
    for leftover in (temporary, temporary.with_name(temporary.name + "-journal")):
        _remove(leftover)


class InUse(Exception):
    """Another process has the clear file open (an older till still running, a second start): not encrypted now."""


def encrypt_in_place(path: Path, key: bytes, *, step: Callable[[str], None] = lambda _name: None) -> None:
    """Replace the clear till file at `path` by an encrypted copy with every row, keyed with `key`.

    The clear file is held with an exclusive lock from before the copy until it is replaced (on Windows, which
    cannot rename over an open file, until just before): another process that has it open — an older till still
    running — makes this raise `InUse` before anything changed, and one that comes later waits for the lock, then
    finds the file replaced and gives up (`InUse`; its next open finds the encrypted file).

    `step(name)` is called between the steps ("checkpointed", "exported", "synced", "replaced"): tests make it
    fail, or kill the process, to prove every point in between leaves a file that opens."""
    inode = path.stat().st_ino
    if not is_clear(path):  # another process encrypted it since this one looked
        raise InUse("another process encrypted the till database meanwhile")
    source = connect(path, None, isolation_level=None)
    try:
        # WAL checkpointed into the file and the file in rollback mode: nothing clear stays beside it as -wal.
        # SQLite leaves a file in WAL while another connection has it open: then it is in use, and left alone.
        try:
            mode = source.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            if str(mode).lower() != "delete":
                raise InUse("the till database is open in another process")
            source.execute("PRAGMA locking_mode = EXCLUSIVE")
            source.execute("BEGIN EXCLUSIVE")  # the lock stays until this connection closes (locking_mode)
            source.execute("COMMIT")
        except Error as error:
            if getattr(error, "sqlite_errorcode", 0) & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED):
                raise InUse("the till database is open in another process") from None
            raise
        if path.stat().st_ino != inode or not is_clear(path):
            raise InUse("another process encrypted the till database meanwhile")
        step("checkpointed")
        remove_leftovers(path)  # only now: another process's copy in progress would hold the lock
        temporary = temporary_for(path)
        fd = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)  # owner-only before anything is in it
        os.close(fd)
        source.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", (str(temporary),))
        source.execute("SELECT sqlcipher_export('encrypted')").fetchall()
        version = source.execute("PRAGMA main.user_version").fetchone()[0]
        source.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        source.execute("DETACH DATABASE encrypted")
        step("exported")
        check = connect(temporary, key)
        try:
            if integrity_failures(check):
                raise Error("the encrypted copy failed its integrity check")
        finally:
            check.close()
        _fsync(temporary)
        step("synced")
        if not _POSIX:
            source.close()
        temporary.replace(path)
        if _POSIX:
            _fsync(path.parent)
    finally:
        source.close()
    step("replaced")
