"""`StaffPinForm`, how staff prove who they are at the till, written once for the login and a manager's approval: a
staff code and a PIN, typed on the keyboard or on the on-screen keypad (which types into whichever field had the
focus last and never takes the focus itself, and has a key for each letter the till's staff codes use, so a touch
screen alone types "C001"; its OK key is hidden: the dialog's one primary button, `advance()`, does what it did),
Enter after the code moving on to the PIN, the two checked before
anything is asked of the staff service (a code given, a PIN of 4 to 8 digits), then the service's check (`check`,
argon2id, about a third of a second, and an audited write) on the database worker, once per submit (never per
keystroke; Enter twice checks once): `verified(staff)` when it passes; when it does not, the refusal on the
dialog's error line and the PIN cleared for another try.

It owns the fields and their behaviour, not their words: the dialog's own `retranslate()` sets the labels and
placeholders (`code_label`, `pin_label`), so each keeps its own translation context.

Thread: GUI thread; the service's check runs on the database worker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from localdb.errors import Problem, StoreError
from localdb.staff import StaffSession
from ui.dialog_parts import WHOLE_PIN, field_keypad, pin_input, staff_code_input
from ui.error_line import ErrorLine, Words
from ui.operations import Operations


class StaffPinForm(QWidget):
    """`code_input` and `pin_input` (objectNames as given), `code_label`, `pin_label`, `keypad`; `busy_changed(bool)`
    while the service checks, `verified(StaffSession)` when it passes. Refusals go to the dialog's `errors` line."""

    busy_changed = Signal(bool)
    verified = Signal(object)  # the StaffSession the code and PIN belong to

    def __init__(
        self,
        ops: Operations,
        errors: ErrorLine,
        *,
        check: Callable[[str, str], StaffSession],
        code_name: str,
        pin_name: str,
        missing_code: Words,
        letters: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ops = ops
        self._check = check
        self._errors = errors
        self._missing_code = missing_code
        self._busy = False
        self.code_label = QLabel(self)
        self.pin_label = QLabel(self)
        self.code_input = staff_code_input(self, code_name)
        self.code_input.returnPressed.connect(self._code_entered)
        self.pin_input = pin_input(self, pin_name)
        self.pin_input.returnPressed.connect(self.submit)
        self._target: QLineEdit = self.code_input
        for field in (self.code_input, self.pin_input):
            field.installEventFilter(self)
        self.keypad = field_keypad(self, target=lambda: self._target, on_digit=self._key_digit, on_enter=self.advance)
        self.keypad.show_enter(False)  # the dialog's primary button advances: one, not two doing the same
        self.keypad.set_letters(letters)
        self.keypad.letter.connect(self._key_letter)
        self._update_letters()
        errors.clear_when_changed(self.code_input, self.pin_input)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.addRow(self.code_label, self.code_input)
        form.addRow(self.pin_label, self.pin_input)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addLayout(form)
        layout.addWidget(self.keypad, 1)

    # -- what the dialog does with it ------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._busy

    def focus(self, field: QLineEdit) -> None:
        self._target = field
        self._update_letters()
        field.setFocus()

    def submit(self) -> None:
        """Check what was typed and emit `submitted`, or say what is missing."""
        if self._busy:
            return  # Enter pressed twice: one check is enough
        code, pin = self.code_input.text().strip().upper(), self.pin_input.text()
        if not code:
            self._errors.show_words(self._missing_code)
            self.focus(self.code_input)
        elif not WHOLE_PIN.fullmatch(pin):
            self._errors.show_error(StoreError(Problem.INVALID_PIN))
            self.focus(self.pin_input)
        else:
            self._errors.clear_error()
            self._set_busy(True)
            check = self._check
            self._ops.db(lambda: check(code, pin), self._passed, self._refused, owner=self)

    def _passed(self, staff: StaffSession) -> None:
        self._set_busy(False)
        self.pin_input.clear()
        self.verified.emit(staff)

    def _refused(self, error: Exception) -> None:
        """The PIN goes (it is never left on screen) and the cashier types it again."""
        self._set_busy(False)
        self.pin_input.clear()
        self.focus(self.pin_input)
        self._errors.show_error(error)

    def _set_busy(self, busy: bool) -> None:
        """While the service checks the keypad's OK and digits do nothing (Enter twice checks once)."""
        self._busy = busy
        self.keypad.button("enter").setEnabled(not busy)
        self.busy_changed.emit(busy)

    # -- typing ----------------------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and watched in (self.code_input, self.pin_input):
            self._target = self.pin_input if watched is self.pin_input else self.code_input
            self._update_letters()
        return super().eventFilter(watched, event)

    def _key_digit(self, digit: str) -> None:
        if not self._busy:
            self._target.insert(digit)  # the field's validator and length limit still apply

    def _key_letter(self, letter: str) -> None:
        if not self._busy and self._target is self.code_input:
            self.code_input.insert(letter)

    def _update_letters(self) -> None:
        """The letter keys work while the code is being typed (a PIN is digits only)."""
        for key in self.keypad.letter_keys():
            key.setEnabled(self._target is self.code_input)

    def advance(self) -> None:
        """The dialog's primary button (and the keyboard's Enter): from the code on to the PIN, or check the two."""
        if self._target is self.code_input:
            self._code_entered()
        else:
            self.submit()

    def _code_entered(self) -> None:
        """Enter after the code goes on to the PIN (or submits when the PIN is already there)."""
        if self.code_input.text().strip() and not self.pin_input.text():
            self.focus(self.pin_input)
        else:
            self.submit()
