"""Purchase history across the chain and top categories, against a real server on both backends: lines pushed by
two stores' tills, the member's top 3 categories computed by the push (a refund lowering one), the history endpoint
(another store's purchase with its name, refunds, a merged id following its survivor, an erased member refused) and
its audit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from protocol.wire import SaleLine
from server import cli as server_cli
from server import data_rights, member_insight
from server.models import HistoryAccess, Member
from sync.client import Refused, ServerClient
from tests.integration.conftest import OTHER_STORE, LiveServer, TillFactory, TillHandle


def line(line_no: int, cents: int, category: str) -> SaleLine:
    return SaleLine(line_no=line_no, sku=f"SKU{line_no}", name=f"商品{line_no}", category=category,
                    quantity_milli=1000, amount_cents=cents)  # fmt: skip


def client_of(handle: TillHandle) -> ServerClient:
    registration = handle.till.sync.registration()
    assert registration is not None
    return ServerClient(registration.server_url, registration.token)


def top_of(server: LiveServer, member_id: str) -> list[str]:
    with server.db.read() as session:
        return list(session.scalars(select(Member.top_categories).where(Member.id == member_id)).one())


def refreshed_top(server: LiveServer, member_id: str) -> list[str]:
    """The member's top categories after the nightly refresh (`server admin refresh`) ran now."""
    member_insight.refresh_profiles(server.db, datetime.now(UTC))
    return top_of(server, member_id)


def test_top_categories_and_the_chain_history_follow_both_stores_and_a_refund(
    make_till: TillFactory, server: LiveServer, server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    a = make_till("a")
    cashier = a.login("C001")
    member = a.till.members.enrol(cashier, phone="13800138000", name="王小明", consent_profile=True).member
    lines = [line(1, 3_000, "生鲜"), line(2, 5_000, "母婴"), line(3, 2_000, "美妆")]
    first = a.till.ledger.award(cashier, member.id, 10_000, receipt_no="A-1", lines=lines)
    assert a.sync().error is None
    assert top_of(server, member.id) == []  # the push keeps the lines; the nightly refresh ranks them
    assert refreshed_top(server, member.id) == ["母婴", "生鲜", "美妆"]

    b = make_till("b", store=OTHER_STORE)
    manager = b.login("M001")
    b.till.ledger.award(manager, member.id, 8_000, receipt_no="B-1", lines=[line(1, 8_000, "服饰")])
    b.till.ledger.award(manager, member.id, 1_000, receipt_no="B-2")  # no lines: a purchase all the same
    assert b.sync().error is None
    assert refreshed_top(server, member.id) == ["服饰", "母婴", "生鲜"]

    # The mother-and-baby line comes back at store A: its category drops out of the top 3.
    a.till.ledger.refund(a.login("M001"), [(first.entry.id, 5_000, [line(2, 5_000, "母婴")])])
    assert a.sync().error is None
    assert refreshed_top(server, member.id) == ["服饰", "生鲜", "美妆"]
    assert a.sync().error is None  # the pull brings the member's new top 3
    assert a.till.members.get(cashier, member.id).top_categories == ("服饰", "生鲜", "美妆")

    with client_of(a) as client:
        history = client.member_purchases(member.id, staff_code="C001")
    assert history.member_id == member.id
    assert [p.receipt_no for p in history.purchases] == ["B-2", "B-1", "A-1"]  # newest first
    plain, other, own = history.purchases
    assert (other.store_code, other.store_name, other.amount_cents, other.points) == (OTHER_STORE, "二店", 8_000, 80)
    assert other.top_categories == ["服饰"] and plain.top_categories == []
    assert (own.store_name, own.refunded_cents, own.top_categories) == ("旗舰店", 5_000, ["母婴", "生鲜", "美妆"])
    with server.db.read() as session:
        audited = session.scalars(select(HistoryAccess)).all()
    assert [(row.member_id, row.store_code, row.staff_code, row.outcome) for row in audited] == [
        (member.id, "S001", "C001", "answered")
    ]
    assert server_cli.main(["admin", "--db", server_url, "history-requests", "--member", member.id]) == 0
    out = capsys.readouterr().out
    assert f"{audited[0].device_id}\tS001\tC001\t{member.id}\tanswered" in out
    assert "13800138000" not in out and "王小明" not in out  # ids only


def test_a_merged_id_follows_its_survivor_and_an_erased_member_is_refused(
    make_till: TillFactory, server: LiveServer
) -> None:
    a = make_till("a")
    cashier = a.login("C001")
    keep = a.till.members.enrol(cashier, phone="13912345678", name="李雷", consent_profile=True).member
    gone = a.till.members.enrol(cashier, phone="15000001111", name="李雷").member
    a.till.ledger.award(cashier, keep.id, 2_000, receipt_no="K-1", lines=[line(1, 2_000, "粮油调味")])
    a.till.ledger.award(cashier, gone.id, 6_000, receipt_no="G-1", lines=[line(1, 6_000, "家居日用")])
    assert a.sync().error is None
    data_rights.merge_members(server.db, keep.id, gone.id)
    assert top_of(server, keep.id) == ["家居日用", "粮油调味"]  # the gone member's lines came along

    with client_of(a) as client:
        history = client.member_purchases(gone.id)
        assert history.member_id == keep.id
        assert sorted(p.receipt_no or "" for p in history.purchases) == ["G-1", "K-1"]
        data_rights.erase(server.db, keep.id)
        for asked in (keep.id, gone.id, "no-such-member"):
            with pytest.raises(Refused) as refused:
                client.member_purchases(asked)
            assert (refused.value.status, refused.value.code) == (404, "unknown_member")
    with server.db.read() as session:
        outcomes = [row.outcome for row in session.scalars(select(HistoryAccess).order_by(HistoryAccess.id))]
    assert outcomes == ["answered", "unknown_member", "unknown_member", "unknown_member"]
