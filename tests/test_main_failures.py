"""`main.py` refuses in words (issue 14): a mistyped `--db` (a folder, garbage, another program's database, a path
under a file, a place that cannot be written) and a demo asked for an impossible number of members end with one
line on stderr saying what is wrong and what to do, a non-zero exit code, no traceback and nothing changed."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import main

ROOT = Path(__file__).resolve().parents[1]


def _refused(capsys: pytest.CaptureFixture[str], *args: str, code: int = 1) -> str:
    assert main.main(list(args)) == code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return captured.err


def test_a_folder_as_db_is_refused_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "till"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    for command in ("status", "sync", "verify-audit"):
        err = _refused(capsys, "--db", str(folder), command)
        assert err.startswith("error: ") and err.count("\n") == 1
        assert str(folder) in err and "is a folder" in err and "--db" in err
    if os.name == "posix":
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert list(folder.iterdir()) == []


def test_garbage_as_db_is_refused_and_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "till.sqlite3"
    path.write_bytes(b"\x00garbage\xff" * 500)
    err = _refused(capsys, "--db", str(path), "status")
    assert str(path) in err and "not a MemberDesk till database" in err and "backup" in err
    assert path.read_bytes() == b"\x00garbage\xff" * 500


def test_another_programs_database_as_db_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE note (text TEXT)")
    err = _refused(capsys, "--db", str(path), "status")
    assert "another program's database" in err and str(path) in err


def test_a_db_under_a_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "passwd"
    file.write_text("root:x:0:0\n", "utf-8")
    err = _refused(capsys, "--db", str(file / "x"), "status")
    assert "is a file, not a folder" in err and "--db" in err


def test_a_db_where_nothing_can_be_written_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(capsys, "--db", "/proc/memberdesk-test/till.sqlite3", "status")
    assert "/proc/memberdesk-test/till.sqlite3" in err and "--db" in err


def test_a_bad_db_is_refused_before_the_demo_starts_its_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "till"
    folder.mkdir()
    err = _refused(capsys, "--db", str(folder), "demo", "--members", "5", "--headless")
    assert "is a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["till"]  # no demo server file made


@pytest.mark.parametrize("members", ["-5", "0", "abc", "2.5", "1000001", str(10**14)])
def test_demo_refuses_an_impossible_number_of_members(
    members: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_server(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the demo server must not start")

    monkeypatch.setattr("server.embedded.EmbeddedServer.__init__", no_server)
    db = tmp_path / "demo" / "till.sqlite3"
    with pytest.raises(SystemExit) as usage:
        main.main(["--db", str(db), "demo", "--members", members, "--headless"])
    assert usage.value.code == 2
    err = capsys.readouterr().err
    assert "--members" in err and "from 1 to 1,000,000" in err and "Traceback" not in err
    assert not db.parent.exists()


def test_a_bad_db_from_the_command_line_has_no_traceback(tmp_path: Path) -> None:
    """The same, as a scheduler runs it: a process whose stderr holds one line."""
    done = subprocess.run(
        [sys.executable, "main.py", "--db", str(tmp_path), "sync"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr


def test_a_damaged_demo_server_file_is_refused_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server_file = tmp_path / "demo-server.sqlite3"
    server_file.write_bytes(b"\x00garbage\xff" * 500)
    err = _refused(capsys, "--db", str(tmp_path / "till.sqlite3"), "demo", "--members", "5", "--headless")
    assert err.startswith("error: the demo server's database") and str(server_file) in err and "move it" in err
    assert server_file.read_bytes() == b"\x00garbage\xff" * 500
