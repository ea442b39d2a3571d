"""A member's 12-month spend and 90-day visits on the server stay what the ledger says, through a real till and a
real server on 127.0.0.1: a push adds each sale to the member's stored figures while they are exact (and reads the
ledger when they are not), refunds and reversals take back what they gave, and the nightly refresh
(`server.member_figures`) ages the figures, tier and segment of members who bought nothing — new versions only for
members that changed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update

from server import members
from server.member_figures import refresh_figures
from server.models import Member
from server.purchase_window import FOREVER, VISIT_WINDOW
from tests.integration.conftest import LiveServer, TillFactory


def _member(server: LiveServer, member_id: str) -> Member:
    with server.db.read() as session:
        row = session.get(Member, member_id)
        assert row is not None
        return row


def _from_ledger(server: LiveServer, member_id: str, now: datetime) -> tuple[int, int]:
    with server.db.read() as session:
        found = members.activity(session, [member_id], now)[member_id]
    return found.spend_12m_cents, found.visits_90d


def test_push_and_refresh_keep_the_figures_the_ledger_gives(server: LiveServer, make_till: TillFactory) -> None:
    till = make_till("figures")
    cashier = till.login("C001")
    member_id = till.till.members.enrol(cashier, phone="13700137000", name="钱七", birthday=date(1991, 5, 5)).member.id
    assert till.sync().ok
    assert _member(server, member_id).figures_valid_until == FOREVER  # no purchase: exact until one

    first = till.till.ledger.award(cashier, member_id, 20_000, receipt_no="F1")
    second = till.till.ledger.award(cashier, member_id, 8_000, receipt_no="F2")
    assert till.sync().ok
    row = _member(server, member_id)
    assert (row.spend_12m_cents, row.visits_90d) == (28_000, 2) == _from_ledger(server, member_id, datetime.now(UTC))
    # exact until the first sale's visit leaves the 90 days
    assert row.figures_valid_until is not None
    assert abs(row.figures_valid_until - (first.entry.created_at + VISIT_WINDOW)) < timedelta(seconds=5)

    # a refund and a reversal, pushed while the figures are exact, take back what their sales gave
    till.till.ledger.refund(cashier, [(first.entry.id, 5_000, None)])
    till.till.ledger.reverse(till.login("M001"), second.entry.id)
    assert till.sync().ok
    row = _member(server, member_id)
    assert (row.spend_12m_cents, row.visits_90d) == (15_000, 1) == _from_ledger(server, member_id, datetime.now(UTC))

    # figures that are not known exact (never stamped, as after the upgrade) are read from the ledger, whatever the
    # row says
    with server.db.write() as session:
        session.execute(
            update(Member).where(Member.id == member_id).values(figures_valid_until=None, spend_12m_cents=999_999)
        )
    till.till.ledger.award(cashier, member_id, 1_000, receipt_no="F3")
    assert till.sync().ok
    row = _member(server, member_id)
    assert (row.spend_12m_cents, row.visits_90d) == (16_000, 2) == _from_ledger(server, member_id, datetime.now(UTC))

    # 100 days on, nothing bought: the refresh ages the visits out and moves the segment, once
    later = datetime.now(UTC) + timedelta(days=100)
    before = _member(server, member_id)
    report = refresh_figures(server.db, later)
    row = _member(server, member_id)
    assert (row.spend_12m_cents, row.visits_90d) == (16_000, 0) == _from_ledger(server, member_id, later)
    assert row.segment != before.segment and row.version > before.version
    assert report.changed >= 1
    assert refresh_figures(server.db, later).changed == 0  # nothing left to change at the same time
    assert _member(server, member_id).version == row.version

    # after a year the spend is gone too: nothing left to expire, the tier is the first one
    year_on = datetime.now(UTC) + timedelta(days=400)
    refresh_figures(server.db, year_on)
    row = _member(server, member_id)
    assert (row.spend_12m_cents, row.visits_90d, row.figures_valid_until) == (0, 0, FOREVER)
    assert _from_ledger(server, member_id, year_on) == (0, 0)
