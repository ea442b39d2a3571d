"""The app's entry point as the README's run command uses it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import main
from localdb.database import SCHEMA_HEAD
from localdb.staff import StaffSession
from localdb.till import Till
from loyalty.roles import Role

ROOT = Path(__file__).resolve().parents[1]


def test_status_on_a_new_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "till.sqlite3"
    assert main.main(["--db", str(path), "status"]) == 0
    out = capsys.readouterr().out
    assert f"schema revision: {SCHEMA_HEAD}" in out and "members cached:  0" in out and path.exists()


def test_status_counts_without_showing_personal_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "till.sqlite3"
    till = Till.open(path)
    member = till.members.enrol(StaffSession("M", "m", Role.MANAGER), phone="13800138000", name="张三").member
    till.ledger.award(StaffSession("M", "m", Role.MANAGER), member.id, 5_000)
    till.close()
    assert main.main(["--db", str(path), "status"]) == 0
    out = capsys.readouterr().out
    assert "members cached:  1" in out and "outbox pending:  2" in out
    assert "13800138000" not in out and "张三" not in out


def test_verify_audit_command_reports_tampering(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "till.sqlite3"
    till = Till.open(path)
    till.members.enrol(StaffSession("M", "m", Role.MANAGER), phone="13800138000", name="张三")
    with till.db.write() as session:
        session.connection().exec_driver_sql("UPDATE audit SET action = 'x'")
    till.close()
    assert main.main(["--db", str(path), "verify-audit"]) == 1
    assert "broken at row 1" in capsys.readouterr().out


def test_runs_as_a_script(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "main.py", "--db", str(tmp_path / "t.sqlite3"), "demo", "--members", "20", "--headless"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "MemberDesk till store" in done.stdout


def test_a_missing_display_library_is_said_in_words_not_an_abort(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ctypes.util

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    assert main.main(["--db", str(tmp_path / "till.sqlite3"), "gui"]) == 1
    err = capsys.readouterr().err
    assert "libxcb-cursor" in err and "sudo apt install libxcb-cursor0" in err
