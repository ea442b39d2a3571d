"""Reversing a mistaken entry: the member's recent entries on this till (kind, points, money, receipt, local time,
sync state), pick one with the arrow keys, confirm with Enter. The ledger writes a new entry pointing at the
original (never an edit); entries of more points than the rules allow a cashier need a manager (`ApprovalDialog`),
and the reversal is then written again with `approver=`. Entries that cannot be reversed (reversals, entries already
reversed, entries the server rejected) are listed but cannot be picked.

Thread: GUI thread; the list is read on the GUI thread (one indexed SELECT), the reversal runs on the database worker.
"""

from __future__ import annotations

import logging
from datetime import tzinfo

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from localdb.errors import Problem, StoreError
from localdb.ledger import EntryView, LedgerResult
from localdb.member_view import MemberView
from localdb.models import EntrySync
from localdb.staff import StaffSession
from loyalty.roles import Permission
from protocol.vocabulary import EntryKind
from ui.approval_dialog import ApprovalDialog
from ui.context import AppContext
from ui.dialog_parts import GuardedDialog, dialog_buttons, error_label
from ui.messages import QT_TRANSLATE_NOOP, describe
from widgets.money_input import format_yuan
from widgets.retranslating import Retranslating

log = logging.getLogger(__name__)

_CONTEXT = "ReverseDialog"
_KIND_WORDS: dict[EntryKind, str] = {
    EntryKind.EARN: QT_TRANSLATE_NOOP("ReverseDialog", "Earned"),
    EntryKind.REDEEM: QT_TRANSLATE_NOOP("ReverseDialog", "Redeemed"),
    EntryKind.REVERSE: QT_TRANSLATE_NOOP("ReverseDialog", "Reversal"),
    EntryKind.ADJUST: QT_TRANSLATE_NOOP("ReverseDialog", "Adjustment"),
}
_STATE_WORDS: dict[EntrySync, str] = {
    EntrySync.PENDING: QT_TRANSLATE_NOOP("ReverseDialog", "Not synced yet"),
    EntrySync.APPLIED: QT_TRANSLATE_NOOP("ReverseDialog", "Synced"),
    EntrySync.FLAGGED: QT_TRANSLATE_NOOP("ReverseDialog", "Flagged"),
    EntrySync.REJECTED: QT_TRANSLATE_NOOP("ReverseDialog", "Rejected"),
}
_REVERSED: str = QT_TRANSLATE_NOOP("ReverseDialog", "Reversed")
_COLUMNS: tuple[str, ...] = (
    QT_TRANSLATE_NOOP("ReverseDialog", "Time"),
    QT_TRANSLATE_NOOP("ReverseDialog", "Kind"),
    QT_TRANSLATE_NOOP("ReverseDialog", "Points"),
    QT_TRANSLATE_NOOP("ReverseDialog", "Amount"),
    QT_TRANSLATE_NOOP("ReverseDialog", "Receipt"),
    QT_TRANSLATE_NOOP("ReverseDialog", "State"),
)


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


class ReverseDialog(Retranslating, GuardedDialog):
    """`entryList` (one row per entry, newest first), `reverseSummary`, `approvalButton`, `confirmButton` (Enter),
    `errorLabel`. After a reversal: `result_entry`, `result_member`, `ctx.hub.member_changed`, accepted."""

    def __init__(self, ctx: AppContext, member: MemberView, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._member = member
        self._zone: tzinfo = ctx.till.settings.current().zone
        self._busy = False
        self._error: BaseException | None = None
        self._entries: list[EntryView] = []
        self._reversed: set[str] = set()
        self._needs_approval: str | None = None  # the entry whose reversal waits for a manager
        self.result_entry: EntryView | None = None
        self.result_member: MemberView | None = None
        self.approval_dialog: ApprovalDialog | None = None
        self.setObjectName("reverseDialog")
        self.setModal(True)

        self._heading = QLabel(self)
        self._heading.setProperty("tone", "title")
        self._member_line = QLabel(self)
        self._member_line.setProperty("tone", "muted")
        self.table = QTableWidget(0, len(_COLUMNS), self)
        self.table.setObjectName("entryList")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._picked)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("reverseSummary")
        self.summary_label.setWordWrap(True)
        self.error_label = error_label(self)

        buttons = dialog_buttons(self, on_confirm=self._confirm, with_approval=True, on_approval=self._ask_approval)
        assert buttons.approval is not None
        self.approval_button = buttons.approval
        self.cancel_button = buttons.cancel
        self.confirm_button = buttons.confirm

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self._heading)
        layout.addWidget(self._member_line)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons.row)
        self.setMinimumSize(720, 460)

        self._allowed = ctx.can(Permission.REVERSE)
        if self._allowed:
            self._entries = ctx.till.ledger.recent_entries(ctx.actor(), member.id)
            self._reversed = {entry.reverses for entry in self._entries if entry.reverses is not None}
        else:
            self._show_error(StoreError(Problem.PERMISSION_DENIED))
        self._fill()
        self.retranslate()
        self._set_busy(False)
        self.table.setFocus()
        first = next((row for row, entry in enumerate(self._entries) if self._reversible(entry)), None)
        if first is not None:
            self.table.selectRow(first)

    # -- language --------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Reverse an entry"))
        self._heading.setText(self.tr("Reverse a recent entry"))
        self._member_line.setText(
            f"{self._member.name} · {self._member.phone_masked} · "
            + self.tr("%1 points available").replace("%1", f"{self._member.available_points:,}")
        )
        self.table.setHorizontalHeaderLabels([_tr(column) for column in _COLUMNS])
        for row, entry in enumerate(self._entries):
            kind_item, state_item = self.table.item(row, 1), self.table.item(row, 5)
            if kind_item is not None and state_item is not None:
                kind_item.setText(_tr(_KIND_WORDS[entry.kind]))
                state_item.setText(self._state_words(entry))
        self.approval_button.setText(self.tr("Manager approval…"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.confirm_button.setText(self.tr("Reversing…") if self._busy else self.tr("Reverse (Enter)"))
        self._picked()
        self._show_error(self._error)

    def _state_words(self, entry: EntryView) -> str:
        words = _tr(_STATE_WORDS[entry.sync_state])
        if entry.id in self._reversed:
            words = _tr(_REVERSED) + " · " + words
        return words

    # -- the list --------------------------------------------------------------------------------------------------

    def _reversible(self, entry: EntryView) -> bool:
        return (
            entry.kind is not EntryKind.REVERSE
            and entry.sync_state is not EntrySync.REJECTED
            and entry.id not in self._reversed
        )

    def _fill(self) -> None:
        self.table.setRowCount(len(self._entries))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, entry in enumerate(self._entries):
            local = entry.created_at.astimezone(self._zone)
            cells = (
                (local.strftime("%Y-%m-%d %H:%M"), None),
                (_tr(_KIND_WORDS[entry.kind]), None),
                (f"{entry.points:+,}", right),
                ("" if entry.amount_cents is None else format_yuan(entry.amount_cents), right),
                (entry.receipt_no or "", None),
                (self._state_words(entry), None),
            )
            for column, (text, alignment) in enumerate(cells):
                item = QTableWidgetItem(text)
                if alignment is not None:
                    item.setTextAlignment(alignment)
                if not self._reversible(entry):
                    item.setFlags(Qt.ItemFlag.NoItemFlags)  # listed for the record; cannot be picked
                self.table.setItem(row, column, item)

    def selected_entry(self) -> EntryView | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if len(rows) != 1:
            return None
        entry = self._entries[rows.pop()]
        return entry if self._reversible(entry) else None

    def _picked(self) -> None:
        entry = self.selected_entry()
        if entry is not None and entry.id != self._needs_approval:
            self._needs_approval = None
            self.approval_button.hide()
        if entry is None:
            self.summary_label.setText(
                self.tr("No entry of this member can be reversed here.")
                if not any(self._reversible(e) for e in self._entries)
                else self.tr("Pick the entry to reverse with the arrow keys.")
            )
        else:
            change = f"{abs(entry.points):,}"
            self.summary_label.setText(
                self.tr("Reversing takes %1 points off the member's balance.").replace("%1", change)
                if entry.points > 0
                else self.tr("Reversing gives %1 points back to the member.").replace("%1", change)
            )
        self.confirm_button.setEnabled(self._allowed and not self._busy and entry is not None)

    # -- reversing -------------------------------------------------------------------------------------------------

    def _confirm(self) -> None:
        entry = self.selected_entry()
        if self._busy or not self._allowed or entry is None:
            return  # Enter pressed twice: one reversal (and the database refuses a second one anyway)
        self._show_error(None)
        self._write(entry, None)

    def _write(self, entry: EntryView, approver: StaffSession | None) -> None:
        actor, ledger = self._ctx.actor(), self._ctx.till.ledger
        self._set_busy(True)
        self._ctx.ops.db(
            lambda: ledger.reverse(actor, entry.id, approver=approver),
            self._reversed_done,
            lambda error: self._refused(entry, error),
            owner=self,
        )

    def _reversed_done(self, result: LedgerResult) -> None:
        self.result_entry = result.entry
        self.result_member = result.member
        self._set_busy(False)
        log.info("reversed entry %s with %s", result.entry.reverses, result.entry.id)
        self.accept()

    def _refused(self, entry: EntryView, error: Exception) -> None:
        self._set_busy(False)
        self._show_error(error)
        needs_manager = isinstance(error, StoreError) and error.problem is Problem.APPROVAL_REQUIRED
        self._needs_approval = entry.id if needs_manager else None
        self.approval_button.setVisible(needs_manager)
        (self.approval_button if needs_manager else self.table).setFocus()

    def _ask_approval(self) -> None:
        if self._busy or self._needs_approval is None or self._error is None:
            return
        dialog = ApprovalDialog(self._ctx, describe(self._error), parent=self)
        dialog.approved.connect(self._approved_by)
        self.approval_dialog = dialog
        dialog.open()

    def _approved_by(self, manager: StaffSession) -> None:
        entry = self.selected_entry()
        if self._busy or entry is None or entry.id != self._needs_approval:
            return
        self.approval_button.hide()
        self._show_error(None)
        self._write(entry, manager)

    # -- state -----------------------------------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.table.setEnabled(not busy)
        self.approval_button.setEnabled(not busy)
        self.confirm_button.setText(self.tr("Reversing…") if busy else self.tr("Reverse (Enter)"))
        self._picked()

    def _show_error(self, error: BaseException | None) -> None:
        self._error = error
        self.error_label.setText("" if error is None else describe(error))
        self.error_label.setVisible(error is not None)
