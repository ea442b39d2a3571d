"""The audit anchor through real HTTP: every sync anchors the till's audit chain on the server; rows deleted after
an anchor, or the chain recomputed with the key, are found by `verify-audit` against it and refused on the next
sync — while the points still sync. A till registered before audit keys fetches its key once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

import main
from localdb import audit as audit_module
from localdb.database import connect_raw
from localdb.till import Till
from protocol.wire import RegisterRequest, RegisterResponse
from server import cli
from server.audit_anchors import latest_anchor
from server.models import Device
from sync.client import ServerClient
from tests.integration.conftest import STORE, LiveServer, TillFactory, TillHandle


def head(till: Till) -> tuple[int, str]:
    conn = connect_raw(till.db.path)
    try:
        seq, hash_ = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    return int(seq), str(hash_)


def tamper(till: Till, *statements: str) -> None:
    conn = connect_raw(till.db.path)
    with conn:
        for sql in statements:
            conn.execute(sql)
    conn.close()


def recompute(till: Till, edit: str, *, with_the_key: bool = True) -> None:
    """Someone holding the file: edit a row, then recompute every hash, under the key in force at it when they hold
    the key, else with plain SHA-256."""
    conn = connect_raw(till.db.path)
    with conn:
        conn.execute(edit)
        keys = dict(conn.execute("SELECT from_seq, key FROM audit_key").fetchall())
        prev, key = audit_module.GENESIS_HASH, None
        rows = conn.execute("SELECT seq, at, staff_code, action, subject, detail FROM audit ORDER BY seq").fetchall()
        for seq, at, staff_code, action, subject, detail in rows:
            key = bytes.fromhex(keys[seq]) if seq in keys and with_the_key else key
            when = datetime.fromisoformat(at).replace(tzinfo=UTC)
            digest = audit_module._row_hash(seq, when, staff_code, action, subject, json.loads(detail), prev, key)
            conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
            prev = digest
    conn.close()


def verify(till: Till, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main.main(["--db", str(till.db.path), "verify-audit"])
    return code, capsys.readouterr().out


def award(handle: TillHandle, amount: int = 1_000, phone: str = "13800138000") -> None:
    cashier = handle.login("C001")
    member = handle.till.members.enrol(cashier, phone=phone, name="王小明").member
    handle.till.ledger.award(cashier, member.id, amount)


def device_id(handle: TillHandle) -> str:
    return handle.till.settings.current().device_id


def test_every_sync_anchors_the_audit_head(make_till: TillFactory, server: LiveServer) -> None:
    handle = make_till()
    first = latest_anchor(server.db, device_id(handle))
    assert first is not None and (first.seq, first.hash) == head(handle.till)
    award(handle)  # a login, an enrolment, an award: three rows more
    report = handle.sync()
    assert report.ok and report.audit_anchor == head(handle.till)[0] and report.audit_problem is None
    second = latest_anchor(server.db, device_id(handle))
    assert second is not None and (second.seq, second.hash) == head(handle.till) and second.seq > first.seq
    assert "audit anchor: row" in "\n".join(report.summary_lines())


def test_verify_audit_intact_matches_the_anchor(make_till: TillFactory, capsys: pytest.CaptureFixture[str]) -> None:
    handle = make_till()
    code, out = verify(handle.till, capsys)
    assert code == 0
    assert "audit chain intact" in out and "(keyed)" in out
    assert f"anchor check: row {head(handle.till)[0]} matches the server's anchor" in out


def test_rows_deleted_after_the_anchor_are_found_and_refused(
    make_till: TillFactory, server: LiveServer, server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    handle = make_till()
    award(handle)
    assert handle.sync().ok
    anchored, _ = head(handle.till)
    tamper(handle.till, "DELETE FROM audit WHERE seq > 3")  # all but the first rows: the login, the award…

    assert handle.till.verify_audit().ok  # the chain alone cannot tell
    code, out = verify(handle.till, capsys)
    assert code == main.AUDIT_ROWS_DELETED
    assert f"audit log rows deleted: the server's anchor is row {anchored}, but this chain ends at row 3" in out

    report = handle.sync()  # the next sync (its rows end before the anchor): refused, recorded on both sides
    assert head(handle.till)[0] < anchored
    assert report.ok and report.audit_problem == "audit_behind" and report.audit_anchor is None
    assert any("refused this till's audit anchor (audit_behind)" in line for line in report.summary_lines())

    award(handle, 2_000, "13900139000")  # the points sync all the same; the anchored row is not what it was
    report = handle.sync()
    assert report.ok and report.tally.applied == 2 and report.audit_problem == "audit_rewritten"
    assert latest_anchor(server.db, device_id(handle)) is not None

    capsys.readouterr()
    assert cli.main(["admin", "--db", server_url, "audit-anchors"]) == 0
    listed = capsys.readouterr().out
    assert f"\t{anchored}\t" in listed and "\t2\taudit_rewritten " in listed


def test_a_chain_recomputed_with_the_key_is_found_against_the_anchor(
    make_till: TillFactory, server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    handle = make_till()
    award(handle)
    assert handle.sync().ok
    anchored, _ = head(handle.till)
    recompute(handle.till, f"UPDATE audit SET staff_code = 'M001' WHERE seq = {anchored}")

    assert handle.till.verify_audit().ok  # the key holder's chain verifies locally
    code, out = verify(handle.till, capsys)
    assert code == main.AUDIT_RECOMPUTED
    assert f"audit chain recomputed: row {anchored} differs from the server's anchor" in out

    report = handle.sync()
    assert report.error is None and report.audit_problem == "audit_rewritten"


def test_a_chain_recomputed_without_the_key_is_found_on_the_till(
    make_till: TillFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    handle = make_till()
    conn = connect_raw(handle.till.db.path)
    keyed_from = conn.execute("SELECT from_seq FROM audit_key").fetchone()[0]
    conn.close()
    last, _ = head(handle.till)
    recompute(handle.till, f"UPDATE audit SET staff_code = 'M001' WHERE seq = {last}", with_the_key=False)
    code, out = verify(handle.till, capsys)
    assert code == 1
    assert f"audit chain broken at row {keyed_from}: edited" in out


def test_verify_audit_offline_still_checks_the_chain(
    make_till: TillFactory, server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    handle = make_till()
    server.stop()
    code, out = verify(handle.till, capsys)
    assert code == 0
    assert "audit chain intact" in out
    assert "anchor check could not be made" in out and "(server_unreachable)" in out


def test_verify_audit_of_an_unregistered_till(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    till = Till.open(tmp_path / "new.sqlite3")
    till.close()
    code = main.main(["--db", str(tmp_path / "new.sqlite3"), "verify-audit"])
    out = capsys.readouterr().out
    assert code == 0 and "not keyed yet" in out and "this till is not registered" in out


class _KeylessServer(ServerClient):
    """A server from before audit keys: its registration answer carries none."""

    def register(self, request: RegisterRequest) -> RegisterResponse:
        return super().register(request).model_copy(update={"audit_key": None})


def test_a_till_registered_before_keys_fetches_its_key_on_the_next_sync(
    tmp_path: Path, server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from sync.engine import SyncEngine
    from sync.registration import register_till

    till = Till.open(tmp_path / "old.sqlite3")
    try:
        answer = register_till(till.sync, server_url=server.url, store_code=STORE,
                               enrolment_code=server.enrolment_code(), client_factory=_KeylessServer)  # fmt: skip
        with server.db.write() as session:  # as the server's migration leaves a till registered before it
            session.execute(update(Device).where(Device.id == answer.device_id).values(audit_key=None))
        legacy = till.verify_audit()
        assert legacy.ok and not legacy.keyed

        report = SyncEngine(till.sync).run()
        assert report.ok and report.audit_problem is None and report.audit_anchor is not None
        check = till.verify_audit()
        assert check.ok and check.keyed and check.rows > legacy.rows  # legacy rows, then the keyed ones

        # the key is handed over once: a second ask (someone who deleted it from the file) is refused
        tamper(till, "DELETE FROM audit_key")
        report = SyncEngine(till.sync).run()
        assert report.ok and report.audit_problem == "audit_key_issued"
    finally:
        till.close()
