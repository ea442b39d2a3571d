"""The POS's sale waiting for the counter: put over HTTP, seen by the counter (a listener called), confirmed by the
cashier for the member on screen through the sale path (so it is keyed like a sale), and its outcome polled."""

from __future__ import annotations

import pytest

from localdb.errors import Problem, StoreError
from localdb.member_view import MemberView
from localdb.till import Till
from loyalty.points import RedeemProblem, RedeemRefused
from tests.conftest import Staffing
from tests.posapi.conftest import PosHandle, line


def test_a_pending_sale_is_confirmed_at_the_counter_and_its_outcome_polled(
    pos: PosHandle, till: Till, staff: Staffing, member: MemberView
) -> None:
    changes: list[str | None] = []
    pos.pending.add_listener(lambda: changes.append(getattr(pos.pending.current(), "receipt_no", None)))
    sale = {"receipt_no": "P1", "total_cents": 4_500, "lines": [line(1, 3_000, "1.5"), line(2, 2_000)]}
    put = pos.http.post("/pos/v1/pending", json=sale)
    assert put.status_code == 200 and put.json()["status"] == "waiting"
    waiting = pos.pending.current()
    assert waiting is not None and waiting.total_cents == 4_500 and waiting.started_at.tzinfo is not None
    assert [(x.quantity_milli, x.amount_cents) for x in waiting.lines] == [(1500, 3_000), (1000, 2_000)]
    assert pos.http.get("/pos/v1/pending/P1").json() == {"receipt_no": "P1", "status": "waiting", "outcome": None}

    outcome = pos.pending.confirm(staff.cashier, member.id)  # the member the cashier scanned
    assert (outcome.member_id, outcome.points_earned, outcome.balance) == (member.id, 45, 45)
    assert pos.pending.current() is None and changes == ["P1", None]
    assert [c.receipt_no for c in pos.committed] == ["P1"]  # the slip, for a sale confirmed at the counter too
    polled = pos.http.get("/pos/v1/pending/P1").json()
    assert polled["status"] == "done" and polled["outcome"]["points_earned"] == 45
    (earn,) = till.ledger.earn_for_receipt("P1")
    assert [x.amount_cents for x in till.ledger.lines_of(earn.id)] == [2_700, 1_800]  # the ¥5 off spread
    # The same receipt through POST /pos/v1/sales with another body: the number is taken.
    again = pos.http.post("/pos/v1/sales", json={**sale, "member": {"member_id": member.id}})
    assert again.status_code == 409 and again.json()["code"] == "receipt_conflict"


def test_a_cancelled_pending_sale_cannot_be_confirmed(pos: PosHandle, staff: Staffing) -> None:
    pos.http.post("/pos/v1/pending", json={"receipt_no": "P2", "total_cents": 800, "lines": [line(1, 800)]})
    assert pos.http.delete("/pos/v1/pending/P2").status_code == 204
    assert pos.pending.current() is None
    assert pos.http.get("/pos/v1/pending/P2").json()["status"] == "unknown"
    with pytest.raises(StoreError) as refused:
        pos.pending.confirm(staff.cashier, None)
    assert refused.value.problem is Problem.NO_PENDING_SALE


def test_a_pending_sale_without_a_member_is_recorded_as_a_sale(pos: PosHandle, staff: Staffing) -> None:
    pos.http.post("/pos/v1/pending", json={"receipt_no": "P3", "total_cents": 800, "lines": [line(1, 800)],
                                           "points_to_redeem": 100})  # fmt: skip
    outcome = pos.pending.confirm(staff.cashier, None)
    assert (outcome.member_id, outcome.points_earned, outcome.points_redeemed, outcome.balance) == (None, 0, 0, None)


def test_points_the_member_does_not_have_are_refused_in_the_tills_own_words(
    pos: PosHandle, staff: Staffing, member: MemberView
) -> None:
    pos.http.post("/pos/v1/pending", json={"receipt_no": "P4", "total_cents": 8_000, "lines": [line(1, 8_000)],
                                           "points_to_redeem": 500})  # fmt: skip
    with pytest.raises(RedeemRefused) as refused:
        pos.pending.confirm(staff.cashier, member.id)  # 0 points
    assert refused.value.problem is RedeemProblem.INSUFFICIENT_POINTS
    assert pos.pending.current() is not None  # still waiting, nothing written: the POS may change or cancel it
