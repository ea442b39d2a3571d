"""The till database's encryption key: a random 256-bit key made once per database file, kept in the operating
system's keyring (`keyring`: Windows Credential Manager, macOS Keychain, the Secret Service on a Linux desktop)
when a usable backend exists, else in an owner-only key file beside the database (`<database>.key`, 0600 on POSIX;
the profile's ACLs on Windows).

The rule, in order (docs/operations.md says why):
1. a key file beside the database is the key (a till that once fell back to the file keeps using it);
2. else the keyring's entry for this database's path, if the keyring is usable and has one;
3. else, for a database that has no key yet (a new file, or a clear one about to be encrypted), a new key is made
   and kept in the keyring when it is usable and reads it back, else in the key file;
4. else (an encrypted file whose key is nowhere) the key is missing: `KeyMissing`.

Tests never touch the real keyring: tests/conftest.py selects keyring's fail backend, so keys go to key files.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Final, Protocol

logger = logging.getLogger(__name__)

KEY_BYTES: Final = 32  # 256 bits: SQLCipher's raw key, used as it is (no key derivation per open)
KEYRING_SERVICE: Final = "MemberDesk till database"
_POSIX: Final = os.name == "posix"


class KeyMissing(Exception):
    """The database is encrypted but its key is in neither the key file nor the keyring."""


class KeyStore(Protocol):
    """Where a database's key lives. `find` returns the key or None; `create` makes, keeps and returns a new one."""

    def find(self, database: Path) -> bytes | None: ...

    def create(self, database: Path) -> bytes: ...


def key_file_for(database: Path) -> Path:
    return database.with_name(database.name + ".key")


def _decode(text: str) -> bytes | None:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        return None
    return key if len(key) == KEY_BYTES else None


class FileKeyStore:
    """Keys in owner-only files beside their databases (`till.sqlite3.key`: the key in hex, one line)."""

    def find(self, database: Path) -> bytes | None:
        path = key_file_for(database)
        try:
            text = path.read_text(encoding="ascii")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError):
            logger.error("the till database's key file cannot be read")
            return None
        key = _decode(text)
        if key is None:
            logger.error("the till database's key file does not hold a key")
        return key

    def create(self, database: Path) -> bytes:
        """A new key in a new file, written to a temporary owner-only file, synced, then renamed into place (a
        crash leaves no half-written key). An existing key file is never overwritten: its key is returned."""
        key = secrets.token_bytes(KEY_BYTES)
        path = key_file_for(database)
        temporary = path.with_name(path.name + ".new")
        fd = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        try:
            if _POSIX:
                os.fchmod(fd, 0o600)
            os.write(fd, key.hex().encode("ascii") + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        if path.exists():
            temporary.unlink()
            found = self.find(database)
            if found is not None:
                return found
        temporary.replace(path)
        _sync_folder(path.parent)
        return key


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; Windows has no directory handles to sync)."""
    if not _POSIX:
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def keyring_usable() -> bool:
    """A real keyring backend is there (not keyring's fail or null backend, e.g. a headless Linux till)."""
    try:
        import keyring

        backend = keyring.get_keyring()
        priority = float(getattr(backend, "priority", 0))
    except Exception:  # a broken backend (no D-Bus, a locked collection) is no keyring
        logger.warning("the system keyring cannot be used; the till database's key is kept in a key file")
        return False
    return priority > 0


class KeyringKeyStore:
    """Keys in the system keyring under KEYRING_SERVICE, one entry per database (its resolved path)."""

    def find(self, database: Path) -> bytes | None:
        import keyring

        try:
            text = keyring.get_password(KEYRING_SERVICE, str(database.resolve()))
        except Exception:
            logger.error("the system keyring could not be read")
            return None
        return None if text is None else _decode(text)

    def create(self, database: Path) -> bytes:
        import keyring

        key = secrets.token_bytes(KEY_BYTES)
        keyring.set_password(KEYRING_SERVICE, str(database.resolve()), key.hex())
        if self.find(database) != key:
            raise OSError("the keyring did not keep the key")
        return key


class TillKeys:
    """The rule above: the key file first, then the keyring, a new key in the keyring (else a key file)."""

    def __init__(self, *, keyring_store: KeyStore | None = None, file_store: KeyStore | None = None) -> None:
        self._keyring = keyring_store
        self._file = file_store or FileKeyStore()

    def _keyring_store(self) -> KeyStore | None:
        if self._keyring is None and keyring_usable():
            self._keyring = KeyringKeyStore()
        return self._keyring

    def find(self, database: Path) -> bytes | None:
        key = self._file.find(database)
        if key is not None:
            return key
        if key_file_for(database).exists():
            return None  # a damaged key file: not silently replaced by another key
        store = self._keyring_store()
        return store.find(database) if store is not None else None

    def create(self, database: Path) -> bytes:
        store = self._keyring_store()
        if store is not None:
            try:
                return store.create(database)
            except Exception:
                logger.warning("the system keyring refused the key; keeping it in a key file instead")
        return self._file.create(database)
