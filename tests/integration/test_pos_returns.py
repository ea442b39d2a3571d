"""Returns of another store's sale through the POS interface, against a real server: online the till asks the server
for the receipt (`GET /v1/receipts`) and refunds it in proportion, which the server then accepts as it is; with the
server unreachable the POS is told `needs_manager` and nothing is written."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

import main
from localdb.models import PointEntry
from posapi.schemas import RefundRequest
from posapi.service import PosService
from protocol.wire import MemberCodesRequest
from protocol.wire import SaleLine as Line
from server.models import LedgerEntry
from sync.client import ServerClient
from tests.integration.conftest import OTHER_STORE, LiveServer, TillFactory
from tests.posapi.conftest import line, serve_pos


def test_a_return_of_another_stores_sale_online_and_offline(server: LiveServer, make_till: TillFactory) -> None:
    there = make_till("there", store=OTHER_STORE)
    here = make_till("here")
    manager = there.login("M001")
    member = there.till.members.enrol(manager, phone="13900139000", name="李四").member
    serving, pos_there = serve_pos(there.till, manager, there.till.db.path)
    try:
        sale = {"receipt_no": "T1", "total_cents": 20_000, "lines": [line(1, 12_000, 2), line(2, 8_000)],
                "member": {"member_id": member.id}}  # fmt: skip
        assert pos_there.http.post("/pos/v1/sales", json=sale).json()["points_earned"] == 200
    finally:
        pos_there.http.close()
        serving.stop()
    assert there.sync().error is None
    assert here.sync().error is None

    registration = here.till.sync.registration()
    assert registration is not None
    with ServerClient(registration.server_url, registration.token) as client:
        held = client.receipt(OTHER_STORE, "T1")
    assert [(e.kind.value, e.points, e.amount_cents) for e in held.entries] == [("earn", 200, 20_000)]
    assert held.entries[0].lines is not None and len(held.entries[0].lines) == 2

    with ServerClient(registration.server_url, registration.token) as client:
        code = client.member_codes(MemberCodesRequest(member_ids=[member.id])).codes[0].code
    assert code is not None
    serving, pos_here = serve_pos(here.till, here.login("C001"), here.till.db.path)
    try:
        scanned = pos_here.http.post("/pos/v1/lookup", json={"member_code": code}).json()["candidates"]
        assert [(c["member_id"], c["available_points"]) for c in scanned] == [(member.id, 200)]
        tampered = code[:-1] + ("B" if code[-1] == "A" else "A")
        forged = pos_here.http.post("/pos/v1/lookup", json={"member_code": tampered})
        assert forged.status_code == 422 and forged.json()["code"] == "invalid_member_code"
        back = {"refund_no": "B1", "receipt_no": "T1", "store_code": OTHER_STORE,
                "lines": [{"line_no": 1, "quantity": 1}]}  # fmt: skip
        answer = pos_here.http.post("/pos/v1/refunds", json=back)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["status"], body["refunded_cents"], body["points_clawed_back"], body["balance"]) == (
            "refunded", 6_000, 60, 140)  # fmt: skip
        assert here.sync().error is None
        with server.db.read() as session:
            refund = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "refund")).one()
            assert (refund.points, refund.status, refund.refund_of) == (-60, "applied", held.entries[0].id)
        with ServerClient(registration.server_url, registration.token) as client:
            assert client.receipt(OTHER_STORE, "T1").entries[0].refunded_cents == 6_000
            assert client.receipt(OTHER_STORE, "NO-SUCH").entries == []

        here.till.sync.point_at("http://127.0.0.1:9")  # the server is unreachable now
        offline = pos_here.http.post("/pos/v1/refunds", json={**back, "refund_no": "B2"})
        assert offline.status_code == 200
        assert offline.json()["status"] == "needs_manager" and offline.json()["reason"] == "server_unreachable"
        with here.till.db.read() as session:
            refunds = session.scalar(select(func.count()).select_from(PointEntry).where(PointEntry.kind == "refund"))
        assert refunds == 1
    finally:
        pos_here.http.close()
        serving.stop()


def test_the_pos_simulator_runs_a_day_and_a_pending_sale_end_to_end(
    server: LiveServer, make_till: TillFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    there = make_till("there", store=OTHER_STORE)
    here = make_till("here")
    manager = there.login("M001")
    member = there.till.members.enrol(manager, phone="13900139000", name="李四").member
    there.till.ledger.award(
        manager,
        member.id,
        30_000,
        receipt_no="T9",
        lines=[Line(line_no=1, sku="S1", name="大米", category="粮油", quantity_milli=1000, amount_cents=30_000)],
    )
    assert there.sync().error is None and here.sync().error is None
    cashier = here.login("C001")
    serving, pos = serve_pos(here.till, cashier, here.till.db.path)
    try:
        argv = ["--db", str(here.till.db.path), "pos-sim", "--url", pos.url, "--phone", "13900139000",
                "--other-store", OTHER_STORE, "--other-receipt", "T9"]  # fmt: skip
        assert main.main(argv) == 0
        out = capsys.readouterr().out
        assert "sale for the member" in out and '"points_redeemed": 300' in out
        assert "partial refund" in out and "return of another store's sale (¥10): HTTP 200" in out
        assert here.sync().error is None
        with server.db.read() as session:
            statuses = session.scalars(select(LedgerEntry.status).where(LedgerEntry.store_code == "S001")).all()
        assert statuses and set(statuses) == {"applied"}  # the server took every entry the simulator made

        done: list[int] = []
        simulator = threading.Thread(target=lambda: done.append(main.main([*argv[:5], "--pending"])))
        simulator.start()
        deadline = time.monotonic() + 30
        while pos.pending.current() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        outcome = pos.pending.confirm(cashier, member.id)
        simulator.join(timeout=30)
        assert done == [0] and outcome.points_earned > 0
        assert '"status": "done"' in capsys.readouterr().out
    finally:
        pos.http.close()
        serving.stop()


def test_a_return_taken_offline_at_the_counter_answers_the_pos_sending_it_again(
    server: LiveServer, make_till: TillFactory
) -> None:
    """The POS's refund of another store's sale found the server unreachable (`needs_manager`); a manager took it
    at the counter as an offline return under the same refund number. Once the server answers again, the POS's
    retry of that refund is answered with the offline return (nothing is clawed back twice), another refund under
    the number is refused, and the sync reconciles the return with the sale."""
    there = make_till("there", store=OTHER_STORE)
    here = make_till("here")
    seller = there.login("M001")
    member = there.till.members.enrol(seller, phone="13900139000", name="李四").member
    sale = there.till.ledger.award(seller, member.id, 20_000, receipt_no="T5")
    assert there.sync().error is None and here.sync().error is None
    registration = here.till.sync.registration()
    assert registration is not None
    manager = here.login("M001")
    serving, pos = serve_pos(here.till, here.login("C001"), here.till.db.path)
    try:
        back = {"refund_no": "B5", "receipt_no": "T5", "store_code": OTHER_STORE, "amount_cents": 5_000}
        here.till.sync.point_at("http://127.0.0.1:9")  # the server is unreachable now
        first = pos.http.post("/pos/v1/refunds", json=back).json()
        assert (first["status"], first["reason"]) == ("needs_manager", "server_unreachable")

        counter = PosService(here.till, lambda: None)
        taken = counter.return_offline_at_counter(manager, RefundRequest.model_validate(back), member.id, 50)
        assert (taken.answer.status, taken.answer.reason, taken.answer.points_clawed_back) == (
            "refunded", "offline_return", 50)  # fmt: skip
        assert taken.changes.members == {member.id}
        again = counter.return_offline_at_counter(manager, RefundRequest.model_validate(back), member.id, 50)
        assert again == taken  # confirmed twice at the counter: once

        here.till.sync.point_at(registration.server_url)  # the server answers again
        retry = pos.http.post("/pos/v1/refunds", json=back)
        assert retry.status_code == 200 and retry.text == taken.answer.model_dump_json()
        other = pos.http.post("/pos/v1/refunds", json={**back, "amount_cents": 6_000})
        assert other.status_code == 409 and other.json()["code"] == "receipt_conflict"
        with here.till.db.read() as session:
            kinds = session.scalars(select(PointEntry.kind).where(PointEntry.member_id == member.id)).all()
        assert sorted(kinds) == ["adjust"]
        assert here.sync().error is None
        with server.db.read() as session:
            adjust = session.scalars(
                select(LedgerEntry).where(LedgerEntry.kind == "adjust", LedgerEntry.member_id == member.id)
            ).one()
            assert (adjust.reconciled_with, adjust.points) == (sale.entry.id, -50)
    finally:
        pos.http.close()
        serving.stop()
