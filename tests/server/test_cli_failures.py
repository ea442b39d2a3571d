"""The server's command line refuses a mistyped `--db` in words (issue 14): a folder, garbage bytes, another
program's database, a path under a file, a place that cannot be written, a misspelt PostgreSQL URL; and an
impossible `demo --members`. One line `error: …` on stderr, exit 1 (2 for a usage error), no traceback, nothing
made. The embedded (demo) server's files are owner-only like the till's."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from server import cli
from server.embedded import EmbeddedServer

POSIX = pytest.mark.skipif(os.name != "posix", reason="owner-only modes are POSIX; Windows relies on profile ACLs")


def _refused(capsys: pytest.CaptureFixture[str], *args: str, code: int = 1) -> str:
    assert cli.main(list(args)) == code
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert captured.err.count("\n") == 1 or code == 2, captured.err
    return captured.err


@pytest.mark.parametrize("command", [("admin", "--db"), ("serve", "--db")])
def test_a_folder_as_the_database(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, str]) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    args = [*command, f"sqlite:///{folder}"] + (["list-devices"] if command[0] == "admin" else [])
    err = _refused(capsys, *args)
    assert err.startswith("error: cannot open the database: ") and "is a folder" in err
    assert f"sqlite:///{folder}/server.sqlite3" in err
    assert list(folder.iterdir()) == []


def test_garbage_as_the_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "server.sqlite3"
    path.write_bytes(b"\x00garbage\xff" * 500)
    err = _refused(capsys, "admin", "--db", f"sqlite:///{path}", "list-devices")
    assert "is not a SQLite database" in err and str(path) in err
    assert path.read_bytes() == b"\x00garbage\xff" * 500


def test_a_tills_database_is_not_the_servers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from localdb.till import Till

    path = tmp_path / "till.sqlite3"
    Till.open(path).close()
    before = path.read_bytes()
    err = _refused(capsys, "admin", "--db", f"sqlite:///{path}", "list-devices")
    assert "is not a SQLite database" in err and "check --db" in err  # a till's file is encrypted: not SQLite
    assert path.read_bytes() == before


@pytest.mark.parametrize("command", [("admin", "--db"), ("serve", "--db")])
def test_a_database_under_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, str]) -> None:
    file = tmp_path / "passwd"
    file.write_text("root:x:0:0\n", "utf-8")
    args = [*command, f"sqlite:///{file}/x"] + (["list-devices"] if command[0] == "admin" else [])
    err = _refused(capsys, *args)
    assert f"{file} is a file, not a folder" in err


def test_a_database_where_nothing_can_be_written(capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(capsys, "admin", "--db", "sqlite:////proc/memberdesk-test/server.sqlite3", "list-devices")
    assert err.startswith("error: cannot open the database: ") and "/proc/memberdesk-test" in err


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgresql+psycopg2://md@localhost/md", "psycopg2"),
        ("postgresql+psycopg://md:secret@localhost:port/md", "port"),
        ("postgresql+psycopg://md:secret@127.0.0.1:1/md", "127.0.0.1"),
        ("postgress://md@localhost/md", "postgress"),
    ],
)
def test_a_misspelt_postgresql_url(url: str, words: str, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(capsys, "admin", "--db", url, "list-devices")
    assert err.startswith("error: cannot open the database: ") and words in err
    assert "secret" not in err


def test_a_file_written_under_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    assert cli.main(["admin", "--db", db, "create-store", "S001", "旗舰店"]) == 0
    source = tmp_path / "members.csv"
    source.write_text("phone,name\n", "utf-8")
    capsys.readouterr()
    err = _refused(capsys, "admin", "--db", db, "import-members", str(source), "--store", "S001",
                   "--rejects", str(source / "rejects.csv"))  # fmt: skip
    assert "rejects.csv" in err and "not a directory" in err.lower()


@pytest.mark.parametrize("members", ["-3", str(10**14), "abc"])
def test_demo_refuses_an_impossible_number_of_members(
    members: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_demo(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("no demo data may be made")  # 10**14 members would fill the disk first

    monkeypatch.setattr("server.demo.generate_demo", no_demo)
    db = tmp_path / "server.sqlite3"
    usage = members == "abc"  # not a number: a usage error (2); out of range: refused (1), as -3 always was
    err = _refused(capsys, "admin", "--db", f"sqlite:///{db}", "demo", "--members", members, code=2 if usage else 1)
    assert "--members" in err and "from 0 to 10,000,000" in err
    assert not db.exists()  # refused before the database is opened


@POSIX
def test_the_embedded_servers_files_are_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "MemberDesk" / "demo"  # nothing of it exists yet
    with EmbeddedServer(folder / "demo-server.sqlite3", members=0):
        files = sorted(folder.iterdir())
        assert [file.name for file in files][:1] == ["demo-server.sqlite3"]
        for file in files:
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
    for made in (tmp_path / "MemberDesk", folder):
        assert stat.S_IMODE(made.stat().st_mode) == 0o700, made


@POSIX
def test_an_embedded_servers_older_loose_files_are_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    with EmbeddedServer(folder / "demo-server.sqlite3", members=0):
        pass
    folder.chmod(0o755)
    for file in folder.iterdir():
        file.chmod(0o644)
    with EmbeddedServer(folder / "demo-server.sqlite3", members=0):
        for file in folder.iterdir():
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
