"""The server's command line, in-process: admin commands end to end (create-store, enrolment-code usable for
registration, add-staff, set-rules/show-rules, devices, cards, import, demo), exit codes 0/1/2, the default
database (owner-only), and `serve`'s refusal to listen beyond loopback without TLS."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from loyalty.pins import pin_matches
from loyalty.rules import DEFAULT_RULES
from server import admin, cli
from server.db import ServerDatabase
from server.models import Member, Staff


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite3'}"


def test_admin_end_to_end(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    admin_args = ("admin", "--db", db_url)

    code, out, err = run(capsys, *admin_args, "create-store", "S009", "测试店", "--timezone", "Asia/Urumqi")
    assert (code, err) == (0, "")
    assert "S009" in out and "Asia/Urumqi" in out

    code, out, err = run(capsys, *admin_args, "enrolment-code", "S009", "--hours", "2")
    assert code == 0
    assert re.fullmatch(r"[0-9A-Z]{10}\n", out), out  # the code alone, for scripts
    enrolment_code = out.strip()

    code, out, _ = run(
        capsys, *admin_args, "add-staff", "M009", "周经理", "manager", "--pin", "2468", "--store", "S009"
    )
    assert code == 0 and "M009" in out

    rules = {**DEFAULT_RULES.to_dict(), "version": 2, "earn_points_per_yuan": 2}
    rules_file = tmp_path / "rules.json"
    rules_file.write_text(json.dumps(rules), encoding="utf-8")
    code, out, _ = run(capsys, *admin_args, "set-rules", str(rules_file))
    assert (code, out) == (0, "2\n")
    code, out, _ = run(capsys, *admin_args, "show-rules")
    assert code == 0 and json.loads(out) == rules

    # the same version again is refused: one line on stderr, exit 1, no traceback
    code, out, err = run(capsys, *admin_args, "set-rules", str(rules_file))
    assert (code, out) == (1, "")
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err

    db = ServerDatabase.open(db_url)
    try:
        device_id, token, store = admin.register_device(db, "S009", "till-9", enrolment_code)
        assert store.code == "S009" and token
        with pytest.raises(admin.AdminError):  # the code works once
            admin.register_device(db, "S009", "till-10", enrolment_code)
        with db.read() as session:
            manager = session.get(Staff, "M009")
            assert manager is not None and manager.role == "manager"
            assert pin_matches("2468", manager.pin_hash)
    finally:
        db.close()

    code, out, _ = run(capsys, *admin_args, "list-devices")
    assert code == 0 and device_id in out and "active" in out and "till-9" in out
    code, out, _ = run(capsys, *admin_args, "revoke-device", device_id)
    assert code == 0
    code, out, _ = run(capsys, *admin_args, "list-devices")
    assert "revoked" in out
    code, _, err = run(capsys, *admin_args, "revoke-device", "no-such-device")
    assert code == 1 and "no device" in err

    code, out, _ = run(capsys, *admin_args, "revoke-card", "42")
    assert code == 0 and "42" in out
    db = ServerDatabase.open(db_url)
    try:
        from server import chain

        with db.read() as session:
            assert 42 in chain.revoked_cards(session)
    finally:
        db.close()


def test_add_staff_reads_the_pin_from_stdin(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("1357\n"))
    code, _, err = run(capsys, "admin", "--db", sqlite_url, "add-staff", "M009", "区域经理", "manager")
    assert (code, err) == (0, "")
    db = ServerDatabase.open(sqlite_url)
    try:
        with db.read() as session:
            staff = session.get(Staff, "M009")
            assert staff is not None and staff.store_id is None
            assert pin_matches("1357", staff.pin_hash)
    finally:
        db.close()


def test_a_chain_wide_cashier_is_saved_with_a_warning_that_no_till_gets_them(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "admin", "--db", sqlite_url, "add-staff", "C009", "李收银", "cashier", "--pin", "1357")
    assert code == 0
    assert err == "warning: only managers are chain-wide: no till receives C009 until --store names their store\n"


def test_refusals_and_usage_errors(sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ("admin", "--db", sqlite_url)
    assert run(capsys, *base, "create-store", "S001", "旗舰店")[0] == 0
    code, _, err = run(capsys, *base, "create-store", "S001", "旗舰店")
    assert code == 1 and "already exists" in err
    code, _, err = run(capsys, *base, "enrolment-code", "NOPE")
    assert code == 1 and "NOPE" in err
    code, _, err = run(capsys, *base, "add-staff", "C001", "李收银", "cashier", "--pin", "12")
    assert code == 1 and "PIN" in err
    assert run(capsys, *base, "add-staff", "C001", "李收银", "janitor", "--pin", "1357")[0] == 2
    assert run(capsys, *base)[0] == 2
    assert run(capsys, "admin", "--db", sqlite_url, "revoke-card", "not-a-number")[0] == 2
    assert run(capsys, "frobnicate")[0] == 2
    assert run(capsys, "--help")[0] == 0
    bad_rules = tmp_path / "bad.json"
    bad_rules.write_text('{"version": 3}', encoding="utf-8")
    code, _, err = run(capsys, *base, "set-rules", str(bad_rules))
    assert code == 1 and "invalid rules" in err
    bad_rules.write_text("{not json", encoding="utf-8")
    code, _, err = run(capsys, *base, "set-rules", str(bad_rules))
    assert code == 1 and "not JSON" in err
    code, _, err = run(capsys, *base, "set-rules", str(tmp_path / "missing.json"))
    assert code == 1 and "cannot read" in err
    code, _, err = run(capsys, "admin", "--db", "mysql://nobody@localhost/x", "list-devices")
    assert code == 1 and err.startswith("error: cannot open the database")
    for message in (err,):
        assert "Traceback" not in message


def test_import_members_command(sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ("admin", "--db", sqlite_url)
    assert run(capsys, *base, "create-store", "S001", "旗舰店")[0] == 0
    source = tmp_path / "members.csv"
    source.write_text("phone,name,balance\n13800138000,王小明,100\n12345,钱多多,\n13800138000,王小明,\n", "utf-8")
    rejects = tmp_path / "rejects.csv"
    code, out, err = run(capsys, *base, "import-members", str(source), "--store", "S001", "--rejects", str(rejects))
    assert code == 0, err
    assert "imported 1 of 3" in out
    assert "line 3: invalid_phone" in out and "line 4: duplicate_in_file" in out
    assert "13800138000" not in out + err and "王小明" not in out + err and "12345" not in out + err
    assert rejects.read_text("utf-8").splitlines()[1:] == [
        line.split(": ", 2)[0].removeprefix("line ") + "," + line.split(": ", 2)[1] + "," + line.split(": ", 2)[2]
        for line in out.splitlines()[1:3]
    ]
    code, _, err = run(capsys, *base, "import-members", str(source), "--store", "S404")
    assert code == 1 and "S404" in err
    assert run(capsys, *base, "import-members", str(source))[0] == 2  # --store is required


def test_demo_command(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "admin", "--db", sqlite_url, "demo", "--members", "25", "--seed", "3")
    assert (code, err) == (0, "")
    assert "S001, S002" in out
    assert "M001 王店长 manager PIN 2468" in out and "C001 李收银 cashier PIN 1357" in out
    assert "G001 张导购 guide PIN 8642" in out
    assert "25 demo members" in out
    db = ServerDatabase.open(sqlite_url)
    try:
        with db.read() as session:
            assert len(session.scalars(select(Member.id)).all()) == 25
    finally:
        db.close()
    assert run(capsys, "admin", "--db", sqlite_url, "demo", "--members", "-3")[0] == 1


def test_refresh_command_changes_only_the_members_whose_top_categories_moved(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once a refresh has brought the demo's members up to date, the next finds nothing to change; a member whose
    stored top 3 is out of date gets them back, with a new version (the tills pull it), and no one else."""
    assert run(capsys, "admin", "--db", sqlite_url, "demo", "--members", "40", "--seed", "5")[0] == 0
    assert run(capsys, "admin", "--db", sqlite_url, "refresh")[0] == 0
    code, out, err = run(capsys, "admin", "--db", sqlite_url, "refresh")
    assert (code, err) == (0, "")
    assert re.search(r"^figures: 40 members looked at, \d+ read from the ledger, 0 changed ", out, re.M), out
    assert re.search(r"^profiles \(top categories, tags\): 40 members looked at, 0 changed ", out, re.M), out
    db = ServerDatabase.open(sqlite_url)
    try:
        with db.write() as session:
            stale = session.scalars(select(Member).where(Member.top_categories != [])).first()
            assert stale is not None
            stale_id, kept, version = stale.id, list(stale.top_categories), stale.version
            stale.top_categories = []
    finally:
        db.close()
    code, out, err = run(capsys, "admin", "--db", sqlite_url, "refresh")
    assert (code, err) == (0, "")
    assert re.search(r"^profiles \(top categories, tags\): 40 members looked at, 1 changed ", out, re.M), out
    db = ServerDatabase.open(sqlite_url)
    try:
        with db.read() as session:
            member = session.get(Member, stale_id)
            assert member is not None and member.top_categories == kept and member.version > version
    finally:
        db.close()


def test_default_database_is_owner_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data" / "memberdesk-server"
    monkeypatch.delenv(cli.DB_ENV, raising=False)
    monkeypatch.setattr("platformdirs.user_data_dir", lambda name: str(data) if name == cli.APP_NAME else "")
    assert cli.default_database_url() == f"sqlite:///{data / 'server.sqlite3'}"
    assert run(capsys, "admin", "create-store", "S001", "旗舰店")[0] == 0
    assert (data / "server.sqlite3").stat().st_mode & 0o777 == 0o600
    assert data.stat().st_mode & 0o777 == 0o700

    other = tmp_path / "env.sqlite3"
    monkeypatch.setenv(cli.DB_ENV, f"sqlite:///{other}")
    assert run(capsys, "admin", "create-store", "S002", "二店")[0] == 0
    assert other.exists() and other.stat().st_mode & 0o077 == 0
    code, out, _ = run(capsys, "admin", "list-devices")
    assert (code, out) == (0, "no devices registered\n")


class _FakeUvicorn:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def run(self, app: Any, **options: Any) -> None:
        self.calls.append({"app": app, **options})


@pytest.fixture
def fake_uvicorn(monkeypatch: pytest.MonkeyPatch) -> _FakeUvicorn:
    import uvicorn

    fake = _FakeUvicorn()
    monkeypatch.setattr(uvicorn, "run", fake.run)
    return fake


def test_serve_on_loopback(sqlite_url: str, capsys: pytest.CaptureFixture[str], fake_uvicorn: _FakeUvicorn) -> None:
    code, _, err = run(capsys, "serve", "--db", sqlite_url, "--port", "9876", "--log-level", "warning")
    assert (code, err) == (0, "")
    [call] = fake_uvicorn.calls
    assert (call["host"], call["port"], call["log_level"]) == ("127.0.0.1", 9876, "warning")
    assert call["ssl_certfile"] is None and call["ssl_keyfile"] is None
    assert call["app"].title  # a FastAPI app
    run(capsys, "serve", "--db", sqlite_url, "--host", "::1")
    run(capsys, "serve", "--db", sqlite_url, "--host", "localhost", "--no-access-log")
    assert [c["host"] for c in fake_uvicorn.calls] == ["127.0.0.1", "::1", "localhost"]
    assert fake_uvicorn.calls[-1]["access_log"] is False


def test_serve_with_workers_hands_each_worker_the_same_command_line(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], fake_uvicorn: _FakeUvicorn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server import workers

    monkeypatch.setenv(workers.ENVIRONMENT, "[]")  # gone again after the test (`serve` sets it for its workers)
    code, _, err = run(capsys, "serve", "--db", sqlite_url, "--workers", "0")
    assert code == 2 and "a number of worker processes" in err
    args = ["serve", "--db", sqlite_url, "--port", "9877", "--workers", "2", "--in-flight", "3"]
    assert run(capsys, *args)[0] == 0
    [call] = fake_uvicorn.calls
    assert (call["app"], call["factory"], call["workers"], call["port"]) == ("server.workers:app", True, 2, 9877)
    # what each worker builds: the API on the same database, with the same limits
    app = workers.app()
    try:
        assert app.state.db.engine.url.render_as_string() == sqlite_url
        assert app.state.limiter.limits.in_flight == 3
    finally:
        app.state.db.close()


def test_serve_beyond_loopback_needs_permission_and_tls(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_uvicorn: _FakeUvicorn
) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("cert", "utf-8")
    key.write_text("key", "utf-8")
    code, _, err = run(capsys, "serve", "--db", sqlite_url, "--host", "0.0.0.0")
    assert code == 2 and "not loopback" in err
    code, _, err = run(capsys, "serve", "--db", sqlite_url, "--host", "0.0.0.0", "--allow-remote")
    assert code == 2 and "HTTPS" in err
    code, _, err = run(capsys, "serve", "--db", sqlite_url, "--host", "0.0.0.0", "--allow-remote",
                       "--ssl-certfile", str(cert))  # fmt: skip
    assert code == 2
    code, _, err = run(capsys, "serve", "--db", sqlite_url, "--host", "0.0.0.0", "--allow-remote",
                       "--ssl-certfile", str(cert), "--ssl-keyfile", str(tmp_path / "missing.pem"))  # fmt: skip
    assert code == 1 and "no such file" in err
    assert fake_uvicorn.calls == []
    code, _, err = run(capsys, "serve", "--db", sqlite_url, "--host", "0.0.0.0", "--allow-remote",
                       "--ssl-certfile", str(cert), "--ssl-keyfile", str(key))  # fmt: skip
    assert (code, err) == (0, "")
    [call] = fake_uvicorn.calls
    assert (call["host"], call["ssl_certfile"], call["ssl_keyfile"]) == ("0.0.0.0", str(cert), str(key))


def test_main_module_calls_main(monkeypatch: pytest.MonkeyPatch) -> None:
    import runpy

    seen: list[Any] = []

    def fake_main(argv: list[str] | None = None) -> int:
        seen.append(argv)
        return 0

    monkeypatch.setattr(cli, "main", fake_main)
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("server", run_name="__main__")
    assert exit_.value.code == 0 and seen == [None]


def test_staff_pins_lists_who_still_has_a_legacy_hash_until_their_pin_is_set_again(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import hashlib

    from loyalty import pins

    salt = bytes(16)
    legacy = f"scrypt$16384$8$1${salt.hex()}${hashlib.scrypt(b'1357', salt=salt, n=2**14, r=8, p=1).hex()[:64]}"
    before = pins.current_cost()
    pins.set_cost(pins.DEFAULT_COST)  # what ships: the list names only hashes weaker than it
    try:
        assert (
            run(capsys, "admin", "--db", sqlite_url, "add-staff", "M001", "王店长", "manager", "--pin", "2468")[0] == 0
        )
        db = ServerDatabase.open(sqlite_url)
        try:
            with db.write() as session:
                session.add(Staff(code="C001", name="李收银", role="cashier", pin_hash=legacy, store_id=None,
                                  active=True, updated_at=db.clock()))  # fmt: skip
        finally:
            db.close()
        code, out, _ = run(capsys, "admin", "--db", sqlite_url, "staff-pins")
        assert code == 0 and "C001\tcashier\tactive\tscrypt" in out and "M001" not in out

        assert (
            run(capsys, "admin", "--db", sqlite_url, "add-staff", "C001", "李收银", "manager", "--pin", "1357")[0] == 0
        )
        code, out, _ = run(capsys, "admin", "--db", sqlite_url, "staff-pins")
        assert (code, out) == (0, "every staff PIN hash is argon2id at the default cost\n")
    finally:
        pins.set_cost(before)


def test_insight_rules_are_set_from_a_file_and_shown(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("admin", "--db", sqlite_url)
    code, out, _ = run(capsys, *base, "show-insight-rules")
    document = json.loads(out)
    assert code == 0 and document["version"] == 1 and document["tags"][0]["name"]["zh_CN"] == "生日临近"
    document["version"], document["tier_grace_days"] = 2, 60
    rules_file = tmp_path / "insight.json"
    rules_file.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert run(capsys, *base, "set-insight-rules", str(rules_file))[:2] == (0, "2\n")
    assert json.loads(run(capsys, *base, "show-insight-rules")[1])["tier_grace_days"] == 60

    code, out, err = run(capsys, *base, "set-insight-rules", str(rules_file))  # the same version again
    assert (code, out) == (1, "") and "must increase" in err
    document["version"], document["tags"][0]["layer"] = 3, "mood"
    rules_file.write_text(json.dumps(document), encoding="utf-8")
    code, _, err = run(capsys, *base, "set-insight-rules", str(rules_file))
    assert code == 1 and "invalid insight rules: tags[0].layer" in err
    rules_file.write_bytes(b"\xff\xfe{")
    code, _, err = run(capsys, *base, "set-insight-rules", str(rules_file))
    assert code == 1 and "not UTF-8" in err and "Traceback" not in err

    code, out, err = run(capsys, *base, "refresh")
    assert code == 0 and "figures: " in out and "profiles (top categories, tags): " in out
