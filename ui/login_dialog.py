"""Staff login: staff code and PIN, typed on the keyboard or on the on-screen keypad (`ui.staff_pin_form`), checked
by the till's staff service (argon2id, lockout after five wrong PINs). On success the staff is logged in on the
context and the dialog is accepted; the role then decides what the main window shows.

Thread: GUI thread; the PIN check (~0.3 s of argon2id, and an audited write) runs on the database worker.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from localdb.staff import StaffSession
from ui.context import AppContext
from ui.error_line import ErrorLine
from ui.staff_pin_form import StaffPinForm
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
        self.error_label = ErrorLine(self)
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.form = StaffPinForm(
            ctx.ops,
            self.error_label,
            check=ctx.till.staff.login,
            code_name="staffCode",
            pin_name="pinInput",
            missing_code=lambda: self.tr("Enter your staff code."),
            letters=ctx.till.staff.code_letters(),
            parent=self,
        )
        self.form.verified.connect(self._logged_in)
        self.form.busy_changed.connect(self._busy_changed)
        self.staff_code, self.pin_input, self.keypad = self.form.code_input, self.form.pin_input, self.form.keypad

        self.login_button = QPushButton(self)
        self.login_button.setObjectName("loginButton")
        # Enter is handled by the fields themselves (Enter after the code moves on to the PIN), not by a default
        # button that would also fire on the code's Enter.
        self.login_button.setAutoDefault(False)
        self.login_button.clicked.connect(self.form.advance)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.login_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self._heading)
        layout.addWidget(self.form, 1)
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
        self.form.code_label.setText(self.tr("Staff code"))
        self.form.pin_label.setText(self.tr("PIN"))
        self.staff_code.setPlaceholderText(self.tr("e.g. C001"))
        self.pin_input.setPlaceholderText(self.tr("4 to 8 digits"))
        self.login_button.setText(self.tr("Log in") if not self._busy else self.tr("Checking…"))

    def _store_words(self) -> str:
        """The store this till belongs to, as the title shows it: "S001 旗舰店"."""
        name = self._ctx.till.sync.store_name()
        return f"{self._ctx.till.settings.current().store_code} {name}" if name else ""

    # -- logging in ------------------------------------------------------------------------------------------------

    def _logged_in(self, staff: StaffSession) -> None:
        self._ctx.log_in(staff)
        self.accept()

    def _busy_changed(self, busy: bool) -> None:
        self._busy = busy
        self.login_button.setEnabled(not busy)
        self.login_button.setText(self.tr("Checking…") if busy else self.tr("Log in"))
