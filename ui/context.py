"""What every screen is given: the till's services, the signal hub, the background runner, the sync controller, this
computer's settings, the logged-in staff, how a slip is printed and the POS's sale waiting (`pending_sales`).
One object, made once by `ui.app`, so a screen's constructor is `Screen(ctx, parent=...)`.

Thread: GUI thread only (the services it holds are thread-safe; `ops` moves work off this thread).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from localdb.errors import Problem, StoreError
from localdb.staff import StaffSession
from localdb.till import Till
from loyalty.roles import Permission, can
from slip.model import Slip
from slip.printers import PrinterConfig, print_slip
from sync.client import ServerClient
from sync.qt_adapter import SyncController
from ui.hub import AppHub
from ui.operations import Operations
from ui.settings import LocalSettings

if TYPE_CHECKING:
    from posapi.pending import PendingSales  # loads the wire schemas (pydantic): not at the window's start
    from ui.chain_history import ChainHistoryFetcher

ClientFactory = Callable[[str, str | None], ServerClient]
SlipPrinter = Callable[[PrinterConfig, Slip], None]


@dataclass
class AppContext:
    till: Till
    hub: AppHub
    ops: Operations
    sync: SyncController
    settings: LocalSettings
    client_factory: ClientFactory = ServerClient
    staff: StaffSession | None = field(default=None)
    # The POS's sale waiting for the cashier (the local POS interface puts it); None on a till without that interface.
    pending_sales: PendingSales | None = field(default=None)
    # How a slip reaches the printer (slip.printers.print_slip; tests give one backed by python-escpos' Dummy).
    print_slip: SlipPrinter = print_slip
    # Member codes this till has seen this session (scanned, or fetched for the QR dialog), by member id: the QR a
    # slip prints for the next visit. Memory only: the till never stores a member's code.
    member_codes: dict[str, str] = field(default_factory=dict)
    _history: ChainHistoryFetcher | None = field(default=None, init=False, repr=False)

    @property
    def history(self) -> ChainHistoryFetcher:
        """The chain purchase history fetcher (`ui.chain_history`), made on first use."""
        if self._history is None:
            from ui.chain_history import ChainHistoryFetcher

            self._history = ChainHistoryFetcher(self)
        return self._history

    def actor(self) -> StaffSession:
        """The logged-in staff; a screen is only reachable after login, so none here is a bug."""
        if self.staff is None:
            raise StoreError(Problem.PERMISSION_DENIED)
        return self.staff

    def can(self, permission: Permission) -> bool:
        """Whether the logged-in staff may do this (screens hide what a role cannot use; services enforce it)."""
        return self.staff is not None and can(self.staff.role, permission)

    def log_in(self, staff: StaffSession) -> None:
        self.staff = staff
        self.hub.staff_changed.emit(staff)

    def log_out(self) -> None:
        self.staff = None
        self.hub.staff_changed.emit(None)

    def server_client(self) -> ServerClient | None:
        """A client for the registered server (for online checks: authorize, member codes); None when unregistered.
        Call it on a worker thread through `ops.net`, never on the GUI thread."""
        registration = self.till.sync.registration()
        if registration is None or registration.blocked:
            return None
        return self.client_factory(registration.server_url, registration.token)
