"""The till and the central server together: real uvicorn on 127.0.0.1, real httpx, SQLite and PostgreSQL.

Each test is a story a chain lives through: a day offline then a sync, an answer lost on the way back, a pull cut
off half way, two tills spending the same points, a phone enrolled twice, a stolen till revoked."""

from __future__ import annotations

import multiprocessing
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from localdb.database import connect_raw
from localdb.errors import Problem, StoreError
from localdb.keystore import key_file_for
from protocol.vocabulary import PreferenceKind
from server import admin
from server.models import ConflictingItem, LedgerEntry, Member, PushedItem
from sync.client import SyncError
from sync.engine import RetryPolicy, SyncEngine
from sync.registration import register_till
from tests.faultproxy import Fault, FaultProxy
from tests.integration.conftest import LiveServer, TillFactory
from tests.integration.pushers import sync_copy

PHONES = ["13800138000", "13912345678", "15000001111", "18611112222", "17722223333"]


def server_member(server: LiveServer, member_id: str) -> Member:
    with server.db.read() as session:
        member = session.get(Member, member_id)
        assert member is not None
        return member


def ledger_count(server: LiveServer) -> int:
    with server.db.read() as session:
        return session.scalar(select(func.count()).select_from(LedgerEntry)) or 0


def test_a_day_offline_then_sync_reaches_every_till(make_till: TillFactory, server: LiveServer) -> None:
    a = make_till("a")
    cashier = a.login("C001")  # staff came from the server's config at the first sync
    member = a.till.members.enrol(cashier, phone=PHONES[0], name="王小明", consent_profile=True).member
    a.till.ledger.award(cashier, member.id, 12_345, receipt_no="R1")
    guide = a.login("G001")
    a.till.preferences.add(guide, member.id, PreferenceKind.CATEGORY, "生鲜")
    assert a.till.members.get(cashier, member.id).pending_points == 123

    report = a.sync()

    assert report.ok and report.pushed == 3 and report.tally.applied == 3
    on_server = server_member(server, member.id)
    assert on_server.balance == 123 and on_server.spend_12m_cents == 12_345
    seen = a.till.members.get(cashier, member.id)
    assert (seen.balance_synced, seen.pending_points, seen.available_points) == (123, 0, 123)
    assert [p.value for p in a.till.preferences.list(guide, member.id)] == ["生鲜"]  # once, as the server has it

    b = make_till("b")  # a new till's first sync brings the member, balance and preferences
    found = b.till.members.find_by_phone(b.login("C001"), PHONES[0])
    assert found is not None and found.id == member.id and found.available_points == 123
    assert [p.value for p in b.till.preferences.list(b.login("G001"), member.id)] == ["生鲜"]


def test_lost_answer_to_a_push_is_retried_without_applying_twice(
    make_till: TillFactory, server: LiveServer, proxy: FaultProxy
) -> None:
    a = make_till("a", url=proxy.url)
    cashier = a.login("C001")
    member = a.till.members.enrol(cashier, phone=PHONES[1], name="李雷").member
    for n in range(5):
        a.till.ledger.award(cashier, member.id, 10_000, receipt_no=f"R{n}")
    lost = proxy.add(Fault(b"POST /v1/push", nth=1))  # the server applies the batch; the answer never arrives

    report = a.sync()

    assert lost.fired == 1 and a.sleeps, "the push was retried after a pause"
    assert report.ok and report.tally.duplicates == 6 and report.tally.applied == 0  # applied, answer lost
    assert ledger_count(server) == 5
    assert server_member(server, member.id).balance == 500
    assert a.till.members.get(cashier, member.id).available_points == 500


def test_pull_cut_off_mid_page_resumes_from_the_stored_cursor(
    make_till: TillFactory, server: LiveServer, proxy: FaultProxy
) -> None:
    source = make_till("source")
    cashier = source.login("C001")
    for n in range(30):
        source.till.members.enrol(cashier, phone=f"1390000{n:04d}", name=f"会员{n}")
    assert source.sync().ok

    b = make_till("b", url=proxy.url, sync=False)
    proxy.add(Fault(b"GET /v1/changes", nth=3, keep_bytes=300))  # the third page dies after 300 bytes
    impatient = SyncEngine(b.till.sync, clock=b.clock, retry=RetryPolicy(attempts=1), page_size=10)

    first = impatient.run()

    assert first.error == "server_unreachable" and first.pulled == 20
    cursor_after_two_pages = b.till.sync.cursor()
    assert cursor_after_two_pages > 0 and b.till.status().members == 20

    second = SyncEngine(b.till.sync, clock=b.clock, page_size=10).run()

    assert second.ok and second.pulled == 10 and b.till.status().members == 30


def test_three_tills_overdraw_offline_all_recorded_and_flagged(make_till: TillFactory, server: LiveServer) -> None:
    tills = [make_till(name) for name in ("a", "b", "c")]
    cashier_a = tills[0].login("C001")
    member = tills[0].till.members.enrol(cashier_a, phone=PHONES[2], name="韩梅梅").member
    tills[0].till.ledger.award(cashier_a, member.id, 300_000)  # 3,000 points
    assert tills[0].sync().ok
    for handle in tills[1:]:
        assert handle.sync().ok

    for n, handle in enumerate(tills):
        cashier = handle.login("C001")
        assert handle.till.members.get(cashier, member.id).available_points == 3000
        handle.till.ledger.redeem(cashier, member.id, 1500, bill_cents=5000, receipt_no=f"X{n}")
        with pytest.raises(StoreError) as refused:  # the stand-in cap (2,000 a day offline) bounds each till
            handle.till.ledger.redeem(cashier, member.id, 1000, bill_cents=5000)
        assert refused.value.problem is Problem.OVER_OFFLINE_CAP

    reports = [handle.sync() for handle in tills]

    assert all(r.error is None and r.tally.rejected == 0 for r in reports)
    assert sum(r.tally.flagged for r in reports) == 1
    assert server_member(server, member.id).balance == 3000 - 3 * 1500
    with server.db.read() as session:
        flagged = session.scalars(select(LedgerEntry).where(LedgerEntry.status == "flagged")).all()
    assert [(e.points, e.reason) for e in flagged] == [(-1500, "overdrawn")]
    exceptions = [row for handle in tills for row in handle.till.sync.exceptions()]
    assert [(status, reason) for _id, status, reason in exceptions] == [("flagged", "overdrawn")]
    final = tills[2].sync()
    assert final.ok
    assert tills[2].till.members.get(tills[2].login("C001"), member.id).available_points == -1500


def test_phone_enrolled_offline_at_two_tills_merges_onto_the_survivor(
    make_till: TillFactory, server: LiveServer
) -> None:
    a, b = make_till("a"), make_till("b")
    cashier_a, cashier_b = a.login("C001"), b.login("C001")
    first = a.till.members.enrol(cashier_a, phone=PHONES[3], name="张伟").member
    a.till.ledger.award(cashier_a, first.id, 20_000)
    assert a.sync().ok

    offline = b.till.members.enrol(cashier_b, phone=PHONES[3], name="张伟").member  # b has not heard of it yet
    b.till.ledger.award(cashier_b, offline.id, 5_000)

    report = b.sync()

    assert report.ok and report.tally.merged == 1
    assert server_member(server, first.id).balance == 250
    with server.db.read() as session:
        tomb = session.get(Member, offline.id)
        assert tomb is not None and tomb.merged_into == first.id and tomb.phone is None
    found = b.till.members.find_by_phone(cashier_b, PHONES[3])
    assert found is not None and found.id == first.id and found.available_points == 250
    with pytest.raises(StoreError):
        b.till.members.get(cashier_b, offline.id)
    assert a.sync().ok
    assert a.till.members.get(cashier_a, first.id).available_points == 250


def test_revoked_till_stops_and_says_so(make_till: TillFactory, server: LiveServer) -> None:
    a = make_till("a")
    cashier = a.login("C001")
    member = a.till.members.enrol(cashier, phone=PHONES[4], name="赵敏").member
    device_id = a.till.settings.current().device_id
    admin.revoke_device(server.db, device_id)

    report = a.sync()

    assert not report.ok and report.error == "device_revoked" and report.unsent == 1
    registration = a.till.sync.registration()
    assert registration is not None and registration.blocked == "device_revoked"
    again = a.sync()  # blocked: it does not even try, and keeps the outbox
    assert again.error == "device_revoked" and again.unsent == 1
    assert a.till.members.get(cashier, member.id).name == "赵敏"


def test_an_enrolment_code_works_once(make_till: TillFactory, server: LiveServer) -> None:
    a = make_till("a", sync=False)
    code = server.enrolment_code()
    register_till(a.till.sync, server_url=server.url, store_code="S001", enrolment_code=code)
    with pytest.raises(SyncError) as refused:
        register_till(a.till.sync, server_url=server.url, store_code="S001", enrolment_code=code)
    assert refused.value.code == "enrolment_code_invalid"


def test_an_id_replayed_with_another_body_is_rejected_and_the_rest_goes_on(
    make_till: TillFactory, server: LiveServer
) -> None:
    a = make_till("a")
    cashier = a.login("C001")
    member = a.till.members.enrol(cashier, phone=PHONES[0], name="王小明").member
    award = a.till.ledger.award(cashier, member.id, 10_000)
    assert a.sync().ok
    # A till restored from an old backup that re-used an id for another purchase: same id, other body.
    later = a.till.ledger.award(cashier, member.id, 20_000)
    with connect_raw(a.till.db.path) as raw:
        raw.execute("UPDATE outbox SET status = NULL WHERE item_id = ?", (award.entry.id,))
        raw.execute(
            "UPDATE outbox_body SET body = json_set(body, '$.points', 999) "
            "WHERE seq = (SELECT seq FROM outbox WHERE item_id = ?)",
            (award.entry.id,),
        )

    report = a.sync()

    assert not report.ok and report.tally.rejected == 1 and report.tally.rejected_ids == [award.entry.id]
    assert report.unsent == 0
    assert server_member(server, member.id).balance == 100 + 200  # the first body stands; the later entry applied
    with server.db.read() as session:
        kept = session.scalars(select(ConflictingItem)).all()
        assert [c.item_id for c in kept] == [award.entry.id] and kept[0].body["points"] == 999
        assert session.get(PushedItem, later.entry.id) is not None
    assert (award.entry.id, "rejected", "id_conflict") in a.till.sync.exceptions()


def test_a_cursor_the_server_cannot_serve_repulls_everything(make_till: TillFactory, server: LiveServer) -> None:
    a = make_till("a")
    cashier = a.login("C001")
    member = a.till.members.enrol(cashier, phone=PHONES[1], name="李雷").member
    assert a.sync().ok
    a.till.ledger.award(cashier, member.id, 10_000)
    with connect_raw(a.till.db.path) as raw:  # as if the server had been restored from an older backup
        raw.execute("UPDATE sync_state SET cursor = cursor + 1000")

    report = a.sync()

    assert report.ok and report.repulled_from_zero and report.pulled >= 1
    assert a.till.sync.cursor() < 1000
    assert a.till.members.get(cashier, member.id).available_points == 100


def test_unreachable_server_backs_off_and_keeps_everything(make_till: TillFactory, server: LiveServer) -> None:
    a = make_till("a")
    cashier = a.login("C001")
    member = a.till.members.enrol(cashier, phone=PHONES[2], name="韩梅梅").member
    a.till.ledger.award(cashier, member.id, 10_000)
    server.stop()

    report = a.sync()

    assert report.error == "server_unreachable" and report.unsent == 2 and not report.ok
    assert len(a.sleeps) == 3  # four attempts, three pauses


def test_times_in_pushed_items_are_utc_aware(make_till: TillFactory, server: LiveServer) -> None:
    a = make_till("a")
    cashier = a.login("C001")
    member = a.till.members.enrol(cashier, phone=PHONES[3], name="张伟").member
    entry = a.till.ledger.award(cashier, member.id, 10_000).entry
    assert a.sync().ok
    with server.db.read() as session:
        stored = session.get(LedgerEntry, entry.id)
        assert stored is not None and stored.created_at.tzinfo is not None
        assert abs(stored.received_at - datetime.now(UTC)).total_seconds() < 60


def test_two_processes_pushing_the_same_batch_at_once_apply_it_once(
    make_till: TillFactory, server: LiveServer, tmp_path: Path
) -> None:
    a = make_till("a")
    cashier = a.login("C001")
    member = a.till.members.enrol(cashier, phone=PHONES[4], name="赵敏").member
    for n in range(120):
        a.till.ledger.award(cashier, member.id, 1_000 + n)
    expected_points = sum((1_000 + n) // 100 for n in range(120))
    copies = [tmp_path / "copy1.sqlite3", tmp_path / "copy2.sqlite3"]
    a.till.close()
    for copy in copies:
        shutil.copy(tmp_path / "a.sqlite3", copy)
        shutil.copy(key_file_for(tmp_path / "a.sqlite3"), key_file_for(copy))  # an encrypted file needs its key

    context = multiprocessing.get_context("spawn")
    start, answers = context.Barrier(2), context.Queue()
    workers = [context.Process(target=sync_copy, args=(str(copy), start, 10, answers)) for copy in copies]
    for worker in workers:
        worker.start()
    results = [answers.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)

    assert [error for _a, _d, error in results] == [None, None]
    assert sum(applied for applied, _d, _e in results) == 121  # each item applied by exactly one of them
    assert sum(dup for _a, dup, _e in results) == 121
    assert ledger_count(server) == 120
    assert server_member(server, member.id).balance == expected_points
