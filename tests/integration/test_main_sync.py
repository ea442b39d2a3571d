"""`main.py register` and `main.py sync` against a real server: what a scheduled end-of-day job sees."""

from __future__ import annotations

from pathlib import Path

import pytest

import main
from localdb.till import Till
from server import admin
from tests.integration.conftest import LiveServer


def test_register_then_sync_prints_the_summary(
    tmp_path: Path, server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "till.sqlite3")
    code = server.enrolment_code()
    assert main.main(["--db", db, "register", "--server", server.url, "--store", "S001", "--code", code]) == 0
    assert "registered as till" in capsys.readouterr().out

    assert main.main(["--db", db, "sync", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "sync complete" in out and "rejected: 0" in out and "still to send: 0" in out

    till = Till.open(Path(db))
    try:
        cashier = till.staff.login("C001", "1357")
        member = till.members.enrol(cashier, phone="13800138000", name="王小明").member
        till.ledger.award(cashier, member.id, 8_800)
        device = till.settings.current().device_id
    finally:
        till.close()
    assert main.main(["--db", db, "sync", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "pushed: 2" in out and "applied: 2" in out
    assert "13800138000" not in out and "王小明" not in out

    admin.revoke_device(server.db, device)
    assert main.main(["--db", db, "sync", "--quiet"]) == 1
    assert "error: device_revoked" in capsys.readouterr().out


def test_registration_refused_exits_non_zero(
    tmp_path: Path, server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "till.sqlite3")
    args = ["--db", db, "register", "--server", server.url, "--store", "S001", "--code", "WRONGCODE1"]
    assert main.main(args) == 1
    assert "enrolment_code_invalid" in capsys.readouterr().err
    assert main.main(["--db", db, "sync"]) == 1
    assert "error: not_registered" in capsys.readouterr().out


def test_plain_http_to_another_machine_is_refused_before_anything_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "till.sqlite3")
    args = ["--db", db, "register", "--server", "http://192.0.2.10:8765", "--store", "S001", "--code", "X1234"]
    assert main.main(args) == 1
    assert "insecure_server" in capsys.readouterr().err


def test_demo_runs_a_local_server_with_demo_data_and_syncs_a_till(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "demo" / "till.sqlite3"
    assert main.main(["--db", str(db), "demo", "--members", "40", "--headless"]) == 0
    out = capsys.readouterr().out
    assert "sync complete" in out and "pulled: 40" in out and "members cached:  40" in out
    assert (
        main.main(["--db", str(db), "demo", "--headless"]) == 0
    )  # again: the same chain, a new port, nothing new to pull
    out = capsys.readouterr().out
    assert "sync complete" in out and "members cached:  40" in out
    till = Till.open(db)
    try:
        cashier = till.staff.login("C001", "1357")  # the demo PINs the README prints
        assert till.members.find_by_tail(cashier, "0000") is not None
    finally:
        till.close()
