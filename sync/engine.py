"""The sync engine: one run = check the server's clock, take its config, push the outbox in order in batches, then
pull member changes page by page, then send the audit chain's anchor (docs/sync.md "The audit anchor": one small
request, whose failure or refusal is reported and never fails the points' sync). It owns the retry policy (capped
exponential backoff with full jitter on network errors, 5xx and 429), what each failure means (401 stops syncing
until the till is registered again; 409 rejects the conflicting items and goes on; 410 re-pulls from 0 keeping the
outbox), and the run's summary.

It talks to the till's database only through `localdb.sync_store.SyncStore` and to the server only through
`sync.client.ServerClient`; it has no Qt (the GUI runs it on a worker thread through `sync/qt_adapter.py`).

Pipelining: push and pull keep exactly one request in flight on a background thread (`_Courier`) while the
caller's thread does the till's SQLite work on the previous answer — batch k's results are recorded while the
server applies batch k+1; page k is written while the server reads page k+1. The server still sees the requests
one after the other in outbox order (batch k+1 leaves only after batch k's answer arrived), every answer is
recorded before the next run starts, and a failure of request k+1 is raised only after answer k is recorded. The
store is used from the caller's thread only (SQLite connections are per thread); the courier does HTTP and JSON.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from localdb.sync_store import STORAGE_FAILURES, Anchor, ItemOutcome, OutgoingItem, PushTally, StoreError, SyncStore
from loyalty.clock import Clock, utc_now
from protocol.limits import MAX_CHANGES_PAGE, MAX_PUSH_ITEMS
from protocol.vocabulary import ErrorCode
from sync.client import (
    ChangesPage,
    CursorGone,
    IdConflict,
    OutOfOrder,
    Refused,
    ServerBusy,
    ServerClient,
    SyncError,
    Unauthorized,
)

if TYPE_CHECKING:
    from protocol.wire import PushResponse

log = logging.getLogger(__name__)

T = TypeVar("T")

CLOCK_SKEW_WARNING = timedelta(minutes=5)


class Phase(StrEnum):
    CONNECT = "connect"
    PUSH = "push"
    PULL = "pull"
    DONE = "done"


ProgressCallback = Callable[[Phase, int, int | None], None]  # phase, done, total (None when unknown)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 5  # tries per request before the run gives up (and the next run starts again)
    base_seconds: float = 0.5
    cap_seconds: float = 30.0

    def delay(self, attempt: int, rng: Callable[[], float], retry_after: float | None = None) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)], but never sooner than the server asked."""
        ceiling = min(self.cap_seconds, self.base_seconds * (2.0**attempt))
        wait = rng() * ceiling
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.cap_seconds))
        return wait


@dataclass
class SyncReport:
    pushed: int = 0
    tally: PushTally = field(default_factory=PushTally)
    pulled: int = 0
    error: str | None = None  # the code of what stopped the run (see sync.client), None when it ran to the end
    unsent: int = 0  # items still waiting after the run
    clock_skew: timedelta | None = None
    repulled_from_zero: bool = False
    #: The audit anchor: the row the server now holds as this till's anchor, or (`audit_problem`) why none was
    #: taken: a refusal (`audit_behind`, `audit_rewritten`, `audit_key_issued`) or a failure's code.
    audit_anchor: int | None = None
    audit_problem: str | None = None

    @property
    def ok(self) -> bool:
        """Everything synced: the run finished, nothing was rejected, nothing is left to send."""
        return self.error is None and self.tally.rejected == 0 and self.unsent == 0

    @property
    def clock_skew_warning(self) -> bool:
        return self.clock_skew is not None and abs(self.clock_skew) > CLOCK_SKEW_WARNING

    def summary_lines(self) -> list[str]:
        t = self.tally
        lines = [
            f"pushed: {self.pushed}",
            f"applied: {t.applied}",
            f"duplicates: {t.duplicates}",
            f"merged: {t.merged}",
            f"flagged: {t.flagged}",
            f"rejected: {t.rejected}",
            f"pulled: {self.pulled}",
            f"still to send: {self.unsent}",
        ]
        if self.clock_skew_warning and self.clock_skew is not None:
            lines.append(f"warning: this till's clock is {int(self.clock_skew.total_seconds())} s off the server's")
        if self.audit_anchor is not None:
            lines.append(f"audit anchor: row {self.audit_anchor}")
        if self.audit_problem in AUDIT_TAMPERING:
            lines.append(f"warning: the server refused this till's audit anchor ({self.audit_problem}): the audit "
                         "log was changed; run verify-audit and tell the head office")  # fmt: skip
        elif self.audit_problem:
            lines.append(f"audit anchor not sent: {self.audit_problem}")
        if self.error:
            lines.append(f"error: {self.error}")
        return lines


#: The server's refusals of an anchor that mean the till's audit chain was changed (the key asked for twice too).
AUDIT_TAMPERING = frozenset({ErrorCode.AUDIT_BEHIND, ErrorCode.AUDIT_REWRITTEN, ErrorCode.AUDIT_KEY_ISSUED})


class Cancelled(SyncError):
    code = "cancelled"


def _storage_failure(error: StoreError) -> str:
    """The run's error code for the till's disk failing; any other refusal of the store is a bug: raised again."""
    if error.problem not in STORAGE_FAILURES:
        raise error
    return error.problem.value


def push_request_json(batch: Sequence[OutgoingItem], after: OutgoingItem | None = None) -> bytes:
    """A batch as the JSON of `PushRequest` (PROTOCOL.md: `{items: [{id, till_seq, type, created_at, body}]}`, and
    `after_seq`/`after_id` naming the last item of the batch still on its way before it), each body put in as the
    outbox stores it. Decoding 500 bodies only for pydantic to encode them again cost more than the rest of the
    request; the server validates every item it receives, and hashes a canonical form of the body, so the bytes need
    not be re-encoded. `tests/sync` checks this equals what `PushRequest` would send."""
    items = ",".join(
        f'{{"id":{json.dumps(item.item_id)},"till_seq":{int(item.seq)},"type":{json.dumps(item.type)},'
        f'"created_at":{json.dumps(item.created_at.isoformat())},"body":{item.body_json}}}'
        for item in batch
    )
    named = "" if after is None else f',"after_seq":{int(after.seq)},"after_id":{json.dumps(after.item_id)}'
    return f'{{"items":[{items}]{named}}}'.encode()


def _outcomes(response: PushResponse) -> list[ItemOutcome]:
    return [ItemOutcome(r.id, r.status.value, r.reason, r.member, r.member_version,
                        r.first_status.value if r.first_status else None)
            for r in response.results]  # fmt: skip


#: Push batches on their way at once: while the server writes batch k, batch k+1 has arrived and is being checked
#: (it waits for k: `after_seq`), and the till records the answers of k-1.
PUSH_IN_FLIGHT = 2


class _Courier:
    """The run's background threads for HTTP: the next requests travel (and the server works on them) while the
    caller's thread writes the previous answer to SQLite. Callers keep at most `PUSH_IN_FLIGHT` requests in flight
    (pulls: one). Leaving with an exception sets `abort`, so a request still retrying gives up at its next try instead
    of holding the run."""

    def __init__(self) -> None:
        self.abort = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=PUSH_IN_FLIGHT, thread_name_prefix="sync-http")

    def send(self, call: Callable[[], T]) -> Future[T]:
        return self._pool.submit(call)

    def __enter__(self) -> _Courier:
        return self

    def __exit__(self, kind: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None) -> None:
        if kind is not None:
            self.abort.set()
        self._pool.shutdown(wait=True, cancel_futures=True)


class SyncEngine:
    """Runs syncs for one till. `client_factory(server_url, token)` makes the HTTP client (tests pass transports)."""

    def __init__(
        self,
        store: SyncStore,
        client_factory: Callable[[str, str], ServerClient] = ServerClient,
        *,
        clock: Clock = utc_now,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        batch_size: int = MAX_PUSH_ITEMS,
        page_size: int = MAX_CHANGES_PAGE,
    ) -> None:
        self._store = store
        self._client_factory = client_factory
        self._clock = clock
        self._retry = retry
        self._sleep = sleep
        self._rng = rng
        self._batch_size = batch_size
        self._page_size = page_size
        self._lock = threading.Lock()  # one run at a time per till (timer and "sync now" may race)

    def run(self, progress: ProgressCallback | None = None, cancel: threading.Event | None = None) -> SyncReport:
        report = SyncReport()
        registration = self._store.registration()
        if registration is None:
            report.error = "not_registered"
            report.unsent = self._store.count_unsent()
            return report
        if registration.blocked:
            report.error = registration.blocked
            report.unsent = self._store.count_unsent()
            return report
        if not self._lock.acquire(blocking=False):
            report.error = "sync_running"
            return report
        notify = progress or (lambda _phase, _done, _total: None)
        try:
            self._run_locked(registration.server_url, registration.token, report, notify, cancel)
        finally:
            self._lock.release()
            log.info("sync finished: pushed %d, pulled %d, error %s", report.pushed, report.pulled, report.error)
        if report.error is None:
            notify(Phase.DONE, 1, 1)
        return report

    def _run_locked(
        self,
        server_url: str,
        token: str,
        report: SyncReport,
        notify: ProgressCallback,
        cancel: threading.Event | None,
    ) -> None:
        """The run itself, under the lock. The till's own disk failing (full, or an I/O error) ends the run like a
        network failure: its code is the run's error (`storage_full` / `storage_failed`, worded by the screens and
        the command line), and what was written before it stays (each page with its cursor, each batch's answers)."""
        try:
            run_id = self._store.start_run()
        except StoreError as exc:
            report.error = _storage_failure(exc)
            return
        try:
            with self._client_factory(server_url, token) as client:
                self._steps(client, token, report, notify, cancel)
        except Unauthorized as exc:
            self._store.block(exc.code)
            report.error = exc.code
        except SyncError as exc:
            report.error = exc.code
        except StoreError as exc:
            report.error = _storage_failure(exc)
        finally:
            self._record_run(run_id, report)

    def _record_run(self, run_id: int, report: SyncReport) -> None:
        """What is left to send and the run's row, for the status bar and the manager; on a failing disk the run's
        error says so and the run ends all the same (the next run starts afresh)."""
        try:
            report.unsent = self._store.count_unsent()
            self._store.finish_run(run_id, pushed=report.pushed, tally=report.tally, pulled=report.pulled,
                                   error=report.error)  # fmt: skip
        except StoreError as exc:
            failure = _storage_failure(exc)
            log.error("sync: the run's record could not be written (%s)", failure)
            report.error = report.error or failure

    def _steps(
        self,
        client: ServerClient,
        token: str,
        report: SyncReport,
        notify: ProgressCallback,
        cancel: threading.Event | None,
    ) -> None:
        notify(Phase.CONNECT, 0, None)
        sent_at = self._clock()
        health = self._retrying(client.health, cancel)
        received_at = self._clock()
        report.clock_skew = self._skew(health.server_time, sent_at, received_at)
        self._store.saw_server_time(health.server_time)  # the till's limits count from it (localdb.trusted_clock)
        config = self._retrying(client.config, cancel)
        self._store.apply_config(config.model_dump(mode="json"))
        with _Courier() as courier:
            self._push(client, courier, report, notify, cancel)
            self._pull(client, courier, report, notify, cancel)
        self._warnings(client, cancel)
        # The token first: its rotation is an audit row, which the anchor then covers (the head anchored is the
        # chain as this sync leaves it).
        self._rotate_token(client, token, cancel)
        self._anchor(client, report)

    def _warnings(self, client: ServerClient, cancel: threading.Event | None) -> None:
        """The store's churn-warning list, after this till's outcomes were pushed (so it holds them), and the health
        board's figures."""
        listed = self._retrying(client.warnings, cancel)
        if listed is not None:  # a server older than issue 17 has none: the till keeps what it had
            self._store.replace_warnings(listed.model_dump()["warnings"])
        board = self._retrying(client.board, cancel)
        if board is not None:
            self._store.keep_board(board)

    def _anchor(self, client: ServerClient, report: SyncReport) -> None:
        """The audit chain's anchor, once the points have synced: fetch the audit key first if the till has none
        (registered before keys), then send the head. One try, no retries: whatever goes wrong is the report's
        `audit_problem` (a refusal also a row in the chain), never the run's error."""
        from protocol.wire import AnchorRequest, AuditAnchor

        try:
            if self._store.needs_audit_key():
                self._store.install_audit_key(client.audit_key())
            wanted = self._store.audit_anchor_request()
            if wanted.head.seq < 1:
                return
            prior = wanted.prior
            answer = client.send_anchor(AnchorRequest(
                seq=wanted.head.seq, hash=wanted.head.hash,
                prior=AuditAnchor(seq=prior.seq, hash=prior.hash) if prior else None,
            ))  # fmt: skip
            if answer.anchor is not None:
                self._store.audit_anchored(Anchor(answer.anchor.seq, answer.anchor.hash))
                report.audit_anchor = answer.anchor.seq
        except SyncError as exc:
            log.warning("sync: audit anchor not taken (%s)", exc.code)
            report.audit_problem = exc.code
            if exc.code in AUDIT_TAMPERING:
                with contextlib.suppress(StoreError):
                    self._store.audit_anchor_refused(exc.code)
        except StoreError as exc:
            report.audit_problem = _storage_failure(exc)

    def _rotate_token(self, client: ServerClient, token: str, cancel: threading.Event | None) -> None:
        """The last step of a sync that went through: trade the token for a new one and keep it. The server keeps
        the old token valid until the new one is first used, so an answer lost on the way, or this process killed
        before the new token is committed, leaves the till with a token that works; the next sync rotates again.
        Only a refusal (revoked) ends the run; any other failure leaves the old token in use until next time."""
        try:
            new = self._retrying(client.rotate_token, cancel)
        except Unauthorized:
            raise
        except SyncError as exc:
            log.info("sync: the device token was not rotated this time (%s)", exc.code)
            return
        if not self._store.replace_token(token, new):
            log.warning("sync: the till was registered again during the sync; its new token is kept")

    @staticmethod
    def _skew(server_time: datetime, sent_at: datetime, received_at: datetime) -> timedelta:
        """Our clock minus the server's, taking the server's time as read half way through the round trip."""
        midpoint = sent_at + (received_at - sent_at) / 2
        return midpoint - server_time

    def _retrying(
        self, call: Callable[[], T], cancel: threading.Event | None, abort: threading.Event | None = None
    ) -> T:
        attempt = 0
        while True:
            if (cancel is not None and cancel.is_set()) or (abort is not None and abort.is_set()):
                raise Cancelled("sync cancelled")
            try:
                return call()
            except SyncError as exc:
                if not exc.retryable or attempt + 1 >= self._retry.attempts:
                    raise
                retry_after = exc.retry_after if isinstance(exc, ServerBusy) else None
                wait = self._retry.delay(attempt, self._rng, retry_after)
                log.info("sync: %s, retrying in %.1f s", exc.code, wait)
                self._sleep(wait)
                attempt += 1

    def _send_batch(
        self,
        client: ServerClient,
        courier: _Courier,
        batch: Sequence[OutgoingItem],
        after: OutgoingItem | None,
        cancel: threading.Event | None,
    ) -> Future[PushResponse]:
        request = push_request_json(batch, after)
        ids = [item.item_id for item in batch]
        return courier.send(partial(self._retrying, partial(client.push_encoded, request, ids), cancel, courier.abort))

    def _push(
        self,
        client: ServerClient,
        courier: _Courier,
        report: SyncReport,
        notify: ProgressCallback,
        cancel: threading.Event | None,
    ) -> None:
        """The outbox in order, two batches on their way: the second names the first's last item so the server
        applies them in order. When batch k's answer arrives, batch k+2 is sent, and k's answers are recorded (noting
        k+2 as attempted in the same transaction) while the server works on k+1 and k+2 travels.

        When a batch fails, what is still on its way is waited for (its answers recorded if it got any), then the push
        starts again from the oldest unanswered item: the server answers anything it already holds as a duplicate."""
        total = self._store.count_unsent()
        batch_size = self._batch_size
        notify(Phase.PUSH, 0, total)
        flying: deque[tuple[list[OutgoingItem], Future[PushResponse]]] = deque()

        def send(batch: list[OutgoingItem]) -> None:
            after = flying[-1][0][-1] if flying else None
            flying.append((batch, self._send_batch(client, courier, batch, after, cancel)))

        def restart() -> None:
            """Every answer so far is recorded: send the oldest unanswered items again."""
            while flying:  # what is still on its way first: the server must not see it after the restart's batches
                _batch, future = flying.popleft()
                with contextlib.suppress(SyncError):
                    report.tally.add(self._store.record_results(_outcomes(future.result())))
            batches: list[list[OutgoingItem]] = []
            after = 0
            while len(batches) < PUSH_IN_FLIGHT:
                batch = self._store.unsent(batch_size, after=after)
                if not batch:
                    break
                batches.append(batch)
                after = batch[-1].seq
            self._store.note_attempt([item.seq for batch in batches for item in batch])
            for batch in batches:
                send(batch)

        restart()
        while flying:
            batch, in_flight = flying.popleft()
            following = self._store.unsent(batch_size, after=(flying[-1][0] if flying else batch)[-1].seq)
            try:
                response = in_flight.result()
            except IdConflict as exc:
                # Ids the server holds with another body: reject those (kept for the manager), push the rest again.
                in_batch = {item.item_id for item in batch}
                conflicting = [i for i in exc.ids if i in in_batch]
                if not conflicting:
                    raise
                report.tally.add(self._store.reject_locally(conflicting, ErrorCode.ID_CONFLICT.value))
                restart()
                continue
            except OutOfOrder:  # the batch before it was not applied in time (it was retried for long): again
                restart()
                continue
            except Refused as exc:
                if exc.code == ErrorCode.BATCH_TOO_LARGE and batch_size > 1:
                    batch_size = max(1, batch_size // 2)
                    restart()
                    continue
                raise
            if following:
                send(following)
            tally = self._store.record_results(_outcomes(response), attempted=[item.seq for item in following])
            report.tally.add(tally)
            report.pushed += len(batch)
            notify(Phase.PUSH, min(report.pushed, total), total)

    def _pull(
        self,
        client: ServerClient,
        courier: _Courier,
        report: SyncReport,
        notify: ProgressCallback,
        cancel: threading.Event | None,
    ) -> None:
        """Pages after the stored cursor, the next one fetched while the till writes this one. A page and its cursor
        are written together, so a failure (raised only once the page before it is written) loses nothing."""
        cursor = start = self._store.cursor()
        notify(Phase.PULL, 0, None)

        def fetch(since: int) -> Future[ChangesPage]:
            return courier.send(partial(self._retrying, partial(client.changes, since, self._page_size), cancel,
                                        courier.abort))  # fmt: skip

        in_flight = fetch(cursor)
        while True:
            try:
                page = in_flight.result()
            except CursorGone:
                if report.repulled_from_zero:
                    raise
                log.info("sync: the server cannot serve our cursor any more; pulling everything again")
                self._store.reset_cursor()
                report.repulled_from_zero = True
                cursor = start = 0
                in_flight = fetch(0)
                continue
            if page.has_more:
                in_flight = fetch(page.next_cursor)
            report.pulled += self._store.apply_page(page.changes, page.next_cursor)
            cursor = page.next_cursor
            if page.latest is not None and page.latest > start:
                notify(Phase.PULL, min(cursor, page.latest) - start, page.latest - start)
            else:
                notify(Phase.PULL, report.pulled, None)
            if not page.has_more:
                return
