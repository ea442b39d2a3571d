"""Fetching a member's purchase history across the chain when their card opens, without the counter ever waiting:
`ChainHistoryFetcher.open(member_id)` asks the server on the network pool (one request, a short timeout), keeps the
answer in the till's cache (`localdb.chain_history`, on the database worker) and says `changed(member_id)`; the
screens meanwhile show what they have (the cached history, else this till's own records) and read again on the
signal. `status(member_id)` tells them which state the history is in (fetching, fresh, offline, not on the server).

When the health check last said the server is offline, no request is made: the history is offline at once.

Thread: GUI thread; the request runs on `ctx.ops.net`, the cache write on `ctx.ops.db`.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from enum import Enum
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QObject, Signal

from loyalty.roles import Permission
from sync.history import NoHistory, fetch_purchase_history

if TYPE_CHECKING:
    from ui.context import AppContext

log = logging.getLogger(__name__)

_REMEMBERED: Final = 50  # members whose fetch state is remembered (the cache itself keeps more)


class HistoryStatus(Enum):
    FETCHING = "fetching"  # asked; this till's records (or the cached history) show meanwhile
    FRESH = "fresh"  # the server answered just now: the cache holds its answer
    OFFLINE = "offline"  # the server could not be asked: the cached history if any, else this till's records
    NOT_ON_SERVER = "not_on_server"  # unregistered till, or a member the server does not know (yet)


class ChainHistoryFetcher(QObject):
    """One per app (`AppContext.history`)."""

    changed = Signal(str)  # a member's chain history state or answer changed: the member id

    def __init__(self, ctx: AppContext, *, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._status: OrderedDict[str, HistoryStatus] = OrderedDict()
        self._online: bool | None = None  # the last health check's answer (None: none yet)
        ctx.hub.online_changed.connect(self._online_changed)

    def status(self, member_id: str) -> HistoryStatus | None:
        """Where the member's chain history stands (None: never asked since the app started)."""
        return self._status.get(member_id)

    def open(self, member_id: str) -> None:
        """The member's card opened: ask the server for their chain history unless a request is in flight."""
        ctx = self._ctx
        if ctx.staff is None or not ctx.can(Permission.LOOKUP) or self._status.get(member_id) is HistoryStatus.FETCHING:
            return
        if self._online is False:
            self._set(member_id, HistoryStatus.OFFLINE)
            return
        self._set(member_id, HistoryStatus.FETCHING)
        staff = ctx.actor()

        def work() -> dict[str, Any] | NoHistory:
            return fetch_purchase_history(ctx.server_client(), member_id, staff_code=staff.code)

        def done(answer: dict[str, Any] | NoHistory) -> None:
            if isinstance(answer, NoHistory):
                self._set(member_id, HistoryStatus.NOT_ON_SERVER)
                return
            try:
                ctx.ops.db(
                    lambda: ctx.till.history.keep(staff, member_id, answer),
                    lambda _view: self._set(member_id, HistoryStatus.FRESH),
                    lambda _error: self._set(member_id, HistoryStatus.OFFLINE),
                    owner=self,
                )
            except RuntimeError:  # the app is closing (its workers stopped): nothing is kept
                log.info("chain history answered after the workers stopped: not kept")

        def failed(error: Exception) -> None:
            log.info("chain history not fetched: %s", type(error).__name__)  # no member data
            self._set(member_id, HistoryStatus.OFFLINE)

        ctx.ops.net(work, done, failed, owner=self)

    def _set(self, member_id: str, status: HistoryStatus) -> None:
        self._status[member_id] = status
        self._status.move_to_end(member_id)
        while len(self._status) > _REMEMBERED:
            self._status.popitem(last=False)
        self.changed.emit(member_id)

    def _online_changed(self, online: bool) -> None:
        self._online = online
