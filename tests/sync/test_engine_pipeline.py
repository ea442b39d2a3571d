"""The engine keeps two push batches on their way while the till writes the previous answer (sync/engine.py): against
a scripted server that, like the real one, applies a batch only after the one its `after_seq` names, the batches are
applied in outbox order, every answer received is recorded even when a later request fails, a 409 or 413 in the
middle of the run is handled as before, and a pull that fails part way keeps the pages written before it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from localdb.till import Till
from loyalty.member_code import new_signing_key, public_key_to_text
from protocol.vocabulary import ItemStatus, ItemType
from protocol.wire import ConfigResponse, Health, PushItem, PushRequest, PushResponse, PushResult, StoreInfo
from sync.client import ChangesPage, IdConflict, OutOfOrder, Refused, ServerClient, ServerUnreachable, SyncError
from sync.engine import RetryPolicy, SyncEngine, push_request_json
from tests.conftest import Staffing

MEMBER = "0190aaaa-bbbb-7ccc-8ddd-000000000001"
PUBLIC_KEY = public_key_to_text(new_signing_key().public_key())


class ScriptedServer:
    """Answers like the real server. A push naming `after_seq` waits until an item with that till_seq or a later one
    was applied (else `OutOfOrder` after `order_wait` seconds). `fail` maps ("push", first till_seq of the batch, try)
    or ("changes", call number) to what that call raises."""

    def __init__(self, till: Till, pages: Sequence[ChangesPage] = ()) -> None:
        self.rules = till.settings.current().rules.to_dict()
        self.pushes: list[list[PushItem]] = []  # batches as the server took them up, in order
        self.applied: list[str] = []  # item ids in the order the server applied them
        self.pages = list(pages)
        self.page_calls: list[int] = []
        self.fail: dict[tuple[str, int] | tuple[str, int, int], Callable[[list[PushItem]], SyncError]] = {}
        self.tries: dict[int, int] = {}
        self.last_seq = 0
        self.order_wait = 0.5
        self.hold_first_push = False  # the first push waits for the second to arrive
        self.second_arrived = threading.Event()
        self.calls = 0
        self.out_of_order = 0  # pushes refused because the batch before them was not applied in time
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Condition()

    def factory(self, _url: str, _token: str) -> ServerClient:
        return self  # type: ignore[return-value]  # a duck-typed client

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def health(self) -> Health:
        return Health(status="ok", server_time=datetime.now(UTC))

    def audit_key(self) -> str:
        raise ServerUnreachable("the scripted server keeps no audit chains")

    def warnings(self) -> None:
        return None  # a server from before churn warnings

    def board(self) -> None:
        return None  # nor a health board

    def config(self) -> ConfigResponse:
        return ConfigResponse(config_version=1, rules=self.rules, tiers=[], store=StoreInfo(code="S001", name="店"),
                              staff=[], member_code_public_key=PUBLIC_KEY, revoked_cards=[])  # fmt: skip

    def rotate_token(self) -> str:
        return "rotated-token"

    def push(self, items: Sequence[PushItem], after_seq: int | None = None) -> PushResponse:
        with self._lock:
            self.calls += 1
            if self.calls == 2:
                self.second_arrived.set()
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.hold_first_push and self.calls == 1:
                assert self.second_arrived.wait(5), "the second batch was not sent while the first was on its way"
            with self._lock:
                if after_seq is not None and not self._lock.wait_for(lambda: self.last_seq >= after_seq,
                                                                     self.order_wait):  # fmt: skip
                    self.out_of_order += 1
                    raise OutOfOrder("not yet", status=409, code="out_of_order")
                self.pushes.append(list(items))
                first_seq = items[0].till_seq
                self.tries[first_seq] = self.tries.get(first_seq, 0) + 1
                failure = self.fail.get(("push", first_seq, self.tries[first_seq]))
                if failure is None:
                    return self._apply(list(items))
            raise failure(list(items))  # outside the lock: a failure may take its time
        finally:
            with self._lock:
                self.in_flight -= 1

    def _apply(self, items: list[PushItem]) -> PushResponse:
        results = []
        for item in items:
            first = item.id in self.applied
            if not first:
                self.applied.append(item.id)
            results.append(
                PushResult(
                    id=item.id,
                    status=ItemStatus.DUPLICATE if first else ItemStatus.APPLIED,
                    first_status=ItemStatus.APPLIED if first else None,
                    member=MEMBER,
                    member_version=len(self.applied),
                )
            )
        self.last_seq = max(self.last_seq, *(item.till_seq for item in items))
        self._lock.notify_all()
        return PushResponse(results=results)

    def push_encoded(self, request: bytes, ids: Sequence[str]) -> PushResponse:
        parsed = PushRequest.model_validate_json(request)  # the till's hand-made JSON is a valid request
        assert [item.id for item in parsed.items] == list(ids)
        return self.push(parsed.items, parsed.after_seq)

    def changes(self, since: int, limit: int) -> ChangesPage:
        self.page_calls.append(since)
        failure = self.fail.get(("changes", len(self.page_calls)))
        if failure is not None:
            raise failure([])
        for page in self.pages:
            if page.next_cursor > since:
                return page
        return ChangesPage([], since, False, None)


def member(version: int, number: int) -> dict[str, Any]:
    return {"id": f"0190aaaa-bbbb-7ccc-8ddd-{number:012d}", "version": version, "phone": f"+861380013{number:04d}",
            "name": "王小明", "tier": "normal", "tags": [], "preferences": []}  # fmt: skip


@pytest.fixture
def awards(till: Till, staff: Staffing) -> list[str]:
    """A registered till with a member and 23 awards waiting in its outbox (ids in outbox order)."""
    till.sync.register(server_url="http://127.0.0.1:9", device_id="d1", token="t", store_code="S001",
                       store_name="店", timezone="Asia/Shanghai")  # fmt: skip
    till.sync.apply_page([{**member(1, 1), "id": MEMBER}], next_cursor=1)
    return [till.ledger.award(staff.cashier, MEMBER, 1_000 + n).entry.id for n in range(23)]


def engine(till: Till, server: ScriptedServer, **options: Any) -> SyncEngine:
    return SyncEngine(till.sync, server.factory, clock=till.clock, retry=RetryPolicy(attempts=2),
                      sleep=lambda _seconds: None, **options)  # fmt: skip


def unsent(till: Till) -> list[str]:
    return [item.item_id for item in till.sync.unsent(1_000)]


def test_two_batches_travel_at_once_applied_in_order_and_every_answer_is_recorded(
    till: Till, awards: list[str]
) -> None:
    server = ScriptedServer(till)
    server.hold_first_push = True  # fails unless the second batch is sent while the first is still unanswered

    report = engine(till, server, batch_size=5).run()

    assert report.ok and report.pushed == 23 and report.tally.applied == 23
    assert [len(batch) for batch in server.pushes] == [5, 5, 5, 5, 3]
    assert server.applied == awards and server.max_in_flight == 2
    assert unsent(till) == []
    with till.db.read() as session:
        attempts = session.connection().exec_driver_sql("SELECT DISTINCT attempts FROM outbox").fetchall()
        assert attempts == [(1,)]  # each item noted as sent once, the pipelined batches included
        versions = session.connection().exec_driver_sql("SELECT server_version FROM point_entry").fetchall()
        assert sorted(v for (v,) in versions) == list(range(1, 24))


def test_a_failure_part_way_keeps_the_answers_already_received(till: Till, awards: list[str]) -> None:
    server = ScriptedServer(till)
    down = ServerUnreachable("down")
    server.fail = {("push", 11, 1): lambda _items: down, ("push", 11, 2): lambda _items: down}  # two tries of batch 3

    report = engine(till, server, batch_size=5).run()

    assert report.error == "server_unreachable" and report.pushed == 10 and report.tally.applied == 10
    assert unsent(till) == awards[10:]  # batches 1 and 2 recorded; batch 3 onwards still to send

    again = engine(till, server, batch_size=5).run()

    assert again.ok and again.tally.applied == 13 and server.applied == awards


def test_a_conflict_in_the_middle_rejects_those_items_and_pushes_the_rest(till: Till, awards: list[str]) -> None:
    server = ScriptedServer(till)
    server.fail = {("push", 6, 1): lambda items: IdConflict("x", status=409, code="id_conflict", ids=[items[1].id])}

    report = engine(till, server, batch_size=5).run()

    assert report.tally.rejected_ids == [awards[6]] and report.tally.applied == 22 and report.unsent == 0
    assert server.applied == [item for item in awards if item != awards[6]]  # still in outbox order


def test_a_batch_too_large_is_halved_and_the_order_kept(till: Till, awards: list[str]) -> None:
    server = ScriptedServer(till)

    def too_large(items: list[PushItem]) -> SyncError:
        return Refused("too many", status=413, code="batch_too_large")

    server.fail = {("push", 9, 1): too_large}

    report = engine(till, server, batch_size=8).run()

    assert report.ok and report.tally.applied == 23
    assert [len(batch) for batch in server.pushes] == [8, 8, 4, 4, 4, 3]
    assert server.applied == awards


def test_a_pull_failing_part_way_keeps_the_pages_written(till: Till, awards: list[str]) -> None:
    pages = [ChangesPage([member(10 + n, 100 + n)], 10 + n, n < 3, 13) for n in range(4)]  # four pages, cursors 10..13
    server = ScriptedServer(till, pages)
    server.fail = {
        ("changes", 3): lambda _items: ServerUnreachable("cut"),
        ("changes", 4): lambda _i: ServerUnreachable("cut"),
    }

    report = engine(till, server).run()

    assert report.error == "server_unreachable" and report.pulled == 2
    assert till.sync.cursor() == 11

    again = engine(till, server).run()

    assert again.ok and again.pulled == 2 and till.sync.cursor() == 13
    assert server.page_calls[-2:] == [11, 12]


def test_the_hand_encoded_request_is_what_pydantic_would_send(till: Till, awards: list[str]) -> None:
    batch = till.sync.unsent(5)
    sent = PushRequest.model_validate_json(push_request_json(batch))
    expected = PushRequest(
        items=[PushItem(id=i.item_id, till_seq=i.seq, type=ItemType(i.type), created_at=i.created_at, body=i.body)
               for i in batch]
    )  # fmt: skip
    assert sent == expected and [item.id for item in sent.items] == awards[:5]
    assert sent.items[0].created_at.tzinfo is not None
    previous = till.sync.unsent(1)[0]
    after = PushRequest.model_validate_json(push_request_json(batch, previous))
    assert after == PushRequest(items=expected.items, after_seq=previous.seq, after_id=previous.item_id)


def test_a_batch_whose_predecessor_is_late_is_sent_again_in_order(till: Till, awards: list[str]) -> None:
    server = ScriptedServer(till)
    server.order_wait = 0.05
    slow = threading.Event()

    def late(_items: list[PushItem]) -> SyncError:  # batch 2's first try is retried while batch 3 gives up waiting
        slow.wait(0.3)
        return ServerUnreachable("slow")

    server.fail = {("push", 6, 1): late}

    report = engine(till, server, batch_size=5).run()

    assert server.out_of_order >= 1  # batch 3 gave up waiting for batch 2
    assert report.ok and report.tally.applied == 23 and report.unsent == 0
    assert server.applied == awards


def test_an_audit_anchor_that_cannot_be_sent_leaves_the_points_synced(till: Till, awards: list[str]) -> None:
    """The scripted server keeps no audit chains (its audit calls fail): the run is ok all the same, and says so."""
    report = engine(till, ScriptedServer(till), batch_size=5).run()

    assert report.ok and report.error is None and report.tally.applied == 23
    assert report.audit_problem == "server_unreachable" and report.audit_anchor is None
    assert "audit anchor not sent: server_unreachable" in report.summary_lines()
