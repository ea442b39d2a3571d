"""The only Qt in `sync/`: runs the sync engine and the server health check off the GUI thread and reports through
signals, and keeps a timer that syncs in the background every few minutes while the server answers.

Thread: the controller lives on the GUI thread; each sync run and each health check runs on its own short-lived
worker thread, whose signals Qt queues to the GUI thread. The engine's own lock keeps runs from overlapping.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from PySide6.QtCore import QObject, QTimer, Signal

from localdb.sync_store import StoreError, SyncStore
from loyalty.clock import Clock, utc_now
from sync.client import ServerClient, SyncError
from sync.engine import Phase, SyncEngine, SyncReport

log = logging.getLogger(__name__)


class SyncController(QObject):
    """`sync_now()` starts a run unless one is going; `start_background()` checks health and syncs on timers."""

    started = Signal()
    progress = Signal(str, int, int)  # phase value, done, total (-1 when unknown)
    finished = Signal(object)  # SyncReport
    online_changed = Signal(bool)
    clock_skew = Signal(int)  # seconds this till's clock is ahead (+) or behind (-) the server's
    _health_result = Signal(bool, int)  # from the health-check thread

    def __init__(
        self,
        store: SyncStore,
        client_factory: Callable[[str, str], ServerClient] = ServerClient,
        *,
        clock: Clock = utc_now,
        engine: SyncEngine | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._client_factory = client_factory
        self._clock = clock
        self._engine = engine or SyncEngine(store, client_factory, clock=clock)
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._online: bool | None = None
        self._checking = False
        self._sync_timer = QTimer(self)
        self._sync_timer.timeout.connect(self._auto_sync)
        self._health_timer = QTimer(self)
        self._health_timer.timeout.connect(self.check_health)
        self.finished.connect(self._after_run)
        self._health_result.connect(self._on_health)

    # -- state ---------------------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def online(self) -> bool | None:
        """What the last health check or sync found; None before the first one."""
        return self._online

    # -- runs ----------------------------------------------------------------------------------------------------

    def sync_now(self) -> bool:
        """Start a sync run in the background; False when one is already running."""
        if self.running:
            return False
        self._cancel.clear()
        self._thread = threading.Thread(target=self._run, name="memberdesk-sync", daemon=True)
        self.started.emit()
        self._thread.start()
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def _run(self) -> None:
        def notify(phase: Phase, done: int, total: int | None) -> None:
            self.progress.emit(phase.value, done, -1 if total is None else total)

        try:
            report = self._engine.run(notify, self._cancel)
        except Exception:  # a bug must not kill the thread silently and leave the screen waiting
            log.exception("sync run failed")
            report = SyncReport(error="sync_failed")
        self.finished.emit(report)

    def _after_run(self, report: SyncReport) -> None:
        if self._thread is not None:
            self._thread.join(timeout=1)
        if report.error in (None, "cancelled"):
            self._set_online(True)
        elif report.error == "server_unreachable":
            self._set_online(False)
        if report.clock_skew is not None:
            self.clock_skew.emit(int(report.clock_skew.total_seconds()))

    # -- background ----------------------------------------------------------------------------------------------

    def start_background(self, *, sync_every: timedelta, check_every: timedelta) -> None:
        """Check the server now and then every `check_every`; sync every `sync_every` while it answers (the
        intervals are the till's local settings, `ui.settings`)."""
        self._sync_timer.start(int(sync_every.total_seconds() * 1000))
        self._health_timer.start(int(check_every.total_seconds() * 1000))
        self.check_health()

    def intervals(self) -> tuple[timedelta, timedelta] | None:
        """(sync every, check every) while the background timers run; None when they do not."""
        if not self._sync_timer.isActive():
            return None
        return timedelta(milliseconds=self._sync_timer.interval()), timedelta(
            milliseconds=self._health_timer.interval()
        )

    def stop_background(self) -> None:
        self._sync_timer.stop()
        self._health_timer.stop()

    def _auto_sync(self) -> None:
        if self._online and self._store.registration() is not None:
            self.sync_now()

    def check_health(self) -> None:
        """Ask the server's /v1/health on a worker thread; emits online_changed when the answer changes."""
        registration = self._store.registration()
        if registration is None or self._checking:
            return
        self._checking = True
        url, token = registration.server_url, registration.token

        def check() -> None:
            sent = self._clock()
            try:
                with self._client_factory(url, token) as client:
                    health = client.health()
            except SyncError:
                self._health_result.emit(False, 0)
                return
            received = self._clock()
            skew = sent + (received - sent) / 2 - health.server_time
            try:
                self._store.saw_server_time(health.server_time)  # the till's limits count from it
            except StoreError:
                log.warning("the server's time could not be kept: the till's store refused the write")
            self._health_result.emit(True, int(skew.total_seconds()))

        threading.Thread(target=check, name="memberdesk-health", daemon=True).start()

    def _on_health(self, online: bool, skew_seconds: int) -> None:
        self._checking = False
        self._set_online(online)
        if online:
            self.clock_skew.emit(skew_seconds)

    def _set_online(self, online: bool) -> None:
        if online != self._online:
            self._online = online
            self.online_changed.emit(online)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop the timers, ask a running sync to stop at its next step, and wait for it (the window is closing)."""
        self.stop_background()
        self._cancel.set()
        if self._thread is not None:
            self._thread.join(timeout)
