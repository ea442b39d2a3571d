"""The POS interface over real HTTP: authentication, loopback only, lookup, quote, sales (with and without a member,
with points, with a whole-bill discount), idempotency (replays, conflicts, two at once) and refunds here."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from localdb import pos_requests
from localdb.member_view import MemberView
from localdb.models import OutboxItem, PointEntry, PosRequest
from localdb.till import Till
from posapi.app import MAX_BODY_BYTES, create_pos_app
from posapi.pending import PendingSales
from posapi.secret import pos_secret
from posapi.service import PosService
from posapi.serving import NotLoopback, PosApiServer, start_pos_interface
from tests.conftest import Staffing
from tests.posapi.conftest import PosHandle, line, serve_pos


def _earns(till: Till) -> int:
    with till.db.read() as session:
        return session.scalar(select(func.count()).select_from(PointEntry).where(PointEntry.kind == "earn")) or 0


def test_without_the_secret_or_with_a_wrong_one_nothing_is_answered(pos: PosHandle, member: MemberView) -> None:
    body = {"phone": "13800138000"}
    bare = httpx.post(f"{pos.url}/pos/v1/lookup", json=body)
    wrong = httpx.post(f"{pos.url}/pos/v1/lookup", json=body, headers={"Authorization": "Bearer " + "0" * 64})
    other = httpx.post(f"{pos.url}/pos/v1/lookup", json=body, headers={"Authorization": pos.secret})
    for answer in (bare, wrong, other):
        assert answer.status_code == 401
        assert answer.json()["code"] == "unauthorized" and "张三" not in answer.text
    assert pos.http.post("/pos/v1/lookup", json=body).status_code == 200
    assert httpx.get(f"{pos.url}/openapi.json").json()["info"]["title"].startswith("MemberDesk")


def test_the_secret_is_made_once_and_kept_out_of_plain_settings(tmp_path: Path) -> None:
    database = tmp_path / "till.sqlite3"
    first = pos_secret(database)
    assert len(first) == 64 and pos_secret(database) == first
    key_file = tmp_path / "till.sqlite3.pos.key"
    assert key_file.stat().st_mode & 0o077 == 0  # owner-only (tests use the key file: no keyring here)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "localhost", "::"])
def test_it_listens_on_loopback_only(till: Till, staff: Staffing, host: str) -> None:
    service = PosService(till, lambda: staff.cashier)
    app = create_pos_app(service, "x" * 64, PendingSales(service.confirm_pending))
    with pytest.raises(NotLoopback):
        PosApiServer(app, port=0, host=host)


def test_lookup_by_phone_and_by_tail(pos: PosHandle, member: MemberView) -> None:
    found = pos.http.post("/pos/v1/lookup", json={"phone": "138 0013 8000"}).json()["candidates"]
    assert [(c["member_id"], c["name"], c["available_points"]) for c in found] == [(member.id, "张三", 0)]
    assert found[0]["phone_masked"] != "13800138000" and "8000" in found[0]["phone_masked"]
    by_tail = pos.http.post("/pos/v1/lookup", json={"tail": "8000"}).json()["candidates"]
    assert [c["member_id"] for c in by_tail] == [member.id]
    assert pos.http.post("/pos/v1/lookup", json={"tail": "9999"}).json()["candidates"] == []
    bad = pos.http.post("/pos/v1/lookup", json={"tail": "12a4"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_tail"
    both = pos.http.post("/pos/v1/lookup", json={"tail": "8000", "phone": "13800138000"})
    assert both.status_code == 422 and both.json()["code"] == "invalid_lookup"


def test_a_quote_says_what_the_sale_earns_and_what_may_be_redeemed(
    pos: PosHandle, till: Till, staff: Staffing, member: MemberView
) -> None:
    till.ledger.award(staff.cashier, member.id, 100_000, receipt_no="R0")  # 1000 points
    sale = {"receipt_no": "R1", "total_cents": 10_000, "lines": [line(1, 10_000)], "member": {"member_id": member.id},
            "points_to_redeem": 500}  # fmt: skip
    quote = pos.http.post("/pos/v1/quotes", json=sale).json()
    assert quote["discount_cents"] == 500 and quote["points_to_redeem"] == 500
    assert quote["points_earned"] == 95  # on ¥95 paid, 1 point a yuan
    assert quote["points_usable"] == 1000  # 50% of ¥100 is 5000 points; the balance is 1000
    assert quote["limits"]["offline_cap_left"] == 2000 and quote["limits"]["online"] is False
    assert _earns(till) == 1  # a quote writes nothing


def test_a_sale_for_a_member_earns_on_its_lines(pos: PosHandle, till: Till, member: MemberView) -> None:
    sale = {"receipt_no": "R1", "total_cents": 5_000, "member": {"phone": "13800138000"},
            "lines": [line(1, 3_000), line(2, 1_550, "0.35", "冷冻"), line(3, 450, 2, "日化")]}  # fmt: skip
    answer = pos.http.post("/pos/v1/sales", json=sale)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["points_earned"], body["points_redeemed"], body["discount_cents"], body["balance"]) == (50, 0, 0, 50)
    assert body["slip"]["phone_masked"] == member.phone_masked and body["slip"]["points_earned"] == 50
    (earn,) = till.ledger.earn_for_receipt("R1")
    kept = till.ledger.lines_of(earn.id)
    assert [(x.quantity_milli, x.amount_cents) for x in kept] == [(1000, 3_000), (350, 1_550), (2000, 450)]
    assert [c.receipt_no for c in pos.committed] == ["R1"]


def test_a_sale_without_a_member_is_recorded_and_earns_nothing(pos: PosHandle, till: Till) -> None:
    answer = pos.http.post("/pos/v1/sales", json={"receipt_no": "R2", "total_cents": 800, "lines": [line(1, 800)]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["member_id"] is None and answer.json()["balance"] is None
    with till.db.read() as session:
        types = session.scalars(select(OutboxItem.type)).all()
    assert types == ["sale"] and _earns(till) == 0


def test_points_pay_part_of_the_bill_and_the_rest_earns(
    pos: PosHandle, till: Till, staff: Staffing, member: MemberView
) -> None:
    till.ledger.award(staff.cashier, member.id, 100_000, receipt_no="R0")  # 1000 points
    sale = {"receipt_no": "R3", "total_cents": 10_000, "lines": [line(1, 6_000), line(2, 4_000)],
            "member": {"member_id": member.id}, "points_to_redeem": 500}  # fmt: skip
    body = pos.http.post("/pos/v1/sales", json=sale).json()
    assert (body["points_redeemed"], body["discount_cents"], body["paid_cents"], body["points_earned"]) == (
        500, 500, 9_500, 95)  # fmt: skip
    assert body["balance"] == 1000 - 500 + 95
    redeem, earn = sorted(till.ledger.earn_for_receipt("R3"), key=lambda e: e.kind.value, reverse=True)
    assert redeem.kind.value == "redeem" and earn.kind.value == "earn" and earn.amount_cents == 9_500
    assert [x.amount_cents for x in till.ledger.lines_of(earn.id)] == [5_700, 3_800]  # the discount spread


def test_a_whole_bill_discount_is_spread_over_the_lines_by_largest_remainder(
    pos: PosHandle, till: Till, member: MemberView
) -> None:
    """¥60.01 of lines for a ¥50 bill: 833.19, 1666.39 and 2500.42 cents; the cent left over goes to the .42."""
    lines = [line(1, 1_000), line(2, 2_000), line(3, 3_001)]
    sale = {"receipt_no": "R4", "total_cents": 5_000, "lines": lines, "member": {"member_id": member.id}}
    assert pos.http.post("/pos/v1/sales", json=sale).status_code == 200
    (earn,) = till.ledger.earn_for_receipt("R4")
    assert earn.amount_cents == 5_000
    assert [x.amount_cents for x in till.ledger.lines_of(earn.id)] == [833, 1_666, 2_501]
    short = pos.http.post("/pos/v1/sales", json={**sale, "receipt_no": "R5", "total_cents": 20_000})
    assert short.status_code == 422 and short.json()["code"] == "invalid_lines"


def test_a_bad_quantity_is_refused_with_a_code(pos: PosHandle, member: MemberView) -> None:
    for quantity in ("1.2345", "-1", "abc", 0):
        sale = {"receipt_no": "R6", "total_cents": 100, "lines": [line(1, 100, quantity)]}
        answer = pos.http.post("/pos/v1/sales", json=sale)
        assert answer.status_code == 422 and answer.json()["code"] == "invalid_quantity", quantity


def test_a_replay_gets_the_first_answer_and_another_sale_under_the_number_is_a_conflict(
    pos: PosHandle, till: Till, member: MemberView
) -> None:
    sale = {"receipt_no": "R7", "total_cents": 5_000, "lines": [line(1, 5_000)], "member": {"member_id": member.id}}
    first = pos.http.post("/pos/v1/sales", json=sale)
    again = pos.http.post("/pos/v1/sales", content=httpx.Request("POST", "/", json=sale).content,
                          headers={"Content-Type": "application/json"})  # fmt: skip
    assert first.status_code == again.status_code == 200 and first.content == again.content
    other = pos.http.post("/pos/v1/sales", json={**sale, "total_cents": 4_000, "lines": [line(1, 4_000)]})
    assert other.status_code == 409 and other.json()["code"] == "receipt_conflict"
    assert _earns(till) == 1 and len(pos.committed) == 1


def test_the_same_sale_twice_at_once_awards_once(pos: PosHandle, till: Till, member: MemberView) -> None:
    sale = {"receipt_no": "R8", "total_cents": 5_000, "lines": [line(1, 5_000)], "member": {"member_id": member.id}}
    answers: list[httpx.Response] = []
    start = threading.Barrier(4)

    def send() -> None:
        with httpx.Client(base_url=pos.url, headers={"Authorization": f"Bearer {pos.secret}"}) as client:
            start.wait()
            answers.append(client.post("/pos/v1/sales", json=sale))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200] * 4
    assert len({a.content for a in answers}) == 1
    assert _earns(till) == 1
    with till.db.read() as session:
        assert session.scalar(select(func.count()).select_from(PosRequest)) == 1


def test_a_partial_refund_here_claws_back_in_proportion_and_returns_redeemed_points(
    pos: PosHandle, till: Till, staff: Staffing, member: MemberView
) -> None:
    till.ledger.award(staff.cashier, member.id, 100_000, receipt_no="R0")  # 1000 points
    sale = {"receipt_no": "R9", "total_cents": 10_000, "lines": [line(1, 6_000, 3), line(2, 4_000)],
            "member": {"member_id": member.id}, "points_to_redeem": 500}  # fmt: skip
    sold = pos.http.post("/pos/v1/sales", json=sale).json()
    assert (sold["points_earned"], sold["balance"]) == (95, 595)
    refund = {"refund_no": "F1", "receipt_no": "R9", "lines": [{"line_no": 1, "quantity": 1}]}
    answer = pos.http.post("/pos/v1/refunds", json=refund)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # Line 1 paid ¥57 for 3 pieces: one back is ¥19 of the ¥95 paid, a fifth: 19 of 95 points, 100 of 500 back.
    assert (body["status"], body["refunded_cents"], body["points_clawed_back"], body["points_returned"]) == (
        "refunded", 1_900, 19, 100)  # fmt: skip
    assert body["balance"] == 595 - 19 + 100
    assert pos.http.post("/pos/v1/refunds", json=refund).content == answer.content  # a replay
    conflict = pos.http.post("/pos/v1/refunds", json={**refund, "lines": [{"line_no": 2}]})
    assert conflict.status_code == 409 and conflict.json()["code"] == "receipt_conflict"
    rest = {"refund_no": "F2", "receipt_no": "R9", "lines": [{"line_no": 1, "quantity": 2}, {"line_no": 2}]}
    whole = pos.http.post("/pos/v1/refunds", json=rest).json()
    assert whole["points_clawed_back"] == 76 and whole["points_returned"] == 400 and whole["balance"] == 1000
    over = pos.http.post("/pos/v1/refunds", json={**rest, "refund_no": "F3"})
    assert over.status_code == 409 and over.json()["code"] == "over_refund"


def test_a_refund_moving_more_points_than_a_cashier_may_needs_a_manager_and_writes_nothing(
    pos: PosHandle, till: Till, staff: Staffing, member: MemberView
) -> None:
    sale = {"receipt_no": "R11", "total_cents": 80_000, "lines": [line(1, 80_000)], "member": {"member_id": member.id}}
    assert pos.http.post("/pos/v1/sales", json=sale).json()["points_earned"] == 800
    answer = pos.http.post("/pos/v1/refunds", json={"refund_no": "F5", "receipt_no": "R11", "lines": [{"line_no": 1}]})
    assert answer.json()["status"] == "needs_manager" and answer.json()["reason"] == "approval_required"
    with till.db.read() as session:
        assert session.scalar(select(func.count()).select_from(PointEntry).where(PointEntry.kind == "refund")) == 0


def test_a_refund_of_a_sale_without_a_member_has_nothing_to_give_back(pos: PosHandle) -> None:
    pos.http.post("/pos/v1/sales", json={"receipt_no": "R10", "total_cents": 800, "lines": [line(1, 800)]})
    answer = pos.http.post("/pos/v1/refunds", json={"refund_no": "F9", "receipt_no": "R10", "lines": [{"line_no": 1}]})
    assert answer.json()["status"] == "nothing_to_refund"


def test_nobody_logged_in_is_refused(till: Till, staff: Staffing, tmp_path: Path) -> None:
    server, handle = serve_pos(till, None, tmp_path / "till.sqlite3")
    try:
        answer = handle.http.post("/pos/v1/lookup", json={"tail": "8000"})
        assert answer.status_code == 503 and answer.json()["code"] == "no_cashier"
    finally:
        handle.http.close()
        server.stop()


def test_answers_do_not_wait_for_the_pos_to_acknowledge(pos: PosHandle) -> None:
    """Nagle off on every connection (posapi.serving): with it on, each answer's body waited for the client's
    delayed ACK, 40 ms a request on Linux. Twenty requests on one connection take far less than 20 × 40 ms."""
    pos.http.get("/pos/v1/pending/none")
    started = time.perf_counter()
    for _ in range(20):
        pos.http.get("/pos/v1/pending/none")
    assert time.perf_counter() - started < 20 * 0.035


def test_the_till_process_starts_the_interface_with_its_kept_secret(
    till: Till, staff: Staffing, member: MemberView
) -> None:
    interface = start_pos_interface(till, lambda: staff.cashier, port=0)
    try:
        secret = pos_secret(till.db.path)
        answer = httpx.post(f"{interface.url}/pos/v1/lookup", json={"tail": "8000"},
                            headers={"Authorization": f"Bearer {secret}"})  # fmt: skip
        assert [c["member_id"] for c in answer.json()["candidates"]] == [member.id]
        assert interface.pending.current() is None
    finally:
        interface.stop()


def test_a_call_without_the_secret_is_refused_before_its_body_is_read_and_big_bodies_are_refused(
    pos: PosHandle,
) -> None:
    big = b"{" + b" " * (MAX_BODY_BYTES + 10) + b"}"
    bare = httpx.post(f"{pos.url}/pos/v1/sales", content=big, headers={"Content-Type": "application/json"})
    assert bare.status_code == 401 and bare.json()["code"] == "unauthorized"
    declared = pos.http.post("/pos/v1/sales", content=big, headers={"Content-Type": "application/json"})
    assert declared.status_code == 413 and declared.json()["code"] == "too_large"

    def chunks() -> Iterator[bytes]:
        yield b"{"
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b" " * 1024
        yield b"}"

    streamed = pos.http.post("/pos/v1/sales", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413 and streamed.json()["code"] == "too_large"
    broken = pos.http.post("/pos/v1/sales", content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 422 and broken.json()["code"] == "invalid_request"


def test_the_request_row_and_the_ledger_rows_are_written_together_or_not_at_all(
    pos: PosHandle, till: Till, member: MemberView, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The pos_request row is the last write of the sale's transaction: when it fails (as a kill there would), the
    award and its outbox row go with it, and the POS's retry awards once."""
    sale = {"receipt_no": "R12", "total_cents": 5_000, "lines": [line(1, 5_000)], "member": {"member_id": member.id}}

    def fail(*_args: object) -> str:
        raise OSError("the disk went away")  # stands for an error whose text could carry a phone

    with monkeypatch.context() as patched:
        patched.setattr(pos_requests, "record", fail)
        failed = pos.http.post("/pos/v1/sales", json=sale)
    assert failed.status_code == 500 and failed.json()["code"] == "internal_error"
    assert "unexpected OSError" in caplog.text and "disk went away" not in caplog.text  # no error text logged
    assert _earns(till) == 0
    with till.db.read() as session:
        assert session.scalar(select(func.count()).select_from(OutboxItem)) == 1  # the enrolment's only
    assert pos.http.post("/pos/v1/sales", json=sale).json()["points_earned"] == 50
    assert _earns(till) == 1
