"""The pieces the till's dialogs build alike: the button row (`cancelButton`, `confirmButton`, the
optional `approvalButton`), a dialog that refuses to close while its write is in flight, and the staff-code and
PIN fields with their on-screen keypad (login and manager approval).

It owns their construction only: objectNames, default/auto-default, validators, input hints and signal wiring.
It sets no user-visible text (each dialog's own `retranslate()` does, so every `tr()` keeps its class's context)
and holds no state of its own.

Thread: GUI thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget

from widgets.keypad import Keypad

STAFF_CODE = QRegularExpression(r"[A-Za-z0-9_-]{0,32}")
# Full-width digits come from a Chinese input method; the staff service folds them to the same PIN.
PIN_TYPING = QRegularExpression("[0-9０-９]{0,8}")
WHOLE_PIN = re.compile("[0-9０-９]{4,8}")


def key_for(button: QPushButton, key: Qt.Key) -> QShortcut:
    """`key` presses `button` while its window is active, when the button is visible and enabled (a QShortcut, not
    the button's own: `setText` would replace that with the mnemonic). Show the key with `with_key`."""
    shortcut = QShortcut(QKeySequence(key), button.window())
    shortcut.activated.connect(lambda: button.click() if button.isVisible() and button.isEnabled() else None)
    return shortcut


def with_key(words: str, key: Qt.Key) -> str:
    """A button's words followed by its key, as every button with a key shows it: "最大抵扣 (F3)"."""
    return f"{words} ({QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)})"


class GuardedDialog(QDialog):
    """A dialog that writes on a worker: `_busy` is set while the write is in flight, and Esc / close is refused
    meanwhile, or the write's answer (and the card's refresh) would be lost."""

    _busy: bool = False

    def reject(self) -> None:
        """Esc / close: not while a write is in flight, or its answer (and the card's refresh) would be lost."""
        if self._busy:
            return
        super().reject()


@dataclass(frozen=True, slots=True)
class DialogButtons:
    """A dialog's buttons and the row that holds them: approval (if any), stretch, cancel, confirm."""

    cancel: QPushButton
    confirm: QPushButton
    approval: QPushButton | None
    row: QHBoxLayout


def dialog_buttons(
    parent: QDialog,
    *,
    on_confirm: Callable[[], object],
    confirm_default: bool = True,
    with_approval: bool = False,
    on_approval: Callable[[], object] | None = None,
) -> DialogButtons:
    """`cancelButton` (rejects), `confirmButton` (calls `on_confirm`; the default button, so Enter anywhere confirms,
    unless `confirm_default` is False: then it is not even auto-default) and, `with_approval`, a hidden
    `approvalButton` calling `on_approval`. Created in tab order: approval, cancel, confirm."""
    approval: QPushButton | None = None
    if with_approval:
        approval = QPushButton(parent)
        approval.setObjectName("approvalButton")
        approval.setAutoDefault(False)
        if on_approval is not None:
            approval.clicked.connect(on_approval)
        approval.hide()
    cancel = QPushButton(parent)
    cancel.setObjectName("cancelButton")
    cancel.setAutoDefault(False)
    cancel.clicked.connect(parent.reject)
    confirm = QPushButton(parent)
    confirm.setObjectName("confirmButton")
    if confirm_default:
        confirm.setDefault(True)
    else:
        confirm.setAutoDefault(False)
    confirm.clicked.connect(on_confirm)

    row = QHBoxLayout()
    if approval is not None:
        row.addWidget(approval)
    row.addStretch(1)
    row.addWidget(cancel)
    row.addWidget(confirm)
    return DialogButtons(cancel=cancel, confirm=confirm, approval=approval, row=row)


def staff_code_input(parent: QWidget, object_name: str) -> QLineEdit:
    """A staff code field: letters, digits, `_` and `-`, at most 32, shown in capitals as typed."""
    field = QLineEdit(parent)
    field.setObjectName(object_name)
    field.setValidator(QRegularExpressionValidator(STAFF_CODE, field))
    field.setMaxLength(32)
    field.setInputMethodHints(Qt.InputMethodHint.ImhPreferUppercase | Qt.InputMethodHint.ImhNoPredictiveText)
    uppercase_as_typed(field)
    return field


def uppercase_as_typed(field: QLineEdit) -> None:
    """Codes are capitals: what the staff type shows in capitals at once, the cursor where it was."""

    def raise_case(text: str) -> None:
        upper = text.upper()
        if upper != text:
            position = field.cursorPosition()
            field.setText(upper)
            field.setCursorPosition(position)

    field.textEdited.connect(raise_case)


def pin_input(parent: QWidget, object_name: str) -> QLineEdit:
    """A PIN field: hidden, 4 to 8 digits (full-width ones too)."""
    field = QLineEdit(parent)
    field.setObjectName(object_name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setValidator(QRegularExpressionValidator(PIN_TYPING, field))
    field.setMaxLength(8)
    field.setInputMethodHints(
        Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhSensitiveData | Qt.InputMethodHint.ImhNoPredictiveText
    )
    return field


def field_keypad(
    parent: QWidget,
    *,
    target: Callable[[], QLineEdit],
    on_digit: Callable[[str], object],
    on_enter: Callable[[], object],
) -> Keypad:
    """The on-screen keypad: digits go to `on_digit`, backspace and clear to the field `target()` names at the time
    (whichever had the focus last; the keypad never takes the focus itself), Enter to `on_enter`."""
    keypad = Keypad(parent=parent)
    keypad.digit.connect(on_digit)
    keypad.backspace.connect(lambda: target().backspace())
    keypad.cleared.connect(lambda: target().clear())
    keypad.entered.connect(on_enter)
    return keypad
