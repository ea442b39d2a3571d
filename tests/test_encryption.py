"""The till database encrypted at rest (localdb.cipher, localdb.keystore): a clear till file from before is
encrypted on open with every row kept, crash-safe (a kill -9 between any two steps leaves a file that opens), and a
wrong key or a damaged file is refused in words, never with a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import main
from localdb import cipher
from localdb.database import connect_raw
from localdb.errors import OpenProblem, StoreUnavailable
from localdb.keystore import FileKeyStore, key_file_for
from localdb.staff import StaffSession
from localdb.till import Till
from loyalty.roles import Role

ROOT = Path(__file__).resolve().parents[1]
MANAGER = StaffSession("M001", "店长", Role.MANAGER)
_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with connect_raw(path) as connection:
        tables = [row[0] for row in connection.execute(_TABLES)]
        return {table: sorted(connection.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in tables}


def _till_with_members(path: Path) -> dict[str, list[tuple[object, ...]]]:
    till = Till.open(path)
    for n in range(25):
        till.members.enrol(MANAGER, phone=f"1380013{n:04d}", name=f"会员{n}")
    till.close()
    return _rows(path)


def _as_a_clear_till(path: Path) -> None:
    """Turn the encrypted till at `path` into the clear file every till had before encryption, its key gone."""
    clear = path.with_name("clear.sqlite3")
    with connect_raw(path, isolation_level=None) as connection:
        connection.execute("ATTACH DATABASE ? AS plain KEY ''", (str(clear),))
        connection.execute("SELECT sqlcipher_export('plain')").fetchall()
        connection.execute("DETACH DATABASE plain")
    clear.replace(path)
    key_file_for(path).unlink()
    assert path.read_bytes().startswith(cipher.SQLITE_HEADER)


def test_a_clear_till_file_is_encrypted_on_open_and_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    before = _till_with_members(path)
    _as_a_clear_till(path)
    assert b"13800130007" in path.read_bytes()

    till = Till.open(path)
    assert till.members.find_by_phone(MANAGER, "13800130007") is not None
    till.close()

    assert not path.read_bytes().startswith(cipher.SQLITE_HEADER)
    assert b"13800130007" not in path.read_bytes()
    assert key_file_for(path).exists() and (os.name != "posix" or key_file_for(path).stat().st_mode & 0o777 == 0o600)
    assert _rows(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["till.sqlite3", "till.sqlite3.key"]  # no clear leftovers


_KILLED_AT = """
import os, signal, sys
from pathlib import Path
from localdb import cipher
from localdb.keystore import FileKeyStore
path, at = Path(sys.argv[1]), sys.argv[2]
key = FileKeyStore().create(path)  # kept before the file is touched, as Database does
def step(name):
    if name == at:
        os.kill(os.getpid(), signal.SIGKILL)
cipher.encrypt_in_place(path, key, step=step)
"""


@pytest.mark.slow
@pytest.mark.parametrize("step", ["checkpointed", "exported", "synced", "replaced"])
def test_a_kill_during_the_encryption_leaves_a_file_that_opens_with_every_row(tmp_path: Path, step: str) -> None:
    path = tmp_path / "till.sqlite3"
    before = _till_with_members(path)
    _as_a_clear_till(path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run([sys.executable, "-c", _KILLED_AT, str(path), step], env=env, cwd=ROOT, check=False)
    assert child.returncode == -signal.SIGKILL
    assert cipher.is_clear(path) == (step != "replaced")  # the old clear file, or the new encrypted one

    Till.open(path).close()  # either way it opens (and the clear one is encrypted now)
    assert not cipher.is_clear(path)
    assert _rows(path) == before
    assert not cipher.temporary_for(path).exists()


def test_a_failure_between_export_and_replace_leaves_the_clear_file(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite3"
    before = _till_with_members(path)
    _as_a_clear_till(path)
    key = FileKeyStore().create(path)

    def fail(name: str) -> None:
        if name == "synced":
            raise OSError("the power went")

    with pytest.raises(OSError, match="power"):
        cipher.encrypt_in_place(path, key, step=fail)
    assert cipher.is_clear(path) and _rows(path) == before


def _refused(capsys: pytest.CaptureFixture[str], path: Path) -> str:
    assert main.main(["--db", str(path), "status"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return captured.err


def test_a_wrong_key_is_refused_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "till.sqlite3"
    _till_with_members(path)
    key_file_for(path).write_text(os.urandom(32).hex() + "\n", "ascii")  # another till's key

    with pytest.raises(StoreUnavailable) as refused:
        Till.open(path)
    assert refused.value.reason is OpenProblem.WRONG_KEY
    err = _refused(capsys, path)
    assert str(path) in err and "key does not open" in err and "backup" in err


def test_a_till_file_without_its_key_is_refused_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "till.sqlite3"
    _till_with_members(path)
    key_file_for(path).unlink()
    untouched = path.read_bytes()
    err = _refused(capsys, path)
    assert str(path) in err and "key this computer does not have" in err
    assert path.read_bytes() == untouched and not key_file_for(path).exists()  # no new key made for it


def test_a_damaged_file_is_refused_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "till.sqlite3"
    _till_with_members(path)
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    data[2 * page + 100 : 2 * page + 116] = bytes(16)  # a page in the middle: its HMAC no longer matches
    path.write_bytes(bytes(data))

    with pytest.raises(StoreUnavailable) as refused:
        Till.open(path)
    assert refused.value.reason is OpenProblem.DAMAGED
    err = _refused(capsys, path)
    assert str(path) in err and "damaged" in err and "backup" in err


def test_the_window_s_background_check_refuses_work_on_a_damaged_file_in_words(tmp_path: Path) -> None:
    from localdb.errors import Problem, StoreError

    path = tmp_path / "till.sqlite3"
    _till_with_members(path)
    data = bytearray(path.read_bytes())
    data[2 * 4096 + 100 : 2 * 4096 + 116] = bytes(16)
    path.write_bytes(bytes(data))

    try:  # as the counter window opens it: it does not wait (a small file may be checked before open returns)
        till = Till.open(path, check_in_background=True)
    except StoreError as early:
        assert early.problem is Problem.STORAGE_FAILED
        return
    try:
        assert till.db.background_check is not None
        assert till.db.background_check.done.wait(30)
        with pytest.raises(StoreError) as refused:
            till.members.find_by_phone(MANAGER, "13800130007")
        assert refused.value.problem is Problem.STORAGE_FAILED  # the window words it (ui.messages)
    finally:
        till.close()


_OLDER_TILL = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA journal_mode=WAL")
print(connection.execute("SELECT count(*) FROM member").fetchone()[0], flush=True)
sys.stdin.readline()
print(connection.execute("SELECT count(*) FROM member").fetchone()[0], flush=True)
"""


def test_a_clear_till_still_open_in_an_older_till_is_not_encrypted_under_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "till.sqlite3"
    before = _till_with_members(path)
    _as_a_clear_till(path)
    older = subprocess.Popen(  # the till of before, still running: its file open in WAL mode
        [sys.executable, "-c", _OLDER_TILL, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert older.stdout is not None and older.stdin is not None
        assert int(older.stdout.readline()) == len(before["member"])
        with pytest.raises(StoreUnavailable) as refused:
            Till.open(path)
        assert refused.value.reason is OpenProblem.IN_USE
        err = _refused(capsys, path)
        assert "open in another MemberDesk" in err and "close the other one" in err
        assert cipher.is_clear(path)
        older.stdin.write("go on\n")
        older.stdin.flush()
        assert int(older.stdout.readline()) == len(before["member"])  # the older till still reads its file
    finally:
        older.communicate(timeout=10)
    Till.open(path).close()  # once it has closed, the next start encrypts it
    assert not cipher.is_clear(path) and _rows(path) == before
