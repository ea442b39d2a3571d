"""Reversing a mistaken entry: the member's recent entries on this till (kind, points, money, receipt, local time,
sync state), pick one with the arrow keys, confirm with Enter. The ledger writes a new entry pointing at the
original (never an edit); entries of more points than the rules allow a cashier need a manager (`ApprovalDialog`),
and the reversal is then written again with `approver=`. Entries that cannot be reversed (reversals, entries already
reversed, entries the server rejected) are listed but cannot be picked.

Thread: GUI thread; the list is read on the GUI thread (one indexed SELECT), the reversal runs on the database worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from localdb.errors import Problem, StoreError
from localdb.ledger import EntryView
from localdb.member_view import MemberView
from localdb.models import EntrySync
from localdb.staff import StaffSession
from loyalty.roles import Permission
from protocol.vocabulary import KIND_RULES
from ui.context import AppContext
from ui.member_action import MemberActionDialog
from widgets.display import (
    entry_kind_name,
    entry_state_name,
    local_time_text,
    points_text,
    signed_points_text,
    yuan_text,
)
from widgets.retranslating import QT_TRANSLATE_NOOP

_COLUMNS: tuple[str, ...] = (
    QT_TRANSLATE_NOOP("ReverseDialog", "Time"),
    QT_TRANSLATE_NOOP("ReverseDialog", "Kind"),
    QT_TRANSLATE_NOOP("ReverseDialog", "Points"),
    QT_TRANSLATE_NOOP("ReverseDialog", "Amount"),
    QT_TRANSLATE_NOOP("ReverseDialog", "Receipt"),
    QT_TRANSLATE_NOOP("ReverseDialog", "State"),
)
_REVERSED: str = QT_TRANSLATE_NOOP("ReverseDialog", "Reversed")


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReverseDialog", text)


class ReverseDialog(MemberActionDialog):
    """`entryList` (one row per entry, newest first), `reverseSummary`, `approvalButton`, `confirmButton` (Enter),
    `errorLabel`. After a reversal: `result_entry`, `result_member`, accepted (and `ctx.hub.member_changed`)."""

    def __init__(self, ctx: AppContext, member: MemberView, *, parent: QWidget | None = None) -> None:
        super().__init__(ctx, member, name="reverseDialog", permission=Permission.REVERSE, with_approval=True,
                         parent=parent)  # fmt: skip
        self._zone: tzinfo = ctx.till.settings.current().zone
        self._entries: list[EntryView] = []
        self._reversed: set[str] = set()
        self._needs_approval: str | None = None  # the entry whose reversal waits for a manager

        self.table = QTableWidget(0, len(_COLUMNS), self)
        self.table.setObjectName("entryList")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("reverseSummary")
        self.summary_label.setWordWrap(True)
        self.lay_out(self.table, self.summary_label, stretch=self.table)
        self.setMinimumSize(720, 460)

        if self._allowed:
            self._entries = ctx.till.ledger.recent_entries(ctx.actor(), member.id)
            self._reversed = {entry.reverses for entry in self._entries if entry.reverses is not None}
        self._fill()
        self.retranslate()
        self.set_busy(False)
        self.table.setFocus()
        first = next((row for row, entry in enumerate(self._entries) if self._reversible(entry)), None)
        if first is not None:
            self.table.selectRow(first)

    def inputs(self) -> Sequence[QWidget]:
        return (self.table,)

    def can_confirm(self) -> bool:
        return super().can_confirm() and self.selected_entry() is not None

    def set_busy(self, busy: bool) -> None:
        super().set_busy(busy)
        self._picked()

    # -- language --------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Reverse an entry"))
        self.heading.setText(self.tr("Reverse a recent entry"))
        self.member_line.setText(self.member_words())
        self.table.setHorizontalHeaderLabels([_tr(column) for column in _COLUMNS])
        for row, entry in enumerate(self._entries):
            kind_item, state_item = self.table.item(row, 1), self.table.item(row, 5)
            if kind_item is not None and state_item is not None:
                kind_item.setText(entry_kind_name(entry.kind))
                state_item.setText(self._state_words(entry))
        self._picked()
        super().retranslate()

    def confirm_words(self) -> str:
        return self.tr("Reversing…") if self.busy else self.tr("Reverse (Enter)")

    def _state_words(self, entry: EntryView) -> str:
        words = entry_state_name(entry.sync_state)
        if entry.id in self._reversed:
            words = _tr(_REVERSED) + " · " + words
        return words

    # -- the list --------------------------------------------------------------------------------------------------

    def _reversible(self, entry: EntryView) -> bool:
        return (
            not KIND_RULES[entry.kind].reverses_entry
            and entry.sync_state is not EntrySync.REJECTED
            and entry.id not in self._reversed
        )

    def _fill(self) -> None:
        self.table.setRowCount(len(self._entries))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, entry in enumerate(self._entries):
            cells = (
                (local_time_text(entry.created_at, self._zone), None),
                (entry_kind_name(entry.kind), None),
                (signed_points_text(entry.points), right),
                ("" if entry.amount_cents is None else yuan_text(entry.amount_cents), right),
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

    def _selection_changed(self) -> None:
        entry = self.selected_entry()
        if entry is None or entry.id != self._needs_approval:
            self._needs_approval = None
            self.withdraw_approval()
            self.error_label.clear_error()  # what was said was about another entry
        self._picked()

    def _picked(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self.summary_label.setText(
                self.tr("No entry of this member can be reversed here.")
                if not any(self._reversible(e) for e in self._entries)
                else self.tr("Pick the entry to reverse with the arrow keys.")
            )
        else:
            change = points_text(abs(entry.points))
            self.summary_label.setText(
                self.tr("Reversing takes %1 point(s) off the member's balance.", "", abs(entry.points)).replace(
                    "%1", change
                )
                if entry.points > 0
                else self.tr("Reversing gives %1 point(s) back to the member.", "", abs(entry.points)).replace(
                    "%1", change
                )
            )
        self.confirm_button.setEnabled(self.can_confirm())

    # -- reversing -------------------------------------------------------------------------------------------------

    def confirm(self) -> None:
        entry = self.selected_entry()
        if entry is not None:  # Enter pressed twice: one reversal (and the database refuses a second one anyway)
            self._write(entry, None)

    def _write(self, entry: EntryView, approver: StaffSession | None) -> None:
        actor, ledger = self._ctx.actor(), self._ctx.till.ledger
        self.write(lambda: ledger.reverse(actor, entry.id, approver=approver), self.entry_written)

    def refused(self, error: Exception) -> None:
        entry = self.selected_entry()
        if isinstance(error, StoreError) and error.problem is Problem.APPROVAL_REQUIRED and entry is not None:
            self._needs_approval = entry.id
            self.offer_approval(lambda manager: self._write(entry, manager))
            return
        self._needs_approval = None
        self.withdraw_approval()
        self.table.setFocus()
