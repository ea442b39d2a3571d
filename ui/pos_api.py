"""The till's local POS interface as the counter app runs it: `PosApi` starts `posapi`'s HTTP server when the
counter window opens and stops it when the app quits, keeps what it serves with (the port from this computer's
settings, the shared secret `posapi` keeps), and says whether it runs, for the status bar and the manager's
"POS 接口" dialog. A port already taken is a state with words, never a failed start: the till works on without the
POS, and the amount is typed by hand as before.

What it needs of `posapi` is a `PosBackend`: `start(till, port, secret, pending) -> handle` with `.stop()`, the
shared secret, and the `PendingSales` the counter confirms; `posapi_backend(ctx)` builds it from `posapi`'s service,
app and server (tests give a stand-in).

Thread: GUI thread; starting and stopping (binding a socket, waiting for the server thread) run on a network
worker (`ctx.ops.net`), so the window never waits on them.
"""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QCoreApplication, QObject, Signal

from localdb.till import Till
from ui.context import AppContext
from ui.settings import POS_PORT
from widgets.retranslating import QT_TRANSLATE_NOOP

if TYPE_CHECKING:  # posapi.pending loads the wire schemas (pydantic): not at the window's start
    from posapi.pending import PendingSales

log = logging.getLogger(__name__)


class PosHandle(Protocol):
    def stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class PosBackend:
    """What the counter needs of `posapi`: how to start its server, its shared secret, the sale waiting."""

    start: Callable[[Till, int, str, PendingSales], PosHandle]
    secret: Callable[[], str]
    pending: PendingSales
    slips: QObject | None = None  # prints the slip of each sale the interface writes (ui.pos_slips), kept alive here


def posapi_backend(ctx: AppContext) -> PosBackend:
    """`posapi`'s server for this till: its `PosService` acting as the staff logged in at the counter (none while the
    counter is locked: the POS's writes are refused then), its secret (kept like the database key), and the
    `PendingSales` whose confirm goes through the same commit path and idempotency as the POS's own commits."""
    from posapi.app import create_pos_app  # FastAPI and uvicorn: loaded once the window opens, not at start-up
    from posapi.pending import PendingSales
    from posapi.secret import pos_secret
    from posapi.service import PosService
    from posapi.serving import PosApiServer
    from ui.pos_slips import PosSlips

    till = ctx.till
    slips = PosSlips(ctx)
    service = PosService(till, lambda: ctx.staff, ctx.client_factory, on_commit=slips.committed.emit)
    pending = PendingSales(service.confirm_pending)

    def start(_till: Till, port: int, secret: str, sales: PendingSales) -> PosHandle:
        return PosApiServer(create_pos_app(service, secret, sales), port=port)

    return PosBackend(start=start, secret=lambda: pos_secret(till.db.path), pending=pending, slips=slips)


def port_taken(port: int) -> bool:
    """Another program listens on 127.0.0.1:`port` (checked before starting: uvicorn exits rather than raising)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        exclusive = getattr(socket, "SO_EXCLUSIVEADDRUSE", None)  # Windows: SO_REUSEADDR would take a used port
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR if exclusive is None else exclusive, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", errno.EADDRINUSE), errno.EACCES):
                return True
            raise
    return False


class PosState(StrEnum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    PORT_IN_USE = "port_in_use"
    FAILED = "failed"


_STATE_WORDS = {
    PosState.STOPPED: QT_TRANSLATE_NOOP("PosApi", "The POS interface is stopped."),
    PosState.STARTING: QT_TRANSLATE_NOOP("PosApi", "The POS interface is starting…"),
    PosState.RUNNING: QT_TRANSLATE_NOOP("PosApi", "The POS interface is running on 127.0.0.1, port %1."),
    PosState.PORT_IN_USE: QT_TRANSLATE_NOOP(
        "PosApi",
        "The POS interface did not start: port %1 is used by another program. The till works on; type amounts by "
        "hand, or ask a manager to choose another port.",
    ),
    PosState.FAILED: QT_TRANSLATE_NOOP(
        "PosApi", "The POS interface did not start. The till works on; type amounts by hand, or call support."
    ),
}


class PosApi(QObject):
    """`start()`, `restart(port)`, `stop()`; `state`, `port`, `secret()`, `words()`; `changed` after each move."""

    changed = Signal()

    def __init__(
        self, ctx: AppContext, backend: PosBackend, *, port: int | None = None, parent: QObject | None = None
    ) -> None:
        """`port` for this run only (the demo's `--pos-port`); None: the port in this computer's settings."""
        super().__init__(parent)
        self._ctx = ctx
        self._backend = backend
        self._handle: PosHandle | None = None
        self._state = PosState.STOPPED
        self._run_port = port
        self._port = ctx.settings.get(POS_PORT) if port is None else port
        self._stopping = False

    @property
    def state(self) -> PosState:
        return self._state

    @property
    def port(self) -> int:
        return self._port

    @property
    def pending(self) -> PendingSales:
        return self._backend.pending

    def secret(self) -> str:
        """The shared secret the POS vendor configures (read when asked: a manager's dialog shows it)."""
        return self._backend.secret()

    def words(self) -> str:
        """The state in a sentence of the user's language."""
        return QCoreApplication.translate("PosApi", _STATE_WORDS[self._state]).replace("%1", str(self._port))

    @property
    def trouble(self) -> bool:
        """The interface should run and does not: the status bar warns."""
        return self._state in (PosState.PORT_IN_USE, PosState.FAILED)

    def start(self) -> None:
        """Start serving on the port set (from the window opening); nothing when it runs or is starting."""
        if self._state in (PosState.RUNNING, PosState.STARTING) or self._stopping:
            return
        if (self._ctx.settings.get(POS_PORT) if self._run_port is None else self._run_port) == 0:
            return  # switched off on this computer (port 0): the counter works without a POS
        self._serve(None)

    def restart(self, port: int) -> None:
        """A manager chose `port`: keep it and serve there (stopping the server on the old one first)."""
        self._ctx.settings.set(POS_PORT, port)
        self._run_port = None
        if self._state is PosState.STARTING:
            return
        old, self._handle = self._handle, None
        self._port = port
        self._serve(old)

    def stop(self) -> None:
        """The app quits: stop serving, waiting for it (the POS's calls in flight finish)."""
        self._stopping = True
        handle, self._handle = self._handle, None
        if handle is not None:
            try:
                handle.stop()
            except Exception:  # quitting: a server that will not stop must not keep the till from closing
                log.exception("the POS interface did not stop cleanly")
        self._set(PosState.STOPPED)

    def _serve(self, old: PosHandle | None) -> None:
        if old is None:
            self._port = self._ctx.settings.get(POS_PORT) if self._run_port is None else self._run_port
        port, backend, till = self._port, self._backend, self._ctx.till
        self._set(PosState.STARTING)

        def work() -> PosHandle | PosState:
            if old is not None:
                old.stop()
            try:
                if port_taken(port):
                    return PosState.PORT_IN_USE
                return backend.start(till, port, backend.secret(), backend.pending)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    return PosState.PORT_IN_USE
                log.warning("the POS interface did not start: %s", type(error).__name__)
                return PosState.FAILED
            except (Exception, SystemExit):  # uvicorn exits when it cannot serve
                log.exception("the POS interface did not start")
                return PosState.FAILED

        self._ctx.ops.net(work, self._started, lambda _error: self._set(PosState.FAILED), owner=self)

    def _started(self, result: PosHandle | PosState) -> None:
        if isinstance(result, PosState):
            self._set(result)
            return
        if self._stopping:  # the app began quitting while it started
            result.stop()
            return
        self._handle = result
        self._set(PosState.RUNNING)

    def _set(self, state: PosState) -> None:
        self._state = state
        self.changed.emit()
