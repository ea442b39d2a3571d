"""Staff login: staff code and PIN, typed on the keyboard or on the on-screen keypad, checked by the till's staff
service (scrypt, lockout after five wrong PINs). On success the staff is logged in on the context and the dialog
is accepted; the role then decides what the main window shows.

Thread: GUI thread; the PIN check (~50-100 ms of scrypt, and an audited write) runs on the database worker.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from localdb.errors import Problem, StoreError
from localdb.staff import StaffSession
from ui.context import AppContext
from ui.dialog_parts import WHOLE_PIN, field_keypad, pin_input, staff_code_input
from ui.error_line import ErrorLine
from widgets.retranslating import Retranslating

log = logging.getLogger(__name__)


class LoginDialog(Retranslating, QDialog):
    """`staffCode`, `pinInput`, the keypad, `loginButton` and `errorLabel`; accepted once `ctx.staff` is set."""

    def __init__(self, ctx: AppContext, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._busy = False
        self.setObjectName("loginDialog")
        self.setModal(True)

        self._heading = QLabel(self)
        self._heading.setObjectName("loginHeading")
        self._heading.setProperty("tone", "title")
        self._code_label = QLabel(self)
        self._pin_label = QLabel(self)

        self.staff_code = staff_code_input(self, "staffCode")
        self.staff_code.returnPressed.connect(self._code_entered)
        self.pin_input = pin_input(self, "pinInput")
        self.pin_input.returnPressed.connect(self._log_in)

        # The keypad types into whichever field had the focus last (it never takes the focus itself).
        self._target: QLineEdit = self.staff_code
        for field in (self.staff_code, self.pin_input):
            field.installEventFilter(self)

        self.keypad = field_keypad(
            self, target=lambda: self._target, on_digit=self._key_digit, on_enter=self._key_enter
        )

        self.error_label = ErrorLine(self)
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error_label.clear_when_changed(self.staff_code, self.pin_input)

        self.login_button = QPushButton(self)
        self.login_button.setObjectName("loginButton")
        # Enter is handled by the fields themselves (Enter after the code moves on to the PIN), not by a default
        # button that would also fire on the code's Enter.
        self.login_button.setAutoDefault(False)
        self.login_button.clicked.connect(self._log_in)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.addRow(self._code_label, self.staff_code)
        form.addRow(self._pin_label, self.pin_input)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.login_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self._heading)
        layout.addLayout(form)
        layout.addWidget(self.keypad, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.setMinimumWidth(380)

        self.retranslate()
        self.staff_code.setFocus()

    # -- language --------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        store = self._store_words()
        if store:
            self.setWindowTitle(self.tr("MemberDesk — staff login — %1").replace("%1", store))
        else:
            self.setWindowTitle(self.tr("MemberDesk — staff login"))
        self._heading.setText(store or self.tr("MemberDesk"))
        self._code_label.setText(self.tr("Staff code"))
        self._pin_label.setText(self.tr("PIN"))
        self.staff_code.setPlaceholderText(self.tr("e.g. C001"))
        self.pin_input.setPlaceholderText(self.tr("4 to 8 digits"))
        self.login_button.setText(self.tr("Log in") if not self._busy else self.tr("Checking…"))

    def _store_words(self) -> str:
        """The store this till belongs to, as the title shows it: "S001 旗舰店"."""
        name = self._ctx.till.sync.store_name()
        return f"{self._ctx.till.settings.current().store_code} {name}" if name else ""

    # -- typing ----------------------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and watched in (self.staff_code, self.pin_input):
            self._target = self.pin_input if watched is self.pin_input else self.staff_code
        return super().eventFilter(watched, event)

    def _focus(self, field: QLineEdit) -> None:
        self._target = field
        field.setFocus()

    def _key_digit(self, digit: str) -> None:
        if not self._busy:
            self._target.insert(digit)  # the field's validator and length limit still apply

    def _key_enter(self) -> None:
        if self._target is self.staff_code:
            self._code_entered()
        else:
            self._log_in()

    def _code_entered(self) -> None:
        """Enter after the staff code goes on to the PIN (or logs in when the PIN is already there)."""
        if self.staff_code.text().strip() and not self.pin_input.text():
            self._focus(self.pin_input)
        else:
            self._log_in()

    # -- logging in ------------------------------------------------------------------------------------------------

    def _log_in(self) -> None:
        if self._busy:
            return  # Enter pressed twice: one check is enough
        code, pin = self.staff_code.text().strip().upper(), self.pin_input.text()
        if not code:
            self.error_label.show_words(lambda: self.tr("Enter your staff code."))
            self._focus(self.staff_code)
            return
        if not WHOLE_PIN.fullmatch(pin):
            self.error_label.show_error(StoreError(Problem.INVALID_PIN))
            self._focus(self.pin_input)
            return
        self._set_busy(True)
        self.error_label.clear_error()
        staff_service = self._ctx.till.staff
        self._ctx.ops.db(lambda: staff_service.login(code, pin), self._logged_in, self._refused, owner=self)

    def _logged_in(self, staff: StaffSession) -> None:
        self._set_busy(False)
        self.pin_input.clear()
        self._ctx.log_in(staff)
        self.accept()

    def _refused(self, error: Exception) -> None:
        self._set_busy(False)
        self.pin_input.clear()
        self.error_label.show_error(error)
        self._focus(self.pin_input)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.login_button.setEnabled(not busy)
        self.keypad.button("enter").setEnabled(not busy)
        self.login_button.setText(self.tr("Checking…") if busy else self.tr("Log in"))
