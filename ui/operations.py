"""Running service calls off the GUI thread, the one way every screen does it.

Database work (award, redeem, enrol, reports) runs on a single worker thread, so writes never wait on each other
in the GUI and never block it behind a sync page; network calls (authorize a redemption, fetch a member code) run
on a small pool of their own, and slips print on a worker of their own, one at a time (a printer that does not
answer holds up only the next slip, never a write). The result or the error comes back on the GUI thread through a
queued signal.
Be careful: the work function runs on a worker thread and must not touch any widget; only the callbacks may.

A write service's result says what it changed (`localdb.changes.Changes`, Anki's `OpChanges`): once `on_done` has
run, the hub's `member_changed` is emitted here for each member it names, so no screen announces a change by hand
and every screen showing one of those members reads it again.

Thread: created and called on the GUI thread; `work` runs on a worker; `on_done` / `on_error` run on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal

from localdb.changes import ChangingResult
from ui.hub import AppHub
from ui.messages import is_refusal

log = logging.getLogger(__name__)

T = TypeVar("T")

ErrorCallback = Callable[[Exception], None]


class Operations(QObject):
    """`ops.db(work, on_done, on_error, owner=widget)`: run `work()` on the database worker, then call back."""

    _delivered = Signal(object)

    def __init__(self, hub: AppHub, *, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hub = hub
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="memberdesk-db")
        self._net = ThreadPoolExecutor(max_workers=2, thread_name_prefix="memberdesk-net")
        self._print = ThreadPoolExecutor(max_workers=1, thread_name_prefix="memberdesk-print")
        self._running = 0
        self._stopped = False
        self._delivered.connect(self._deliver)

    def db(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: ErrorCallback,
        *,
        owner: QObject | None = None,
    ) -> None:
        """Database work, one at a time in the order asked; what its result changed is announced on the hub."""
        self._submit(self._db, work, on_done, on_error, owner)

    def net(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: ErrorCallback,
        *,
        owner: QObject | None = None,
    ) -> None:
        """Network work; several may run at once."""
        self._submit(self._net, work, on_done, on_error, owner)

    def print_job(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: ErrorCallback,
        *,
        owner: QObject | None = None,
    ) -> None:
        """Printing (a slip, a test page): one at a time, in the order asked, each within its printer's time limit."""
        self._submit(self._print, work, on_done, on_error, owner)

    def busy(self) -> bool:
        """Some work has not been delivered yet (tests wait on this)."""
        return self._running > 0

    def shutdown(self, *, wait: bool = False) -> None:
        """Finish queued database work (a half-done award must still commit), then stop the workers. What finishes
        afterwards is not delivered: the app is closing, and the callbacks would read a store about to close (a
        background fetch such as the chain history may still be on its way). `wait`: also wait for the network and
        print work already running (tests: nothing of one test may still run, and call back, in the next)."""
        self._stopped = True
        self._db.shutdown(wait=True)
        self._net.shutdown(wait=wait, cancel_futures=True)
        self._print.shutdown(wait=wait, cancel_futures=True)

    def _announce(self, result: object) -> None:
        """What a write changed, told to every screen, even when the screen that asked has closed meanwhile."""
        if isinstance(result, ChangingResult):
            for member_id in sorted(result.changes.members):
                self._hub.member_changed.emit(member_id)

    def _submit(
        self,
        pool: ThreadPoolExecutor,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: ErrorCallback,
        owner: QObject | None,
    ) -> None:
        self._running += 1
        future = pool.submit(work)
        # The done-callback runs on the worker; the signal hops to the GUI thread (queued: we live there).
        future.add_done_callback(lambda done: self._delivered.emit((done, on_done, on_error, owner)))

    def _deliver(self, payload: tuple[Future[Any], Callable[[Any], None], ErrorCallback, QObject | None]) -> None:
        future, on_done, on_error, owner = payload
        self._running -= 1
        if self._stopped:
            return
        asker_gone = owner is not None and not shiboken6.isValid(owner)  # the dialog that asked was closed meanwhile
        error = future.exception()
        if error is None:
            result = future.result()
            try:
                if not asker_gone:
                    on_done(result)
            finally:
                self._announce(result)
            return
        if not isinstance(error, Exception):  # KeyboardInterrupt / SystemExit on a worker: not ours to swallow
            raise error
        if not _expected(error):
            log.error("background work failed", exc_info=error)
        if not asker_gone:
            on_error(error)


def _expected(error: Exception) -> bool:
    """Refusals the screens explain in words; anything else is a bug and goes to the log with its traceback."""
    return is_refusal(error)
