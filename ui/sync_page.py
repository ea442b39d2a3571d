"""The manager's sync / end-of-day page: sync now (F9) with a progress bar, the run's summary (pushed, applied,
duplicates, merged, flagged, rejected, pulled, still to send; what stopped it, in words), every item the server
flagged or rejected with its reason in plain words, and the day's report (`ui.day_report_view`) to print or save.

The page never blocks the window: the sync runs on the SyncController's own thread and the page only listens to
the hub (`sync_started`, `sync_progress`, `sync_finished`), so a background sync shows here too; the exception list
is read on the database worker. Thread: GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from localdb.errors import Problem, StoreError
from localdb.reports import SyncException
from localdb.staff import StaffSession
from loyalty.roles import Permission
from sync.engine import AUDIT_TAMPERING, Phase, SyncReport
from ui.context import AppContext
from ui.day_report_view import DayReportView
from ui.error_line import ErrorLine
from ui.messages import describe_sync_error, reason_words
from ui.sync_figures import read_sync_figures, store_clock_text
from widgets.display import entry_kind_name, item_status_name, item_type_name, points_text, signed_points_text
from widgets.retranslating import Retranslating

log = logging.getLogger(__name__)

W = TypeVar("W", bound=QWidget)
_CONTEXT = "SyncPage"

# The bar runs through the phases in one sweep: connecting, then sending (to 50 %), then receiving (to 100 %).
_PHASE_SPAN = {Phase.CONNECT: (0, 5), Phase.PUSH: (5, 45), Phase.PULL: (50, 50)}

# The run's summary, in the order the manager reads it: objectName suffix and label.
_SUMMARY = (
    ("Pushed", QT_TRANSLATE_NOOP("SyncPage", "Sent to the server")),
    ("Applied", QT_TRANSLATE_NOOP("SyncPage", "Applied")),
    ("Duplicates", QT_TRANSLATE_NOOP("SyncPage", "Already there (sent before)")),
    ("Merged", QT_TRANSLATE_NOOP("SyncPage", "New members merged into existing ones")),
    ("Flagged", QT_TRANSLATE_NOOP("SyncPage", "Flagged, to check")),
    ("Rejected", QT_TRANSLATE_NOOP("SyncPage", "Rejected")),
    ("Pulled", QT_TRANSLATE_NOOP("SyncPage", "Member changes received")),
    ("Unsent", QT_TRANSLATE_NOOP("SyncPage", "Still to send")),
)

_COLUMNS = (
    QT_TRANSLATE_NOOP("SyncPage", "When"),
    QT_TRANSLATE_NOOP("SyncPage", "What"),
    QT_TRANSLATE_NOOP("SyncPage", "Staff"),
    QT_TRANSLATE_NOOP("SyncPage", "Points"),
    QT_TRANSLATE_NOOP("SyncPage", "Status"),
    QT_TRANSLATE_NOOP("SyncPage", "Why"),
)


def _tr(text: object) -> str:
    """A module-level (QT_TRANSLATE_NOOP) string in the user's language."""
    return QCoreApplication.translate(_CONTEXT, str(text))


def _named(widget: W, name: str) -> W:
    widget.setObjectName(name)
    return widget


def _say(label: QLabel, text: str) -> None:
    """Show a message line, or hide it when there is nothing to say (an empty line would leave a gap)."""
    label.setText(text)
    label.setVisible(bool(text))


class SyncPage(Retranslating, QWidget):
    """objectNames: `syncPage`, `syncButton` (F9), `syncProgress`, `syncPhase`, `errorLabel`, `auditWarning` (the
    server refused the till's audit anchor: its audit log was changed; docs/sync.md), `summary<Name>` value
    labels (Pushed, Applied, Duplicates, Merged, Flagged, Rejected, Pulled, Unsent), `syncExceptions`, and the day
    report's (`reportDate`, `dayReport`, `printButton`, `savePdfButton`)."""

    def __init__(self, ctx: AppContext, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncPage")
        self._ctx = ctx
        self._last: SyncReport | None = None
        self._running = ctx.sync.running  # a background run may be going when the page is made
        self._button_had_focus = False  # the sync button had the focus when the run started (it gets it back)
        self.exceptions: list[SyncException] = []

        self._title = QLabel(self)
        self._title.setProperty("tone", "title")
        self.sync_button = _named(QPushButton(self), "syncButton")
        self.sync_button.setProperty("role", "primary")
        self.sync_button.clicked.connect(self.sync_now)
        self.progress = _named(QProgressBar(self), "syncProgress")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.phase_label = _named(QLabel(self), "syncPhase")
        self.phase_label.setProperty("tone", "muted")
        self._phase_words: Callable[[], str] = str  # the phase line's words, asked again on a language switch
        self.error_label = ErrorLine(self)
        self.outcome_label = _named(QLabel(self), "syncOutcome")
        self.outcome_label.setWordWrap(True)
        policy = self.outcome_label.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # its line is kept: what is below does not move when it speaks
        self.outcome_label.setSizePolicy(policy)
        for label in (self.phase_label, self.outcome_label):  # an empty line is as tall as a spoken one
            label.setText("同步 Sync")  # (Chinese glyphs come from a fallback font with a taller line)
            label.setMinimumHeight(label.sizeHint().height())
            label.clear()
        self.audit_warning = _named(QLabel(self), "auditWarning")
        self.audit_warning.setWordWrap(True)
        self.audit_warning.setProperty("tone", "error")
        self.audit_warning.setVisible(False)

        self._summary_box = _named(QGroupBox(self), "syncSummary")
        form = QFormLayout(self._summary_box)
        self._summary_captions: list[QLabel] = []
        self.summary: dict[str, QLabel] = {}
        for name, _text in _SUMMARY:
            caption, value = QLabel(self._summary_box), _named(QLabel(self._summary_box), f"summary{name}")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self._summary_captions.append(caption)
            self.summary[name] = value
            form.addRow(caption, value)
        self._finished_caption, self.finished_label = QLabel(self._summary_box), QLabel(self._summary_box)
        self.finished_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(self._finished_caption, self.finished_label)

        self._exceptions_title = QLabel(self)
        self._exceptions_title.setProperty("tone", "title")
        self.exception_list = _named(QTableWidget(self), "syncExceptions")
        self.exception_list.setColumnCount(len(_COLUMNS))
        self.exception_list.setWordWrap(True)
        self.exception_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.exception_list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.exception_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.exception_list.verticalHeader().setVisible(False)
        header = self.exception_list.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        # Rows grow to their wrapped reason whatever width the columns get.
        self.exception_list.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self._no_exceptions = _named(QLabel(self), "noExceptions")
        self._no_exceptions.setProperty("tone", "ok")

        self.day_report = DayReportView(ctx, parent=self)

        self._build_layout()
        hub = ctx.hub
        hub.sync_started.connect(self._started)
        hub.sync_progress.connect(self._progress)
        hub.sync_finished.connect(self._finished)
        hub.staff_changed.connect(self._staff_changed)
        hub.member_changed.connect(self._member_changed)
        self.retranslate()
        self._apply_role()

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self._title)
        top.addWidget(self.sync_button)
        top.addWidget(self.progress, 1)
        status = QHBoxLayout()
        status.addWidget(self.phase_label)
        status.addWidget(self.outcome_label, 1)
        # The summary down the left; the items to look at and the day's report share the right, the report
        # taking the height (it is what a manager reads and prints).
        summary = QVBoxLayout()
        summary.addWidget(self._summary_box)
        summary.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self._exceptions_title)
        right.addWidget(self._no_exceptions)
        self.exception_list.setMaximumHeight(180)
        right.addWidget(self.exception_list)
        right.addWidget(self.day_report, 1)
        body = QHBoxLayout()
        body.setSpacing(24)
        body.addLayout(summary)
        body.addLayout(right, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(16, 16, 16, 16)
        column.addLayout(top)
        column.addLayout(status)
        column.addWidget(self.error_label)
        column.addWidget(self.audit_warning)
        column.addLayout(body, 1)

    # -- the run -------------------------------------------------------------------------------------------------

    def sync_now(self) -> None:
        """Start a sync (the button, F9). Refused words when the role may not; a press while a sync runs (F9 pressed
        twice, or a background run going) is ignored: the bar already shows that run, and its end is this page's."""
        if not self._ctx.can(Permission.SYNC):
            self.error_label.show_error(StoreError(Problem.PERMISSION_DENIED))
            return
        if self._running or self._ctx.sync.running:
            return
        self._ctx.sync.sync_now()

    def _started(self) -> None:
        self._running = True
        self.error_label.clear_error()
        _say(self.outcome_label, "")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self._say_phase(lambda: self.tr("Connecting to the server…"))
        # A disabled button hands its focus on down the chain, to the report's date box, where the next digit
        # typed would change the day: the page holds the focus for the run and gives it back to the button after.
        self._button_had_focus = self.sync_button.hasFocus()
        if self._button_had_focus:
            self.setFocus()
        self.sync_button.setEnabled(False)

    def _progress(self, phase: str, done: int, total: int) -> None:
        try:
            step = Phase(phase)
        except ValueError:
            return
        if step is Phase.DONE:
            self.progress.setRange(0, 100)
            self.progress.setValue(100)
            self._say_phase(lambda: self.tr("Done."))
            return
        start, span = _PHASE_SPAN[step]
        if total < 0:
            self.progress.setRange(0, 0)  # unknown length: Qt's busy indicator
        else:
            self.progress.setRange(0, 100)
            self.progress.setValue(start + (span * min(done, total) // total if total > 0 else span))
        self._say_phase(lambda: self._phase_text(step, done, total))

    def _say_phase(self, words: Callable[[], str]) -> None:
        self._phase_words = words
        self.phase_label.setText(words())

    def _phase_text(self, phase: Phase, done: int, total: int) -> str:
        if phase is Phase.CONNECT:
            return self.tr("Connecting to the server…")
        if phase is Phase.PUSH:
            words = self.tr("Sending this till's changes: %1 of %2")
            return words.replace("%1", points_text(done)).replace("%2", points_text(total))
        if total > 0:
            words = self.tr("Receiving member changes: %1 of %2")
            return words.replace("%1", points_text(done)).replace("%2", points_text(total))
        return self.tr("Receiving member changes…")

    def _finished(self, report: SyncReport) -> None:
        self._running = False
        self._last = report
        if self.progress.maximum() == 0:  # stopped while busy: show a still bar, not an endless one
            self.progress.setRange(0, 100)
            self.progress.setValue(0)
        if report.error is not None:
            self._say_phase(lambda: self.tr("Stopped."))
        self._render_summary()
        self._apply_role()
        if self._button_had_focus and self.sync_button.isEnabled() and self.isVisible():
            self.sync_button.setFocus()
        self._button_had_focus = False
        self.refresh()

    def _render_summary(self) -> None:
        """The last finished run's tally and time and what waits to be sent now, read as the status bar reads them
        (`ui.sync_figures`: a background run counts, a later award shows at once); the words of this page's run."""
        figures = read_sync_figures(self._ctx)
        run = figures.last_run
        if run is None or run.finished_at is None:
            for label in self.summary.values():
                label.setText("–")
            self.finished_label.setText(self.tr("Never synced"))
        else:
            values = {
                "Pushed": run.pushed, "Applied": run.applied, "Duplicates": run.duplicates, "Merged": run.merged,
                "Flagged": run.flagged, "Rejected": run.rejected, "Pulled": run.pulled,
            }  # fmt: skip
            for name, value in values.items():
                self.summary[name].setText(points_text(value))
            finished = store_clock_text(self._ctx, run.finished_at)
            self.finished_label.setText(
                finished if run.error is None else self.tr("%1 (did not finish)").replace("%1", finished)
            )
        self.summary["Unsent"].setText(points_text(figures.unsent))
        report = self._last
        if report is None:
            _say(self.outcome_label, "")
            _say(self.audit_warning, "")
            return
        error = report.error
        if error is None:
            self.error_label.clear_error()
        else:
            self.error_label.show_words(lambda: describe_sync_error(error))
        synced = report.ok and figures.unsent == 0
        self.outcome_label.setProperty("tone", "ok" if synced else "error")
        self.outcome_label.style().unpolish(self.outcome_label)
        self.outcome_label.style().polish(self.outcome_label)
        _say(self.outcome_label, self._outcome_text(report, figures.unsent))
        tampered = report.audit_problem in AUDIT_TAMPERING
        _say(self.audit_warning, self.tr(
            "The server refused this till's audit record: the audit log on this computer was changed. Leave the "
            "computer as it is and tell the head office."
        ) if tampered else "")  # fmt: skip

    def _outcome_text(self, report: SyncReport, unsent: int) -> str:
        if report.error is not None:
            return self.tr("Nothing was lost: %n item(s) wait for the next sync.", "", unsent)
        if report.tally.rejected:
            return self.tr("%n item(s) were rejected: see the list below.", "", report.tally.rejected)
        if unsent:
            return self.tr("%n item(s) still wait to be sent.", "", unsent)
        return self.tr("Everything is synced.")

    # -- the flagged and rejected items --------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the flagged / rejected items and the day's report (on the database worker)."""
        staff = self._ctx.staff
        if staff is None or not self._ctx.can(Permission.SYNC):
            self._show_exceptions([])
            return
        self._ctx.ops.db(lambda: self._ctx.till.reports.sync_exceptions(staff), self._show_exceptions,
                         self._exceptions_failed, owner=self)  # fmt: skip
        self.day_report.refresh()

    def _show_exceptions(self, items: list[SyncException]) -> None:
        self.exceptions = items
        self._render_exceptions()

    def _exceptions_failed(self, error: Exception) -> None:
        self.error_label.show_error(error)

    def _render_exceptions(self) -> None:
        table = self.exception_list
        table.setHorizontalHeaderLabels([_tr(text) for text in _COLUMNS])
        table.setRowCount(len(self.exceptions))
        zone = self._ctx.till.settings.current().zone
        for row, item in enumerate(reversed(self.exceptions)):  # newest first: today's problems at the top
            what = entry_kind_name(item.entry_kind) if item.entry_kind else item_type_name(item.item_type)
            if item.receipt_no:
                what = self.tr("%1, receipt %2").replace("%1", what).replace("%2", item.receipt_no)
            cells = (
                item.created_at.astimezone(zone).strftime("%m-%d %H:%M"),
                what,
                item.staff_code or "",
                signed_points_text(item.points) if item.points is not None else "",
                item_status_name(item.status),
                reason_words(item.reason),
            )
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, item.item_id)
                table.setItem(row, column, cell)
        self._no_exceptions.setVisible(not self.exceptions)
        table.setVisible(bool(self.exceptions))

    # -- paper ---------------------------------------------------------------------------------------------------

    def save_pdf(self, path: Path) -> None:
        """The day's report as shown, to a PDF file."""
        self.day_report.save_pdf(path)

    # -- role, keys, language ------------------------------------------------------------------------------------

    def _apply_role(self) -> None:
        allowed = self._ctx.can(Permission.SYNC)
        self.sync_button.setEnabled(allowed and not self._running)
        self.day_report.setEnabled(allowed)

    def _member_changed(self, _member_id: str) -> None:
        """A write queued something to send: "Still to send" counts it at once, as the status bar does."""
        self._render_summary()

    def _staff_changed(self, _staff: StaffSession | None) -> None:
        self._apply_role()
        if self.isVisible():
            self.refresh()
        elif not self._ctx.can(Permission.SYNC):
            self._show_exceptions([])

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._apply_role()
        if self.sync_button.isEnabled():
            self.sync_button.setFocus()  # Enter or Space syncs; F9 does from anywhere on the page
        self.refresh()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_F9 and self.sync_button.isEnabled():
            self.sync_now()
        else:
            super().keyPressEvent(event)

    def retranslate(self) -> None:
        self._title.setText(self.tr("Sync and day end"))
        self.sync_button.setText(self.tr("Sync now (F9)"))
        self._summary_box.setTitle(self.tr("Last sync"))
        for caption, (_name, text) in zip(self._summary_captions, _SUMMARY, strict=True):
            caption.setText(_tr(text))
        self._finished_caption.setText(self.tr("Finished at"))
        # The summary keeps the width of its widest value ("no sync yet..."), so the report beside it does not
        # move sideways when a sync puts a time there.
        never = self.tr("no sync yet since the till started")
        self.finished_label.setMinimumWidth(self.finished_label.fontMetrics().horizontalAdvance(never))
        self._exceptions_title.setText(self.tr("Flagged and rejected items"))
        self._no_exceptions.setText(self.tr("None: the server took everything as it was."))
        self.phase_label.setText(self._phase_words())
        self._render_summary()
        self._render_exceptions()
