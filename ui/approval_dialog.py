"""A manager's approval at the till: the reason in plain words (e.g. the offline cap or the reversal limit), then a
manager's staff code and PIN (`ui.staff_pin_form`), checked by the staff service (`StaffService.approver`: the same
argon2id check and lockout as a login, and a manager's role). On success `approver` holds that manager's
StaffSession, `approved` is emitted and the dialog is accepted; the screen that asked retries its write with
`approver=`.

Thread: GUI thread; the PIN check (argon2id, ~0.3 s, and an audited write) runs on the database worker.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from localdb.staff import StaffSession
from ui.context import AppContext
from ui.dialog_parts import dialog_buttons
from ui.error_line import ErrorLine
from ui.staff_pin_form import StaffPinForm
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
        self.error_label = ErrorLine(self)
        self.form = StaffPinForm(
            ctx.ops,
            self.error_label,
            check=ctx.till.staff.approver,
            code_name="approverCode",
            pin_name="approverPin",
            missing_code=lambda: self.tr("Enter the manager's staff code."),
            letters=ctx.till.staff.code_letters(),
            parent=self,
        )
        self.form.verified.connect(self._approved)
        self.form.busy_changed.connect(self._busy_changed)
        self.code_input, self.pin_input, self.keypad = self.form.code_input, self.form.pin_input, self.form.keypad

        # Enter in the code field moves on to the PIN (the form's), so no default button that would fire first.
        buttons = dialog_buttons(self, on_confirm=self.form.advance, confirm_default=False)
        self.cancel_button = buttons.cancel
        self.confirm_button = buttons.confirm

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self._heading)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.form, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons.row)
        self.setMinimumWidth(420)
        self.retranslate()
        self.code_input.setFocus()

    # -- language --------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Manager approval"))
        self._heading.setText(self.tr("A manager must approve this"))
        self.form.code_label.setText(self.tr("Manager code"))
        self.form.pin_label.setText(self.tr("PIN"))
        self.code_input.setPlaceholderText(self.tr("e.g. M001"))
        self.pin_input.setPlaceholderText(self.tr("4 to 8 digits"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.confirm_button.setText(self.tr("Checking…") if self._busy else self.tr("Approve"))

    # -- approving -------------------------------------------------------------------------------------------------

    def _approved(self, manager: StaffSession) -> None:
        self.approver = manager
        self.approved.emit(manager)
        self.accept()

    def _busy_changed(self, busy: bool) -> None:
        self._busy = busy
        self.confirm_button.setEnabled(not busy)
        self.confirm_button.setText(self.tr("Checking…") if busy else self.tr("Approve"))
