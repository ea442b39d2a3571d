"""Returns of another store's sale through the POS interface, against a real server: online the till asks the server
for the receipt (`GET /v1/receipts`) and refunds it in proportion, which the server then accepts as it is; with the
server unreachable the POS is told `needs_manager` and nothing is written."""

from __future__ import annotations

from sqlalchemy import func, select

from localdb.models import PointEntry
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

    serving, pos_here = serve_pos(here.till, here.login("C001"), here.till.db.path)
    try:
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
