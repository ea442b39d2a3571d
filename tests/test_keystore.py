"""Where the till database's key lives (localdb.keystore): the keyring when usable, else an owner-only key file;
a key file wins; a damaged key file is never silently replaced; the real keyring is never touched by tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from localdb.database import Database
from localdb.errors import OpenProblem, StoreUnavailable
from localdb.keystore import KEY_BYTES, TillKeys, key_file_for, keyring_usable


class MemoryKeyring:
    """A keyring stand-in: what a usable system keyring would keep."""

    def __init__(self) -> None:
        self.keys: dict[Path, bytes] = {}

    def find(self, database: Path) -> bytes | None:
        return self.keys.get(database)

    def create(self, database: Path) -> bytes:
        self.keys[database] = os.urandom(KEY_BYTES)
        return self.keys[database]


def test_the_tests_never_use_the_real_keyring() -> None:
    assert not keyring_usable()


def test_without_a_keyring_the_key_is_an_owner_only_file(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    Database(path).close()
    key_file = key_file_for(path)
    assert len(bytes.fromhex(key_file.read_text("ascii"))) == KEY_BYTES
    if os.name == "posix":
        assert key_file.stat().st_mode & 0o777 == 0o600


def test_a_usable_keyring_keeps_the_key_and_no_file_is_written(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    ring = MemoryKeyring()
    Database(path, keys=TillKeys(keyring_store=ring)).close()
    assert path in ring.keys and not key_file_for(path).exists()
    Database(path, keys=TillKeys(keyring_store=ring)).close()  # found there again
    with pytest.raises(StoreUnavailable) as refused:  # the keyring is gone: no key anywhere
        Database(path)
    assert refused.value.reason is OpenProblem.NOT_A_DATABASE


def test_a_damaged_key_file_is_not_replaced_by_a_new_key(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    Database(path).close()
    key_file_for(path).write_text("not a key\n", "ascii")
    with pytest.raises(StoreUnavailable) as refused:
        Database(path, keys=TillKeys(keyring_store=MemoryKeyring()))
    assert refused.value.reason is OpenProblem.NOT_A_DATABASE
    assert key_file_for(path).read_text("ascii") == "not a key\n"
