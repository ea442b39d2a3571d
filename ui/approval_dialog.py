"""A manager's approval at the till: the reason in plain words (e.g. the offline cap or the reversal limit), then a
manager's staff code and PIN, checked by the staff service (`StaffService.approver`: the same scrypt check and
lockout as a login, and a manager's role). On success `approver` holds that manager's StaffSession, `approved` is
emitted and the dialog is accepted; the screen that asked retries its write with `approver=`.

Thread: GUI thread; the PIN check (scrypt, an audited write) runs on the database worker.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from localdb.errors import Problem, StoreError
from localdb.staff import StaffSession
from ui.context import AppContext
from ui.dialog_parts import WHOLE_PIN, dialog_buttons, field_keypad, pin_input, staff_code_input
from ui.error_line import ErrorLine
from widgets.retranslating import Retranslating


class ApprovalDialog(Retranslating, QDialog):
    """`reasonLabel`, `approverCode`, `approverPin`, the keypad, `confirmButton`, `errorLabel`."""

    approved = Signal(object)  # the approving manager's StaffSession

    def __init__(self, ctx: AppContext, reason: str, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._busy = False
        self.approver: StaffSession | None = None
        self.setObjectName("approvalDialog")
        self.setModal(True)

        self._heading = QLabel(self)
        self._heading.setProperty("tone", "title")
        self.reason_label = QLabel(reason, self)
        self.reason_label.setObjectName("reasonLabel")
        self.reason_label.setWordWrap(True)
        self._code_label = QLabel(self)
        self._pin_label = QLabel(self)

        self.code_input = staff_code_input(self, "approverCode")
        self.pin_input = pin_input(self, "approverPin")

        self._target: QLineEdit = self.code_input
        for field in (self.code_input, self.pin_input):
            field.installEventFilter(self)
        self.keypad = field_keypad(self, target=lambda: self._target, on_digit=self._key_digit, on_enter=self._enter)

        self.error_label = ErrorLine(self)
        self.error_label.clear_when_changed(self.code_input, self.pin_input)

        # Enter in the code field moves on to the PIN (handled below), so no default button that would fire first.
        buttons = dialog_buttons(self, on_confirm=self._approve, confirm_default=False)
        self.cancel_button = buttons.cancel
        self.confirm_button = buttons.confirm

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(self._code_label, self.code_input)
        form.addRow(self._pin_label, self.pin_input)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self._heading)
        layout.addWidget(self.reason_label)
        layout.addLayout(form)
        layout.addWidget(self.keypad, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons.row)
        self.setMinimumWidth(420)
        self.retranslate()
        self.code_input.setFocus()

    # -- language --------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Manager approval"))
        self._heading.setText(self.tr("A manager must approve this"))
        self._code_label.setText(self.tr("Manager code"))
        self._pin_label.setText(self.tr("PIN"))
        self.code_input.setPlaceholderText(self.tr("e.g. M001"))
        self.pin_input.setPlaceholderText(self.tr("4 to 8 digits"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.confirm_button.setText(self.tr("Checking…") if self._busy else self.tr("Approve"))

    # -- typing ----------------------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and watched in (self.code_input, self.pin_input):
            self._target = self.pin_input if watched is self.pin_input else self.code_input
        if (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and watched in (self.code_input, self.pin_input)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._target = self.pin_input if watched is self.pin_input else self.code_input
            self._enter()
            return True
        return super().eventFilter(watched, event)

    def _key_digit(self, digit: str) -> None:
        if not self._busy:
            self._target.insert(digit)

    def _enter(self) -> None:
        """Enter after the code goes on to the PIN; after the PIN, approves."""
        if self._target is self.code_input and self.code_input.text().strip() and not self.pin_input.text():
            self._target = self.pin_input
            self.pin_input.setFocus()
        else:
            self._approve()

    # -- approving -------------------------------------------------------------------------------------------------

    def _approve(self) -> None:
        if self._busy:
            return  # Enter twice: one check is enough
        code, pin = self.code_input.text().strip().upper(), self.pin_input.text()
        if not code:
            self.error_label.show_words(lambda: self.tr("Enter the manager's staff code."))
            self.code_input.setFocus()
            return
        if not WHOLE_PIN.fullmatch(pin):
            self.error_label.show_error(StoreError(Problem.INVALID_PIN))
            self.pin_input.setFocus()
            return
        self._set_busy(True)
        self.error_label.clear_error()
        staff = self._ctx.till.staff
        self._ctx.ops.db(lambda: staff.approver(code, pin), self._approved, self._refused, owner=self)

    def _approved(self, manager: StaffSession) -> None:
        self._set_busy(False)
        self.pin_input.clear()
        self.approver = manager
        self.approved.emit(manager)
        self.accept()

    def _refused(self, error: Exception) -> None:
        self._set_busy(False)
        self.pin_input.clear()
        self.error_label.show_error(error)
        self.pin_input.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.confirm_button.setEnabled(not busy)
        self.keypad.button("enter").setEnabled(not busy)
        self.confirm_button.setText(self.tr("Checking…") if busy else self.tr("Approve"))
