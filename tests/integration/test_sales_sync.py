"""Sales with purchase lines, refunds and returns, through real tills and a real server on 127.0.0.1: the server
keeps the lines, re-checks every refund against what it knows was refunded before, lowers the member's 12-month
spend by what was given back, reconciles an offline return with its sale whichever reaches it first, and counts
sales without a member."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from localdb.ledger import RefundTarget
from loyalty.clock import store_zone
from protocol.vocabulary import EntryKind
from protocol.wire import SaleLine
from server import data_rights, member_insight
from server.models import EntryLines, LedgerEntry, Member, Sale
from server.refresh import refresh
from tests.integration.conftest import OTHER_STORE, LiveServer, TillFactory, TillHandle

PHONE = "13900139000"


def lines(*amounts: int, category: str = "母婴") -> list[SaleLine]:
    return [SaleLine(line_no=number, sku=f"69{number:011d}", name=f"商品{number}", category=category,
                     quantity_milli=1000, amount_cents=cents)
            for number, cents in enumerate(amounts, start=1)]  # fmt: skip


@pytest.fixture
def shop(make_till: TillFactory) -> tuple[TillHandle, str]:
    till = make_till("home")
    enrolled = till.till.members.enrol(till.login("C001"), phone=PHONE, name="李四", birthday=date(1990, 1, 1))
    assert till.sync().ok
    return till, enrolled.member.id


def _entry(server: LiveServer, entry_id: str) -> LedgerEntry:
    with server.db.read() as session:
        row = session.get(LedgerEntry, entry_id)
        assert row is not None
        return row


def _lines(server: LiveServer, entry_id: str) -> list[dict[str, object]]:
    """The purchase lines the server keeps for a sale (its `entry_lines` row), [] when none."""
    with server.db.read() as session:
        row = session.get(EntryLines, entry_id)
        return [] if row is None else list(row.lines)


def _member(server: LiveServer, member_id: str) -> Member:
    with server.db.read() as session:
        row = session.get(Member, member_id)
        assert row is not None
        return row


def test_lines_reach_the_server_and_a_partial_refund_lowers_spend(
    server: LiveServer, shop: tuple[TillHandle, str]
) -> None:
    till, member_id = shop
    cashier = till.login("C001")
    sale = till.till.ledger.award(cashier, member_id, 30_000, receipt_no="R1", lines=lines(10_000, 15_000, 5_000))
    assert till.sync().ok
    assert [(line["line_no"], line["amount_cents"], line["category"]) for line in _lines(server, sale.entry.id)] == [
        (1, 10_000, "母婴"), (2, 15_000, "母婴"), (3, 5_000, "母婴")
    ]  # fmt: skip
    (refund,) = till.till.ledger.refund(cashier, [(sale.entry.id, 15_000, [lines(10_000, 15_000)[1]])])
    report = till.sync()
    assert report.ok and report.tally.flagged == 0
    applied = _entry(server, refund.entry.id)
    assert (applied.kind, applied.points, applied.refund_of, applied.status) == (
        "refund",
        -150,
        sale.entry.id,
        "applied",
    )
    member = _member(server, member_id)
    assert (member.balance, member.spend_12m_cents) == (300 - 150, 15_000)
    # the lines given back, as the till sent them: the refund entry's kind makes them count against the category
    assert [(line["line_no"], line["amount_cents"]) for line in _lines(server, refund.entry.id)] == [(2, 15_000)]


def test_a_return_at_another_store_online_is_checked_against_what_was_refunded(
    server: LiveServer, make_till: TillFactory, shop: tuple[TillHandle, str]
) -> None:
    home, member_id = shop
    sale = home.till.ledger.award(home.login("C001"), member_id, 10_000, receipt_no="R2")
    assert home.sync().ok
    away = make_till("away", store=OTHER_STORE)
    assert away.sync().ok
    # what the server answers for the receipt (the POS interface asks it): nothing refunded yet
    target = RefundTarget(entry_id=sale.entry.id, member_id=member_id, kind=EntryKind.EARN, points=100,
                          base_cents=10_000, refunded_cents=0, receipt_no="R2")  # fmt: skip
    (there,) = away.till.ledger.refund(away.login("M001"), [(target, 6_000, None)])
    # meanwhile the home store refunds ¥60 of the same sale as well: ¥120 of a ¥100 sale
    (here,) = home.till.ledger.refund(home.login("C001"), [(sale.entry.id, 6_000, None)])
    assert away.sync().ok and home.sync().ok
    first, second = _entry(server, there.entry.id), _entry(server, here.entry.id)
    assert (first.status, first.points, first.store_code) == ("applied", -60, OTHER_STORE)
    assert (second.status, second.reason, second.points) == ("flagged", "over_refund", -40)
    assert _member(server, member_id).balance == 0


def test_an_offline_return_is_reconciled_with_its_sale_in_either_order(
    server: LiveServer, make_till: TillFactory, shop: tuple[TillHandle, str]
) -> None:
    home, member_id = shop
    away = make_till("away", store=OTHER_STORE)
    early = home.till.ledger.award(home.login("C001"), member_id, 20_000, receipt_no="R3")
    assert home.sync().ok and away.sync().ok
    known = away.till.ledger.return_offline(away.login("M001"), member_id, 50, ref_store_code="S001",
                                            ref_receipt_no="R3", refunded_cents=5_000)  # fmt: skip
    assert away.sync().ok
    assert _entry(server, known.entry.id).reconciled_with == early.entry.id  # the sale was there: at once
    # the other way round: the return reaches the server before its sale
    late_return = away.till.ledger.return_offline(away.login("M001"), member_id, 10, ref_store_code="S001",
                                                  ref_receipt_no="R4", refunded_cents=1_000)  # fmt: skip
    assert away.sync().ok
    assert _entry(server, late_return.entry.id).reconciled_with is None
    late_sale = home.till.ledger.award(home.login("C001"), member_id, 3_000, receipt_no="R4")
    assert home.sync().ok
    assert _entry(server, late_return.entry.id).reconciled_with == late_sale.entry.id
    assert _member(server, member_id).spend_12m_cents == 20_000 - 5_000 + 3_000 - 1_000


def test_a_sale_without_a_member_is_counted_with_its_lines(server: LiveServer, shop: tuple[TillHandle, str]) -> None:
    till, _member_id = shop
    sale_id = till.till.ledger.record_sale(till.login("C001"), "R-9", 4_500, lines(4_000, 500, category="生鲜"))
    assert till.sync().ok
    with server.db.read() as session:
        sale = session.get(Sale, sale_id)
        assert sale is not None and (sale.total_cents, sale.line_count, sale.store_code) == (4_500, 2, "S001")
    assert [(line["category"], line["amount_cents"]) for line in _lines(server, sale_id)] == [
        ("生鲜", 4_000), ("生鲜", 500)
    ]  # fmt: skip


def test_what_a_member_bought_is_exported_moved_on_merge_and_anonymised_on_erasure(
    server: LiveServer, shop: tuple[TillHandle, str]
) -> None:
    till, member_id = shop
    cashier = till.login("C001")
    other = till.till.members.enrol(cashier, phone="13700137000", name="王五").member.id
    bought = till.till.ledger.award(cashier, other, 2_000, receipt_no="R5", lines=lines(1_200, 800, category="美妆"))
    assert till.sync().ok
    data_rights.merge_members(server.db, member_id, other)
    exported = data_rights.export(server.db, member_id)
    (entry,) = [e for e in exported["ledger"] if e["id"] == bought.entry.id]
    assert [(line["line_no"], line["category"], line["amount_cents"]) for line in entry["lines"]] == [
        (1, "美妆", 1_200), (2, "美妆", 800)
    ]  # fmt: skip
    data_rights.erase(server.db, member_id)
    # the sale's lines stay with its entry, under an id nothing personal points to any more
    assert len(_lines(server, bought.entry.id)) == 2
    erased = _member(server, member_id)
    assert erased.deleted and erased.phone is None and erased.name in (None, "") and erased.top_categories == []
    assert till.sync().ok  # the till hears of the erasure: its own copy of the lines goes too
    with till.till.db.read() as session:
        conn = session.connection()
        assert conn.exec_driver_sql("SELECT count(*) FROM sale_line").scalar() == 0
        body = conn.exec_driver_sql(
            "SELECT body FROM outbox_body JOIN outbox USING (seq) WHERE item_id = ?", (bought.entry.id,)
        ).scalar()
        assert "美妆" not in str(body) and "lines" not in str(body)


def test_top_categories_come_from_the_refresh_and_reach_the_till(server: LiveServer, make_till: TillFactory) -> None:
    """The refresh (`server admin refresh`, nightly) computes each consenting member's top categories from their
    12-month lines (a refund counts against its category, a reversed sale not at all), gives a new version only to
    members whose top 3 changed (a second run changes nothing) and the till pulls them; a year later the purchases
    have aged out."""
    till = make_till("cats")
    cashier = till.login("C001")
    member_id = till.till.members.enrol(cashier, phone="13600136000", name="赵六", consent_profile=True).member.id
    assert till.sync().ok

    def line(number: int, category: str, cents: int) -> SaleLine:
        return SaleLine(line_no=number, sku=f"SKU{number}", name=f"商品{number}", category=category,
                        quantity_milli=1000, amount_cents=cents)  # fmt: skip

    def refreshed(now: datetime | None = None) -> tuple[list[str], int]:
        report = member_insight.refresh_profiles(server.db, now or datetime.now(UTC), chunk=1)
        return list(_member(server, member_id).top_categories or []), report.changed

    till.till.ledger.award(cashier, member_id, 40_000, receipt_no="C1", lines=[line(1, "母婴", 30_000),
                                                                               line(2, "生鲜", 10_000)])  # fmt: skip
    assert till.sync().ok
    assert _member(server, member_id).top_categories == []  # the push stores lines; the refresh ranks them
    assert refreshed() == (["母婴", "生鲜"], 1)
    version = _member(server, member_id).version
    assert refreshed() == (["母婴", "生鲜"], 0) and _member(server, member_id).version == version
    assert till.sync().ok
    assert till.till.members.get(cashier, member_id).top_categories == ("母婴", "生鲜")  # pulled: shown offline
    fresh = till.till.ledger.award(cashier, member_id, 25_000, receipt_no="C2", lines=[line(1, "生鲜", 25_000)])
    mistaken = till.till.ledger.award(cashier, member_id, 90_000, receipt_no="C3", lines=[line(1, "美妆", 90_000)])
    till.till.ledger.reverse(till.login("M001"), mistaken.entry.id)
    assert till.sync().ok
    assert refreshed()[0] == ["生鲜", "母婴"]  # 35,000 against 30,000; the reversed ¥900 of 美妆 not at all
    till.till.ledger.refund(cashier, [(fresh.entry.id, 20_000, [line(1, "生鲜", 20_000)])])
    assert till.sync().ok
    assert refreshed()[0] == ["母婴", "生鲜"]  # 30,000 against 15,000 after the return
    assert refreshed(datetime.now(UTC) + timedelta(days=400)) == ([], 1)  # a year on, nothing bought: aged out


def test_the_day_the_tier_is_kept_until_reaches_the_tills_card(server: LiveServer, make_till: TillFactory) -> None:
    """A member who reached gold at this till: the night's refresh works out until when gold is kept without a new
    purchase (a year after the purchase, plus the chain's 30 days' grace), and the till's next sync brings it to
    the member's card data; a purchase since leaves the day unknown until the next night."""
    till = make_till("kept")
    cashier = till.login("C001")
    member_id = till.till.members.enrol(cashier, phone="13600136001", name="钱七", consent_profile=True).member.id
    award = till.till.ledger.award(cashier, member_id, 900_000, receipt_no="G1")  # 9,000 yuan: gold
    assert till.sync().ok
    refresh(server.db)
    kept = _member(server, member_id).tier_kept_until
    bought = award.entry.created_at.astimezone(store_zone()).date()
    assert kept == bought.replace(year=bought.year + 1) + timedelta(days=30)
    assert till.sync().ok
    assert till.till.members.get(cashier, member_id).tier_kept_until == kept
    till.till.ledger.award(cashier, member_id, 10_000, receipt_no="G2")
    assert till.sync().ok
    assert till.till.members.get(cashier, member_id).tier_kept_until is None
