"""The till's status bar: online or offline, when the last sync finished, how many records wait to be sent, a
warning when the till's clock is off the server's, and who is logged in at which store.

It listens to the app's hub and reads two small figures from the sync bookkeeping (the unsent count and the newest
finished run) through `ui.sync_figures`, the same source the sync page reads, so the two never disagree.

Thread: GUI thread.
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from localdb.staff import StaffSession
from loyalty.roles import Role
from sync.engine import CLOCK_SKEW_WARNING, SyncReport
from ui.context import AppContext
from ui.sync_figures import SyncFigures, read_sync_figures, store_clock_text
from widgets.display import mark_member_data
from widgets.retranslating import Retranslating

REFRESH_SECONDS = 30


class TillStatusBar(Retranslating, QStatusBar):
    """Labels `statusOnline` (property state=online|offline|unknown), `lastSync`, `pendingCount`, `clockSkew`
    (hidden unless the clock is more than 5 minutes off), `staffLabel`, `storeLabel`."""

    def __init__(self, ctx: AppContext, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._online: bool | None = ctx.sync.online
        self._skew_seconds = 0
        self._figures = SyncFigures(unsent=0, last_run=None)
        self._syncing = ctx.sync.running
        self.setObjectName("tillStatusBar")
        self.setSizeGripEnabled(False)

        self.online_label = self._label("statusOnline")
        self.last_sync_label = self._label("lastSync")
        self.pending_label = self._label("pendingCount")
        self.clock_skew_label = self._label("clockSkew")
        self.clock_skew_label.setVisible(False)
        self.staff_label = self._label("staffLabel")
        self.store_label = self._label("storeLabel")
        for data in (self.staff_label, self.store_label):  # names as head office entered them
            mark_member_data(data)
        for label in (self.online_label, self.last_sync_label, self.pending_label, self.clock_skew_label):
            self.addWidget(label)
        self.addPermanentWidget(self.staff_label)
        self.addPermanentWidget(self.store_label)

        hub = ctx.hub
        hub.online_changed.connect(self._set_online)
        hub.clock_skew_changed.connect(self._set_clock_skew)
        hub.sync_started.connect(self._sync_started)
        hub.sync_finished.connect(self._sync_finished)
        hub.member_changed.connect(self._member_changed)  # every write says which member it changed
        hub.staff_changed.connect(self._staff_changed)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(REFRESH_SECONDS * 1000)
        self.refresh()

    # -- what the hub says -----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the figures again (the timer's tick; also after a sync)."""
        self._figures = read_sync_figures(self._ctx)
        self.retranslate()

    def _set_online(self, online: bool) -> None:
        self._online = online
        self._show_online()

    def _set_clock_skew(self, seconds: int) -> None:
        self._skew_seconds = seconds
        self._show_clock_skew()

    def _sync_started(self) -> None:
        self._syncing = True
        self._show_last_sync()

    def _sync_finished(self, _report: SyncReport) -> None:
        self._syncing = False
        self.refresh()

    def _member_changed(self, _member_id: str) -> None:
        """A write queued something for the server (ui.operations announces every write this way)."""
        self._figures = read_sync_figures(self._ctx)
        self._show_pending()

    def _staff_changed(self, _staff: StaffSession | None) -> None:
        self._show_staff()

    # -- showing ---------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self._show_online()
        self._show_last_sync()
        self._show_pending()
        self._show_clock_skew()
        self._show_staff()
        self._show_store()

    def _show_online(self) -> None:
        if self._online is None:
            state, text = "unknown", self.tr("Checking…")
        elif self._online:
            state, text = "online", self.tr("Online")
        else:
            state, text = "offline", self.tr("Offline")
        if self._ctx.till.sync.registration() is None:
            state, text = "unknown", self.tr("Not registered")
        self.online_label.setText(text)
        self.online_label.setToolTip(
            self.tr("The till works offline too; what it records is sent when the server answers again.")
        )
        _set_style_property(self.online_label, "state", state)

    def _show_last_sync(self) -> None:
        run = self._figures.last_run
        if self._syncing:
            text, tone, tip = self.tr("Syncing…"), "muted", ""
        elif run is None or run.finished_at is None:
            text, tone, tip = self.tr("Never synced"), "muted", ""
        elif run.error is None:
            text = self.tr("Last sync %1").replace("%1", store_clock_text(self._ctx, run.finished_at))
            tone, tip = "muted", ""
        else:
            text = self.tr("Last sync %1 did not finish").replace("%1", store_clock_text(self._ctx, run.finished_at))
            tone, tip = "error", self.tr("The till syncs again by itself; a manager sees why on the sync page.")
        self.last_sync_label.setText(text)
        self.last_sync_label.setToolTip(tip)
        _set_style_property(self.last_sync_label, "tone", tone)

    def _show_pending(self) -> None:
        if self._figures.unsent:
            self.pending_label.setText(self.tr("%n record(s) to send", "", self._figures.unsent))
        else:
            self.pending_label.setText(self.tr("All sent"))
        self.pending_label.setToolTip(self.tr("Points, enrolments and preferences not yet sent to the server."))

    def _show_clock_skew(self) -> None:
        off = timedelta(seconds=abs(self._skew_seconds))
        self.clock_skew_label.setVisible(off > CLOCK_SKEW_WARNING)
        if off <= CLOCK_SKEW_WARNING:
            return
        minutes = round(off.total_seconds() / 60)
        if self._skew_seconds > 0:
            text = self.tr("Clock %n min ahead of the server", "", minutes)
        else:
            text = self.tr("Clock %n min behind the server", "", minutes)
        self.clock_skew_label.setText(text)
        self.clock_skew_label.setToolTip(
            self.tr("Set this computer's clock right: every award and redemption carries its time.")
        )

    def _show_staff(self) -> None:
        staff = self._ctx.staff
        if staff is None:
            self.staff_label.setText(self.tr("Not logged in"))
        else:
            self.staff_label.setText(f"{staff.name} · {self._role_words(staff.role)}")

    def _show_store(self) -> None:
        name = self._ctx.till.sync.store_name()
        if name is None:
            self.store_label.setText(self.tr("No store yet"))
        else:
            self.store_label.setText(f"{self._ctx.till.settings.current().store_code} {name}")

    def _role_words(self, role: Role) -> str:
        if role is Role.MANAGER:
            return self.tr("Manager")
        if role is Role.GUIDE:
            return self.tr("Store guide")
        return self.tr("Cashier")

    def _label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        return label


def _set_style_property(widget: QWidget, name: str, value: str) -> None:
    """A dynamic property the stylesheet matches on; Qt re-reads the stylesheet only when told to."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
